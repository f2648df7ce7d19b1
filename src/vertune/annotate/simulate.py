"""Simulated annotators and arbiter, so the double-blind flow runs offline and is testable.

Each simulated annotator copies the reference answer (a known answer, else the best
pre-label) and makes mistakes at its own error rate: swap a label, drop / shift / relabel an
entity span, drop or relabel a relation, change a digit of an answer or of a report field's
value, cut a summary short.
The mistakes are seeded by (seed, annotator, task, doc), so a run is reproducible.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from vertune.annotate.answers import CHOICE_FIELD, answer_of
from vertune.annotate.prelabel.base import sentences
from vertune.annotate.tasks import TaskSpec
from vertune.records import Annotation, Entity, QAPair, Relation, content_id

ARBITER = "simulated_arbiter"


def error_rate_of(annotator: str, annotators: Sequence[str], rates: Sequence[float]) -> float:
    """The configured error rate of ``annotator`` (rates cycle over the annotator list)."""
    return rates[annotators.index(annotator) % len(rates)] if rates else 0.0


def _other(current: str | None, choices: Sequence[str], rng: random.Random) -> str | None:
    others = [c for c in choices if c != current]
    return rng.choice(others) if others else current


def _perturb_text(text: str, rng: random.Random) -> str:
    """Change one digit, else drop the last character: a plausible typo in an answer."""
    digits = [m.start() for m in re.finditer(r"\d", text)]
    if digits:
        at = rng.choice(digits)
        return text[:at] + str((int(text[at]) + rng.randint(1, 9)) % 10) + text[at + 1 :]
    return text[:-1] if len(text) > 1 else text + "。"


def _perturb_entity(entity: Entity, text: str, labels: Sequence[str], rng: random.Random) -> Entity | None:
    mistake = rng.choice(("drop", "shift", "relabel"))
    if mistake == "drop":
        return None
    if mistake == "relabel":
        return entity.model_copy(update={"label": _other(entity.label, labels, rng)})
    end = entity.end + rng.choice((-1, 1)) if entity.end - entity.start > 1 else entity.end + 1
    end = min(max(end, entity.start + 1), len(text))
    return entity.model_copy(update={"end": end, "text": text[entity.start : end]})


def _perturb(spec: TaskSpec, answer: dict[str, Any], text: str, rate: float, rng: random.Random) -> tuple[dict[str, Any], int]:
    """A copy of ``answer`` with mistakes at ``rate``, and how many mistakes were made."""
    errors = 0

    def slip() -> bool:
        nonlocal errors
        hit = rng.random() < rate
        errors += hit
        return hit

    if spec.type in CHOICE_FIELD:
        field = CHOICE_FIELD[spec.type]
        return {field: _other(answer[field], spec.labels, rng) if slip() else answer[field]}, errors
    if spec.type == "entities":
        kept = [e if not slip() else _perturb_entity(e, text, spec.labels, rng) for e in answer["entities"]]
        return {"entities": [e for e in kept if e is not None]}, errors
    if spec.type == "relations":
        relations: list[Relation] = []
        for relation in answer["relations"]:
            if not slip():
                relations.append(relation)
            elif rng.random() < 0.5:
                relations.append(relation.model_copy(update={"label": _other(relation.label, spec.labels, rng)}))
        return {"entities": answer["entities"], "relations": relations}, errors
    if spec.type == "summary":
        summary = answer["summary"]
        if slip():
            spans = sentences(summary)
            summary = summary[: spans[-1][0]] if len(spans) > 1 else _perturb_text(summary, rng)
        return {"summary": summary}, errors
    if spec.type == "extraction":
        fields = [f.model_copy(update={"value": _perturb_text(f.value, rng)}) if slip() else f for f in answer["fields"]]
        return {"fields": fields}, errors
    pairs = [QAPair(question=p.question, answer=_perturb_text(p.answer, rng)) if slip() else p for p in answer["qa"]]
    return {"qa": pairs}, errors


def simulate_annotation(spec: TaskSpec, reference: Annotation, annotator: str, error_rate: float, seed: int = 0) -> Annotation:
    """What ``annotator`` would label for the reference's document, mistakes included."""
    rng = random.Random(content_id("simulate", seed, annotator, spec.name, reference.doc_id))
    answer, errors = _perturb(spec, answer_of(reference, spec.type), reference.text, error_rate, rng)
    return Annotation(
        doc_id=reference.doc_id, text=reference.text, annotator=annotator, tier=spec.tier, task=spec.name,
        status="labelled", meta={"simulated": True, "error_rate": error_rate, "errors": errors,
                                 "reference": reference.annotator}, **answer,
    )


def simulated_decision(spec: TaskSpec, reference: Annotation) -> Annotation:
    """The simulated arbiter's decision on a dispute: the reference answer."""
    return Annotation(
        doc_id=reference.doc_id, text=reference.text, annotator=ARBITER, tier=spec.tier, task=spec.name,
        status="arbitrated", meta={"simulated": True, "reference": reference.annotator}, **answer_of(reference, spec.type),
    )
