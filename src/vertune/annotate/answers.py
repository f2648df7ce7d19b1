"""What an annotation answers for its task type, and that answer in comparable form.

An ``Annotation`` has a field per kind of answer; a task type uses some of them (a relations
task: entities + relations; an extraction task: ``qa`` pairs of field → value). Agreement,
simulation, gold and Label Studio all go through these helpers instead of re-deciding that.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable
from typing import Any

from vertune.records import Annotation, Entity, QAPair

# The Annotation fields that carry each task type's answer.
ANSWER_FIELDS: dict[str, tuple[str, ...]] = {
    "entities": ("entities",),
    "relations": ("entities", "relations"),
    "intent": ("intent",),
    "sentiment": ("sentiment",),
    "classification": ("label",),
    "qa": ("qa",),
    "extraction": ("qa",),
    "summary": ("summary",),
}
CHOICE_FIELD: dict[str, str] = {"intent": "intent", "sentiment": "sentiment", "classification": "label"}
SPAN_TYPES = ("entities", "relations")

Span = tuple[int, int, str]
Triple = tuple[Span, Span, str]


def answer_of(annotation: Annotation, task_type: str) -> dict[str, Any]:
    """The answer fields of ``annotation`` as keyword arguments for a new Annotation."""
    return {name: getattr(annotation, name) for name in ANSWER_FIELDS[task_type]}


def choice_of(annotation: Annotation, task_type: str) -> str | None:
    return getattr(annotation, CHOICE_FIELD[task_type])


def is_empty(annotation: Annotation, task_type: str) -> bool:
    """No usable answer: no spans, no label, no pairs, a blank summary."""
    if task_type == "relations":
        return not annotation.relations
    if task_type == "summary":
        return not (annotation.summary or "").strip()
    return not any(getattr(annotation, name) for name in ANSWER_FIELDS[task_type])


def span(entity: Entity) -> Span:
    return (entity.start, entity.end, entity.label)


def triples(annotation: Annotation) -> set[Triple]:
    """Relations as (head span, tail span, label), independent of entity order."""
    entities = annotation.entities
    return {(span(entities[r.head]), span(entities[r.tail]), r.label) for r in annotation.relations}


def normalise(text: str) -> str:
    """Text for a tolerant comparison: NFKC, lower case, no whitespace or punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def canonical(annotation: Annotation, task_type: str, *, exact: bool = False) -> Hashable:
    """The answer in a form where equal means "the annotators agree".

    Texts (QA answers, summaries, extracted values) compare normalised unless ``exact``.
    """
    def text(value: str) -> str:
        return value.strip() if exact else normalise(value)

    if task_type == "entities":
        return frozenset(span(entity) for entity in annotation.entities)
    if task_type == "relations":
        return frozenset(triples(annotation))
    if task_type in CHOICE_FIELD:
        return choice_of(annotation, task_type)
    if task_type == "summary":
        return text(annotation.summary or "")
    return frozenset((text(pair.question), text(pair.answer)) for pair in annotation.qa)


PAIR_SEPARATOR = "||"


def pair_line(pair: QAPair) -> str:
    """A QA pair (or field → value) as one line annotators can type: ``问题 || 答案``."""
    return f"{pair.question} {PAIR_SEPARATOR} {pair.answer}"


def parse_pair_line(line: str) -> QAPair | None:
    """The inverse of ``pair_line``; None when the line has no separator or an empty side."""
    question, separator, answer = line.partition(PAIR_SEPARATOR)
    if not separator or not question.strip() or not answer.strip():
        return None
    return QAPair(question=question.strip(), answer=answer.strip())
