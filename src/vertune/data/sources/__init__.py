"""The source readers by format name, and the choice of reader for a file.

Format names are the ones a config's ``format:`` accepts. ``auto`` picks by extension, then
by content for unknown extensions; tabular extensions read as ``table`` unless the config says
``forum`` or ``dialogue``. Annual reports (kind ``annual_report``) go through the annual-report
reader, which adds sections and key financial elements to the PDF or text reader's output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from vertune.data.sources import annual_report, dialogue, forum, html, pdf, tables, text
from vertune.data.sources.base import Item, Reader, ReadOptions, SourceError, read_head, sniff_signature

READERS: dict[str, Reader] = {
    "pdf": pdf.read,
    "html": html.read,
    "table": tables.read,
    "forum": forum.read,
    "dialogue": dialogue.read,
    "text": text.read,
}
EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    **{suffix: "table" for suffix in tables.TABLE_SUFFIXES},
    ".txt": "text",
    ".md": "text",
    ".markdown": "text",
}
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")


def detect_format(path: Path, options: ReadOptions) -> str:
    """The format to read ``path`` with: the configured one, else by extension, else by content."""
    if options.fmt != "auto":
        if options.fmt not in READERS:
            raise SourceError("unknown format", f"{options.fmt!r}; known: {', '.join(READERS)}")
        return options.fmt
    if fmt := EXTENSIONS.get(path.suffix.lower()):
        return fmt
    head = read_head(path, 2048)
    signature = sniff_signature(head)
    if signature == "PDF":
        return "pdf"
    if signature:
        raise SourceError("unsupported file type", f"{signature} file")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_HTML_STARTS):
        return "html"
    return "text"


def reader_for(path: Path, options: ReadOptions) -> Reader:
    """The reader function for ``path`` under ``options``."""
    fmt = detect_format(path, options)
    if options.kind == "annual_report" and fmt in ("pdf", "text"):
        return annual_report.read
    return READERS[fmt]


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Read one file with the right reader; ``SourceError`` if the file cannot be read at all."""
    if path.stat().st_size == 0:
        raise SourceError("empty file", "0 bytes")
    reader = reader_for(path, options)
    try:
        yield from reader(path, options)
    except UnicodeDecodeError as err:
        raise SourceError("cannot decode", f"{err.encoding}: {err.reason} at byte {err.start}") from None


__all__ = ["READERS", "ReadOptions", "SourceError", "detect_format", "read", "reader_for"]
