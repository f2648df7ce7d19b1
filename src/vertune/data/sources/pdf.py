"""PDF files (reports, research, regulation) -> one Document each, via pdfplumber.

Per page: text lines in reading order (top to bottom) with the page's ruled tables cut out and
put back at their place as Markdown, and also kept as structured ``Table`` rows. Wrapped lines
are re-joined into paragraphs so a sentence (and a number with its unit) is not split by a
line break. Running headers/footers and page numbers, which repeat on most pages and would
pollute every chunk, are removed. Pages with images but no text layer are scanned pages: they
are listed in ``meta["scanned_pages"]``; a PDF with no text at all is a ``SourceError``.
Glyphs of a CID font without a ToUnicode map come out of pdfminer as ``(cid:N)``: they are
dropped and counted, and a PDF where they are more than ``MAX_UNMAPPED_SHARE`` of the glyphs
is a ``SourceError`` (its text cannot be extracted), not a document of placeholders.
``meta["pages"]`` gives each page's character span in the text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from vertune.data.sources.base import Item, ReadOptions, SourceError, clean_text, read_head, sniff_signature
from vertune.records import Document, Table

EDGE_BAND = 0.08
"""Share of the page height, at the top and at the bottom, where headers and footers sit."""
RUNNING_SHARE = 0.4
"""A margin-band line recurring on at least this share of the pages is a running header."""
TITLE_MAX_CHARS = 80
MAX_UNMAPPED_SHARE = 0.05
"""A PDF with more than this share of glyphs that map to no character is rejected: it reads as
text with every twentieth character missing, or none at all."""
TRAILING_PADDING = b"\x00\t\n\x0c\r "
"""Bytes some writers and transfers append after ``%%EOF``; PDF readers ignore them."""
_UNMAPPED = re.compile(r"\(cid:\d+\)")
_PLACEHOLDER_TITLES = {"", "untitled", "(anonymous)", "anonymous", "(unspecified)", "unknown"}
_PAGE_NUMBER = re.compile(
    r"^[\s\-–—]*(第\s*)?\d+\s*(页)?\s*([/／]\s*\d+|of\s+\d+|共\s*\d+\s*页)?\s*(页)?[\s\-–—]*$"
    r"|^\s*(page|p\.)\s*\d+(\s*(of|/)\s*\d+)?\s*$",
    re.IGNORECASE,
)
_CJK_OR_FULLWIDTH = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_WORD_CHAR = re.compile(r"[A-Za-z0-9.,:;%+\-/()'’&]")
_ITEM_START = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、．](?!\d)|第[一二三四五六七八九十百\d]+[节章条]|[•·●■◆-] )")


@dataclass(frozen=True)
class Line:
    """One text line with what paragraph re-joining needs: where it starts and ends, its font
    size, the width of its leading word (what did not fit on the line before), and whether it
    sits in the top or bottom margin band, where running headers and footers live."""

    text: str
    x0: float = 0.0
    x1: float = 0.0
    size: float = 10.0
    lead: float = 0.0
    edge: bool = False


Block = Union[Line, Table]


@dataclass(frozen=True)
class PageContent:
    number: int
    blocks: list[Block]
    scanned: bool
    width: float = 0.0
    unmapped: int = 0


def strip_unmapped(text: str) -> tuple[str, int]:
    """``text`` without pdfminer's ``(cid:N)`` placeholders for unmapped glyphs, and their count."""
    return _UNMAPPED.subn("", text)


def glyph_count(text: str, unmapped: int) -> int:
    """How many glyphs the PDF drew: the text's visible characters plus the unmapped ones."""
    return unmapped + sum(not char.isspace() for char in text)


def _tail(path: Path, size: int = 1024) -> bytes:
    """The last ``size`` bytes of ``path`` before any trailing padding."""
    with path.open("rb") as handle:
        end = handle.seek(0, 2)
        while end > 0:
            start = max(0, end - (1 << 16))
            handle.seek(start)
            kept = handle.read(end - start).rstrip(TRAILING_PADDING)
            end = start + len(kept)
            if kept:
                break
        handle.seek(max(0, end - size))
        return handle.read(end - max(0, end - size))


def check_file(path: Path) -> None:
    """Fail fast, with a clear reason, on files that are not PDFs or were cut off."""
    head = read_head(path, 1024)
    kind = sniff_signature(head)
    if kind != "PDF":
        raise SourceError(f"not a PDF ({kind} signature)" if kind else "not a PDF (no %PDF header)")
    if b"%%EOF" not in _tail(path):
        raise SourceError("truncated PDF", "no %%EOF marker at the end; the file was cut off")


def _open_error(err: PdfminerException) -> SourceError:
    inner = err.args[0] if err.args else err
    if isinstance(inner, PDFEncryptionError):
        return SourceError("encrypted PDF", "password protected; decrypt it first")
    return SourceError("corrupt PDF", f"{type(inner).__name__}: {inner}")


def join_lines(left: str, right: str) -> str:
    """Join two pieces of one paragraph: no space between CJK text, one space between words."""
    if not left or not right:
        return left + right
    if _CJK_OR_FULLWIDTH.match(left[-1]) or _CJK_OR_FULLWIDTH.match(right[0]):
        return left + right
    return f"{left} {right}"


def _cell(value: str | None) -> str:
    parts = (value or "").split("\n")
    text = parts[0].strip()
    for part in parts[1:]:
        text = join_lines(text, part.strip())
    return strip_unmapped(text)[0]


def table_markdown(table: Table) -> str:
    """A table as Markdown (pipes in cells escaped)."""
    rows = [[cell.replace("|", "\\|") for cell in row] for row in table.rows]
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = [f"| {' | '.join(row)} |" for row in rows]
    if table.header:
        lines.insert(1, f"|{' --- |' * width}")
    return "\n".join(lines)


def _page_content(page: Any) -> PageContent:
    """Lines and tables of one pdfplumber page, top to bottom."""
    found = [(t.bbox, t.extract()) for t in page.find_tables() if len(t.rows) >= 2 and len(t.columns) >= 2]
    unmapped = sum(len(_UNMAPPED.findall(cell or "")) for _, rows in found for row in rows for cell in row)
    tables = [(bbox, Table(rows=[[_cell(c) for c in row] for row in rows], page=page.page_number))
              for bbox, rows in found]

    def outside_tables(obj: dict[str, Any]) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for (x0, top, x1, bottom), _ in tables)

    text_page = page.filter(outside_tables) if tables else page
    raw_lines = []
    for line in text_page.extract_text_lines():
        text, dropped = strip_unmapped(line["text"])
        unmapped += dropped
        if text.strip():
            raw_lines.append({**line, "text": text})
    if not raw_lines and not tables:
        return PageContent(page.page_number, [], scanned=bool(page.images) and not unmapped, unmapped=unmapped)

    def in_band(line: dict[str, Any]) -> bool:
        return line["top"] < EDGE_BAND * page.height or line["bottom"] > (1 - EDGE_BAND) * page.height

    positioned: list[tuple[float, Block]] = [(bbox[1], table) for bbox, table in tables]
    for line in raw_lines:
        size = max((char.get("size", 0.0) for char in line["chars"]), default=10.0)
        block = Line(line["text"].strip(), line["x0"], line["x1"], size, _lead_width(line["chars"]), in_band(line))
        positioned.append((line["top"], block))
    positioned.sort(key=lambda item: item[0])
    return PageContent(page.page_number, [block for _, block in positioned], scanned=False, width=page.width,
                       unmapped=unmapped)


def _lead_width(chars: list[dict[str, Any]]) -> float:
    """Width of a line's first unbreakable piece: one CJK character, or a whole word/number."""
    chars = [char for char in chars if char["text"].strip()]
    if not chars:
        return 0.0
    end = chars[0]["x1"]
    if _WORD_CHAR.match(chars[0]["text"]):
        for char in chars[1:]:
            if not _WORD_CHAR.match(char["text"]):
                break
            end = char["x1"]
    return end - chars[0]["x0"]


def extract_pages(path: Path) -> tuple[list[PageContent], str]:
    """Every page's content and the PDF's own title (may be empty)."""
    try:
        pdf = pdfplumber.open(path)
    except PdfminerException as err:
        raise _open_error(err) from None
    with pdf:
        title = str(pdf.metadata.get("Title") or "").strip()
        pages: list[PageContent] = []
        try:
            for page in pdf.pages:
                pages.append(_page_content(page))
                page.close()
        except PdfminerException as err:
            raise _open_error(err) from None
        except (PSException, ValueError, KeyError, TypeError, AssertionError) as err:
            raise SourceError("corrupt PDF", f"page {len(pages) + 1}: {type(err).__name__}: {err}") from None
    return pages, title


def _shape(text: str) -> str:
    """A line with its digits masked, so "第3页" and "第4页" count as the same running line."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def running_lines(pages: list[PageContent]) -> set[str]:
    """Shapes of the margin-band lines that recur on most pages (headers, footers)."""
    with_text = [page for page in pages if page.blocks]
    if len(with_text) < 2:
        return set()
    counts = Counter(
        shape
        for page in with_text
        for shape in {_shape(block.text) for block in page.blocks if isinstance(block, Line) and block.edge}
    )
    needed = max(2, math.ceil(RUNNING_SHARE * len(with_text)))
    return {shape for shape, count in counts.items() if count >= needed}


def strip_running(blocks: list[Block], running: set[str]) -> list[Block]:
    """``blocks`` without the running headers/footers and page numbers in the margin bands."""
    return [
        block
        for block in blocks
        if not (isinstance(block, Line) and block.edge and (_shape(block.text) in running or _PAGE_NUMBER.match(block.text)))
    ]


def continues(previous: Line, line: Line, left: float, right: float) -> bool:
    """Whether ``line`` goes on with ``previous``'s paragraph: ``previous`` was wrapped (its
    line had no room left for ``line``'s first word) and ``line`` is neither indented, nor a
    list item or heading, nor in a margin band."""
    wrapped = right - previous.x1 <= line.lead + previous.size
    indented = line.x0 >= left + 0.9 * line.size
    return wrapped and not indented and not (previous.edge or line.edge or _ITEM_START.match(line.text))


def render_blocks(blocks: list[Block], left: float, right: float) -> str:
    """A page's text: wrapped lines re-joined into paragraphs, tables as Markdown blocks.

    ``left``/``right`` are the body text's margins (print layouts are symmetric)."""
    parts: list[str] = []
    previous: Line | None = None
    for block in blocks:
        if isinstance(block, Table):
            parts.append(f"\n{table_markdown(block)}\n")
            previous = None
        elif previous is not None and continues(previous, block, left, right):
            parts[-1] = join_lines(parts[-1], block.text)
            previous = block
        else:
            parts.append(block.text)
            previous = block
    return "\n".join(parts)


def body_left(pages: list[PageContent]) -> float:
    """The left margin of body text: the leftmost start of a line outside the margin bands."""
    starts = [block.x0 for page in pages for block in page.blocks if isinstance(block, Line) and not block.edge]
    return min(starts, default=0.0)


def assemble(pages: list[PageContent]) -> tuple[str, list[dict[str, int]], list[Table]]:
    """The document text with headers/footers removed, each page's span in it, and its tables.

    A paragraph that runs on over a page break is joined back together."""
    running = running_lines(pages)
    left = body_left(pages)
    text = ""
    spans: list[dict[str, int]] = []
    tables: list[Table] = []
    tail: Block | None = None
    for page in pages:
        blocks = strip_running(page.blocks, running)
        right = page.width - left
        page_text = clean_text(render_blocks(blocks, left, right))
        head = blocks[0] if blocks else None
        if isinstance(tail, Line) and isinstance(head, Line) and continues(tail, head, left, right):
            text = join_lines(text, page_text)
        elif text and page_text:
            text += "\n\n" + page_text
        else:
            text += page_text
        spans.append({"page": page.number, "start": len(text) - len(page_text), "end": len(text)})
        tables += [block for block in blocks if isinstance(block, Table)]
        tail = blocks[-1] if blocks else None
    return text, spans, tables


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """The PDF as one Document."""
    check_file(path)
    pages, pdf_title = extract_pages(path)
    scanned = [page.number for page in pages if page.scanned]
    text, spans, tables = assemble(pages)
    unmapped = sum(page.unmapped for page in pages)
    glyphs = glyph_count(text, unmapped)
    if unmapped > MAX_UNMAPPED_SHARE * glyphs:
        raise SourceError("unmapped glyphs", f"{unmapped} of {glyphs} glyphs map to no character (a CID font without "
                          "a ToUnicode map); the text cannot be extracted, OCR it")
    if not text:
        if scanned:
            raise SourceError("scanned PDF: no text layer", f"{len(scanned)} of {len(pages)} pages are images only; OCR it first")
        raise SourceError("empty PDF", f"{len(pages)} pages, no text")
    first_line = text.split("\n", 1)[0].strip().lstrip("|").strip()
    title = pdf_title if pdf_title.lower() not in _PLACEHOLDER_TITLES else ""
    meta: dict[str, Any] = {"page_count": len(pages), "pages": spans}
    if scanned:
        meta["scanned_pages"] = scanned
    if unmapped:
        meta["unmapped_glyphs"] = unmapped
    yield Document(
        source=options.source_name,
        kind=options.kind,
        title=title or (first_line if len(first_line) <= TITLE_MAX_CHARS else ""),
        text=text,
        tables=tables,
        meta=meta,
    )
