"""Agreement: kappa equals scikit-learn's; span F1 on hand-computed cases; per-task reports."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from vertune.annotate.agreement import (
    cohen_kappa,
    render_markdown,
    span_f1,
    task_agreement,
)
from vertune.annotate.tasks import TaskSpec
from vertune.records import Annotation, Entity, QAPair, Relation, ReportField


@pytest.mark.parametrize("seed", range(8))
def test_kappa_equals_sklearn_on_random_label_pairs(seed: int) -> None:
    rng = random.Random(seed)
    labels = ["正常", "欺诈", "待定", "未知"][: rng.randint(2, 4)]
    n = rng.randint(5, 200)
    a = [rng.choice(labels) for _ in range(n)]
    b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_kappa_edge_cases() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["a", "a"], ["a", "a"]) == 1.0  # sklearn: NaN
    assert cohen_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="same items"):
        cohen_kappa(["a"], [])


A = {(0, 4, "公司"), (10, 15, "金额")}
B = {(0, 4, "公司"), (11, 15, "金额"), (20, 22, "日期")}


def test_span_f1_exact_by_hand() -> None:
    # one exact match; 3 predicted, 2 reference: P = 1/3, R = 1/2, F1 = 2·(1/6)/(5/6) = 0.4
    assert span_f1(A, B) == {"precision": 0.3333, "recall": 0.5, "f1": 0.4}


def test_span_f1_overlap_by_hand() -> None:
    # (11,15) overlaps (10,15) with the same label: 2 of 3 predicted match, both references match
    assert span_f1(A, B, overlap=True) == {"precision": 0.6667, "recall": 1.0, "f1": 0.8}
    # overlapping but differently labelled spans do not match
    assert span_f1({(0, 4, "公司")}, {(2, 6, "金额")}, overlap=True) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_span_f1_empty_sides() -> None:
    assert span_f1(set(), set()) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert span_f1(A, set()) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_relation_triples_f1_by_hand() -> None:
    company, indicator, other = (0, 4, "公司"), (6, 10, "财务指标"), (12, 16, "财务指标")
    reference = {(company, indicator, "发布"), (company, other, "发布")}
    predicted = {(company, indicator, "发布"), ((0, 3, "公司"), (12, 16, "财务指标"), "发布")}
    assert span_f1(reference, predicted) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert span_f1(reference, predicted, overlap=True) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def ann(annotator: str, doc: str, **answer: object) -> Annotation:
    return Annotation(doc_id=doc, text="贵州茅台营业收入增长，净利润增长。", annotator=annotator, tier=1, task="t", **answer)


def spec(task_type: str, labels: tuple[str, ...] = ()) -> TaskSpec:
    return TaskSpec(name="t", tier=1, type=task_type, labels=labels, guideline="# g")  # type: ignore[arg-type]


def test_entity_report_per_label() -> None:
    e = [Entity(start=0, end=4, label="公司"), Entity(start=4, end=8, label="财务指标")]
    annotations = [ann("a", "d1", entities=e), ann("b", "d1", entities=[e[0], Entity(start=4, end=7, label="财务指标")]),
                   ann("a", "d2", entities=e), ann("b", "d2", entities=e)]
    report = task_agreement(spec("entities", ("公司", "财务指标")), annotations)
    assert (report["items"], report["multiply_annotated"], report["agreed"], report["disagreed"]) == (2, 2, 1, 1)
    assert report["exact"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75}
    assert report["overlap"]["f1"] == 1.0
    assert report["per_label"]["公司"] == {"exact_f1": 1.0, "overlap_f1": 1.0, "support": 4}
    assert report["per_label"]["财务指标"]["exact_f1"] == 0.5


def test_relation_report_compares_triples() -> None:
    e = [Entity(start=0, end=4, label="公司"), Entity(start=4, end=8, label="财务指标")]
    agree = [ann(who, "d1", entities=e, relations=[Relation(head=0, tail=1, label="发布")]) for who in ("a", "b")]
    report = task_agreement(spec("relations", ("发布", "控股")), agree)
    assert report["agreed"] == 1 and report["exact"]["f1"] == 1.0


def test_choice_report_with_three_annotators_averages_pairs() -> None:
    labels = {"a": ["x", "y", "x", "y"], "b": ["x", "y", "y", "y"], "c": ["x", "x", "x", "y"]}
    annotations = [ann(who, f"d{i}", label=value) for who, values in labels.items() for i, value in enumerate(values)]
    report = task_agreement(spec("classification", ("x", "y")), annotations)
    pairs = {name: cohen_kappa_score(labels[name[0]], labels[name[2]]) for name in ("a|b", "a|c", "b|c")}
    assert {k: v["kappa"] for k, v in report["pairs"].items()} == {k: pytest.approx(v, abs=1e-4) for k, v in pairs.items()}
    assert report["kappa"] == pytest.approx(sum(pairs.values()) / 3, abs=1e-4)
    assert set(report["per_label"]) == {"x", "y"}


def test_text_answers_match_exactly_or_normalised() -> None:
    annotations = [
        ann("a", "d1", qa=[QAPair(question="营业收入是多少？", answer="1,476.94亿元")]),
        ann("b", "d1", qa=[QAPair(question="营业收入是多少?", answer="1476.94 亿元")]),
        ann("a", "d2", qa=[QAPair(question="净利润？", answer="747亿元")]),
        ann("b", "d2", qa=[QAPair(question="净利润？", answer="748亿元")]),
    ]
    report = task_agreement(spec("qa"), annotations)
    assert (report["exact_match"], report["normalised_match"], report["agreed"]) == (0.0, 0.5, 1)


def test_report_fields_agree_as_records_with_values_as_numbers() -> None:
    def field(value: str, period: str = "2023年", unit: str = "百万元") -> ReportField:
        return ReportField(name="营业收入", period=period, value=value, unit=unit)

    annotations = [
        ann("a", "d1", fields=[field("22,087")]), ann("b", "d1", fields=[field("22087")]),  # one number
        ann("a", "d2", fields=[field("22,087")]), ann("b", "d2", fields=[field("22,087", period="2022年")]),
        ann("a", "d3", fields=[field("22,087")]), ann("b", "d3", fields=[field("22,087", unit="亿元")]),
        ann("a", "d4", fields=[field("22,087")]), ann("b", "d4", fields=[field("22,087")]),
    ]
    report = task_agreement(spec("extraction"), annotations)
    assert (report["exact_match"], report["normalised_match"], report["agreed"]) == (0.25, 0.5, 2)


def test_single_annotations_give_no_agreement_figures() -> None:
    report = task_agreement(spec("sentiment", ("positive", "negative")), [ann("a", "d1", sentiment="positive")])
    assert report["multiply_annotated"] == 0 and report["kappa"] is None


def test_markdown_report_has_a_row_per_task() -> None:
    reports = {"fraud": task_agreement(spec("classification", ("x", "y")), [ann("a", "d", label="x"), ann("b", "d", label="y")])}
    page = render_markdown(reports)
    assert page.startswith("# Annotation agreement") and "| fraud | 1 | classification | 1 | 1 | 0 | 1 | kappa" in page
    assert "## fraud" in page
