"""Label Studio interop: configs, tasks with predictions, and exports back to Annotations."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from annotation_samples import EXAMPLE_TASKS, MakeDoc, example_task

from vertune.annotate.answers import answer_of
from vertune.annotate.label_studio import (
    CONTROL,
    LabelStudioError,
    label_config,
    labelling_tasks,
    read_export,
    task_data,
    to_results,
)
from vertune.annotate.answers import field_line, parse_field_line
from vertune.annotate.prelabel.labellers import best_prelabel, prelabel_documents
from vertune.annotate.simulate import simulate_annotation
from vertune.annotate.tasks import TaskSpec
from vertune.records import Annotation, Document, Rejection, ReportField


def spec_of(name: str, docs: list[Document]) -> TaskSpec:
    return example_task(name, docs)


def as_label_studio_export(tasks: list[dict[str, Any]], spec: TaskSpec, labels: list[Annotation]) -> list[dict[str, Any]]:
    """What Label Studio's JSON export looks like after people labelled ``tasks``."""
    by_doc: dict[str, list[Annotation]] = {}
    for label in labels:
        by_doc.setdefault(label.doc_id, []).append(label)
    exported = []
    for task in tasks:
        annotations = [
            {"id": 1000 + task["id"] * 10 + k, "completed_by": {"id": k + 1, "email": label.annotator},
             "result": [{**r, "origin": "manual"} for r in to_results(label, spec)], "was_cancelled": False,
             "ground_truth": False, "created_at": "2024-05-01T10:00:00Z", "lead_time": 12.5, "task": task["id"]}
            for k, label in enumerate(by_doc.get(task["data"]["doc_id"], []))
        ]
        exported.append({**task, "annotations": annotations, "project": 3, "created_at": "2024-05-01T09:00:00Z"})
    return exported


@pytest.mark.parametrize("name", [t.name for t in EXAMPLE_TASKS])
def test_round_trip_loses_nothing(name: str, finance_docs: list[Document], tmp_path: Path) -> None:
    spec = spec_of(name, finance_docs)
    docs = [d for d in finance_docs if spec.selects(d)]
    prelabels = prelabel_documents(spec, docs)
    references = [best_prelabel(spec, [p for p in prelabels if p.doc_id == d.id]) for d in docs]
    labels = [simulate_annotation(spec, ref, who, 0.3) for ref in references if ref for who in ("ann_a@bank.cn", "ann_b@bank.cn")]
    assert labels
    path = tmp_path / "export.json"
    path.write_text(json.dumps(as_label_studio_export(labelling_tasks(spec, docs, prelabels), spec, labels), ensure_ascii=False))
    imported = {(a.doc_id, a.annotator): a for a in read_export(path, spec).annotations}
    assert len(imported) == len(labels)
    for label in labels:
        back = imported[(label.doc_id, label.annotator)]
        assert answer_of(back, spec.type) == answer_of(label, spec.type)
        assert (back.task, back.tier, back.text, back.status) == (spec.name, spec.tier, label.text, "labelled")


def test_predictions_carry_every_prelabel_with_its_score(finance_docs: list[Document]) -> None:
    spec = spec_of("intent", finance_docs)
    docs = [d for d in finance_docs if spec.selects(d)][:2]
    tasks = labelling_tasks(spec, docs, prelabel_documents(spec, docs), {docs[0].id: ["a", "b"]})
    first = tasks[0]
    assert first["data"]["doc_id"] == docs[0].id and first["data"]["text"] == docs[0].text
    assert first["data"]["assigned_to"] == "a, b"
    assert [(p["model_version"], p["score"]) for p in first["predictions"]] == [("known:meta", 1.0), ("rules:intent_keywords", 0.9)]
    assert first["predictions"][0]["result"] == [
        {"id": "choice", "from_name": "choice", "to_name": "text", "type": "choices", "value": {"choices": ["挂失补卡"]}}]


@pytest.mark.parametrize("name", [t.name for t in EXAMPLE_TASKS])
def test_label_config_is_valid_xml_with_guideline_and_controls(name: str, finance_docs: list[Document]) -> None:
    spec = spec_of(name, finance_docs)
    view = ET.fromstring(label_config(spec))
    assert view.tag == "View"
    headers = [h.get("value") for h in view.iter("Header")]
    assert any(spec.guideline.splitlines()[0] in (h or "") for h in headers)
    assert view.find("Text").attrib == {"name": "text", "value": "$text"}
    control = next(e for e in view.iter() if e.get("name") == CONTROL[spec.type])
    assert control.get("toName") == "text"
    if spec.type == "relations":
        assert [r.get("value") for r in view.iter("Relation")] == ["发布", "控股"]
    if spec.type in ("intent", "sentiment", "classification"):
        assert tuple(c.get("value") for c in control) == spec.labels


HAND_WRITTEN_EXPORT = [{
    "id": 41, "project": 2, "data": {"text": "东海商业银行持有云帆智能科技股份有限公司30%的股份。", "doc_id": "d41"},
    "annotations": [
        {"id": 7, "completed_by": 12, "was_cancelled": False, "result": [
            {"value": {"start": 0, "end": 6, "text": "东海商业银行", "labels": ["公司"]}, "id": "Dx_aB91ISN",
             "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual"},
            {"value": {"start": 8, "end": 20, "text": "云帆智能科技股份有限公司", "labels": ["公司"]}, "id": "t5sp3TyXPo",
             "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual"},
            {"from_id": "Dx_aB91ISN", "to_id": "t5sp3TyXPo", "type": "relation", "direction": "right", "labels": ["控股"]},
        ]},
        {"id": 8, "completed_by": 13, "was_cancelled": True, "result": []},
    ],
}]


def test_hand_written_label_studio_export(tmp_path: Path) -> None:
    spec = example_task("relations", [])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(HAND_WRITTEN_EXPORT, ensure_ascii=False), encoding="utf-8")
    imported = read_export(path, spec)
    (annotation,) = imported.annotations  # the cancelled one is a skip, not a label
    assert [s.annotator for s in imported.skips] == ["user_13"]
    assert annotation.annotator == "user_12" and annotation.doc_id == "d41"
    assert [(e.text, e.label) for e in annotation.entities] == [("东海商业银行", "公司"), ("云帆智能科技股份有限公司", "公司")]
    assert [(r.head, r.tail, r.label) for r in annotation.relations] == [(0, 1, "控股")]
    assert annotation.meta["label_studio"] == {"task_id": 41, "annotation_id": 7}


def test_offsets_off_by_an_emoji_are_reanchored(tmp_path: Path) -> None:
    spec = example_task("entities", [])
    text = "解决了👍招商银行效率高"
    task = {"id": 1, "data": {"text": text, "doc_id": "d1"}, "annotations": [{"id": 1, "completed_by": 1, "result": [
        {"id": "r", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 5, "end": 9, "text": "招商银行", "labels": ["公司"]}}]}]}  # UTF-16 offsets: one too far
    path = tmp_path / "e.json"
    path.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    (annotation,) = read_export(path, spec).annotations
    assert (annotation.entities[0].start, annotation.entities[0].end) == (4, 8)


def broken(field: str, value: Any) -> list[dict[str, Any]]:
    qa = {"id": 7, "data": {"text": "营业收入1476.94亿元。", "doc_id": "d7"}, "annotations": [
        {"id": 1, "completed_by": 3, "result": [
            {"id": "qa", "from_name": "qa", "to_name": "text", "type": "textarea", "value": {"text": ["营业收入是多少？ || 1476.94亿元"]}}]}]}
    target: Any = qa
    *parents, last = field.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is None:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return [qa]


@pytest.mark.parametrize(("field", "value", "named"), [
    ("annotations.0.result.0.value.text", ["营业收入是多少？ 1476.94亿元"], "annotations[0].result[0].value.text[0]"),
    ("annotations.0.result.0.value", {"txt": []}, "annotations[0].result[0].value.text"),
    ("annotations.0.result.0.from_name", "choice", "annotations[0].result[0].from_name"),
    ("annotations.0.result.0.type", "rating", "annotations[0].result[0].type"),
    ("annotations.0.completed_by", None, "annotations[0].completed_by"),
    ("data.doc_id", None, "data.doc_id"),
    ("annotations.0.result", "oops", "annotations[0].result"),
])
def test_malformed_export_names_task_and_field(field: str, value: Any, named: str, tmp_path: Path) -> None:
    spec = example_task("qa", [])
    path = _write(tmp_path, broken(field, value))
    rejection = _only_rejection(path, spec)
    assert rejection.item.startswith(f"{path}: task 7") and rejection.detail.startswith(f"field '{named}': ")


FIELDS = [ReportField(name="营业收入", period="2023年", value="22,087", unit="百万元"),
          ReportField(name="基本每股收益", period="2023年", value="0.52", unit="元/股"),
          ReportField(name="员工人数", value="3,000")]
FIELD_LINES = ["营业收入 | 2023年 | 22,087 | 百万元", "基本每股收益 | 2023年 | 0.52 | 元/股", "员工人数 |  | 3,000 | "]


def _fields_task(*lines_of_each_annotation: list[str]) -> list[dict[str, Any]]:
    spec = example_task("report_elements", [])
    return [{"id": 5, "data": task_data(spec, "d5", "单位：百万元 营业收入22,087"), "annotations": [
        {"id": 50 + k, "completed_by": k + 1, "result": [
            {"id": "fields", "from_name": "fields", "to_name": "text", "type": "textarea", "value": {"text": lines}}]}
        for k, lines in enumerate(lines_of_each_annotation)]}]


def test_report_fields_are_one_line_each_and_come_back_as_records(tmp_path: Path) -> None:
    spec = example_task("report_elements", [])
    label = Annotation(doc_id="d5", text="t", annotator="a", tier=3, task=spec.name, fields=FIELDS)
    (result,) = to_results(label, spec)
    assert result["value"]["text"] == FIELD_LINES
    (back,) = read_export(_write(tmp_path, _fields_task(FIELD_LINES)), spec).annotations
    assert back.fields == FIELDS and back.qa == []
    assert "营业收入 | 2023年 | 1,476.94 | 亿元" in label_config(spec)


def test_blank_lines_and_lines_typed_in_one_box_are_read_as_the_fields_they_hold(tmp_path: Path) -> None:
    export = _fields_task([FIELD_LINES[0], "", "  "], ["\n".join(FIELD_LINES) + "\n"])
    imported = read_export(_write(tmp_path, export), example_task("report_elements", []))
    assert imported.rejections == []
    assert [a.fields for a in imported.annotations] == [FIELDS[:1], FIELDS]


def test_a_bar_inside_a_part_is_escaped_and_read_back() -> None:
    field = ReportField(name="收入|主营｜其他", period="2023年", value="1.5", unit="亿元")
    line = field_line(field)
    assert line == r"收入\|主营\｜其他 | 2023年 | 1.5 | 亿元"
    assert parse_field_line(line) == field
    assert parse_field_line(r"收入\|主营 | 2023年 | 1.5 | 亿元 |") == field.model_copy(update={"name": "收入|主营"})


def test_a_field_line_typed_with_the_full_width_bar_of_a_chinese_ime_is_read() -> None:
    assert parse_field_line("营业收入｜2023年｜22,087｜百万元") == FIELDS[0]


@pytest.mark.parametrize("line", ["| 营业收入 | 2023年 | 22,087 | 百万元 |", "营业收入 | 2023年 | 22,087 | 百万元 |",
                                  "｜营业收入｜2023年｜22,087｜百万元"])
def test_a_field_line_pasted_as_a_markdown_table_row_is_read(line: str) -> None:
    assert parse_field_line(line) == FIELDS[0]


@pytest.mark.parametrize(("line", "problem"), [
    ("2023年营业收入 || 1476.94亿元", "expected 4 parts"),  # the old "period+name || value+unit" line
    ("营业收入 | 2023年 | 1476.94亿元 | ", "is not a number as written"),
    (" | 2023年 | 1,476.94 | 亿元", "the name is empty"),
    ("营业收入 | 2023年 | 1,476.94", "expected 4 parts"),
    ("| 营业收入 | 2023年 | 1,476.94 |", "expected 4 parts"),  # a Markdown row without its unit
    ("毛利率 | 2023年 | 34.19% | %", "is not a number as written"),  # the unit belongs in its own part
    ("毛利率 | 2023年 | 34.19％ | ", "is not a number as written"),  # the full-width percent sign too
])
def test_a_bad_field_line_rejects_only_its_annotation(line: str, problem: str, tmp_path: Path) -> None:
    path = _write(tmp_path, _fields_task(FIELD_LINES, [FIELD_LINES[0], line]))
    imported = read_export(path, example_task("report_elements", []))
    assert [a.annotator for a in imported.annotations] == ["user_1"]
    (rejection,) = imported.rejections
    assert rejection.item == f"{path}: task 5, annotation 51"
    assert rejection.detail.startswith("field 'annotations[1].result[0].value.text[1]': ") and problem in rejection.detail


def _only_rejection(path: Path, spec: TaskSpec) -> Rejection:
    """The one rejection of an export whose only task is broken (nothing else imported)."""
    imported = read_export(path, spec)
    assert imported.annotations == [] and len(imported.rejections) == 1
    return imported.rejections[0]


def test_bad_spans_and_relations_are_named(tmp_path: Path) -> None:
    spec = example_task("relations", [])
    export = json.loads(json.dumps(HAND_WRITTEN_EXPORT))
    export[0]["annotations"][0]["result"][0]["value"]["start"] = "abc"
    assert _only_rejection(_write(tmp_path, export), spec).detail.startswith("field 'annotations[0].result[0].value.start'")
    export = json.loads(json.dumps(HAND_WRITTEN_EXPORT))
    export[0]["annotations"][0]["result"][2]["to_id"] = "nowhere"
    assert "field 'annotations[0].result[2].to_id': no labelled span" in _only_rejection(_write(tmp_path, export), spec).detail
    export = json.loads(json.dumps(HAND_WRITTEN_EXPORT))
    export[0]["annotations"][0]["result"][1]["value"]["labels"] = ["外星人"]
    detail = _only_rejection(_write(tmp_path, export), spec).detail
    assert detail.startswith("field 'annotations[0].result[1].value.labels'") and "外星人" in detail


def test_not_json_and_not_a_list(tmp_path: Path, doc: MakeDoc) -> None:
    spec = example_task("qa", [])
    path = tmp_path / "x.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(LabelStudioError, match="not valid JSON"):
        read_export(path, spec)
    with pytest.raises(LabelStudioError, match="list of tasks"):
        read_export(_write(tmp_path, {"tasks": []}), spec)


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# ---- arrows, unlabelled arrows and skips, as Label Studio writes them -------------------------
# Label Studio's RelationStore serialises an arrow as {from_id, to_id, type: "relation",
# direction} with direction one of "right" (from → to, the default), "left" (the annotator
# flipped it: to → from) or "bi", and adds "labels" only when a relation label was chosen.


def _relations_spec() -> TaskSpec:
    return example_task("relations", [])


def _with_arrow(**arrow: Any) -> list[dict[str, Any]]:
    export = json.loads(json.dumps(HAND_WRITTEN_EXPORT))
    result = export[0]["annotations"][0]["result"]
    result[2] = {"from_id": "Dx_aB91ISN", "to_id": "t5sp3TyXPo", "type": "relation", **arrow}
    return export


@pytest.mark.parametrize(("direction", "expected"), [
    ("right", [(0, 1, "控股")]),
    ("left", [(1, 0, "控股")]),
    ("bi", [(0, 1, "控股"), (1, 0, "控股")]),
    (None, [(0, 1, "控股")]),  # older exports omit the direction: Label Studio's default is "right"
])
def test_arrow_direction_decides_head_and_tail(direction: str | None, expected: list[tuple[int, int, str]],
                                               tmp_path: Path) -> None:
    arrow = {"labels": ["控股"]} if direction is None else {"direction": direction, "labels": ["控股"]}
    (annotation,) = read_export(_write(tmp_path, _with_arrow(**arrow)), _relations_spec()).annotations
    assert [(r.head, r.tail, r.label) for r in annotation.relations] == expected


def test_a_bi_arrow_beside_its_explicit_reverse_is_one_pair(tmp_path: Path) -> None:
    export = _with_arrow(direction="bi", labels=["控股"])
    export[0]["annotations"][0]["result"].append(
        {"from_id": "t5sp3TyXPo", "to_id": "Dx_aB91ISN", "type": "relation", "direction": "right", "labels": ["控股"]})
    (annotation,) = read_export(_write(tmp_path, export), _relations_spec()).annotations
    assert [(r.head, r.tail) for r in annotation.relations] == [(0, 1), (1, 0)]


def _second_task(export: list[dict[str, Any]]) -> list[dict[str, Any]]:
    good = json.loads(json.dumps(HAND_WRITTEN_EXPORT[0]))
    good["id"], good["data"]["doc_id"] = 42, "d42"
    return [*export, good]


@pytest.mark.parametrize("arrow", [{"direction": "right"}, {"direction": "right", "labels": []}],
                         ids=["no labels key", "empty labels"])
def test_an_unlabelled_arrow_rejects_only_its_annotation(arrow: dict[str, Any], tmp_path: Path) -> None:
    export = _second_task(_with_arrow(**arrow))
    path = _write(tmp_path, export)
    imported = read_export(path, _relations_spec())
    assert [a.doc_id for a in imported.annotations] == ["d42"]
    (rejection,) = imported.rejections
    assert rejection.stage == "annotate" and rejection.reason == "malformed Label Studio annotation"
    assert rejection.item == f"{path}: task 41, annotation 7"
    assert "annotations[0].result[2].labels" in rejection.detail and "no relation label" in rejection.detail


def test_a_bad_direction_and_a_broken_task_reject_only_themselves(tmp_path: Path) -> None:
    export = _second_task(_with_arrow(direction="up", labels=["控股"]))
    export.append({"id": 43, "data": {"text": "无编号"}, "annotations": []})
    imported = read_export(_write(tmp_path, export), _relations_spec())
    assert [a.doc_id for a in imported.annotations] == ["d42"]
    first, second = imported.rejections
    assert "task 41, annotation 7" in first.item and "direction" in first.detail and "'up'" in first.detail
    assert second.item.endswith("task 43") and second.reason == "malformed Label Studio task"
    assert "data.doc_id" in second.detail


@pytest.mark.parametrize("flag", [{"was_cancelled": True}, {"skipped": True}], ids=["was_cancelled", "skipped"])
def test_a_skipped_annotation_is_recorded_not_dropped(flag: dict[str, Any], tmp_path: Path) -> None:
    export = json.loads(json.dumps(HAND_WRITTEN_EXPORT))
    export[0]["annotations"] = [{"id": 9, "completed_by": {"id": 5, "email": "ann@bank.cn"}, "result": [], **flag}]
    imported = read_export(_write(tmp_path, export), _relations_spec())
    assert imported.annotations == [] and imported.rejections == []
    (skip,) = imported.skips
    assert (skip.doc_id, skip.task, skip.annotator, skip.task_id, skip.annotation_id) == ("d41", "relations", "ann@bank.cn", 41, 9)
