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
        return [field.model_dump() for field in annotation.fields]
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


FRAUD = ("正常", "欺诈")
SENTIMENT = ("positive", "neutral", "negative")


@pytest.mark.parametrize(("reply", "labels", "expected"), [
    # negated labels in a binary set say the other label
    ("非欺诈", FRAUD, "正常"),
    ("不是欺诈", FRAUD, "正常"),
    ("不属于欺诈", FRAUD, "正常"),
    ("无欺诈", FRAUD, "正常"),
    ("没有欺诈迹象", FRAUD, "正常"),
    ("未发现任何欺诈行为。", FRAUD, "正常"),
    ("该交易不存在欺诈", FRAUD, "正常"),
    ("并非欺诈交易", FRAUD, "正常"),
    ("不正常", FRAUD, "欺诈"),
    ("这笔交易不是欺诈，属于正常交易", FRAUD, "正常"),
    ("不是正常交易，是欺诈", FRAUD, "欺诈"),
    # asserted labels
    ("欺诈", FRAUD, "欺诈"),
    ("正常", FRAUD, "正常"),
    ("毫无疑问是欺诈", FRAUD, "欺诈"),
    ("这笔交易属于欺诈行为", FRAUD, "欺诈"),
    # ambiguous or unnamed: no label
    ("可能正常也可能欺诈", FRAUD, None),
    ("不是欺诈，也不正常", FRAUD, None),
    ("欺诈？不，不是欺诈", FRAUD, None),
    ("not fraud", FRAUD, None),
    ("无法判断", FRAUD, None),
    # English
    ("not fraud", ("normal", "fraud"), "normal"),
    ("This is not a fraud.", ("normal", "fraud"), "normal"),
    ("non-fraud", ("normal", "fraud"), "normal"),
    ("fraud", ("normal", "fraud"), "fraud"),
    ("not positive", ("positive", "negative"), "negative"),
    ("not positive", SENTIMENT, None),  # three labels: "not positive" may be neutral or negative
    ("negative", SENTIMENT, "negative"),
    ("Neutral.", SENTIMENT, "neutral"),
    ("It is neither positive nor negative, so neutral", SENTIMENT, "neutral"),
    ("不是欺诈", ("正常", "欺诈", "可疑"), None),
    # a label that is itself a negation is named, not negated
    ("非欺诈", ("欺诈", "非欺诈"), "非欺诈"),
    ("欺诈", ("欺诈", "非欺诈"), "欺诈"),
    # JSON answers
    ('{"label": "欺诈"}', FRAUD, "欺诈"),
    ('{"label": "非欺诈"}', FRAUD, "正常"),
    ('```json\n{"answer": "正常", "reason": "金额与习惯相符，不是欺诈"}\n```', FRAUD, "正常"),
    ('["欺诈"]', FRAUD, "欺诈"),
    ('"正常"', FRAUD, "正常"),
    ('{"结果": "欺诈"}', FRAUD, "欺诈"),
    ('{"sentiment": "negative"}', SENTIMENT, "negative"),
])
def test_parse_label_scores_what_the_reply_says(reply: str, labels: tuple[str, ...], expected: str | None) -> None:
    assert parse_label(reply, labels) == expected
