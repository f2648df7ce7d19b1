"""Plain text and Markdown files -> one Document each.

The file is streamed line by line with the shared caps, so a huge or single-line file ends as
a clear ``SourceError`` instead of exhausting memory. The title is the first Markdown heading,
or a short first line of a plain text file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from vertune.data.sources.base import (
    MAX_DOCUMENT_CHARS,
    MAX_LINE_CHARS,
    Item,
    ReadOptions,
    SourceError,
    capped_lines,
    clean_text,
)
from vertune.data.sources.encoding import open_text, undecodable
from vertune.records import Document

TITLE_MAX_CHARS = 80
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def load_text(path: Path, encoding: str = "auto") -> str:
    """The whole text of ``path``, refusing over-long lines and documents without loading them."""
    parts: list[str] = []
    total = 0
    with open_text(path, encoding) as handle:
        for number, line in enumerate(capped_lines(handle), start=1):
            if line is None:
                raise SourceError("line too long", f"line {number} has more than {MAX_LINE_CHARS:,} characters")
            if problem := undecodable(line, handle.encoding):
                raise SourceError("cannot decode", f"line {number}: {problem}")
            total += len(line)
            if total > MAX_DOCUMENT_CHARS:
                raise SourceError("document too long", f"more than {MAX_DOCUMENT_CHARS:,} characters")
            parts.append(line)
    return "".join(parts)


def title_of(text: str, markdown: bool) -> str:
    """The first Markdown heading, or for plain text a first line short enough to be a title."""
    if markdown and (heading := _MD_HEADING.search(text)):
        return heading.group(1)
    first = text.split("\n", 1)[0].strip()
    return first if len(first) <= TITLE_MAX_CHARS else ""


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """The file as one Document."""
    text = clean_text(load_text(path, options.encoding))
    if not text:
        raise SourceError("no text", "the file holds only whitespace")
    markdown = path.suffix.lower() in (".md", ".markdown")
    yield Document(source=options.source_name, kind=options.kind, title=title_of(text, markdown), text=text)
