"""How good the gold is, measured against what a generator knows it wrote (``meta["truth"]``).

Agreement says whether annotators agree with each other; it cannot say whether the pre-label
they started from was right. Generated documents carry their ground truth (see
``vertune.data.synthetic.truth``), so for them the gold can be scored directly, per task:

* entities: gold (text, label) pairs against the truth's entities, per document;
* relations: gold (head, relation, tail) triples, each end by its text, a company's other
  names (``truth["aliases"]``) counted as the company;
* extraction: gold fields (name, period → value and unit) against the truth's report elements,
  values compared as numbers in one unit (186.52 亿元 = 1,865,200.00 万元).

The truth's kinds map to the task's labels through the project lexicon (``entity_labels``,
``relation_labels``); only labels of the task count. A truth item counts only when the
document's text names it (a piece of a longer document is scored on what it holds), and a
document with truth but no gold counts its truth as missed. Precision and recall are micro
averages over the task's documents that carry truth, with a per-label breakdown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vertune.annotate.tasks import TaskSpec
from vertune.data.synthetic.truth import TRUTH_KEY
from vertune.figures import parse_number
from vertune.records import Annotation, Document

SCORED_TYPES = ("entities", "relations", "extraction")
UNIT_FACTORS = {"亿元": 1e8, "百万元": 1e6, "万元": 1e4, "千元": 1e3, "元": 1.0}
_TOLERANCE = 1e-6


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: set[Hashable], truth: set[Hashable]) -> None:
        self.tp += len(gold & truth)
        self.fp += len(gold - truth)
        self.fn += len(truth - gold)

    def scores(self) -> dict[str, Any]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f1 = None if precision is None or recall is None else (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        return {"precision": _round(precision), "recall": _round(recall), "f1": _round(f1),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


Item = tuple[Any, Any, Any] | tuple[Any, Any]
"""A scored item; its second place holds what it is broken down by (entity label, relation, element name)."""


@dataclass
class TaskScore:
    total: Counts = field(default_factory=Counts)
    per_label: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))

    def add(self, gold: set[Item], truth: set[Item]) -> None:
        self.total.add(set(gold), set(truth))
        for label in {item[1] for item in gold | truth}:
            self.per_label[label].add({g for g in gold if g[1] == label}, {t for t in truth if t[1] == label})


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _entity_sets(spec: TaskSpec, gold: Annotation | None, doc: Document, truth: dict[str, Any]) -> tuple[set, set]:
    labels = spec.lexicon.entity_labels if spec.lexicon else {}
    wanted = set(spec.labels)
    expected = {(e["text"], labels[e["kind"]]) for e in truth.get("entities", [])
                if labels.get(e["kind"]) in wanted and e["text"] in doc.text}
    found = {(e.text or doc.text[e.start : e.end], e.label) for e in (gold.entities if gold else [])}
    return found, expected


def _relation_sets(spec: TaskSpec, gold: Annotation | None, doc: Document, truth: dict[str, Any]) -> tuple[set, set]:
    names = dict(truth.get("aliases", {}))  # another name of a company -> its canonical name
    written = {names.get(name, name) for name in {*names, *names.values()} if name in doc.text}
    labels = spec.lexicon.relation_labels if spec.lexicon else {}
    wanted = set(spec.labels)

    def named(end: str) -> bool:
        return end in doc.text or end in written

    expected = {(r["head"], labels[r["kind"]], r["tail"]) for r in truth.get("relations", [])
                if labels.get(r["kind"]) in wanted and named(r["head"]) and named(r["tail"])}
    found: set[tuple[str, str, str]] = set()
    if gold is not None:
        texts = [e.text or doc.text[e.start : e.end] for e in gold.entities]
        found = {(names.get(texts[r.head], texts[r.head]), r.label, names.get(texts[r.tail], texts[r.tail]))
                 for r in gold.relations if 0 <= r.head < len(texts) and 0 <= r.tail < len(texts)}
    return found, expected


def quantity(value: float | str | None, unit: str | None = None) -> tuple[float, str] | None:
    """A figure in one unit per dimension: (value in 元, "元") for amounts, else (value, unit).

    ``value`` is a number, or a number as written ("1,865,200.00"); None when it is neither."""
    number = parse_number(value) if isinstance(value, str) else value
    if number is None:
        return None
    unit = unit or ""
    return (float(number) * UNIT_FACTORS[unit], "元") if unit in UNIT_FACTORS else (float(number), unit)


def _same(a: tuple[float, str] | None, b: tuple[float, str] | None) -> bool:
    return a is not None and b is not None and a[1] == b[1] and math.isclose(a[0], b[0], rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)


def _field_sets(spec: TaskSpec, gold: Annotation | None, doc: Document, truth: dict[str, Any]) -> tuple[set, set]:
    """Fields as (period, element name, quantity) with the quantity of a gold field that matches
    the truth replaced by the truth's, so set arithmetic counts a match once whatever its unit."""
    expected = {(e["period"], e["name"]): quantity(e["value"], e.get("unit")) for e in truth.get("elements", [])
                if e["name"] in doc.text}
    found = set()
    for f in gold.fields if gold else []:
        value, given = expected.get((f.period, f.name)), quantity(f.value, f.unit)
        found.add((f.period, f.name, value if _same(given, value) else given))
    return found, {(period, name, value) for (period, name), value in expected.items()}


SETS = {"entities": _entity_sets, "relations": _relation_sets, "extraction": _field_sets}


def task_gold_quality(spec: TaskSpec, docs: Iterable[Document], gold: Sequence[Annotation]) -> dict[str, Any] | None:
    """The gold of one task scored against its documents' truth; None when none carries truth
    (or the task's type is not one that truth can score)."""
    if spec.type not in SETS:
        return None
    with_truth = [doc for doc in docs if isinstance(doc.meta.get(TRUTH_KEY), dict) and spec.selects(doc)]
    if not with_truth:
        return None
    gold_of = {g.doc_id: g for g in gold if g.task == spec.name}
    score = TaskScore()
    for doc in with_truth:
        score.add(*SETS[spec.type](spec, gold_of.get(doc.id), doc, doc.meta[TRUTH_KEY]))
    return {"type": spec.type, "documents": len(with_truth), "with_gold": sum(doc.id in gold_of for doc in with_truth),
            **score.total.scores(),
            "per_label": {str(label): counts.scores() for label, counts in sorted(score.per_label.items(), key=lambda kv: str(kv[0]))}}


def gold_quality(specs: Sequence[TaskSpec], docs: Sequence[Document], gold: Sequence[Annotation]) -> dict[str, dict[str, Any]]:
    """Task name → its gold-quality report, for every task that truth can score."""
    reports = {spec.name: task_gold_quality(spec, docs, gold) for spec in specs}
    return {name: report for name, report in reports.items() if report is not None}


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_gold_quality(reports: dict[str, dict[str, Any]]) -> str:
    """The gold-quality reports as a markdown section (appended to agreement.md)."""
    if not reports:
        return ""
    lines = ["", "# Gold quality against the generator's truth", "",
             "Documents that carry `meta[\"truth\"]` (generated ones): the gold scored against what the generator wrote.", "",
             "| task | type | documents | with gold | precision | recall | F1 |", "|---|---|---|---|---|---|---|"]
    for name, r in reports.items():
        lines.append(f"| {name} | {r['type']} | {r['documents']} | {r['with_gold']} | {_fmt(r['precision'])} "
                     f"| {_fmt(r['recall'])} | {_fmt(r['f1'])} |")
    for name, r in reports.items():
        lines += ["", f"## {name}: gold quality by label", "", "| label | precision | recall | tp | fp | fn |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {label} | {_fmt(v['precision'])} | {_fmt(v['recall'])} | {v['tp']} | {v['fp']} | {v['fn']} |"
                  for label, v in r["per_label"].items()]
    return "\n".join(lines) + "\n"
