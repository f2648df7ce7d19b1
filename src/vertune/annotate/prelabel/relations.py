"""Rule relation labeller, sentence by sentence over the rule entities and the company's other names.

* 发布 (publish): a company and a financial indicator in one sentence (its clauses joined by
  "；" included) → company —发布→ indicator (each indicator goes to the nearest company before
  it, else the first one after it);
* 控股 (control): "A 控股/持有/拟以…收购 B", "A 为 B 的控股股东" → A —控股→ B; "A 是 B 的子公司" → B —控股→ A.

A company is often named once and then called "公司"/"本公司"/"该公司" (the lexicon's
``coreference`` words). Such a mention counts as the company it refers to, and the relation's
end is that company's named mention: "本公司"/"公司" is the document's own company (the company
its title names, else the first company in the text), "该公司" the company named last before
it. A bare "公司" only counts standing as a word of its own (after punctuation, a line start
or a joiner such as 为), never inside 子公司 or an indicator.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vertune.annotate.prelabel.base import draft, sentences
from vertune.annotate.prelabel.entities import find_entities
from vertune.annotate.prelabel.lexicon import Lexicon, alternation
from vertune.records import Annotation, Document, Entity, Relation

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "rules:relations"
CONFIDENCE = {"publish": 0.6, "control": 0.75}
MAX_GAP = 12  # characters between "A" and "B" for a control pattern
_CJK = re.compile(r"[\u3400-\u9fff]")

Link = tuple[Entity, Entity, str]


@dataclass(frozen=True)
class Mention:
    """Where a company is mentioned (its name, or "公司" referring to it) and its named entity."""

    start: int
    end: int
    company: Entity


def _publish(mentions: list[Mention], indicators: list[Entity]) -> list[Link]:
    links = []
    for indicator in indicators:
        before = [m for m in mentions if m.end <= indicator.start]
        mention = before[-1] if before else mentions[0]
        links.append((mention.company, indicator, "publish"))
    return links


def _control(text: str, mentions: list[Mention], lexicon: Lexicon) -> list[Link]:
    words = lexicon.control
    links = []
    for a, b in zip(mentions, mentions[1:]):
        between, after = text[a.end : b.start].strip(), text[b.end : b.end + 8]
        if a.company == b.company or len(between) > MAX_GAP or any(p in between for p in words["passive"]):
            continue
        if any(verb in between for verb in words["verbs"]):
            links.append((a.company, b.company, "control"))
        elif between in words["copulas"] and after.startswith(words["parent_phrases"]):
            links.append((a.company, b.company, "control"))
        elif between in words["copulas"] and after.startswith(words["child_phrases"]):
            links.append((b.company, a.company, "control"))
    return links


@functools.cache
def _anaphor_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    words = lexicon.coreference
    return re.compile(alternation(words["own"] + words["previous"] + words["bare"]))


def _own_company(companies: list[Entity], title: str, lexicon: Lexicon) -> Entity | None:
    """The document's own company: the first mention of a company its title names, else the first company."""
    named = {e.text for e, _ in find_entities(title, lexicon) if e.label == lexicon.entity_labels.get("company")}
    return next((c for c in companies if c.text in named), companies[0] if companies else None)


def _anaphors(text: str, entities: list[Entity], companies: list[Entity], title: str, lexicon: Lexicon) -> list[Mention]:
    """"公司"/"本公司"/"该公司" mentions, each with the named company it refers to."""
    words = lexicon.coreference
    if not companies or not (words["own"] or words["previous"] or words["bare"]):
        return []
    own = _own_company(companies, title, lexicon)
    found = []
    for match in _anaphor_pattern(lexicon).finditer(text):
        start, end, word = match.start(), match.end(), match.group()
        if any(e.start < end and start < e.end for e in entities):
            continue  # inside 归属于上市公司股东的净利润, 华夏酿酒股份有限公司, …
        if word in words["bare"] and start and _CJK.match(text[start - 1]) and text[start - 1] not in words["joiners"]:
            continue  # 子公司, 母公司, 纳入公司…: not a word of its own
        if word in words["previous"]:
            company = next((c for c in reversed(companies) if c.end <= start), None)
        else:
            company = own
        if company is not None:
            found.append(Mention(start, end, company))
    return found


def find_relations(text: str, lexicon: Lexicon, title: str = "") -> list[tuple[Entity, Entity, str, float]]:
    """(head, tail, relation kind, confidence) for every rule relation in ``text`` (``title``: the
    document's, which names its own company)."""
    entities = [entity for entity, _ in find_entities(text, lexicon)]
    company, indicator = lexicon.entity_labels.get("company"), lexicon.entity_labels.get("indicator")
    companies = [e for e in entities if e.label == company]
    mentions = sorted([Mention(c.start, c.end, c) for c in companies] + _anaphors(text, entities, companies, title, lexicon),
                      key=lambda m: m.start)
    found = []
    for start, end in sentences(text, clauses=False):
        inside = [m for m in mentions if start <= m.start and m.end <= end]
        if not inside:
            continue
        indicators = [e for e in entities if e.label == indicator and start <= e.start and e.end <= end]
        links = _publish(inside, indicators) + _control(text, inside, lexicon)
        found += [(head, tail, kind, CONFIDENCE[kind]) for head, tail, kind in links]
    return found


def label_relations(spec: TaskSpec, doc: Document) -> Annotation | None:
    """The relations of the task's label set in ``doc``, with the entities they link; None without a lexicon."""
    if spec.lexicon is None:
        return None
    names = spec.lexicon.relation_labels
    found = [(h, t, names[kind], conf) for h, t, kind, conf in find_relations(doc.text, spec.lexicon, doc.title)
             if names.get(kind) in spec.labels]
    if not found:
        return None
    entities = sorted({e.start: e for h, t, _, _ in found for e in (h, t)}.values(), key=lambda e: e.start)
    index = {e.start: i for i, e in enumerate(entities)}
    relations = [Relation(head=index[h.start], tail=index[t.start], label=label) for h, t, label, _ in found]
    confidence = sum(conf for *_, conf in found) / len(found)
    return draft(spec, doc, SOURCE, confidence, entities=entities, relations=relations)
