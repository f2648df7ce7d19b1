"""Text encoding detection for the files Chinese finance data really comes in.

Exports from Wind, Choice, brokers' and exchanges' systems are often GBK/GB18030, sometimes
UTF-8 with a BOM (Excel's "CSV UTF-8"). Guessing from a sample misreads files whose first
non-ASCII byte is far in, so the candidates are checked over the whole file (streamed):
BOM first, then strict UTF-8, then strict GB18030 (a superset of GBK and GB2312), and only
then charset-normalizer's guess.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import IO

from vertune.data.sources.base import SourceError, read_head

_CHUNK = 1 << 20
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_STRICT_CANDIDATES = ("utf-8", "gb18030")


def decodes_fully(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes strictly as ``encoding`` (streamed, bounded memory)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path, declared: str = "auto") -> tuple[str, bool]:
    """The encoding of ``path`` and whether it was verified over the whole file.

    A declared encoding (anything but ``auto``) is trusted; an unknown codec name or a file
    that is binary or in no recognisable encoding raises ``SourceError``."""
    if declared != "auto":
        try:
            return codecs.lookup(declared).name, True
        except LookupError:
            raise SourceError("unknown encoding", f"no codec named {declared!r}") from None
    head = read_head(path, 4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, True
    for name in _STRICT_CANDIDATES:
        if decodes_fully(path, name):
            return name, True
    if b"\x00" in read_head(path, 8192):
        raise SourceError("binary file", "contains NUL bytes; not a text file")
    return _guess(path), False


def _guess(path: Path) -> str:
    from charset_normalizer import from_path

    best = from_path(path).best()
    if best is None:
        raise SourceError("unknown text encoding", "not UTF-8, not GB18030/GBK, and no confident guess")
    return best.encoding


def open_text(path: Path, declared: str = "auto", newline: str | None = None) -> IO[str]:
    """Open ``path`` for reading text in its detected encoding.

    Encodings verified over the whole file decode strictly; a guessed one replaces the bytes it
    cannot decode rather than crash half-way through the file."""
    encoding, verified = detect_encoding(path, declared)
    return path.open("r", encoding=encoding, errors="strict" if verified else "replace", newline=newline)
