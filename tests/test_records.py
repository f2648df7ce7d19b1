from pathlib import Path

import pytest

from pydantic import ValidationError

from vertune.records import Annotation, Document, Message, Rejection, ReportField, Sample, read_jsonl, write_jsonl


def test_id_is_a_stable_content_hash() -> None:
    a = Document(source="r.pdf", kind="annual_report", text="营业收入 12.5%")
    b = Document(source="r.pdf", kind="annual_report", text="营业收入 12.5%", meta={"x": 1})
    c = Document(source="r.pdf", kind="annual_report", text="营业收入 12.6%")
    assert a.id == b.id != c.id
    assert len(a.id) == 16


def test_round_trip(tmp_path: Path) -> None:
    samples = [Sample(task="intent", messages=[Message(role="user", content=f"问题{i}"), Message(role="assistant", content="答")])
               for i in range(3)]
    path = tmp_path / "s.jsonl"
    assert write_jsonl(path, samples) == 3
    assert list(read_jsonl(path, Sample)) == samples


def test_an_extraction_annotation_holds_report_fields(tmp_path: Path) -> None:
    field = ReportField(name="营业收入", period="2023年", value="22,087", unit="百万元")
    annotation = Annotation(doc_id="d", text="营业收入22,087", annotator="a", tier=3, task="report_elements", fields=[field])
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [annotation])
    assert list(read_jsonl(path, Annotation))[0].fields == [field]
    assert ReportField(name="员工人数", value="3,000").model_dump() == {"name": "员工人数", "period": "", "value": "3,000", "unit": ""}
    with pytest.raises(ValidationError):
        ReportField(name="营业收入", value="1", currency="CNY")
    with pytest.raises(ValidationError):
        ReportField(name="营业收入", value=22087.0)  # the number as written is text


def test_bad_lines_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    good = Document(source="a", kind="news", text="正文").model_dump_json()
    path = tmp_path / "d.jsonl"
    path.write_text(f"{good}\n{{broken\n\n{{\"source\": \"a\"}}\n{good}\n", encoding="utf-8")
    rejected: list[Rejection] = []
    docs = list(read_jsonl(path, Document, on_reject=rejected.append))
    assert len(docs) == 2
    assert [r.item for r in rejected] == [f"{path}:2", f"{path}:4"]
    assert rejected[0].reason == "invalid JSON"
    assert rejected[1].reason == "does not fit the record" and "kind" in rejected[1].detail


def test_without_a_reject_handler_the_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text("{}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"d.jsonl:1: does not fit the record"):
        list(read_jsonl(path, Document))


def test_write_is_atomic_when_the_producer_fails(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    write_jsonl(path, [Document(source="a", kind="news", text="旧")])

    def failing():
        yield Document(source="a", kind="news", text="新")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        write_jsonl(path, failing())
    assert [d.text for d in read_jsonl(path, Document)] == ["旧"]
    assert [p.name for p in tmp_path.iterdir()] == ["d.jsonl"]
