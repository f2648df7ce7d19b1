import json

import pytest

from gold_examples import one_of_each
from vertune.prepare.answers import Unusable, parse_answer, parse_items, parse_label, relation_items
from vertune.prepare.samples import TaskSpec, build_samples
from vertune.records import Relation


def _expected(annotation, task_type):
    if task_type == "entities":
        return [{"text": e.text, "label": e.label} for e in annotation.entities]
    if task_type == "relations":
        names = [e.text for e in annotation.entities]
        return [{"head": names[r.head], "relation": r.label, "tail": names[r.tail]} for r in annotation.relations]
    if task_type == "extraction":
        return annotation.meta["elements"]
    return {"intent": annotation.intent, "sentiment": annotation.sentiment, "classification": annotation.label,
            "summary": annotation.summary}.get(task_type)


TYPE_OF = {"entities": "entities", "relations": "relations", "intent": "intent", "sentiment": "sentiment",
           "fraud": "classification", "report_elements": "extraction", "qa": "qa", "summary": "summary"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_gold_answers_parse_back_to_the_gold(language: str) -> None:
    for annotation in one_of_each():
        task_type = TYPE_OF[annotation.task]
        samples = build_samples(annotation, TaskSpec(annotation.task, task_type, annotation.tier), language)
        replies = [s.messages[-1].content for s in samples]
        if task_type == "qa":
            assert [parse_answer("qa", r) for r in replies] == [p.answer for p in annotation.qa]
            continue
        assert parse_answer(task_type, replies[0]) == _expected(annotation, task_type)
        if task_type in ("entities", "relations", "extraction"):
            assert isinstance(json.loads(replies[0]), list), "extraction answers are strict JSON arrays"


def test_parse_items_forgives_what_models_get_wrong() -> None:
    want = [{"text": "贵州茅台", "label": "公司"}]
    assert parse_items("entities", '```json\n[{"text": "贵州茅台", "label": "公司"}]\n```') == want
    assert parse_items("entities", '答案是：[{“text”: “贵州茅台”, “label”: “公司”},] 以上。') == want
    assert parse_items("entities", '{"text": "贵州茅台", "label": "公司"}') == want
    assert parse_items("entities", "[]") == []
    assert parse_items("entities", "没有找到") is None


def test_extraction_also_reads_the_nested_form_and_numbers() -> None:
    nested = '{"营业收入": {"2023年": "1,476.94亿元"}, "员工人数": 3000}'
    assert parse_items("extraction", nested) == [
        {"name": "营业收入", "period": "2023年", "value": "1,476.94亿元", "unit": ""},
        {"name": "员工人数", "period": "", "value": "3000", "unit": ""},
    ]


def test_parse_label_picks_the_single_label_named() -> None:
    labels = ("正常", "欺诈")
    assert parse_label("欺诈", labels) == "欺诈"
    assert parse_label("“欺诈”。", labels) == "欺诈"
    assert parse_label("这笔交易属于欺诈行为", labels) == "欺诈"
    assert parse_label("可能正常也可能欺诈", labels) is None
    assert parse_label("Positive", ("positive", "negative")) == "positive"
    assert parse_label("非欺诈", ("欺诈", "非欺诈")) == "非欺诈"


def test_a_relation_to_a_missing_entity_is_unusable() -> None:
    annotation = one_of_each()[1].model_copy(update={"relations": [Relation(head=0, tail=9, label="控股")]})
    with pytest.raises(Unusable, match="missing entity"):
        relation_items(annotation)
