"""Rule entity labeller: amounts, percentages, dates, tickers by pattern; companies and
financial indicators from the lexicon, plus companies by shape: a company suffix
(``…股份有限公司``), a name before its ticker (``东海银行（601968.SH）``), a name after an alias
marker (``（以下简称“华夏酿酒”）``, ``股票简称：华夏酿酒``), and later mentions of a name found
that way. People and products by shape too: a name of a lexicon surname right after a role
word (``分析师李明认为``, ``本公司负责人王芳保证``), and the items listed after a product lead-in
(``主要产品包括酱香型白酒和浓香型白酒``).

A suffix match must name a company, not swallow the phrase before it: the name starts after
the last lead-in or verb word in it (``company_cut_words``: 收到, 登不上, 出借, …), generic
heads are left out (``company_generic_prefixes``), and a suffix that runs on into a longer
word (``证券APP``, ``银行卡``, ``证券交易所``: ASCII letters or ``company_suffix_continuations``)
is no company at all.

Overlapping candidates are resolved longest first, so "2023年营业收入12.5亿元" yields a date,
an indicator and an amount rather than fragments. Only the kinds the lexicon's
``entity_labels`` names are labelled; without a lexicon the labeller finds nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vertune.annotate.prelabel.base import draft
from vertune.annotate.prelabel.lexicon import Lexicon, alternation
from vertune.records import Annotation, Document, Entity

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "rules:entities"
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_START = r"(?<![\d.,A-Za-z])"
_UNIT = r"(?:万亿|亿|万|千)"
_CURRENCY = r"(?:元|美元|港元|港币|人民币|欧元)"
# kind -> (pattern, confidence)
PATTERNS: dict[str, tuple[re.Pattern[str], float]] = {
    "ticker": (re.compile(r"(?<![\dA-Za-z])(?:\d{6}\.(?:SH|SZ|BJ)|\d{4,5}\.HK|(?:SH|SZ)\d{6})(?![\dA-Za-z])", re.I), 0.95),
    "amount": (re.compile(
        rf"[¥￥$]\s?{_NUM}(?:\s?{_UNIT})?(?:\s?元)?"
        rf"|{_START}{_NUM}\s?{_UNIT}?\s?{_CURRENCY}"
        rf"|{_START}{_NUM}\s?(?:万亿|亿)(?![股份手人户次])"), 0.95),
    "percent": (re.compile(
        rf"{_START}[+-]?{_NUM}\s?[%％]|百分之[零〇一二两三四五六七八九十百点]+|{_START}{_NUM}\s?个百分点"), 0.95),
    "date": (re.compile(
        r"(?<!\d)\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?|第?[一二三四1-4]季度|[上下]半年|度)?"
        r"|(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)|(?<!\d)\d{1,2}月\d{1,2}日"), 0.9),
}
DICTIONARY_CONFIDENCE = {"company": 0.9, "indicator": 0.85}
SUFFIX_COMPANY_CONFIDENCE = 0.6
PERSON_CONFIDENCE = 0.7
PRODUCT_CONFIDENCE = 0.65
GIVEN_NAME_CHARS = (1, 2)  # a Chinese given name after the surname
TICKER_NAME_CONFIDENCE = 0.75
REPEAT_DISCOUNT = 0.1  # a later mention of a name found elsewhere in the text
_PUNCTUATION = r"\s，。、；：:,;！？!?（）()“”\"'《》【】\[\]"
_NAME_CHAR = rf"[^{_PUNCTUATION}\d的和与及在对向由被为是将从据称了于]"
_TICKER_CORE = r"\d{6}\.(?:SH|SZ|BJ)|\d{4,5}\.HK"
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_NAME_BEFORE_TICKER = re.compile(rf"({_NAME_CHAR}{{2,8}})[（(]\s*(?:{_TICKER_CORE})\s*[)）]", re.I)


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    kind: str
    confidence: float


@functools.cache
def _dictionary_patterns(lexicon: Lexicon) -> dict[str, re.Pattern[str]]:
    return {"company": re.compile(alternation(lexicon.companies)), "indicator": re.compile(alternation(lexicon.indicators))}


@functools.cache
def _suffix_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    return re.compile(rf"{_NAME_CHAR}{{2,14}}?(?:{alternation(lexicon.company_suffixes)})")


@functools.cache
def _lead_in(lexicon: Lexicon) -> re.Pattern[str]:
    return re.compile(alternation(lexicon.company_cut_words))


def _after_lead_in(text: str, start: int, end: int, lexicon: Lexicon) -> int:
    """Where a name really starts: after the last lead-in word ("公告显示|华夏银行")."""
    for lead in _lead_in(lexicon).finditer(text, start, end):
        start = lead.end()
    return start


def _runs_on(text: str, end: int, lexicon: Lexicon) -> bool:
    """Whether the word goes on after a company suffix ("证券APP", "银行卡"): then it is no name."""
    return bool(_ASCII_LETTER.match(text, end)) or text.startswith(lexicon.company_suffix_continuations, end)


def _suffix_companies(text: str, lexicon: Lexicon) -> list[Candidate]:
    """Names ending in a company suffix ("华夏酿酒股份有限公司"), generic ones ("该银行") left out."""
    found = []
    for match in _suffix_pattern(lexicon).finditer(text):
        start = _after_lead_in(text, match.start(), match.end(), lexicon)
        end = longer.end() if (longer := _longer_suffix(lexicon).match(text, match.end())) else match.end()
        name = text[start:end]
        stem = next((name[: -len(s)] for s in lexicon.company_suffixes if name.endswith(s)), name)
        if len(stem) >= 2 and not stem.startswith(lexicon.company_generic_prefixes) and not _runs_on(text, end, lexicon):
            found.append(Candidate(start, end, "company", SUFFIX_COMPANY_CONFIDENCE))
    return found


@functools.cache
def _longer_suffix(lexicon: Lexicon) -> re.Pattern[str]:
    """The rest of a name whose first suffix is not its last ("东海商业银行|股份有限公司")."""
    return re.compile(rf"{_NAME_CHAR}{{0,4}}?(?:{alternation(lexicon.company_suffixes)})")


@functools.cache
def _alias_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    return re.compile(rf"(?:{alternation(lexicon.company_alias_markers)})\s*[:：]?\s*[“\"「]?({_NAME_CHAR}{{2,8}}?)(?=[”\"」）)\s　，,。；]|$)")


def _alias_companies(text: str, lexicon: Lexicon) -> list[Candidate]:
    """Names given after an alias marker: "（以下简称“华夏酿酒”）", "股票简称：华夏酿酒"; not a
    defined generic term ("（以下简称上市公司）")."""
    if not lexicon.company_alias_markers:
        return []
    return [Candidate(m.start(1), m.end(1), "company", TICKER_NAME_CONFIDENCE) for m in _alias_pattern(lexicon).finditer(text)
            if not m.group(1).startswith(lexicon.company_generic_prefixes)]


def _ticker_companies(text: str, lexicon: Lexicon) -> list[Candidate]:
    """Short names right before their ticker: "东海银行（601968.SH）"."""
    found = []
    for match in _NAME_BEFORE_TICKER.finditer(text):
        start = _after_lead_in(text, match.start(1), match.end(1), lexicon)
        if match.end(1) - start >= 2:
            found.append(Candidate(start, match.end(1), "company", TICKER_NAME_CONFIDENCE))
    return found


def _repeated_mentions(text: str, companies: list[Candidate]) -> list[Candidate]:
    """Every other mention of a company name already found somewhere in the text."""
    best: dict[str, float] = {}
    for c in companies:
        name = text[c.start : c.end]
        best[name] = max(best.get(name, 0.0), c.confidence)
    return [Candidate(m.start(), m.end(), "company", confidence - REPEAT_DISCOUNT)
            for name, confidence in best.items() for m in re.finditer(re.escape(name), text)]


@functools.cache
def _person_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """Role word, an optional colon, then surname + one or two characters ending where a cut
    word or punctuation begins (the shortest such name: "李明认为" is 李明, "李明华认为" 李明华)."""
    low, high = GIVEN_NAME_CHARS
    end = "|".join([alternation(lexicon.person_cut_words), rf"[{_PUNCTUATION}]", "$"])
    return re.compile(rf"(?:{alternation(lexicon.person_titles)})\s*[:：]?\s*"
                      rf"((?:{alternation(lexicon.surnames)}){_NAME_CHAR}{{{low},{high}}}?)(?={end})")


def _people(text: str, lexicon: Lexicon) -> list[Candidate]:
    """People named right after a role word; nothing without role words and surnames."""
    if not (lexicon.person_titles and lexicon.surnames):
        return []
    return [Candidate(m.start(1), m.end(1), "person", PERSON_CONFIDENCE) for m in _person_pattern(lexicon).finditer(text)]


@functools.cache
def _product_list(lexicon: Lexicon) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A lead-in with the clause after it (up to punctuation or a list end such as 等), and the
    joiners that cut that clause into items."""
    stops = _PUNCTUATION.replace("、", "")  # the enumeration comma lists items, it does not end the list
    # a list end (等, 等产品) ends the list only where the clause ends too: 等离子电视 is an item
    end = "|".join([rf"(?:{alternation(lexicon.product_list_ends)})(?=[{stops}]|$)", rf"[{stops}]", "$"])
    return (re.compile(rf"(?:{alternation(lexicon.product_lead_ins)})[:：]?([^{stops}]+?)(?={end})"),
            re.compile(alternation(lexicon.product_joiners)))


def _products(text: str, lexicon: Lexicon) -> list[Candidate]:
    """The items of a product list ("主要产品包括A、B和C"): each of 2 to 12 characters."""
    if not lexicon.product_lead_ins:
        return []
    lead_in, joiner = _product_list(lexicon)
    found = []
    for match in lead_in.finditer(text):
        start = match.start(1)
        for cut in [*joiner.finditer(text, start, match.end(1)), None]:
            end = cut.start() if cut else match.end(1)
            if 2 <= end - start <= 12 and "的" not in text[start:end]:  # "包括的范围…" lists nothing
                found.append(Candidate(start, end, "product", PRODUCT_CONFIDENCE))
            start = cut.end() if cut else end
    return found


def candidates(text: str, lexicon: Lexicon) -> list[Candidate]:
    found = [Candidate(m.start(), m.end(), kind, conf)
             for kind, (pattern, conf) in PATTERNS.items() for m in pattern.finditer(text)]
    for kind, pattern in _dictionary_patterns(lexicon).items():
        found += [Candidate(m.start(), m.end(), kind, DICTIONARY_CONFIDENCE[kind]) for m in pattern.finditer(text)]
    companies = _suffix_companies(text, lexicon) + _ticker_companies(text, lexicon) + _alias_companies(text, lexicon)
    return found + companies + _repeated_mentions(text, companies) + _people(text, lexicon) + _products(text, lexicon)


def find_entities(text: str, lexicon: Lexicon) -> list[tuple[Entity, float]]:
    """Non-overlapping entities in ``text`` with their confidence, in text order."""
    labels = lexicon.entity_labels
    kept: list[Candidate] = []
    named = [cand for cand in candidates(text, lexicon) if cand.kind in labels]
    for cand in sorted(named, key=lambda c: (-(c.end - c.start), -c.confidence, c.start)):
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    kept.sort(key=lambda c: c.start)
    return [(Entity(start=c.start, end=c.end, label=labels[c.kind], text=text[c.start : c.end]), c.confidence) for c in kept]


def label_entities(spec: TaskSpec, doc: Document) -> Annotation | None:
    """The entities of the task's label set found in ``doc``; None when there are none (or no lexicon)."""
    if spec.lexicon is None:
        return None
    found = [(entity, conf) for entity, conf in find_entities(doc.text, spec.lexicon) if entity.label in spec.labels]
    if not found:
        return None
    confidence = sum(conf for _, conf in found) / len(found)
    return draft(spec, doc, SOURCE, confidence, entities=[entity for entity, _ in found])
