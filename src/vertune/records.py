"""The record contracts between stages: Document, Annotation, Sample, and rejections.

Every record is one pydantic model, stored as one JSON line, with a stable ``id`` derived from
its content so that dedup, lineage and joins work across stages. Reading JSONL never crashes
half-way and never skips silently: a bad line becomes a ``Rejection`` naming file and line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vertune.atomic import atomic_open

ID_LENGTH = 16


def content_id(*parts: Any) -> str:
    """A short, stable hash of ``parts`` (JSON-canonicalised): the same content, the same id."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:ID_LENGTH]


class Record(BaseModel):
    """Base of every record: strict keys, JSON-line friendly."""

    model_config = ConfigDict(extra="forbid")

    id: str = ""

    def model_post_init(self, __context: Any) -> None:
        if not self.id:
            self.id = self.compute_id()

    def compute_id(self) -> str:
        """The content hash that identifies this record; subclasses choose the fields."""
        return content_id(self.model_dump(exclude={"id"}, mode="json"))


class Table(BaseModel):
    """A table as rows of cell strings; the first row is the header when ``header`` is true."""

    model_config = ConfigDict(extra="forbid")

    rows: list[list[str]]
    header: bool = True
    page: int | None = None
    caption: str = ""


class Document(Record):
    """One ingested source item: a report, a news page, a forum thread, a synthetic record."""

    source: str
    kind: str
    title: str = ""
    text: str
    tables: list[Table] = Field(default_factory=list)
    published_at: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    def compute_id(self) -> str:
        return content_id("doc", self.source, self.kind, self.title, self.text)


class Entity(BaseModel):
    """A labelled character span ``text[start:end]``."""

    model_config = ConfigDict(extra="forbid")

    start: int
    end: int
    label: str
    text: str = ""


class Relation(BaseModel):
    """A labelled link between two entities, by their index in ``Annotation.entities``."""

    model_config = ConfigDict(extra="forbid")

    head: int
    tail: int
    label: str


class QAPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    answer: str


class ReportField(BaseModel):
    """One report element as the text gives it: ``营业收入 | 2023年 | 22,087 | 百万元``.

    ``value`` is the number as written (thousands separators kept), so gold copies the text;
    the period and the unit stay apart from the name and the number, as the prompt asks.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    period: str = ""
    value: str
    unit: str = ""


AnnotationStatus = Literal["draft", "pre-labelled", "labelled", "disputed", "arbitrated", "gold"]


class Annotation(Record):
    """One annotator's (or pre-labeller's) labels for one span of one document."""

    doc_id: str
    text: str
    annotator: str
    tier: Literal[1, 2, 3]
    task: str
    entities: list[Entity] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    intent: str | None = None
    sentiment: str | None = None
    label: str | None = None
    qa: list[QAPair] = Field(default_factory=list)
    fields: list[ReportField] = Field(default_factory=list)
    summary: str | None = None
    status: AnnotationStatus = "draft"
    confidence: float | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    def compute_id(self) -> str:
        return content_id("ann", self.doc_id, self.task, self.annotator, self.text)


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


Split = Literal["train", "val", "test"]


class Sample(Record):
    """One chat-format training/evaluation example."""

    task: str
    messages: list[Message]
    source_ids: list[str] = Field(default_factory=list)
    split: Split | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    def compute_id(self) -> str:
        return content_id("sample", self.task, [m.model_dump() for m in self.messages])


class Rejection(BaseModel):
    """Why an input item is not in a stage's output; every dropped item gets one."""

    model_config = ConfigDict(extra="forbid")

    stage: str
    item: str
    reason: str
    detail: str = ""


R = TypeVar("R", bound=BaseModel)


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "<record>"
    return f"field '{where}': {first['msg']}"


def read_jsonl(
    path: str | os.PathLike[str],
    model: type[R],
    on_reject: Callable[[Rejection], None] | None = None,
    stage: str = "read",
) -> Iterator[R]:
    """Stream ``model`` records from a JSONL file.

    A line that is not JSON or does not fit ``model`` is passed to ``on_reject`` as a
    ``Rejection`` naming ``file:line`` and the reason; without ``on_reject`` it raises
    ``ValueError`` with the same message. Blank lines are ignored.
    """
    path = Path(path)
    with path.open("r", encoding="utf-8", errors="strict") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                yield model.model_validate_json(line)
                continue
            except ValidationError as err:
                reason = "invalid JSON" if err.errors()[0]["type"] == "json_invalid" else "does not fit the record"
                detail = _first_error(err)
            rejection = Rejection(stage=stage, item=where, reason=reason, detail=detail)
            if on_reject is None:
                raise ValueError(f"{where}: {reason}: {detail}")
            on_reject(rejection)


def write_jsonl(path: str | os.PathLike[str], records: Iterable[BaseModel]) -> int:
    """Write records as JSON lines atomically; returns how many were written."""
    count = 0
    with atomic_open(path, "w") as handle:
        for record in records:
            handle.write(record.model_dump_json() + "\n")
            count += 1
    return count
