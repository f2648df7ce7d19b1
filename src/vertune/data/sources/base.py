"""What every source reader shares: its options, its file-level error, and safe line streaming.

A reader turns one file into ``Document``s; a bad line or row becomes a ``Rejection`` and the
reader carries on, while a file that cannot be read at all raises ``SourceError`` (the ingest
turns it into one ``Rejection`` for the file). Lines are read with a length cap so that a
50 MB single-line file costs a bounded amount of memory and ends as a clear rejection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Union

from vertune.records import Document, Rejection

MAX_LINE_CHARS = 1_000_000
"""The longest line (or CSV/JSONL record) a reader accepts; longer ones are rejected, not loaded."""

MAX_DOCUMENT_CHARS = 20_000_000
"""The longest single document (a text file, a page's worth of HTML) a reader accepts."""

_SKIP_CHUNK = 1 << 20

Item = Union[Document, Rejection]
Reader = Callable[[Path, "ReadOptions"], Iterator[Item]]


class SourceError(Exception):
    """A whole file cannot be read; ``reason`` is short and stable, ``detail`` says more."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ReadOptions:
    """How to read one source: its name and kind (copied into documents), encoding, field mapping
    (Document field -> input column) and format (``auto`` detects it)."""

    source_name: str
    kind: str
    encoding: str = "auto"
    mapping: dict[str, str] = field(default_factory=dict)
    fmt: str = "auto"
    label_columns: tuple[tuple[str, str], ...] = ()
    """(column, meta name) of columns that hold answers (e.g. a fraud flag): stored in meta under
    that name, never written into the text."""


def reject(where: str, reason: str, detail: str = "") -> Rejection:
    """The ingest rejection of one item: a file, or a line/row of one (``file:line``)."""
    return Rejection(stage="ingest", item=where, reason=reason, detail=detail)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_TRAILING_SPACE = re.compile(r"[ \t\u3000]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Text as every reader hands it on: no control or zero-width characters, ``\\n`` line ends,
    no trailing spaces, at most one blank line in a row. Full-width punctuation is kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("", _CONTROL.sub("", text))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def capped_lines(handle: IO[str], max_chars: int = MAX_LINE_CHARS) -> Iterator[str | None]:
    """Yield the lines of ``handle``; a line longer than ``max_chars`` is skipped, never held in
    memory, and yielded as ``None`` so the caller can reject it by its line number."""
    while True:
        line = handle.readline(max_chars + 1)
        if not line:
            return
        if len(line) > max_chars and not line.endswith("\n"):
            while (rest := handle.readline(_SKIP_CHUNK)) and not rest.endswith("\n"):
                pass
            yield None
            continue
        yield line


def too_long(path: Path, line: int, max_chars: int = MAX_LINE_CHARS) -> Rejection:
    """The rejection of a line that ``capped_lines`` skipped."""
    return reject(f"{path}:{line}", "line too long", f"more than {max_chars:,} characters; not loaded")


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"PK\x03\x04", "ZIP/Office"),
    (b"%!PS", "PostScript"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"\xd0\xcf\x11\xe0", "legacy Office (OLE)"),
)


def sniff_signature(head: bytes) -> str | None:
    """The file type named by the magic bytes at the start of ``head``, if any is known.

    ``%PDF-`` may sit anywhere in the first kilobyte (PDF readers allow leading junk)."""
    if b"%PDF-" in head[:1024]:
        return "PDF"
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    return None


def read_head(path: Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes of ``path``."""
    with path.open("rb") as handle:
        return handle.read(size)
