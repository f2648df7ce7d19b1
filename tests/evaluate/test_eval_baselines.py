"""Trivial baselines: scored beside the models, and a model that only answers a constant fails."""

from collections import Counter

import pytest
from eval_examples import TASKS, domain_test_samples
from rich.console import Console

from vertune.evaluate import suites
from vertune.evaluate.baselines import baseline_metrics, baselines_for, beats_baselines, best_baseline, first_sentence
from vertune.evaluate.evaluation import ModelRun, summarise
from vertune.evaluate.report import results_table
from vertune.evaluate.runners import Reply
from vertune.evaluate.suites import EvalItem
from vertune.prepare.samples import build_samples
from vertune.records import Annotation, content_id
from eval_examples import SPECS

MARGIN = 0.1


def fraud_items(normal: int = 18, fraud: int = 2) -> list[EvalItem]:
    """A skewed label task, 90 % 正常, like the example's fraud test split."""
    samples = []
    for k in range(normal + fraud):
        text = f"2024年01月{k + 1:02d}日，账户ACCT{k:06d}消费{100 + k}元。"
        annotation = Annotation(doc_id=content_id("d", k), text=text, annotator="arbiter", tier=2, task="fraud",
                                status="gold", label="欺诈" if k < fraud else "正常")
        samples += [s.model_copy(update={"split": "test"}) for s in build_samples(annotation, SPECS["fraud"], "zh")]
    return suites.domain_items(samples, TASKS, 16)


def run(name: str, replies: list[str]) -> ModelRun:
    return ModelRun(name, [Reply(r) for r in replies], {}, 0.0)


def test_majority_class_predictor_matches_the_constant_baseline_and_fails_the_check() -> None:
    items = fraud_items()
    majority = Counter(i.gold for i in items).most_common(1)[0][0]
    summary = summarise({"base": run("base", [""] * len(items)), "tuned": run("tuned", [majority] * len(items)),
                         "perfect": run("perfect", [i.gold for i in items])}, items).summary
    fraud = summary["domain"]["fraud"]
    assert fraud["primary"] == "macro_f1"
    assert fraud["metrics"]["tuned"]["accuracy"] == pytest.approx(0.9)  # high accuracy, nothing learnt
    assert fraud["baselines"]["constant"] == fraud["metrics"]["tuned"]  # the constant model *is* the baseline
    assert best_baseline(fraud) == ("constant", pytest.approx(0.9 / 1.9))  # F1 of 正常 over two classes
    assert not beats_baselines(fraud, "tuned", MARGIN)
    assert beats_baselines(fraud, "perfect", MARGIN)


def test_every_task_type_has_baselines_and_a_constant_model_beats_none() -> None:
    items = suites.domain_items(domain_test_samples(), TASKS, 32)
    by_task: dict[str, list[EvalItem]] = {}
    for item in items:
        by_task.setdefault(item.task, []).append(item)
    constant_replies = [Counter(i.gold for i in by_task[item.task]).most_common(1)[0][0] for item in items]
    summary = summarise({"base": run("base", [""] * len(items)), "tuned": run("tuned", constant_replies)},
                        items).summary
    for task, result in summary["domain"].items():
        assert "constant" in result["baselines"], task
        assert not beats_baselines(result, "tuned", 0.0), task
    assert set(summary["domain"]["entities"]["baselines"]) == {"constant", "empty"}
    assert set(summary["domain"]["summary"]["baselines"]) == {"constant", "lead"}
    assert summary["headline"]["domain"]["fraud"]["best_trivial"]["name"] == "constant"


def test_lead_baseline_is_the_passage_first_sentence() -> None:
    items = [i for i in suites.domain_items(domain_test_samples(), TASKS, 32) if i.task == "summary"]
    lead = baseline_metrics(items)["lead"]
    assert 0.0 < lead["rougeL"] < 1.0
    assert first_sentence("央行宣布降准。市场认为利好。") == "央行宣布降准。"
    assert first_sentence("Rates fell. Stocks rose.") == "Rates fell."
    assert set(baselines_for("intent")) == {"constant"}


def test_results_table_marks_a_constant_model() -> None:
    items = fraud_items()
    summary = summarise({"base": run("base", [""] * len(items)), "tuned": run("tuned", ["正常"] * len(items))},
                        items).summary
    console = Console(record=True, width=160)
    console.print(results_table(summary))
    text = console.export_text()
    assert "fraud" in text and "constant" in text and "no" in text.split("fraud")[1].splitlines()[0]
