"""Simulated annotators and assignment: seeded, error-rate driven, balanced."""

from __future__ import annotations

from collections import Counter

import pytest

from vertune.annotate.answers import canonical
from vertune.annotate.assign import assign
from vertune.annotate.simulate import (
    error_rate_of,
    simulate_annotation,
    simulated_decision,
)
from vertune.annotate.tasks import TaskSpec
from vertune.figures import parse_number
from vertune.records import Annotation, Entity, QAPair, ReportField

TEXT = "贵州茅台2023年营业收入1476.94亿元，净利润747.34亿元。"


def spec(task_type: str, labels: tuple[str, ...] = ()) -> TaskSpec:
    return TaskSpec(name="t", tier=1, type=task_type, labels=labels, guideline="# g")  # type: ignore[arg-type]


def reference(doc: str = "d1", **answer: object) -> Annotation:
    return Annotation(doc_id=doc, text=TEXT, annotator="known:meta", tier=1, task="t", **answer)


ENTITIES = [Entity(start=0, end=4, label="公司", text="贵州茅台"), Entity(start=4, end=9, label="日期", text="2023年"),
            Entity(start=9, end=13, label="财务指标", text="营业收入"), Entity(start=13, end=22, label="金额", text="1476.94亿元")]


def test_no_errors_copies_the_reference() -> None:
    copy = simulate_annotation(spec("entities", ("公司", "日期", "财务指标", "金额")), reference(entities=ENTITIES), "a", 0.0)
    assert copy.entities == ENTITIES and copy.annotator == "a" and copy.status == "labelled" and copy.meta["errors"] == 0


def test_errors_follow_the_rate_and_are_seeded() -> None:
    task = spec("classification", ("正常", "欺诈"))
    refs = [reference(f"d{i}", label="正常") for i in range(400)]
    wrong = [simulate_annotation(task, r, "b", 0.25, seed=3).label == "欺诈" for r in refs]
    assert 0.18 < sum(wrong) / len(wrong) < 0.32
    again = [simulate_annotation(task, r, "b", 0.25, seed=3).label == "欺诈" for r in refs]
    assert wrong == again
    assert all(simulate_annotation(task, r, "b", 1.0).label == "欺诈" for r in refs[:20])


def test_span_and_answer_mistakes_change_the_answer() -> None:
    labels = ("公司", "日期", "财务指标", "金额")
    changed = simulate_annotation(spec("entities", labels), reference(entities=ENTITIES), "a", 1.0)
    assert changed.meta["errors"] == 4 and canonical(changed, "entities") != canonical(reference(entities=ENTITIES), "entities")
    qa = reference(qa=[QAPair(question="营业收入？", answer="1476.94亿元")])
    perturbed = simulate_annotation(spec("qa"), qa, "a", 1.0)
    assert perturbed.qa[0].question == "营业收入？" and perturbed.qa[0].answer != "1476.94亿元"
    summary = simulate_annotation(spec("summary"), reference(summary="营收增长。利润增长。"), "a", 1.0)
    assert summary.summary == "营收增长。"


def test_a_slip_in_report_fields_changes_a_value_and_keeps_the_field_a_number() -> None:
    fields = [ReportField(name="营业收入", period="2023年", value="22,087", unit="百万元"),
              ReportField(name="营业收入", period="2022年", value="19,040", unit="百万元")]
    changed = simulate_annotation(spec("extraction"), reference(fields=fields), "a", 1.0)
    assert changed.meta["errors"] == 2 and changed.qa == []
    for before, after in zip(fields, changed.fields):
        assert (after.name, after.period, after.unit) == (before.name, before.period, before.unit)
        assert after.value != before.value and parse_number(after.value) is not None
    assert canonical(changed, "extraction") != canonical(reference(fields=fields), "extraction")
    assert simulate_annotation(spec("extraction"), reference(fields=fields), "a", 0.0).fields == fields


def test_simulated_arbiter_returns_the_reference() -> None:
    decision = simulated_decision(spec("sentiment", ("positive", "negative")), reference(sentiment="negative"))
    assert decision.sentiment == "negative" and decision.annotator == "simulated_arbiter"


def test_error_rates_cycle_over_annotators() -> None:
    names = ["a", "b", "c"]
    assert [error_rate_of(n, names, [0.05, 0.1]) for n in names] == [0.05, 0.1, 0.05]


def test_assignment_is_stable_distinct_and_balanced() -> None:
    annotators = ["a", "b", "c", "d"]
    picks = [assign("intent", f"doc{i}", annotators, 2) for i in range(400)]
    assert picks == [assign("intent", f"doc{i}", annotators, 2) for i in range(400)]
    assert all(len(set(p)) == 2 for p in picks)
    load = Counter(name for pick in picks for name in pick)
    assert min(load.values()) > 150
    with pytest.raises(ValueError, match="per_item=3"):
        assign("intent", "doc", ["a", "b"], 3)
