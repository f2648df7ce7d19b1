"""From annotators' labels to gold: agreement, disputes, arbitration and provenance.

An item (one task × one document) becomes gold when its annotators agree (``agreed``), when
an arbiter decided its dispute (``arbitrated``), when it needed only one annotator
(``single``), or, with no human labels yet, from a pre-label above the confidence threshold
(``pre-labelled``, kept with status "pre-labelled" so it is never mistaken for checked gold).
Every gold record says how: ``meta["resolution"]``, ``meta["annotators"]``, ``meta["arbiter"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from vertune.annotate.answers import answer_of, canonical, is_empty
from vertune.annotate.label_studio import versions_task
from vertune.annotate.tasks import TaskSpec
from vertune.records import Annotation, AnnotationStatus

GOLD_ANNOTATOR = "gold"
Resolution = Literal["agreed", "arbitrated", "single", "pre-labelled"]

# Why an item has no gold: these are the rejection reasons of the annotate stage.
NO_LABEL = "no usable label"
AWAITING_ANNOTATION = "awaiting annotation"
AWAITING_ARBITRATION = "awaiting arbitration"
INCOMPLETE = "incomplete annotation"
NO_REFERENCE = "no reference to simulate from"
SKIPPED = "skipped in Label Studio"


@dataclass
class Outcome:
    """What became of one item: gold, or the reason it has none; ``dispute`` when annotators differed."""

    gold: Annotation | None = None
    reason: str = ""
    detail: str = ""
    dispute: list[Annotation] = field(default_factory=list)


def agrees(spec: TaskSpec, annotations: Sequence[Annotation]) -> bool:
    return len({canonical(a, spec.type) for a in annotations}) == 1


def make_gold(spec: TaskSpec, basis: Annotation, resolution: Resolution, annotators: Sequence[str],
              arbiter: str | None = None) -> Annotation:
    """A gold record with ``basis``'s answer and how it was decided."""
    status: AnnotationStatus = "pre-labelled" if resolution == "pre-labelled" else "gold"
    meta: dict[str, Any] = {"resolution": resolution, "annotators": list(annotators)}
    if arbiter is not None:
        meta["arbiter"] = arbiter
    if resolution == "pre-labelled":
        meta["source"] = basis.meta.get("source", basis.annotator)
    return Annotation(
        doc_id=basis.doc_id, text=basis.text, annotator=GOLD_ANNOTATOR, tier=spec.tier, task=spec.name, status=status,
        confidence=basis.confidence if resolution == "pre-labelled" else None, meta=meta, **answer_of(basis, spec.type),
    )


def _checked(spec: TaskSpec, outcome: Outcome) -> Outcome:
    """An empty gold answer (no entity, no pair…) is no gold: reject it with its reason."""
    if outcome.gold is not None and is_empty(outcome.gold, spec.type):
        return Outcome(reason=NO_LABEL, detail=f"the {outcome.gold.meta['resolution']} answer is empty", dispute=outcome.dispute)
    return outcome


def resolve(spec: TaskSpec, annotations: Sequence[Annotation], per_item: int, decision: Annotation | None = None) -> Outcome:
    """Gold from an item's human (or simulated) annotations and, if disputed, the arbiter's decision."""
    annotations = sorted(annotations, key=lambda a: a.annotator)
    names = [a.annotator for a in annotations]
    if len(annotations) < min(per_item, 2):
        return Outcome(reason=INCOMPLETE, detail=f"{len(annotations)} of {per_item} annotations ({', '.join(names)})")
    if len(annotations) == 1:
        return _checked(spec, Outcome(gold=make_gold(spec, annotations[0], "single", names)))
    if agrees(spec, annotations):
        return _checked(spec, Outcome(gold=make_gold(spec, annotations[0], "agreed", names)))
    if decision is None:
        return Outcome(reason=AWAITING_ARBITRATION, detail=f"{', '.join(names)} disagree", dispute=list(annotations))
    gold = make_gold(spec, decision, "arbitrated", names, arbiter=decision.annotator)
    return _checked(spec, Outcome(gold=gold, dispute=list(annotations)))


def from_prelabel(spec: TaskSpec, candidate: Annotation | None, threshold: float) -> Outcome:
    """Without human labels: a confident pre-label as a gold candidate, else wait for annotators."""
    if candidate is None:
        return Outcome(reason=AWAITING_ANNOTATION, detail=f"no human label yet and no pre-label with confidence ≥ {threshold}")
    return _checked(spec, Outcome(gold=make_gold(spec, candidate, "pre-labelled", [])))


def arbitration_tasks(spec: TaskSpec, disputes: Sequence[Sequence[Annotation]]) -> list[dict[str, Any]]:
    """The arbitration queue as Label Studio tasks, each annotator's version a prediction."""
    return [versions_task(spec, number, versions) for number, versions in enumerate(disputes, start=1)]
