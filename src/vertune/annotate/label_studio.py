"""Label Studio interop: labelling configs, tasks with pre-label predictions, export import.

Formats follow Label Studio's documented JSON: a task is ``{"id", "data", "predictions"}``,
a prediction ``{"model_version", "score", "result"}``; an export adds ``"annotations"``, each
``{"id", "completed_by", "result"}``. Results are ``labels`` (``value: {start, end, text,
labels}``), ``relation`` (``from_id``/``to_id`` naming labels results by ``id``), ``choices``
(``value: {choices}``) and ``textarea`` (``value: {text: [...]}``). QA pairs are textarea
lines ``问题 || 答案``; report fields are lines ``名称 | 期间 | 数值 | 单位``
(``营业收入 | 2023年 | 1,476.94 | 亿元``, the number as written, the unit apart).

Import keeps every good item and rejects only the bad one: a malformed annotation (an arrow
without a relation label, a span outside the text, an unknown label…) becomes a ``Rejection``
naming the file, the task id, the annotation id and the field, and the task's other annotations
and the file's other tasks still import; a malformed task (no ``data.doc_id``…) is rejected
whole. Only a file that is not JSON, or not a list of tasks, raises ``LabelStudioError``.

Arrows follow Label Studio's ``direction``: ``right`` (the default, also when absent) reads
``from_id`` → ``to_id``, ``left`` (the annotator flipped the arrow) ``to_id`` → ``from_id``,
and ``bi`` is two relations, one each way (a ``Relation`` is directed; a symmetric link is the
pair). A skipped task (``was_cancelled: true``, or the older ``skipped: true``) is a ``Skip``,
not a label: the flow records it and never lets the item's pre-label stand in for it. Of
several annotations by one annotator on one task, the last counts.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vertune.annotate.answers import (
    ANSWER_FIELDS,
    CHOICE_FIELD,
    SPAN_TYPES,
    choice_of,
    field_line,
    pair_line,
    parse_field_line,
    parse_pair_line,
)
from vertune.annotate.tasks import TaskSpec, guideline_with_labels
from vertune.records import Annotation, Document, Entity, Rejection, Relation, ReportField

TEXT = "text"  # the <Text> object every control labels
# The control tag's name per task type: it is the ``from_name`` of every result.
CONTROL: dict[str, str] = {
    "entities": "label", "relations": "label", "intent": "choice", "sentiment": "choice",
    "classification": "choice", "qa": "qa", "extraction": "fields", "summary": "summary",
}
LINES_PLACEHOLDER = {"qa": "问题 || 答案（每条一行）",
                     "extraction": "营业收入 | 2023年 | 1,476.94 | 亿元（每个要素一行：名称 | 期间 | 数值 | 单位）"}
STAGE = "annotate"  # the stage whose rejections an import's bad items become
DIRECTIONS = ("right", "left", "bi")


class LabelStudioError(ValueError):
    """A Label Studio export, task or annotation that cannot be imported; names the file, the
    task and the field."""

    def __init__(self, where: str, task_id: Any, field: str, problem: str) -> None:
        self.task_id, self.field, self.problem = task_id, field, problem
        super().__init__(f"{where}: task {task_id}: field '{field}': {problem}")


@dataclass(frozen=True)
class Skip:
    """One annotator skipped (cancelled) one task: no label, and no licence for the pre-label."""

    doc_id: str
    task: str
    annotator: str
    task_id: Any
    annotation_id: Any = None


@dataclass
class Imported:
    """What an export holds: the annotations, the skips, and a rejection per unreadable item."""

    annotations: list[Annotation] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


# ---- labelling config -------------------------------------------------------------------------


def label_config(spec: TaskSpec) -> str:
    """The ``<View>`` labelling config of a task: header with the guideline, text, controls."""
    view = ET.Element("View")
    ET.SubElement(view, "Header", value=f"{spec.name}（第{spec.tier}层 · {spec.type}）")
    guide = ET.SubElement(view, "View", style="white-space: pre-wrap; max-height: 16em; overflow-y: auto")
    ET.SubElement(guide, "Header", value=guideline_with_labels(spec), size="6")
    ET.SubElement(view, "Text", name=TEXT, value=f"${TEXT}")
    control = CONTROL[spec.type]
    if spec.type in SPAN_TYPES:
        if spec.type == "relations":
            relations = ET.SubElement(view, "Relations")
            for label in spec.labels:
                ET.SubElement(relations, "Relation", value=label)
        labels = ET.SubElement(view, "Labels", name=control, toName=TEXT)
        for label in spec.entity_labels or spec.labels:
            ET.SubElement(labels, "Label", value=label)
    elif spec.type in CHOICE_FIELD:
        choices = ET.SubElement(view, "Choices", name=control, toName=TEXT, choice="single", showInline="true")
        for label in spec.labels:
            ET.SubElement(choices, "Choice", value=label)
    elif spec.type == "summary":
        ET.SubElement(view, "TextArea", name=control, toName=TEXT, rows="4", editable="true", maxSubmissions="1")
    else:
        ET.SubElement(view, "TextArea", name=control, toName=TEXT, rows="2", editable="true",
                      placeholder=LINES_PLACEHOLDER[spec.type])
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


# ---- annotations → results ----------------------------------------------------------------------


def to_results(annotation: Annotation, spec: TaskSpec) -> list[dict[str, Any]]:
    """An annotation's answer as Label Studio results (for predictions, or a simulated export)."""
    control = CONTROL[spec.type]
    base = {"from_name": control, "to_name": TEXT}
    if spec.type in SPAN_TYPES:
        results = [
            {"id": f"e{i}", **base, "type": "labels",
             "value": {"start": e.start, "end": e.end, "text": e.text, "labels": [e.label]}}
            for i, e in enumerate(annotation.entities)
        ]
        if spec.type == "relations":
            results += [{"from_id": f"e{r.head}", "to_id": f"e{r.tail}", "type": "relation", "direction": "right",
                         "labels": [r.label]} for r in annotation.relations]
        return results
    if spec.type in CHOICE_FIELD:
        label = choice_of(annotation, spec.type)
        return [{"id": control, **base, "type": "choices", "value": {"choices": [label]}}] if label else []
    if spec.type == "summary":
        summary = annotation.summary
        return [{"id": control, **base, "type": "textarea", "value": {"text": [summary]}}] if summary else []
    lines = [field_line(f) for f in annotation.fields] if spec.type == "extraction" else [pair_line(p) for p in annotation.qa]
    return [{"id": control, **base, "type": "textarea", "value": {"text": lines}}] if lines else []


def _prediction(annotation: Annotation, spec: TaskSpec) -> dict[str, Any]:
    return {"model_version": annotation.annotator, "score": annotation.confidence, "result": to_results(annotation, spec)}


def task_data(spec: TaskSpec, doc_id: str, text: str, **extra: Any) -> dict[str, Any]:
    """The ``data`` of a task: the text plus what import needs to find the item again."""
    return {TEXT: text, "doc_id": doc_id, "task": spec.name, "tier": spec.tier, **extra}


def labelling_tasks(spec: TaskSpec, docs: Sequence[Document], prelabels: Sequence[Annotation],
                    assigned: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """One task per document, each pre-label a prediction; ``assigned`` annotators in the data."""
    by_doc: dict[str, list[Annotation]] = {}
    for label in prelabels:
        by_doc.setdefault(label.doc_id, []).append(label)
    tasks = []
    for number, doc in enumerate(docs, start=1):
        extra = {"source": doc.meta.get("source_name", doc.source), "title": doc.title}
        if "parent_id" in doc.meta:
            extra["parent_id"] = doc.meta["parent_id"]
        if assigned:
            extra["assigned_to"] = ", ".join(assigned.get(doc.id, []))
        tasks.append({"id": number, "data": task_data(spec, doc.id, doc.text, **extra),
                      "predictions": [_prediction(p, spec) for p in by_doc.get(doc.id, [])]})
    return tasks


def versions_task(spec: TaskSpec, number: int, versions: Sequence[Annotation]) -> dict[str, Any]:
    """An arbitration task: the disputed item with each annotator's version as a prediction."""
    first = versions[0]
    data = task_data(spec, first.doc_id, first.text, annotators=", ".join(v.annotator for v in versions))
    return {"id": number, "data": data, "predictions": [_prediction(v, spec) for v in versions]}


# ---- export → annotations -----------------------------------------------------------------------


class _SpanValue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    start: int
    end: int
    labels: list[str] = Field(min_length=1)
    text: str | None = None


class _ChoicesValue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    choices: list[str] = Field(min_length=1)


class _TextValue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: list[str] | str


class _Context:
    """Where in the export we are, so every error names file, task and field."""

    def __init__(self, where: str, task_id: Any) -> None:
        self.where, self.task_id = where, task_id

    def fail(self, field: str, problem: str) -> NoReturn:
        raise LabelStudioError(self.where, self.task_id, field, problem)

    def validate(self, model: type[BaseModel], data: Any, field: str) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            inner = ".".join(str(part) for part in first["loc"])
            self.fail(f"{field}.{inner}" if inner else field, first["msg"])

    def require(self, container: dict[str, Any], key: str, kind: type, field: str) -> Any:
        value = container.get(key)
        if not isinstance(value, kind):
            self.fail(field, f"expected {kind.__name__}, got {type(value).__name__}")
        return value


def _anchor(ctx: _Context, value: _SpanValue, text: str, field: str) -> tuple[int, int]:
    """The span's offsets, re-anchored to the nearest occurrence when ``value.text`` disagrees
    with them (exports of texts with emoji have been off by a code unit in some versions)."""
    start, end = value.start, value.end
    if value.text is None or text[start:end] == value.text:
        if 0 <= start < end <= len(text):
            return start, end
        ctx.fail(f"{field}.start", f"span [{start}, {end}) is outside the text (length {len(text)})")
    hits = [i for i in range(len(text)) if text.startswith(value.text, i)]
    if not hits or not value.text:
        ctx.fail(f"{field}.text", f"{value.text!r} is not at [{start}, {end}) and not found in the task text")
    nearest = min(hits, key=lambda i: abs(i - start))
    return nearest, nearest + len(value.text)


def _annotator(ctx: _Context, completed_by: Any, field: str) -> str:
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    if isinstance(completed_by, bool) or not isinstance(completed_by, int | str) or completed_by == "":
        ctx.fail(field, f"expected a user id, name or object, got {completed_by!r}")
    return completed_by if isinstance(completed_by, str) else f"user_{completed_by}"


def parse_results(ctx: _Context, results: list[Any], spec: TaskSpec, text: str, field: str) -> dict[str, Any]:
    """Label Studio results → the Annotation answer fields of ``spec``'s type."""
    control = CONTROL[spec.type]
    regions: dict[str, Entity] = {}
    links: list[tuple[str, str, str, str]] = []
    answer: dict[str, Any] = {"entities": [], "relations": [], "qa": [], "fields": []}
    for j, result in enumerate(results):
        where = f"{field}[{j}]"
        if not isinstance(result, dict):
            ctx.fail(where, f"expected an object, got {type(result).__name__}")
        kind = result.get("type")
        if kind == "relation":
            links += _arrow(ctx, result, spec, where)
            continue
        if result.get("from_name") != control:
            ctx.fail(f"{where}.from_name", f"expected '{control}' (this task's control), got {result.get('from_name')!r}")
        if kind == "labels" and spec.type in SPAN_TYPES:
            value = ctx.validate(_SpanValue, result.get("value"), f"{where}.value")
            allowed = spec.entity_labels or spec.labels
            if value.labels[0] not in allowed:
                ctx.fail(f"{where}.value.labels", f"{value.labels[0]!r} is not one of {list(allowed)}")
            start, end = _anchor(ctx, value, text, f"{where}.value")
            regions[str(result.get("id", f"#{j}"))] = Entity(start=start, end=end, label=value.labels[0], text=text[start:end])
        elif kind == "choices" and spec.type in CHOICE_FIELD:
            choice = ctx.validate(_ChoicesValue, result.get("value"), f"{where}.value").choices[0]
            if choice not in spec.labels:
                ctx.fail(f"{where}.value.choices", f"{choice!r} is not one of {list(spec.labels)}")
            answer[CHOICE_FIELD[spec.type]] = choice
        elif kind == "textarea" and spec.type in ("qa", "extraction", "summary"):
            lines = ctx.validate(_TextValue, result.get("value"), f"{where}.value").text
            lines = [lines] if isinstance(lines, str) else lines
            if spec.type == "summary":
                answer["summary"] = "\n".join(lines).strip()
                continue
            # One item may hold several lines (typed with Enter in one box); a blank line is no answer.
            for k, line in ((k, line) for k, item in enumerate(lines) for line in item.splitlines() if line.strip()):
                if spec.type == "extraction":
                    answer["fields"].append(_field(ctx, line, f"{where}.value.text[{k}]"))
                    continue
                pair = parse_pair_line(line)
                if pair is None:
                    ctx.fail(f"{where}.value.text[{k}]", f"expected '问题 || 答案', got {line!r}")
                answer["qa"].append(pair)
        else:
            ctx.fail(f"{where}.type", f"result type {kind!r} does not fit a {spec.type} task")
    order = sorted(regions, key=lambda rid: (regions[rid].start, regions[rid].end))
    answer["entities"] = [regions[rid] for rid in order]
    index = {rid: i for i, rid in enumerate(order)}
    relations: dict[tuple[int, int, str], Relation] = {}  # a "bi" arrow beside its explicit reverse: one pair
    for head_id, tail_id, label, where in links:
        for key, rid in (("from_id", head_id), ("to_id", tail_id)):
            if rid not in index:
                ctx.fail(f"{where}.{key}", f"no labelled span with id {rid!r} in this annotation")
        relation = Relation(head=index[head_id], tail=index[tail_id], label=label)
        relations.setdefault((relation.head, relation.tail, label), relation)
    answer["relations"] = list(relations.values())
    return {name: answer.get(name) for name in ANSWER_FIELDS[spec.type]}


def _field(ctx: _Context, line: str, where: str) -> ReportField:
    """One textarea line as a report field; a line that is not one fails its annotation."""
    parsed = parse_field_line(line)
    if isinstance(parsed, str):
        ctx.fail(where, f"{parsed}: {line!r}")
    return parsed


def _arrow(ctx: _Context, result: dict[str, Any], spec: TaskSpec, where: str) -> list[tuple[str, str, str, str]]:
    """One relation arrow as (head id, tail id, label, where) links, in the direction it points."""
    from_id, to_id = (ctx.require(result, key, str, f"{where}.{key}") for key in ("from_id", "to_id"))
    labels = result.get("labels") or []  # Label Studio leaves "labels" out when none was chosen
    if not isinstance(labels, list) or not labels:
        ctx.fail(f"{where}.labels", f"the arrow has no relation label; choose one of {list(spec.labels)}")
    if len(labels) != 1 or labels[0] not in spec.labels:
        ctx.fail(f"{where}.labels", f"expected one of {list(spec.labels)}, got {labels}")
    direction = result.get("direction", "right")
    if direction not in DIRECTIONS:
        ctx.fail(f"{where}.direction", f"expected one of {list(DIRECTIONS)}, got {direction!r}")
    forward, backward = (from_id, to_id, labels[0], where), (to_id, from_id, labels[0], where)
    return {"right": [forward], "left": [backward], "bi": [forward, backward]}[direction]


def _rejection(where: str, err: LabelStudioError, annotation_id: Any = None) -> Rejection:
    item = f"{where}: task {err.task_id}" + ("" if annotation_id is None else f", annotation {annotation_id}")
    kind = "task" if annotation_id is None else "annotation"
    return Rejection(stage=STAGE, item=item, reason=f"malformed Label Studio {kind}", detail=f"field '{err.field}': {err.problem}")


def _is_skip(raw: dict[str, Any]) -> bool:
    """Cancelled in the labelling UI: ``was_cancelled`` since Label Studio 1.0, ``skipped`` before."""
    return bool(raw.get("was_cancelled") or raw.get("skipped"))


def _parse_task(task: Any, position: int, spec: TaskSpec, where: str, found: Imported) -> None:
    """Add the task's annotations and skips to ``found``, each bad annotation as a rejection;
    raises ``LabelStudioError`` when the task itself is malformed."""
    task_id = task.get("id", f"#{position}") if isinstance(task, dict) else f"#{position}"
    ctx = _Context(where, task_id)
    if not isinstance(task, dict):
        ctx.fail("<task>", f"expected an object, got {type(task).__name__}")
    data = ctx.require(task, "data", dict, "data")
    text = ctx.require(data, TEXT, str, f"data.{TEXT}")
    doc_id = ctx.require(data, "doc_id", str, "data.doc_id")
    for i, raw in enumerate(ctx.require(task, "annotations", list, "annotations") if "annotations" in task else []):
        field = f"annotations[{i}]"
        annotation_id = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        try:
            if not isinstance(raw, dict):
                ctx.fail(field, f"expected an object, got {type(raw).__name__}")
            annotator = _annotator(ctx, raw.get("completed_by"), f"{field}.completed_by")
            if _is_skip(raw):
                found.skips.append(Skip(doc_id, spec.name, annotator, task_id, raw.get("id")))
                continue
            results = ctx.require(raw, "result", list, f"{field}.result")
            answer = parse_results(ctx, results, spec, text, f"{field}.result")
        except LabelStudioError as err:
            found.rejections.append(_rejection(where, err, annotation_id))
            continue
        found.annotations.append(Annotation(
            doc_id=doc_id, text=text, annotator=annotator, tier=spec.tier, task=spec.name, status="labelled",
            meta={"label_studio": {"task_id": task_id, "annotation_id": raw.get("id")}}, **answer,
        ))


def parse_export(tasks: Any, spec: TaskSpec, where: str = "<export>") -> Imported:
    """Every annotation and skip of a Label Studio JSON export (a list of tasks), and a
    rejection for each task or annotation that cannot be read."""
    if not isinstance(tasks, list):
        raise LabelStudioError(where, "-", "<root>", f"a Label Studio JSON export is a list of tasks, got {type(tasks).__name__}")
    found = Imported()
    for position, task in enumerate(tasks):
        try:
            _parse_task(task, position, spec, where, found)
        except LabelStudioError as err:
            found.rejections.append(_rejection(where, err))
    latest = {annotation.id: annotation for annotation in found.annotations}  # same doc, task and annotator: the last counts
    found.annotations = list(latest.values())
    return found


def read_export(path: str | Path, spec: TaskSpec) -> Imported:
    """Read a Label Studio JSON export file; a file that is not JSON or not a list of tasks
    raises ``LabelStudioError``, a bad task or annotation in it becomes a rejection."""
    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise LabelStudioError(str(path), "-", "<json>", f"not valid JSON: {err.msg} at line {err.lineno}") from None
    return parse_export(tasks, spec, str(path))
