import pytest

from vertune.evaluate.scoring import SCORERS, answer_budget, chosen_letter, final_number, scorer_for

OPTIONS = ("夏至", "春分", "秋分", "冬至")


@pytest.mark.parametrize(("reply", "letter"), [
    ("A", "A"), ("答案是 C。", "C"), ("(D) 冬至", "D"), ("Ｂ", "B"), ("春分", "B"), ("I think it is 秋分", "C"),
    ("E", None), ("不知道", None), ("春分或秋分", None),
])
def test_chosen_letter(reply: str, letter: str | None) -> None:
    assert chosen_letter(reply, OPTIONS) == letter


@pytest.mark.parametrize(("reply", "value"), [
    ("42", 42.0), ("6 × 7 = 42。", 42.0), ("答案：１，２００", 1200.0), ("It fell to -3 degrees.", -3.0),
    ("13.5 dollars", 13.5), ("不会", None),
])
def test_final_number(reply: str, value: float | None) -> None:
    assert final_number(reply) == value


def test_item_scores_per_type() -> None:
    assert SCORERS["sentiment"].item(" positive。", "positive", ("positive", "negative")) == 1.0
    assert SCORERS["classification"].item("非欺诈", "欺诈", ("欺诈", "非欺诈")) == 0.0
    assert SCORERS["arithmetic"].item("答案是13.5", "13.5", ()) == 1.0
    assert SCORERS["choice"].item("B", "A", OPTIONS) == 0.0
    assert SCORERS["qa"].item("1476.94亿元", "1,476.94亿元", ()) == 1.0
    assert SCORERS["entities"].item("[]", "[]", ()) == 1.0  # nothing to find, nothing found
    assert SCORERS["extraction"].item("no json here", '[{"name": "营收", "value": "1"}]', ()) == 0.0
    assert SCORERS["reading"].item("西红柿鸡蛋汤", "西红柿鸡蛋汤", ()) == 1.0


def test_every_scorer_reports_its_primary_metric() -> None:
    samples = {"entities": '[{"text": "A", "label": "公司"}]', "relations": '[{"head": "A", "relation": "r", "tail": "B"}]',
               "extraction": '[{"name": "营收", "value": "1"}]', "arithmetic": "3", "choice": "A"}
    for task_type, scorer in SCORERS.items():
        gold = samples.get(task_type, "positive")
        assert scorer.primary in scorer.corpus([gold], [gold], ("positive", "negative")), task_type


def test_answer_budgets_stay_under_the_ceiling() -> None:
    assert answer_budget("intent", 64) == 16 and answer_budget("intent", 8) == 8
    assert answer_budget("summary", 64) == 64 and answer_budget("choice", 64) == 8


def test_a_domain_budget_fits_the_longest_training_answer_within_the_ceiling() -> None:
    """64 tokens were shorter than 48 of the demo's 55 report-element test answers."""
    assert answer_budget("extraction", 256, longest=146) == 146 + 36 + 8
    assert answer_budget("entities", 256, longest=282) == 256
    assert answer_budget("intent", 256, longest=5) == 16  # a label type keeps its own budget
    assert answer_budget("extraction", 256, longest=None) == 256
    with pytest.raises(ValueError, match="no scorer"):
        scorer_for("poetry")
