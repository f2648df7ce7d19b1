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

Boilerplate that reposts add around a text is removed from a document's body: a repost note
at the start or end (转载自…：, 【转载自…】, 来源：…) and disclaimer paragraphs (免责声明：…, 版权声明：…).
It is not the document's content, and it is what makes two copies of one text look different
to near-duplicate detection.
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

# A repost note names where a text was copied from: 转载自新浪财经：, 【转载自东方财富网】, 来源：证券时报.
_REPOST_NOTE = r"(?:本文|本帖|文章)?(?:转载[自于][:：]?|转自[:：]|(?:原文|文章|本文)?来源[:：])"
_SOURCE_NAME = r"[^\s【】\[\]（）()。：:，,！!？?]{1,40}"
_REPOST_PREFIX = re.compile(
    rf"\A\s*(?P<open>[【\[（(])?\s*{_REPOST_NOTE}\s*{_SOURCE_NAME}"
    r"(?(open)\s*[】\]）)]\s*[:：，,。]?|\s*(?:[:：，,。！!]|\n))\s*"
)
_REPOST_SUFFIX = re.compile(
    rf"\s*(?:[【\[（(]\s*{_REPOST_NOTE}\s*{_SOURCE_NAME}\s*[】\]）)]|(?<![^\n]){_REPOST_NOTE}\s*{_SOURCE_NAME})[ \t]*\Z"
)
# A disclaimer paragraph: from its heading at a line or sentence start to the next blank line.
_DISCLAIMER = re.compile(
    r"(?:(?<![^\n])|(?<=[。！？.!?]))[ \t]*[【\[]?(?:免责声明|免责条款|版权声明)[】\]]?\s*[:：][^\n]*(?:\n(?![ \t]*\n)[^\n]*)*"
)
# Every repost note and disclaimer holds one of these: a cheap test before the patterns.
_BOILERPLATE_WORDS = ("转载", "转自", "来源", "免责", "版权声明")
# Signs of a reformatted copy that cleaning does not change: ASCII punctuation against Chinese.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_ASCII_PUNCT_IN_CHINESE = re.compile(rf"(?<=[{_HAN}])[,.;:?!]|[,;:?!](?=[{_HAN}])")


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


def boilerplate_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the repost notes and disclaimer paragraphs in ``text``, in order."""
    if not any(word in text for word in _BOILERPLATE_WORDS):
        return []
    spans = [m.span() for m in _DISCLAIMER.finditer(text)]
    for pattern in (_REPOST_PREFIX, _REPOST_SUFFIX):
        match = pattern.search(text)
        if match and match.end() > match.start() and not any(a <= match.start() < b for a, b in spans):
            spans.append(match.span())
    return sorted(spans)


def strip_boilerplate(text: str) -> tuple[str, list[str]]:
    """``text`` without its repost notes and disclaimers, and the removed pieces (stripped)."""
    spans = boilerplate_spans(text)
    if not spans:
        return text, []
    kept, removed, position = [], [], 0
    for start, end in spans:
        kept.append(text[position:start])
        removed.append(text[start:end].strip())
        position = max(position, end)
    kept.append(text[position:])
    return normalise_whitespace("".join(kept)), removed


# Full-width ASCII forms and the ideographic space, which cleaning rewrites (NFKC) by default.
_WIDE = re.compile(
    "[" + "".join(re.escape(chr(cp)) for cp in range(0xFF01, 0xFF5F) if chr(cp) not in SHIELDED_FROM_NFKC) + "\u3000]"
)
# Characters outside what clean Chinese and English text is made of; only these can be removable.
_UNUSUAL = re.compile(r"[^\n\x20-\x7e\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e“”‘’…—·]")


def noise(text: str) -> int:
    """How far ``text`` is from a clean original, in characters: its repost notes and
    disclaimers, the characters cleaning would rewrite or remove, and ASCII punctuation against
    Chinese characters. Deduplication keeps the copy with the least, not the longest, which is
    usually the repost with a prefix or a disclaimer added."""
    boilerplate = sum(end - start for start, end in boilerplate_spans(text))
    removable = frozenset(REMOVED_CATEGORIES)
    removed = sum(unicodedata.category(c) in removable and c not in DEFAULT_KEEP for c in _UNUSUAL.findall(text))
    return boilerplate + len(_WIDE.findall(text)) + removed + len(_ASCII_PUNCT_IN_CHINESE.findall(text))


def _clean_table(table: Table, keep: Iterable[str]) -> Table:
    rows = [[clean_text(cell, keep) for cell in row] for row in table.rows]
    return table.model_copy(update={"rows": rows, "caption": clean_text(table.caption, keep)})


def clean_document(doc: Document, keep: Iterable[str] = ()) -> Document | Rejection:
    """Clean title, text and tables and drop the text's repost notes and disclaimers (listed in
    ``meta["boilerplate"]``); a document with no text left becomes a ``Rejection``.

    The id is kept: it names the source item, so later stages and rejections can be traced
    back to the raw record.
    """
    keep = frozenset("".join(keep))
    text, boilerplate = strip_boilerplate(clean_text(doc.text, keep))
    if not text:
        return Rejection(stage="clean", item=doc.id, reason="empty after cleaning", detail=doc.text[:80])
    meta = {**doc.meta, "boilerplate": boilerplate} if boilerplate else doc.meta
    return doc.model_copy(
        update={
            "title": clean_text(doc.title, keep),
            "text": text,
            "tables": [_clean_table(t, keep) for t in doc.tables],
            "meta": meta,
        }
    )
