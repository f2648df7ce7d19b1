"""Inter-annotator agreement: Cohen's kappa, span F1, answer match rates; per task and label.

* choice tasks (intent, sentiment, classification): Cohen's kappa per annotator pair (the mean
  over pairs when more than two annotators share items), and per label one-vs-rest;
* entities and relations: micro precision / recall / F1, exact (same span and label) and
  overlap (spans intersect, same label), the alphabetically first annotator of a pair taken
  as the reference; per label too;
* QA, summaries, extraction: the share of items whose answers match exactly and normalised
  (report fields compare as records, their values as numbers when normalised).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vertune.annotate.answers import (
    CHOICE_FIELD,
    SPAN_TYPES,
    Span,
    Triple,
    canonical,
    choice_of,
    span,
    triples,
)
from vertune.annotate.tasks import TaskSpec
from vertune.records import Annotation


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters over the same items (sklearn's formula).

    None without items; 1.0 when both raters used one and the same label throughout (sklearn
    gives NaN there: chance agreement is total, but so is the observed agreement).
    """
    if len(a) != len(b):
        raise ValueError(f"both raters need the same items: {len(a)} vs {len(b)} labels")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


@dataclass
class SpanCounts:
    """Micro counts for span F1: predicted/reference totals and matched on each side."""

    predicted: int = 0
    reference: int = 0
    matched_predicted: int = 0
    matched_reference: int = 0

    def add(self, other: SpanCounts) -> None:
        self.predicted += other.predicted
        self.reference += other.reference
        self.matched_predicted += other.matched_predicted
        self.matched_reference += other.matched_reference

    def scores(self) -> dict[str, float]:
        """Precision, recall, F1; agreeing on "nothing here" counts as perfect."""
        def ratio(matched: int, total: int, other_total: int) -> float:
            return matched / total if total else (1.0 if other_total == 0 else 0.0)

        precision = ratio(self.matched_predicted, self.predicted, self.reference)
        recall = ratio(self.matched_reference, self.reference, self.predicted)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _overlaps(a: Span | Triple, b: Span | Triple) -> bool:
    """Same label and intersecting spans; for relation triples, both ends must overlap."""
    if isinstance(a[0], tuple):
        return a[2] == b[2] and _overlaps(a[0], b[0]) and _overlaps(a[1], b[1])
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def span_counts(reference: Iterable[Any], predicted: Iterable[Any], overlap: bool = False) -> SpanCounts:
    """Counts for spans ``(start, end, label)`` or relation triples; exact or overlap matching."""
    ref, pred = set(reference), set(predicted)
    if not overlap:
        both = len(ref & pred)
        return SpanCounts(len(pred), len(ref), both, both)
    return SpanCounts(
        predicted=len(pred), reference=len(ref),
        matched_predicted=sum(any(_overlaps(p, r) for r in ref) for p in pred),
        matched_reference=sum(any(_overlaps(r, p) for p in pred) for r in ref),
    )


def span_f1(reference: Iterable[Any], predicted: Iterable[Any], overlap: bool = False) -> dict[str, float]:
    return span_counts(reference, predicted, overlap).scores()


def _units(annotation: Annotation, task_type: str) -> set[Any]:
    return {span(e) for e in annotation.entities} if task_type == "entities" else triples(annotation)


def _label_of(unit: Any) -> str:
    return unit[2]


# ---- per task -------------------------------------------------------------------------------


Pairs = dict[tuple[str, str], list[tuple[Annotation, Annotation]]]


def _pairs(by_item: dict[str, list[Annotation]]) -> Pairs:
    """Every pair of annotators that labelled the same item, with those items' annotations."""
    pairs: Pairs = defaultdict(list)
    for item_annotations in by_item.values():
        for a, b in itertools.combinations(sorted(item_annotations, key=lambda x: x.annotator), 2):
            pairs[(a.annotator, b.annotator)].append((a, b))
    return pairs


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _choice_report(spec: TaskSpec, pairs: Pairs) -> dict[str, Any]:
    by_pair: dict[str, dict[str, Any]] = {}
    per_label: dict[str, list[float | None]] = defaultdict(list)
    for (first, second), items in pairs.items():
        a = [str(choice_of(x, spec.type)) for x, _ in items]
        b = [str(choice_of(y, spec.type)) for _, y in items]
        by_pair[f"{first}|{second}"] = {"items": len(items), "kappa": _round(cohen_kappa(a, b))}
        for label in set(a) | set(b):  # one label against the rest, where this pair used it
            per_label[label].append(cohen_kappa([x == label for x in a], [y == label for y in b]))
    support = Counter(str(choice_of(x, spec.type)) for items in pairs.values() for pair in items for x in pair)
    order = [label for label in spec.labels if label in per_label] + sorted(set(per_label) - set(spec.labels))
    return {
        "metric": "cohen_kappa",
        "kappa": _mean(v["kappa"] for v in by_pair.values()),
        "pairs": by_pair,
        "per_label": {label: {"kappa": _mean(per_label[label]), "support": support[label]} for label in order},
    }


def _span_report(spec: TaskSpec, pairs: Pairs) -> dict[str, Any]:
    totals = {"exact": SpanCounts(), "overlap": SpanCounts()}
    per_label: dict[str, dict[str, SpanCounts]] = defaultdict(lambda: {"exact": SpanCounts(), "overlap": SpanCounts()})
    for items in pairs.values():
        for reference, predicted in items:
            ref, pred = _units(reference, spec.type), _units(predicted, spec.type)
            for mode in totals:
                totals[mode].add(span_counts(ref, pred, overlap=mode == "overlap"))
            for label in {_label_of(u) for u in ref | pred}:
                ref_l = {u for u in ref if _label_of(u) == label}
                pred_l = {u for u in pred if _label_of(u) == label}
                for mode, counts in per_label[label].items():
                    counts.add(span_counts(ref_l, pred_l, overlap=mode == "overlap"))
    return {
        "metric": "span_f1",
        "exact": totals["exact"].scores(),
        "overlap": totals["overlap"].scores(),
        "per_label": {
            label: {"exact_f1": c["exact"].scores()["f1"], "overlap_f1": c["overlap"].scores()["f1"],
                    "support": c["exact"].reference + c["exact"].predicted}
            for label, c in sorted(per_label.items())
        },
    }


def _match_report(spec: TaskSpec, pairs: Pairs) -> dict[str, Any]:
    items = [pair for pair_items in pairs.values() for pair in pair_items]

    def rate(exact: bool) -> float | None:
        if not items:
            return None
        same = sum(canonical(a, spec.type, exact=exact) == canonical(b, spec.type, exact=exact) for a, b in items)
        return round(same / len(items), 4)

    return {"metric": "match", "exact_match": rate(True), "normalised_match": rate(False)}


def task_agreement(spec: TaskSpec, annotations: Sequence[Annotation]) -> dict[str, Any]:
    """The agreement report of one task over its annotators' (not pre-labellers') annotations."""
    by_item: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        by_item[annotation.doc_id].append(annotation)
    shared = {doc: anns for doc, anns in by_item.items() if len(anns) >= 2}
    agreed = sum(len({canonical(a, spec.type) for a in anns}) == 1 for anns in shared.values())
    pairs = _pairs(shared)
    if spec.type in CHOICE_FIELD:
        detail = _choice_report(spec, pairs)
    elif spec.type in SPAN_TYPES:
        detail = _span_report(spec, pairs)
    else:
        detail = _match_report(spec, pairs)
    return {"type": spec.type, "tier": spec.tier, "items": len(by_item), "multiply_annotated": len(shared),
            "agreed": agreed, "disagreed": len(shared) - agreed, **detail}


# ---- readable report --------------------------------------------------------------------------


def summary(report: dict[str, Any]) -> dict[str, float | None]:
    """The headline figures of a task's report (for manifests and tables)."""
    if report["metric"] == "cohen_kappa":
        return {"kappa": report["kappa"]}
    if report["metric"] == "span_f1":
        return {"f1_exact": report["exact"]["f1"], "f1_overlap": report["overlap"]["f1"]}
    return {"exact_match": report["exact_match"], "normalised_match": report["normalised_match"]}


def _headline(report: dict[str, Any]) -> str:
    return ", ".join(f"{name} {_fmt(value)}" for name, value in summary(report).items())


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_markdown(reports: dict[str, dict[str, Any]]) -> str:
    """The agreement reports as a short markdown page (tasks table, then labels per task)."""
    lines = ["# Annotation agreement", "", "| task | tier | type | items | double-labelled | agreed | disagreed | agreement |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in reports.items():
        lines.append(f"| {name} | {r['tier']} | {r['type']} | {r['items']} | {r['multiply_annotated']} | {r['agreed']} "
                     f"| {r['disagreed']} | {_headline(r)} |")
    for name, r in reports.items():
        if not r.get("per_label"):
            continue
        lines += ["", f"## {name}", ""]
        if r["metric"] == "cohen_kappa":
            lines += ["| label | κ (one vs rest) | support |", "|---|---|---|"]
            lines += [f"| {label} | {_fmt(v['kappa'])} | {v['support']} |" for label, v in r["per_label"].items()]
        else:
            lines += ["| label | exact F1 | overlap F1 | support |", "|---|---|---|---|"]
            lines += [f"| {label} | {_fmt(v['exact_f1'])} | {_fmt(v['overlap_f1'])} | {v['support']} |"
                      for label, v in r["per_label"].items()]
    return "\n".join(lines) + "\n"
