"""Text cleaning that keeps the symbols finance text lives on.

The common ``re.sub(r"[^\\w\\s]", "", x)`` turns "12.5%" into "125" and "600519.SH" into
"600519SH". Here nothing is removed by being "not a word character": punctuation, currency
and maths symbols, decimals, thousands separators, dates, tickers and units all stay. What
goes is noise: HTML tags and entities, control and invisible format characters, private-use
and unassigned code points, and decorative "other symbols" (emoji, ★, ■, box drawing) unless
the config's ``keep`` allowlist names them.

NFKC is applied with care. It is wanted for full-width digits, letters and signs
("１２．５％" -> "12.5%", "￥" -> "¥", the ideographic space -> " "), but it would also turn the
Chinese punctuation ，；：？！（） into ASCII and "…" into "...". Those characters, and every
character in ``keep``, are shielded from NFKC and survive verbatim. Characters NFKC does not
touch (。“”《》、【】「」¥ € £ ‰) need no shielding. Superscripts are flattened by NFKC
("m²" -> "m2") unless listed in ``keep``.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from vertune.records import Document, Rejection, Table

# Chinese punctuation that NFKC would rewrite to ASCII; shielded so it survives as written.
SHIELDED_FROM_NFKC = frozenset("，；：？！（）…")
# "Other symbols" (category So) that carry meaning in business text and are kept by default.
DEFAULT_KEEP = frozenset("°©®")
# Categories removed unless allowlisted: controls, invisible format characters, private use,
# surrogates, unassigned, and other symbols (emoji, dingbats, box drawing).
REMOVED_CATEGORIES = ("Cc", "Cf", "Co", "Cs", "Cn", "So")

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*(br|/?p|/div|/li|/tr|/h[1-6]|/table|/blockquote)\b[^>]*>", re.IGNORECASE)
_CELL_END = re.compile(r"<\s*/t[dh]\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


@lru_cache(maxsize=None)
def category_ranges(categories: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Inclusive code point ranges whose Unicode category is in ``categories`` (one scan, cached)."""
    wanted = set(categories)
    ranges: list[tuple[int, int]] = []
    start = None
    for cp in range(sys.maxunicode + 2):
        inside = cp <= sys.maxunicode and unicodedata.category(chr(cp)) in wanted
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append((start, cp - 1))
            start = None
    return tuple(ranges)


def category_class(categories: Iterable[str], exclude: Iterable[str] = ()) -> str:
    """A regex character-class body for the Unicode ``categories`` (e.g. ``["Po", "So"]``),
    without the characters in ``exclude``."""
    holes = sorted({ord(c) for c in exclude})
    parts: list[str] = []
    for lo, hi in category_ranges(tuple(sorted(categories))):
        for hole in (h for h in holes if lo <= h <= hi):
            if lo < hole:
                parts.append(f"{re.escape(chr(lo))}-{re.escape(chr(hole - 1))}")
            lo = hole + 1
        if lo <= hi:
            parts.append(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
    return "".join(parts)


@lru_cache(maxsize=64)
def _patterns(keep: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(text outside the NFKC shield, characters to remove) for one allowlist."""
    shield = "".join(re.escape(c) for c in sorted(SHIELDED_FROM_NFKC | keep))
    removable = category_class(REMOVED_CATEGORIES, exclude=keep | DEFAULT_KEEP | {"\n"})
    return re.compile(f"[^{shield}]+"), re.compile(f"[{removable}]+")


def strip_html(text: str) -> str:
    """Drop tags, scripts and comments; block-level tags become line breaks; decode entities."""
    text = _COMMENT.sub("", _SCRIPT_STYLE.sub("", text))
    text = _CELL_END.sub(" ", _BLOCK_TAG.sub("\n", text))
    return html.unescape(_TAG.sub("", text))


def normalise_whitespace(text: str) -> str:
    """One space inside lines, no trailing spaces, at most one blank line between paragraphs."""
    lines = (_SPACES.sub(" ", line).strip() for line in _LINE_BREAKS.sub("\n", text).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_text(text: str, keep: Iterable[str] = ()) -> str:
    """Clean ``text``; characters in ``keep`` (single characters) are never removed or NFKC-changed."""
    unshielded, removable = _patterns(frozenset("".join(keep)))
    text = _LINE_BREAKS.sub("\n", strip_html(text))
    text = unshielded.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = removable.sub("", text.replace("\t", " "))
    return normalise_whitespace(text)


def _clean_table(table: Table, keep: Iterable[str]) -> Table:
    rows = [[clean_text(cell, keep) for cell in row] for row in table.rows]
    return table.model_copy(update={"rows": rows, "caption": clean_text(table.caption, keep)})


def clean_document(doc: Document, keep: Iterable[str] = ()) -> Document | Rejection:
    """Clean title, text and tables; a document with no text left becomes a ``Rejection``.

    The id is kept: it names the source item, so later stages and rejections can be traced
    back to the raw record.
    """
    keep = frozenset("".join(keep))
    text = clean_text(doc.text, keep)
    if not text:
        return Rejection(stage="clean", item=doc.id, reason="empty after cleaning", detail=doc.text[:80])
    return doc.model_copy(
        update={
            "title": clean_text(doc.title, keep),
            "text": text,
            "tables": [_clean_table(t, keep) for t in doc.tables],
        }
    )
