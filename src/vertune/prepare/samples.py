"""Gold annotations → chat samples: one (system, user, assistant) conversation per question.

An annotation's ``task`` is the name of a configured annotation task; its type picks the
template and the answer format, its labels are listed in the prompt. A task with no fixed
label set in the config (intent, for instance) lists the labels seen in the gold data, so the
prompt always offers the answer it expects. Most annotations give one sample; a qa annotation
gives one per question-answer pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from vertune.config import AnnotationTask, TaskType
from vertune.prepare.answers import LABEL_TYPES, Unusable, entity_items, field_items, relation_items, to_json
from vertune.prepare.templates import Language, render_prompt
from vertune.records import Annotation, Message, Sample

TASK_TYPES: tuple[str, ...] = TaskType.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TaskSpec:
    """What a task name means for prompting: its type, tier and label set."""

    name: str
    type: str
    tier: int
    labels: tuple[str, ...] = ()


def gold_label(annotation: Annotation, task_type: str) -> str | None:
    """The single label a label-type annotation carries (intent, sentiment or class label)."""
    labels = {"intent": annotation.intent, "sentiment": annotation.sentiment, "classification": annotation.label}
    return labels.get(task_type)


def resolve_tasks(tasks: Sequence[AnnotationTask], gold: Sequence[Annotation]) -> dict[str, TaskSpec]:
    """Task name → spec; a label task without configured labels gets the gold labels, sorted.

    A gold annotation whose task is not configured but is named after a task type (e.g.
    ``sentiment``) is still usable, as that type.
    """
    specs = {task.name: TaskSpec(task.name, task.type, task.tier, tuple(task.labels)) for task in tasks}
    for annotation in gold:
        if annotation.task not in specs and annotation.task in TASK_TYPES:
            specs[annotation.task] = TaskSpec(annotation.task, annotation.task, annotation.tier)
    for name, spec in specs.items():
        if spec.type in LABEL_TYPES and not spec.labels:
            observed = {gold_label(a, spec.type) for a in gold if a.task == name} - {None, ""}
            specs[name] = replace(spec, labels=tuple(sorted(observed)))
    return specs


def _answers(annotation: Annotation, spec: TaskSpec) -> list[tuple[str, str]]:
    """(question, answer) pairs; the question is empty except for qa."""
    kind = spec.type
    if kind == "entities":
        return [("", to_json(entity_items(annotation)))]
    if kind == "relations":
        return [("", to_json(relation_items(annotation)))]
    if kind == "extraction":
        return [("", to_json(field_items(annotation)))]
    if kind in LABEL_TYPES:
        label = gold_label(annotation, kind)
        if not label:
            raise Unusable(f"no {kind} label")
        if spec.labels and label not in spec.labels:
            raise Unusable("label not in the task's label set", f"{label!r} not in {list(spec.labels)}")
        return [("", label)]
    if kind == "qa":
        pairs = [(p.question.strip(), p.answer.strip()) for p in annotation.qa]
        pairs = [(q, a) for q, a in pairs if q and a]
        if not pairs:
            raise Unusable("no question-answer pair")
        return pairs
    if kind == "summary":
        if not (annotation.summary or "").strip():
            raise Unusable("no summary")
        return [("", annotation.summary.strip())]
    raise Unusable("unknown task type", kind)


def source_of(annotation: Annotation) -> str:
    """The config source the annotated document came from, for stratified splits."""
    return str(annotation.meta.get("source_name") or "unknown")


def build_samples(annotation: Annotation, spec: TaskSpec, language: Language) -> list[Sample]:
    """The chat samples of one gold annotation; raises ``Unusable`` with the reason when none."""
    if not annotation.text.strip():
        raise Unusable("empty text")
    samples = []
    for question, answer in _answers(annotation, spec):
        system, user = render_prompt(spec.type, language, annotation.text, spec.labels, question)
        messages = [Message(role="system", content=system), Message(role="user", content=user),
                    Message(role="assistant", content=answer)]
        meta = {"task_type": spec.type, "tier": annotation.tier, "language": language, "source": source_of(annotation)}
        lineage = [annotation.id, annotation.doc_id]
        samples.append(Sample(task=annotation.task, messages=messages, source_ids=lineage, meta=meta))
    return samples
