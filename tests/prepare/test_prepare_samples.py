import pytest

from gold_examples import gold, make_config, one_of_each
from vertune.prepare.answers import Unusable
from vertune.prepare.samples import TaskSpec, build_samples, resolve_tasks
from vertune.records import QAPair


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
    (gold("report_elements", "文本"), TaskSpec("report_elements", "extraction", 3), "no extraction elements"),
    (gold("summary", "文本", summary="  "), TaskSpec("summary", "summary", 3), "no summary"),
])
def test_unusable_annotations_say_why(annotation, spec, reason) -> None:
    with pytest.raises(Unusable, match=reason):
        build_samples(annotation, spec, "zh")


def test_extraction_falls_back_to_field_value_qa_pairs() -> None:
    annotation = gold("report_elements", "2023年营业收入1476.94亿元。", qa=[QAPair(question="2023年营业收入", answer="1476.94亿元")])
    (sample,) = build_samples(annotation, TaskSpec("report_elements", "extraction", 3), "zh")
    assert sample.messages[-1].content == '[{"name": "2023年营业收入", "period": "", "value": "1476.94亿元", "unit": ""}]'
