"""Gold quality against a generator's truth: precision and recall on fixtures with known counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from annotation_samples import EXAMPLE_TASKS, FINANCE_LEXICON_FILE, example_task, make_doc
from test_annotate_stage import config_for, workspace_with_documents

from vertune.annotate.gold_quality import gold_quality, quantity, render_gold_quality, task_gold_quality
from vertune.config import AnnotationConfig
from vertune.data.synthetic import GENERATORS
from vertune.data.synthetic.documents import text_record_to_document
from vertune.data.sources.base import ReadOptions
from vertune.data.sources.tables import Row
from vertune.pipeline import run_stage
from vertune.records import Annotation, Document, Entity, Relation, ReportField
from vertune.stages import stage_named

TEXT = "华夏酿酒股份有限公司持有星河物流有限公司51%股权。公司实现营业收入186.52亿元。华夏酿酒拟分红。"
TRUTH: dict[str, Any] = {
    "entities": [
        {"kind": "company", "text": "华夏酿酒股份有限公司"}, {"kind": "company", "text": "星河物流有限公司"},
        {"kind": "percent", "text": "51%"}, {"kind": "indicator", "text": "营业收入"},
        {"kind": "amount", "text": "186.52亿元"}, {"kind": "company", "text": "华夏酿酒"},
        {"kind": "person", "text": "陈国栋"},  # not in this text (another piece of the report): not counted
    ],
    "aliases": {"华夏酿酒": "华夏酿酒股份有限公司"},
    "relations": [
        {"head": "华夏酿酒股份有限公司", "kind": "control", "tail": "星河物流有限公司"},
        {"head": "华夏酿酒股份有限公司", "kind": "publish", "tail": "营业收入"},
    ],
    "elements": [
        {"name": "营业收入", "period": "2023年", "value": 1865200.0, "unit": "万元"},
        {"name": "总资产", "period": "2023年", "value": 400.0, "unit": "亿元"},  # its name is not in the text
    ],
}


def entity(text: str, label: str) -> Entity:
    start = TEXT.index(text)
    return Entity(start=start, end=start + len(text), label=label, text=text)


def gold(doc: Document, task: str, **answer: Any) -> Annotation:
    return Annotation(doc_id=doc.id, text=doc.text, annotator="a", tier=1, task=task, status="labelled", **answer)


@pytest.fixture
def doc() -> Document:
    return make_doc("annual_reports", TEXT, truth=TRUTH)


def test_entities_by_text_and_label_of_the_task_labels(doc: Document) -> None:
    found = gold(doc, "entities", entities=[entity("华夏酿酒股份有限公司", "公司"), entity("营业收入", "财务指标"),
                                            entity("186.52亿元", "日期"), entity("星河物流", "公司")])
    report = task_gold_quality(example_task("entities"), [doc], [found])
    # truth in the task's labels and the text: 2 companies + 华夏酿酒, indicator, amount = 5 (51% is 百分比: not a task label)
    assert report is not None and (report["tp"], report["fp"], report["fn"]) == (2, 2, 3)
    assert (report["precision"], report["recall"]) == (0.5, 0.4) and report["documents"] == report["with_gold"] == 1
    assert report["per_label"]["公司"] == {"precision": 0.5, "recall": 0.3333, "f1": 0.4, "tp": 1, "fp": 1, "fn": 2}
    assert report["per_label"]["金额"]["recall"] == 0.0 and report["per_label"]["日期"]["precision"] == 0.0


def test_relations_count_a_companys_other_names_as_the_company(doc: Document) -> None:
    ents = [entity("华夏酿酒", "公司"), entity("星河物流有限公司", "公司"), entity("营业收入", "财务指标")]
    found = gold(doc, "relations", entities=ents, relations=[
        Relation(head=0, tail=2, label="发布"),  # 华夏酿酒 is 华夏酿酒股份有限公司: right
        Relation(head=1, tail=2, label="发布"),  # wrong head
    ])
    report = task_gold_quality(example_task("relations"), [doc], [found])
    assert report is not None and (report["tp"], report["fp"], report["fn"]) == (1, 1, 1)
    assert report["per_label"]["控股"]["recall"] == 0.0 and report["per_label"]["发布"]["precision"] == 0.5


def test_fields_compare_values_as_numbers_in_one_unit(doc: Document) -> None:
    right = gold(doc, "report_elements", fields=[ReportField(name="营业收入", period="2023年", value="186.52", unit="亿元")])
    written = gold(doc, "report_elements", fields=[ReportField(name="营业收入", period="2023年", value="1,865,200.00", unit="万元")])
    wrong = gold(doc, "report_elements", fields=[ReportField(name="营业收入", period="2023年", value="186.53", unit="亿元"),
                                                 ReportField(name="营业收入", period="2022年", value="150", unit="亿元"),
                                                 ReportField(name="营业收入", period="2023年", value="186.52", unit="万元")])
    spec = example_task("report_elements")
    for found in (right, written):  # 总资产 is not in this text
        report = task_gold_quality(spec, [doc], [found])
        assert (report["tp"], report["fp"], report["fn"]) == (1, 0, 0)
    report = task_gold_quality(spec, [doc], [wrong])
    assert (report["tp"], report["fp"], report["fn"]) == (0, 3, 1)
    assert report["per_label"]["营业收入"]["fp"] == 3
    assert quantity("1,865,200.00", "万元") == quantity(186.52, "亿元") and quantity("0.52", "元/股") == (0.52, "元/股")
    assert quantity("1476.94亿元") is None  # the unit belongs in its own field


def test_a_document_without_gold_misses_all_its_truth_and_one_without_truth_is_not_scored(doc: Document) -> None:
    plain = make_doc("news", "东海银行发布年报。")
    report = task_gold_quality(example_task("entities"), [doc, plain], [])
    assert report is not None and report["documents"] == 1 and report["with_gold"] == 0
    assert (report["tp"], report["fp"], report["fn"], report["recall"], report["precision"]) == (0, 0, 5, 0.0, None)
    assert task_gold_quality(example_task("entities"), [plain], []) is None
    assert task_gold_quality(example_task("intent"), [doc], []) is None  # truth cannot score a label task


def test_report_and_markdown_name_every_scored_task(doc: Document) -> None:
    specs = [example_task(name) for name in ("entities", "relations", "intent")]
    reports = gold_quality(specs, [doc], [])
    assert set(reports) == {"entities", "relations"}
    page = render_gold_quality(reports)
    assert "| entities | entities | 1 | 0 |" in page and "## relations: gold quality by label" in page
    assert render_gold_quality({}) == ""


def generated(generator: str, count: int, kind: str, source: str) -> list[Document]:
    """Documents of a synthetic source, as ingest makes them."""
    docs = [text_record_to_document(Row(f"synthetic:{i}", record), ReadOptions(source_name=source, kind=kind))
            for i, record in enumerate(GENERATORS[generator](count, 3))]
    for doc in docs:
        doc.meta["source_name"] = source
    return docs


def test_the_stage_scores_generated_documents_in_gold_quality_json_and_agreement_md(tmp_path: Path) -> None:
    docs = generated("annual_reports", 12, "annual_report", "annual_reports") + generated("news_articles", 12, "news", "news")
    tasks = [t for t in EXAMPLE_TASKS if t.name in ("entities", "relations", "report_elements")]
    config = AnnotationConfig(tasks=tasks, lexicon=FINANCE_LEXICON_FILE, simulate={"enabled": True, "seed": 1})
    workspace = workspace_with_documents(tmp_path, docs)
    manifest = run_stage(stage_named("annotate"), config_for(workspace, config), workspace)
    out = workspace.stage_dir("annotate")
    quality = json.loads((out / "gold_quality.json").read_text(encoding="utf-8"))
    assert set(quality) == {"entities", "relations", "report_elements"} and "gold_quality.json" in manifest["artifacts"]
    assert quality["relations"]["documents"] == 24 and quality["report_elements"]["documents"] == 12
    assert quality["report_elements"]["precision"] == quality["report_elements"]["recall"] == 1.0
    assert quality["relations"]["recall"] > 0.8 and quality["entities"]["per_label"]["公司"]["precision"] > 0.8
    assert manifest["stats"]["relations"]["gold_quality"]["recall"] == quality["relations"]["recall"]
    assert "# Gold quality against the generator's truth" in (out / "agreement.md").read_text(encoding="utf-8")
