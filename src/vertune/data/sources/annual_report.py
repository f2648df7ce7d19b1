"""Annual reports (年度报告): sections and key financial elements, on top of the PDF/text reader.

Chinese listed companies' annual reports follow the CSRC template: numbered sections
(第一节 释义 … 第三节 管理层讨论与分析 … 第十节 财务报告) and a "主要会计数据和财务指标" table
with the year's and the previous years' figures. Both are found by pure functions over the
document text (tables arrive there as Markdown rows), so they are easy to test and work for a
report read from PDF or from text alike. Table figures win over figures quoted in prose.
Each element is ``{name, period ("2023年"), value (float), text, unit, page}``: ``text`` is the
number as the report writes it ("22,087"), which gold copies; ``value`` is that number parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vertune.data.sources import pdf, text
from vertune.data.sources.base import Item, ReadOptions
from vertune.figures import parse_number
from vertune.records import Document

ELEMENTS: dict[str, tuple[str, ...]] = {
    "营业收入": ("营业收入", "营业总收入"),
    "归属于上市公司股东的净利润": (
        "归属于上市公司股东的净利润", "归属于母公司股东的净利润", "归属于母公司所有者的净利润", "归母净利润",
    ),
    "归属于上市公司股东的扣除非经常性损益的净利润": (
        "归属于上市公司股东的扣除非经常性损益的净利润", "归属于母公司股东的扣除非经常性损益的净利润",
        "扣除非经常性损益后的净利润", "扣除非经常性损益的净利润", "扣非净利润", "扣非后净利润",
    ),
    "经营活动产生的现金流量净额": ("经营活动产生的现金流量净额", "经营活动现金流量净额"),
    "基本每股收益": ("基本每股收益",),
    "稀释每股收益": ("稀释每股收益",),
    "加权平均净资产收益率": ("加权平均净资产收益率",),
    "总资产": ("总资产", "资产总额", "资产总计"),
    "归属于上市公司股东的净资产": (
        "归属于上市公司股东的净资产", "归属于母公司股东的净资产", "归属于母公司所有者权益", "归母净资产",
    ),
}
"""Canonical element name -> the names reports use for it."""

PER_SHARE_OR_RATIO = {"基本每股收益": "元/股", "稀释每股收益": "元/股", "加权平均净资产收益率": "%"}
"""Elements whose unit is fixed whatever the row or sentence says ("每股收益0.52元" is 元/股)."""

_ALIASES = {alias: name for name, aliases in ELEMENTS.items() for alias in aliases}
_SECTION = re.compile(r"^[ \t]*第([一二三四五六七八九十]{1,3})节[ \t　]*(\S[^\n]{0,40}?)[ \t]*$", re.MULTILINE)
_TOC_TAIL = re.compile(r"([.…·．\-—_ ]{2,}|\s)\d{1,4}$")
_TOC_GAP = 80
_TOC_RUN = 3
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PERIOD = re.compile(r"(20\d\d|19\d\d)\s*年(?:度|末|12月31日)?(?:[（(]?(?:调整后|调整前)[)）]?)?$")
_AMOUNT_UNITS = r"亿元|百万元|万元|千元|元"
_UNIT_NOTE = re.compile(rf"单位\s*[:：]\s*(人民币)?\s*({_AMOUNT_UNITS})")
_LABEL_UNIT = re.compile(rf"[（(]\s*(人民币)?\s*(元\s*[/／]\s*股|{_AMOUNT_UNITS}|%)\s*[)）]")
_PROSE = re.compile(
    "(" + "|".join(sorted(map(re.escape, _ALIASES), key=len, reverse=True)) + ")"
    r"(?:分别)?(?:为|达到|达|实现|约|合计|共计|是|[:：])?\s*(?:人民币)?\s*"
    rf"(-?\d[\d,]*(?:\.\d+)?)\s*(元\s*[/／]\s*股|{_AMOUNT_UNITS}|%)"
)
_YEAR = re.compile(r"(20\d\d)\s*年")
_REPORT_YEAR = re.compile(r"(20\d\d)\s*年\s*(?:年度报告|年报|度报告)")


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    start: int
    end: int


def chinese_number(numeral: str) -> int:
    """一 … 九十九 as an int (section numbers)."""
    if "十" not in numeral:
        return _CHINESE_DIGITS[numeral]
    tens, _, units = numeral.partition("十")
    return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[units] if units else 0)


def _packed_runs(matches: list[re.Match[str]]) -> set[int]:
    """Indexes of headings in runs of three or more with almost nothing between: a contents page."""
    packed: set[int] = set()
    run = [0] if matches else []
    for index in range(1, len(matches) + 1):
        if index < len(matches) and matches[index].start() - matches[index - 1].end() < _TOC_GAP:
            run.append(index)
            continue
        if len(run) >= _TOC_RUN:
            packed.update(run)
        run = [index]
    return packed


def find_sections(doc_text: str) -> list[Section]:
    """The report's numbered sections in order, with the character span of each.

    Table-of-contents entries (dot leaders, page numbers, or three or more headings packed
    together) are skipped, and a section number only counts once, after the previous one."""
    matches = [m for m in _SECTION.finditer(doc_text) if not _TOC_TAIL.search(m.group(0).rstrip())]
    packed = _packed_runs(matches)
    heads: list[tuple[int, str, int]] = []
    for index, match in enumerate(matches):
        number = chinese_number(match.group(1))
        if index in packed or (heads and number <= heads[-1][0]):
            continue
        heads.append((number, f"第{match.group(1)}节 {match.group(2).strip()}", match.start()))
    ends = [start for _, _, start in heads[1:]] + [len(doc_text)]
    return [Section(number, title, start, end) for (number, title, start), end in zip(heads, ends)]


def _without_percent(cell: str) -> tuple[str, bool]:
    """A cell's number as written and whether it ends in a percent sign (``%`` or full-width ``％``)."""
    written = cell.strip()
    bare = written.removesuffix("%").removesuffix("％").rstrip()
    return bare, bare != written


def _unit(raw: str) -> str:
    return re.sub(r"\s|人民币", "", raw).replace("／", "/")


def _label_name(label: str) -> tuple[str | None, str | None]:
    """The canonical element a row label names (if any) and the unit written in the label."""
    unit_match = _LABEL_UNIT.search(label)
    bare = re.sub(r"[（(][^）)]*[)）]|\s|[:：]", "", label)
    return _ALIASES.get(bare), (_unit(unit_match.group(2)) if unit_match else None)


def _cells(line: str) -> list[str] | None:
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        return None
    cells = [cell.strip().replace("\\|", "|") for cell in line[1:-1].split(" | ")]
    return None if all(set(cell) <= set("-: ") for cell in cells) else cells


def _page_at(offset: int, pages: list[dict[str, int]]) -> int | None:
    return next((span["page"] for span in pages if span["start"] <= offset <= span["end"]), None)


def table_elements(doc_text: str, pages: list[dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """Elements from Markdown table rows: a row whose label names an element, read under the
    nearest header row of years (a table continued on the next page keeps its header); the
    unit comes from the label, a ``%`` value or the nearest ``单位：…`` note above."""
    found: list[dict[str, Any]] = []
    periods: dict[int, str] = {}
    width = 0
    note_unit = "元"
    offset = 0
    in_table = False
    for line in doc_text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if note := _UNIT_NOTE.search(line):
            note_unit = _unit(note.group(2))
        cells = _cells(line)
        starts_table, in_table = not in_table, cells is not None
        if cells is None:
            continue
        header = {i: f"{m.group(1)}年" for i, cell in enumerate(cells) if (m := _PERIOD.match(cell.replace(" ", "")))}
        if header:
            periods, width = header, len(cells)
            continue
        if starts_table and len(cells) != width:  # a new table, not the last one continued on a new page
            periods = {}
        name, label_unit = _label_name(cells[0])
        if name is None:
            continue
        for column, period in periods.items():
            value = parse_number(cells[column]) if column < len(cells) else None
            if value is None:
                continue
            written, percent = _without_percent(cells[column])
            unit = PER_SHARE_OR_RATIO.get(name) or label_unit or ("%" if percent else note_unit)
            found.append({"name": name, "period": period, "value": value, "text": written,
                          "unit": unit, "page": _page_at(start, pages or [])})
    return found


def prose_elements(doc_text: str, year: str | None, pages: list[dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """Elements quoted in sentences ("实现营业收入1,476.94亿元"); the period is the last year named
    earlier in the sentence, else the report year."""
    found: list[dict[str, Any]] = []
    for match in _PROSE.finditer(doc_text):
        sentence_start = max(doc_text.rfind(mark, 0, match.start()) for mark in "。；\n") + 1
        years = _YEAR.findall(doc_text, sentence_start, match.start())
        period = f"{years[-1]}年" if years else f"{year}年" if year else None
        if period is None or "|" in doc_text[sentence_start : match.start()]:
            continue
        name = _ALIASES[match.group(1)]
        found.append({
            "name": name,
            "period": period,
            "value": parse_number(match.group(2)),
            "text": match.group(2),
            "unit": PER_SHARE_OR_RATIO.get(name) or _unit(match.group(3)),
            "page": _page_at(match.start(), pages or []),
        })
    return found


def report_year(title: str, doc_text: str) -> str | None:
    """The fiscal year the report covers ("2023年年度报告" -> "2023")."""
    match = _REPORT_YEAR.search(title) or _REPORT_YEAR.search(doc_text[:5000])
    return match.group(1) if match else None


def find_elements(doc_text: str, title: str = "", pages: list[dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """Key financial elements, one per (name, period): tables first, then prose for the rest."""
    seen: set[tuple[str, str]] = set()
    elements: list[dict[str, Any]] = []
    candidates = table_elements(doc_text, pages) + prose_elements(doc_text, report_year(title, doc_text), pages)
    for element in candidates:
        key = (element["name"], element["period"])
        if key not in seen:
            seen.add(key)
            elements.append(element)
    return elements


def enrich(doc: Document) -> Document:
    """``doc`` with ``meta["sections"]``, ``meta["elements"]`` and ``meta["report_year"]``."""
    pages = doc.meta.get("pages")
    meta = dict(doc.meta)
    meta["report_year"] = report_year(doc.title, doc.text)
    meta["sections"] = [asdict(section) for section in find_sections(doc.text)]
    meta["elements"] = find_elements(doc.text, doc.title, pages)
    return doc.model_copy(update={"meta": meta})


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """An annual report (PDF, or text for a converted one) with its sections and elements."""
    base = pdf.read if path.suffix.lower() == ".pdf" else text.read
    for item in base(path, options):
        yield enrich(item) if isinstance(item, Document) else item
