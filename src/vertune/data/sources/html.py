"""News and web pages -> one Document each: title, date, author and the main text only.

trafilatura finds the article body and drops navigation, footers, share buttons and the like;
it also reads the page's charset (GBK portals included) when no encoding is declared. A page
with no main text (an empty shell, a login wall) is a ``SourceError``, not an empty document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from vertune.data.sources.base import MAX_DOCUMENT_CHARS, Item, ReadOptions, SourceError, clean_text
from vertune.records import Document

MAX_HTML_BYTES = MAX_DOCUMENT_CHARS
_AUTHOR_META = ("author", "article:author", "byl", "dc.creator", "sailthru.author")
_AUTHOR_LABEL = re.compile(r"^\s*(作者|记者|文|来源)\s*[:：/]?\s*")


def meta_author(raw: bytes | str) -> str:
    """The author named in the page's ``<meta>`` tags (trafilatura drops short Chinese names)."""
    try:
        tree = lxml_html.fromstring(raw)
    except (ValueError, etree.ParserError):
        return ""
    for tag in tree.iter("meta"):
        name = (tag.get("name") or tag.get("property") or "").lower()
        if name in _AUTHOR_META and (tag.get("content") or "").strip():
            return tag.get("content").strip()
    return ""


@dataclass(frozen=True)
class Page:
    title: str
    date: str | None
    author: str
    text: str


def extract_page(raw: bytes | str, where: str = "") -> Page:
    """Title, date (ISO), author and main text of one HTML page; raises if it has no main text."""
    result = trafilatura.bare_extraction(raw, with_metadata=True, include_tables=True, include_comments=False)
    text = clean_text(result.text or "") if result is not None else ""
    if not text:
        raise SourceError("no main text", f"no article body found in {where or 'the page'}")
    author = (result.author or "") or meta_author(raw)
    return Page(
        title=(result.title or "").strip(),
        date=result.date or None,
        author=_AUTHOR_LABEL.sub("", author).strip(),
        text=text,
    )


def _load(path: Path, encoding: str) -> bytes | str:
    size = path.stat().st_size
    if size > MAX_HTML_BYTES:
        raise SourceError("HTML file too large", f"{size:,} bytes > {MAX_HTML_BYTES:,}")
    raw = path.read_bytes()
    if encoding == "auto":
        return raw
    try:
        return raw.decode(encoding)
    except (LookupError, UnicodeDecodeError) as err:
        raise SourceError("cannot decode", f"as {encoding}: {err}") from None


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """The page as one Document (author, when known, in ``meta``)."""
    page = extract_page(_load(path, options.encoding), str(path))
    yield Document(
        source=options.source_name,
        kind=options.kind,
        title=page.title,
        text=page.text,
        published_at=page.date,
        meta={"author": page.author} if page.author else {},
    )
