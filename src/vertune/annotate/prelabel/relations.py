"""Rule relation labeller, sentence by sentence over the rule entities.

* 发布 (publish): a company and a financial indicator in one sentence → company —发布→ indicator
  (each indicator goes to the nearest company before it, else the first one after it);
* 控股 (control): "A 控股/持有/拟以…收购 B", "A 为 B 的控股股东" → A —控股→ B; "A 是 B 的子公司" → B —控股→ A.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vertune.annotate.prelabel.base import draft, sentences
from vertune.annotate.prelabel.entities import find_entities
from vertune.annotate.prelabel.lexicon import Lexicon
from vertune.records import Annotation, Document, Entity, Relation

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "rules:relations"
CONFIDENCE = {"publish": 0.6, "control": 0.75}
MAX_GAP = 12  # characters between "A" and "B" for a control pattern

Link = tuple[Entity, Entity, str]


def _publish(companies: list[Entity], indicators: list[Entity]) -> list[Link]:
    links = []
    for indicator in indicators:
        before = [c for c in companies if c.end <= indicator.start]
        company = before[-1] if before else companies[0]
        links.append((company, indicator, "publish"))
    return links


def _control(text: str, companies: list[Entity], lexicon: Lexicon) -> list[Link]:
    words = lexicon.control
    links = []
    for a, b in zip(companies, companies[1:]):
        between, after = text[a.end : b.start].strip(), text[b.end : b.end + 8]
        if len(between) > MAX_GAP or any(p in between for p in words["passive"]):
            continue
        if any(verb in between for verb in words["verbs"]):
            links.append((a, b, "control"))
        elif between in words["copulas"] and after.startswith(words["parent_phrases"]):
            links.append((a, b, "control"))
        elif between in words["copulas"] and after.startswith(words["child_phrases"]):
            links.append((b, a, "control"))
    return links


def find_relations(text: str, lexicon: Lexicon) -> list[tuple[Entity, Entity, str, float]]:
    """(head, tail, relation kind, confidence) for every rule relation in ``text``."""
    entities = [entity for entity, _ in find_entities(text, lexicon)]
    company, indicator = lexicon.entity_labels.get("company"), lexicon.entity_labels.get("indicator")
    found = []
    for start, end in sentences(text):
        inside = [e for e in entities if start <= e.start and e.end <= end]
        companies = [e for e in inside if e.label == company]
        if not companies:
            continue
        links = _publish(companies, [e for e in inside if e.label == indicator]) + _control(text, companies, lexicon)
        found += [(head, tail, kind, CONFIDENCE[kind]) for head, tail, kind in links]
    return found


def label_relations(spec: TaskSpec, doc: Document) -> Annotation | None:
    """The relations of the task's label set in ``doc``, with the entities they link; None without a lexicon."""
    if spec.lexicon is None:
        return None
    names = spec.lexicon.relation_labels
    found = [(h, t, names[kind], conf) for h, t, kind, conf in find_relations(doc.text, spec.lexicon)
             if names.get(kind) in spec.labels]
    if not found:
        return None
    entities = sorted({e.start: e for h, t, _, _ in found for e in (h, t)}.values(), key=lambda e: e.start)
    index = {e.start: i for i, e in enumerate(entities)}
    relations = [Relation(head=index[h.start], tail=index[t.start], label=label) for h, t, label, _ in found]
    confidence = sum(conf for *_, conf in found) / len(found)
    return draft(spec, doc, SOURCE, confidence, entities=entities, relations=relations)
