"""Text encoding detection for the files Chinese finance data really comes in.

Exports from Wind, Choice, brokers' and exchanges' systems are often GBK/GB18030, sometimes
UTF-8 with a BOM (Excel's "CSV UTF-8"). Guessing from a sample misreads files whose first
non-ASCII byte is far in, so the candidates are checked over the whole file (streamed):
BOM first, then strict UTF-8, then strict GB18030 (a superset of GBK and GB2312), then the
one of those two that decodes all but a few lines (one corrupt byte must not lose a whole
export), and only then charset-normalizer's guess.

A file opened with a few undecodable lines keeps each bad byte as a lone surrogate
(``surrogateescape``); the readers find it with ``undecodable`` and reject that line or row by
its number, keeping the rest.
"""

from __future__ import annotations

import codecs
import re
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
MAX_DAMAGED_SHARE = 0.25
"""At most this share of a file's non-ASCII lines may fail to decode for it to still count as
being in that encoding (the failing lines are rejected one by one)."""
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


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


def damaged_lines(path: Path, encoding: str) -> tuple[int, int] | None:
    """(lines holding non-ASCII text, how many of them do not decode as ``encoding``), streamed;
    None when the damage cannot even be kept byte by byte (an error spanning ASCII bytes)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    wide = damaged = 0
    line_wide = line_damaged = False
    try:
        with path.open("rb") as handle:
            while True:
                chunk = handle.read(_CHUNK)
                for index, piece in enumerate(decoder.decode(chunk, final=not chunk).split("\n")):
                    if index:
                        wide, damaged = wide + line_wide, damaged + line_damaged
                        line_wide = line_damaged = False
                    line_wide = line_wide or not piece.isascii()
                    line_damaged = line_damaged or _ESCAPED_BYTE.search(piece) is not None
                if not chunk:
                    return wide + line_wide, damaged + line_damaged
    except UnicodeDecodeError:
        return None


def _mostly(path: Path) -> str | None:
    """The candidate encoding that decodes all but at most ``MAX_DAMAGED_SHARE`` of the lines."""
    best: tuple[int, str] | None = None
    for name in _STRICT_CANDIDATES:
        counts = damaged_lines(path, name)
        if counts and counts[1] <= MAX_DAMAGED_SHARE * counts[0] and (best is None or counts[1] < best[0]):
            best = (counts[1], name)
    return best[1] if best else None


def detect_encoding(path: Path, declared: str = "auto") -> tuple[str, str]:
    """The encoding of ``path`` and the decoding error policy to open it with: ``strict`` when
    it decodes over the whole file, ``surrogateescape`` when all but a few lines do (or the
    encoding was declared), ``replace`` for a guess.

    A declared encoding (anything but ``auto``) is trusted; an unknown codec name or a file
    that is binary or in no recognisable encoding raises ``SourceError``."""
    if declared != "auto":
        try:
            return codecs.lookup(declared).name, "surrogateescape"
        except LookupError:
            raise SourceError("unknown encoding", f"no codec named {declared!r}") from None
    head = read_head(path, 4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, "strict"
    for name in _STRICT_CANDIDATES:
        if decodes_fully(path, name):
            return name, "strict"
    if b"\x00" in read_head(path, 8192):
        raise SourceError("binary file", "contains NUL bytes; not a text file")
    if mostly := _mostly(path):
        return mostly, "surrogateescape"
    return _guess(path), "replace"


def _guess(path: Path) -> str:
    from charset_normalizer import from_path

    best = from_path(path).best()
    if best is None:
        raise SourceError("unknown text encoding", "not UTF-8, not GB18030/GBK, and no confident guess")
    return best.encoding


def open_text(path: Path, declared: str = "auto", newline: str | None = None) -> IO[str]:
    """Open ``path`` for reading text in its detected encoding, with the error policy
    ``detect_encoding`` chose (a guessed encoding replaces what it cannot decode rather than
    crash half-way through the file)."""
    encoding, errors = detect_encoding(path, declared)
    return path.open("r", encoding=encoding, errors=errors, newline=newline)


def undecodable(text: str, encoding: str) -> str | None:
    """What is wrong with text read by ``open_text`` when it kept an undecodable byte, else None."""
    match = _ESCAPED_BYTE.search(text)
    return f"byte 0x{ord(match.group()) - 0xDC00:02x} is not valid {encoding}" if match else None
