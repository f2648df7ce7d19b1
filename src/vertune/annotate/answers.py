"""What an annotation answers for its task type, and that answer in comparable form.

An ``Annotation`` has a field per kind of answer; a task type uses some of them (a relations
task: entities + relations; an extraction task: report ``fields``). Agreement,
simulation, gold and Label Studio all go through these helpers instead of re-deciding that.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from typing import Any

from vertune.figures import parse_number
from vertune.records import Annotation, Entity, QAPair, ReportField

# The Annotation fields that carry each task type's answer.
ANSWER_FIELDS: dict[str, tuple[str, ...]] = {
    "entities": ("entities",),
    "relations": ("entities", "relations"),
    "intent": ("intent",),
    "sentiment": ("sentiment",),
    "classification": ("label",),
    "qa": ("qa",),
    "extraction": ("fields",),
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
    """No usable answer: no spans, no label, no pairs or fields, a blank summary."""
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

    Texts (QA answers, summaries, field names, periods, units) compare normalised unless
    ``exact``; a field's value then compares as a number ("22,087" = "22087") when it is one.
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
    if task_type == "extraction":
        return frozenset((text(f.name), text(f.period), _value_key(f.value, exact), text(f.unit)) for f in annotation.fields)
    return frozenset((text(pair.question), text(pair.answer)) for pair in annotation.qa)


def _value_key(value: str, exact: bool) -> float | str:
    number = None if exact else parse_number(value)
    return (value.strip() if exact else normalise(value)) if number is None else number


PAIR_SEPARATOR = "||"
FIELD_SEPARATOR = "|"
_FIELD_SPLIT = re.compile(r"(?<!\\)[|｜]")  # a Chinese IME types the full-width bar; ``\|`` is a bar in a part
_ESCAPED_BAR = re.compile(r"\\([|｜])")
FIELD_PARTS = ("name", "period", "value", "unit")


def pair_line(pair: QAPair) -> str:
    """A QA pair as one line annotators can type: ``问题 || 答案``."""
    return f"{pair.question} {PAIR_SEPARATOR} {pair.answer}"


def parse_pair_line(line: str) -> QAPair | None:
    """The inverse of ``pair_line``; None when the line has no separator or an empty side."""
    question, separator, answer = line.partition(PAIR_SEPARATOR)
    if not separator or not question.strip() or not answer.strip():
        return None
    return QAPair(question=question.strip(), answer=answer.strip())


def field_line(field: ReportField) -> str:
    """A report field as one line annotators can type: ``营业收入 | 2023年 | 1,476.94 | 亿元``.
    A bar inside a part (a name such as ``收入|主营``) is written ``\\|`` so the line still has four parts."""
    return f" {FIELD_SEPARATOR} ".join(_FIELD_SPLIT.sub(lambda bar: "\\" + bar.group(), getattr(field, part))
                                       for part in FIELD_PARTS)


def parse_field_line(line: str) -> ReportField | str:
    """The inverse of ``field_line``, or why ``line`` is not one: four parts, a name, and a
    value that is a number as written (the unit goes in its own part). The bars around a
    Markdown table row (``| 营业收入 | … | 亿元 |``), or one bar opening or closing a line of
    four parts, are not parts."""
    parts = [_ESCAPED_BAR.sub(r"\1", part.strip()) for part in _FIELD_SPLIT.split(line)]
    if len(parts) > 2 and not parts[0] and not parts[-1]:
        parts = parts[1:-1]
    elif len(parts) == len(FIELD_PARTS) + 1 and not (parts[0] and parts[-1]):
        parts = parts[1:] if not parts[0] else parts[:-1]
    if len(parts) != len(FIELD_PARTS):
        return f"expected 4 parts '名称 | 期间 | 数值 | 单位', got {len(parts)}"
    field = ReportField(**dict(zip(FIELD_PARTS, parts)))
    if not field.name:
        return "the name is empty"
    if parse_number(field.value) is None or unicodedata.normalize("NFKC", field.value).endswith("%"):
        return f"the value {field.value!r} is not a number as written (the unit goes in the last part)"
    return field
