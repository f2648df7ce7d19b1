"""The model pre-labeller: prompts through the chat template, batched; junk answers stay harmless.

The embedded tiny model answers junk, so the end-to-end test checks the plumbing; the parsers
are tested on well-formed answers directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from annotation_samples import EXAMPLE_TASKS, FINANCE_LEXICON, MakeDoc

from vertune.annotate.prelabel.model import ModelLabeller, build_prompt, parse_answer
from vertune.annotate.tasks import TaskSpec, resolve_task


def spec_of(name: str) -> TaskSpec:
    task = next(t for t in EXAMPLE_TASKS if t.name == name)
    return resolve_task(task.model_copy(update={"labels": task.labels or ["查询余额", "挂失补卡"]}), [], lexicon=FINANCE_LEXICON)


def test_tiny_model_prelabels_without_crashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, doc: MakeDoc) -> None:
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "cache"))
    labeller = ModelLabeller("embedded:tiny-qwen3", batch_size=2, max_new_tokens=6)
    docs = [doc("service", "客户：我卡丢了，帮我挂失"), doc("service", "客户：帮我查下余额"), doc("news", "贵州茅台营业收入增长。")]
    by_type = {spec.type: labeller(spec, docs) for spec in (spec_of("intent"), spec_of("entities"), spec_of("summary"))}
    for labels in by_type.values():
        assert [label.doc_id for label in labels] == [d.id for d in docs]
        for label in labels:
            assert label.annotator == label.meta["source"] == "model:embedded:tiny-qwen3"
            assert 0.0 <= label.confidence <= 1.0
            if "raw_answer" in label.meta:  # junk: empty and worthless, not an error
                assert label.confidence == 0.0 and not (label.intent or label.entities or label.summary)
    assert all("raw_answer" in label.meta for label in by_type["entities"])  # six junk tokens are no JSON array
    assert labeller(spec_of("relations"), docs) == []  # not a type the model labeller serves


def test_choice_answers_parse_exactly_or_by_a_single_mention() -> None:
    spec = spec_of("fraud")
    assert parse_answer(spec, "欺诈", "") == {"label": "欺诈"}
    assert parse_answer(spec, "<think>想想</think>这笔交易属于欺诈。", "") == {"label": "欺诈"}
    assert parse_answer(spec, "正常还是欺诈不好说", "") is None
    assert parse_answer(spec, "笔年费笔年费", "") is None


def test_entity_answers_are_located_in_the_text() -> None:
    spec = spec_of("entities")
    text = "贵州茅台营业收入增长，贵州茅台股价上涨。"
    answer = '结果：[{"text": "贵州茅台", "label": "公司"}, {"text": "贵州茅台", "label": "公司"}, ' \
             '{"text": "营业收入", "label": "财务指标"}, {"text": "不存在", "label": "公司"}, {"text": "x", "label": "外星人"}]'
    fields = parse_answer(spec, answer, text)
    assert [(e.start, e.end, e.label) for e in fields["entities"]] == [(0, 4, "公司"), (4, 8, "财务指标"), (11, 15, "公司")]
    assert parse_answer(spec, "[{broken", text) is None


def test_qa_and_summary_answers() -> None:
    assert parse_answer(spec_of("qa"), "营业收入是多少？ || 1476.94亿元\n废话", "")["qa"][0].answer == "1476.94亿元"
    assert parse_answer(spec_of("qa"), "没有分隔符", "") is None
    assert parse_answer(spec_of("summary"), "  公司营收增长。 ", "") == {"summary": "公司营收增长。"}


def test_prompts_name_the_labels() -> None:
    assert "正常、欺诈" in build_prompt(spec_of("fraud"), "文本")
    assert "JSON" in build_prompt(spec_of("entities"), "文本")
