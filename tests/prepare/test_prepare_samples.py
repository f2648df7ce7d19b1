import json

import pytest

from gold_examples import gold, make_config, one_of_each
from vertune.prepare.answers import Unusable
from vertune.prepare.samples import TaskSpec, build_samples, resolve_tasks
from vertune.annotate.prelabel.labellers import prelabel_documents
from vertune.annotate.tasks import resolve_task
from vertune.config import AnnotationTask
from vertune.data.sources import annual_report
from vertune.records import Document, QAPair


def test_label_tasks_without_configured_labels_list_the_gold_labels() -> None:
    annotations = one_of_each() + [gold("intent", "怎么查询余额？", source="service", intent="查询")]
    specs = resolve_tasks(make_config().annotation.tasks, annotations)
    assert specs["intent"].labels == ("挂失", "查询")
    assert specs["fraud"].labels == ("正常", "欺诈"), "configured labels are kept as configured"
    assert specs["report_elements"].type == "extraction"


def test_a_sample_is_system_user_assistant_with_lineage_and_tier() -> None:
    annotation = one_of_each()[3]
    (sample,) = build_samples(annotation, TaskSpec("sentiment", "sentiment", 2, ("positive", "negative")), "zh")
    assert [m.role for m in sample.messages] == ["system", "user", "assistant"]
    assert sample.source_ids == [annotation.id, annotation.doc_id]
    assert sample.meta["tier"] == 2 and sample.meta["source"] == "news"
    assert "positive、negative" in sample.messages[1].content


def test_qa_gives_one_sample_per_pair() -> None:
    annotation = gold("qa", "材料", qa=[QAPair(question="一？", answer="甲"), QAPair(question="二？", answer="乙")])
    samples = build_samples(annotation, TaskSpec("qa", "qa", 3), "zh")
    assert [s.messages[-1].content for s in samples] == ["甲", "乙"]


@pytest.mark.parametrize(("annotation", "spec", "reason"), [
    (gold("sentiment", "文本", sentiment="happy"), TaskSpec("sentiment", "sentiment", 2, ("positive",)), "label not in"),
    (gold("sentiment", "文本"), TaskSpec("sentiment", "sentiment", 2), "no sentiment label"),
    (gold("report_elements", "文本"), TaskSpec("report_elements", "extraction", 3), "no report fields"),
    (gold("summary", "文本", summary="  "), TaskSpec("summary", "summary", 3), "no summary"),
])
def test_unusable_annotations_say_why(annotation, spec, reason) -> None:
    with pytest.raises(Unusable, match=reason):
        build_samples(annotation, spec, "zh")


def test_a_report_table_row_becomes_gold_in_the_prompts_own_shape() -> None:
    text = ("2023年年度报告\n单位：百万元\n| 主要会计数据 | 2023年 | 2022年 | 本年比上年增减（%） |\n"
            "| --- | --- | --- | --- |\n| 营业收入 | 22,087 | 19,040 | 16.00 |\n")
    doc = annual_report.enrich(Document(source="r.pdf", kind="annual_report", text=text, meta={"source_name": "annual_reports"}))
    spec = resolve_task(AnnotationTask(name="report_elements", tier=3, type="extraction"), [doc])
    (prelabel,) = prelabel_documents(spec, [doc])
    (sample,) = build_samples(prelabel, TaskSpec("report_elements", "extraction", 3), "zh")
    assert json.loads(sample.messages[-1].content) == [
        {"name": "营业收入", "period": "2023年", "value": "22,087", "unit": "百万元"},
        {"name": "营业收入", "period": "2022年", "value": "19,040", "unit": "百万元"},
    ]
