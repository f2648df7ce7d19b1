import base64
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from eval_examples import TASKS, domain_test_samples

from vertune.evaluate import evaluate_models, suites
from vertune.evaluate.evaluation import request_key
from vertune.evaluate.report import PREDICTIONS, REPORT_JSON, write_report
from vertune.evaluate.runners import AnswerLoss, Messages, Reply, Request


class AnswerBook:
    """A test runner that answers from a dict (request key → reply); unknown requests fail."""

    def __init__(self, name: str, answers: dict[str, str]) -> None:
        self.name, self.answers = name, answers

    def generate(self, requests: Sequence[Request]) -> list[Reply]:
        return [Reply(self.answers[request_key(r)]) if request_key(r) in self.answers else Reply("", "no answer")
                for r in requests]

    def answer_losses(self, prompts: Sequence[Messages], answers: Sequence[str]) -> list[AnswerLoss]:
        return [AnswerLoss(nll=float(len(a)), tokens=len(a)) for a in answers]


@pytest.fixture
def items() -> list[suites.EvalItem]:
    return suites.build_suites(["domain", "general", "robustness"], domain_test_samples(), TASKS, 32, limit=6)


def test_base_vs_tuned_summary_has_deltas_retention_and_drops(items: list[suites.EvalItem], tmp_path: Path) -> None:
    # base: always wrong; tuned: right on every unperturbed item and on general items
    perfect = {request_key(i.request): i.gold for i in items if i.variant in ("", suites.ORIGINAL)}
    base = AnswerBook("base-model", {key: "不知道" for key in perfect})
    tuned = AnswerBook("tuned-model", perfect)
    evaluation = evaluate_models({"base": base, "tuned": tuned}, items)
    summary = evaluation.summary

    assert summary["reference"] == "base" and summary["models"]["tuned"]["spec"] == "tuned-model"
    fraud = summary["domain"]["fraud"]
    assert fraud["metrics"]["base"]["accuracy"] == 0.0 and fraud["metrics"]["tuned"]["accuracy"] == 1.0
    assert fraud["delta"]["tuned"]["accuracy"] == 1.0
    assert fraud["metrics"]["tuned"]["perplexity"] == pytest.approx(2.718281828)
    assert summary["domain"]["report_elements"]["metrics"]["tuned"]["field_f1"] == 1.0
    assert summary["domain"]["entities"]["metrics"]["base"]["span_f1"] == 0.0
    assert summary["domain"]["summary"]["metrics"]["tuned"]["rougeL"] == 1.0
    assert summary["general"]["score"]["tuned"] == pytest.approx(1.0)
    assert summary["general"]["retention"]["tuned"] is None  # base scored 0: no ratio
    robust = summary["robustness"]
    assert set(robust["perturbations"]) <= {"typos", "width", "synonyms", "distractor", "numbers", "injection"}
    injection = robust["perturbations"]["injection"]
    assert injection["original"]["tuned"] == 1.0 and injection["perturbed"]["tuned"] == 0.0
    assert injection["drop"]["tuned"] == 1.0 and injection["drop"]["base"] == 0.0
    assert summary["models"]["tuned"]["failures"] == sum(1 for i in items if i.variant not in ("", suites.ORIGINAL))
    worst = fraud["worst"][0]
    assert worst["replies"]["base"] == "不知道" and "scores" in worst
    assert summary["headline"]["domain"]["fraud"] == {"metric": "macro_f1", "base": 0.0, "tuned": 1.0,
                                                      "best_trivial": {"name": "constant", "value": 1.0}}

    page = write_report(evaluation, tmp_path)
    html = page.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 3
    image = html.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(image).startswith(b"\x89PNG")
    assert "Δ tuned" in html and "trivial: constant" in html and "不知道" in html and "Robustness" in html and "<script" not in html
    assert json.loads((tmp_path / REPORT_JSON).read_text(encoding="utf-8"))["reference"] == "base"
    assert len((tmp_path / PREDICTIONS).read_text(encoding="utf-8").splitlines()) == 2 * len(items)


def test_one_model_alone_is_reported_without_deltas(items: list[suites.EvalItem], tmp_path: Path) -> None:
    general = [i for i in items if i.suite == "general"]
    evaluation = evaluate_models({"tuned": AnswerBook("m", {request_key(i.request): i.gold for i in general})}, general)
    assert evaluation.summary["general"]["retention"] == {}
    assert all(task["delta"] == {} for task in evaluation.summary["general"]["tasks"].values())
    assert "domain" not in evaluation.summary
    assert write_report(evaluation, tmp_path).exists()


def test_html_escapes_model_output(items: list[suites.EvalItem], tmp_path: Path) -> None:
    domain = [i for i in items if i.suite == "domain"]
    evil = AnswerBook("m", {request_key(i.request): "<script>alert(1)</script>" for i in domain})
    html = write_report(evaluate_models({"x": evil}, domain), tmp_path).read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
