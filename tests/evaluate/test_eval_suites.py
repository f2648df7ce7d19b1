import json
import re
from collections import Counter
from pathlib import Path

from eval_examples import TASKS, domain_test_samples, english_sample

from vertune.evaluate import suites
from vertune.evaluate.perturb import PERTURBATIONS
from vertune.evaluate.scoring import chosen_letter, final_number
from vertune.prepare.augment import load_synonyms
from vertune.prepare.general import GENERAL_FILE

FINANCE_SYNONYMS = load_synonyms(Path(__file__).resolve().parents[2] / "examples/finance/lexicon/synonyms_zh_finance.txt")


def test_domain_items_hold_the_prompt_without_the_answer() -> None:
    samples = domain_test_samples()
    items = suites.domain_items(samples, TASKS, max_new_tokens=48)
    assert len(items) == len(samples)
    for item, sample in zip(items, samples):
        assert [m["role"] for m in item.request.messages] == ["system", "user"]
        assert item.gold == sample.messages[-1].content
        assert item.task_type == TASKS[sample.task]["type"]
    fraud = next(i for i in items if i.task == "fraud")
    assert fraud.labels == ("正常", "欺诈") and fraud.request.max_new_tokens == 16 and fraud.request.stop == ("\n\n",)
    assert next(i for i in items if i.task == "summary").request.max_new_tokens == 48


def test_a_domain_items_budget_comes_from_its_tasks_longest_training_answer() -> None:
    tasks = {name: {**spec, "answer_tokens": 20} for name, spec in TASKS.items()}
    items = suites.domain_items(domain_test_samples(), tasks, max_new_tokens=256)
    assert {i.task: i.request.max_new_tokens for i in items}["summary"] == 20 + 5 + 8


def test_cap_per_task_keeps_the_first_items_of_each_task() -> None:
    items = suites.domain_items(domain_test_samples(), TASKS, 32, limit=1)
    assert Counter(item.task for item in items) == Counter({task: 1 for task in TASKS})
    assert items[0].id == domain_test_samples()[0].id


def test_split_prompt_finds_the_passage_of_every_task_type() -> None:
    for item in suites.domain_items([*domain_test_samples(), english_sample()], TASKS, 32):
        before, passage, after = suites.split_prompt(item)
        assert before + passage + after == item.request.messages[-1]["content"]
        assert passage and passage in item.request.messages[-1]["content"]
        assert "文本" not in passage and "材料" not in passage and "Text:" not in passage


def test_perturbed_items_change_only_the_passage_and_never_what_the_answer_needs() -> None:
    items = suites.domain_items([*domain_test_samples(), english_sample()], TASKS, 32)
    seen = Counter()
    for item in items:
        before, passage, after = suites.split_prompt(item)
        protect = suites.answer_strings(item.task_type, item.gold, item.labels)
        for variant in suites.perturbed_items(item, FINANCE_SYNONYMS):
            seen[variant.variant] += 1
            assert variant.gold == item.gold and variant.labels == item.labels and variant.source_id == item.id
            assert variant.request.messages[0] == item.request.messages[0]
            v_before, v_passage, v_after = suites.split_prompt(variant)
            assert (v_before, v_after) == (before, after) and v_passage != passage
            for quoted in protect:
                assert v_passage.count(quoted) >= passage.count(quoted), (variant.variant, quoted)
    assert set(seen) == set(PERTURBATIONS)


def test_answer_strings_are_what_the_gold_quotes_plus_the_labels() -> None:
    gold = '[{"text": "贵州茅台", "label": "公司"}]'
    assert suites.answer_strings("entities", gold, ("公司", "金额")) == ["贵州茅台", "公司", "金额"]
    assert suites.answer_strings("qa", " 18.04% ", ()) == ["18.04%"]
    assert suites.answer_strings("summary", "摘要", ()) == []


def test_robustness_items_pair_each_perturbation_with_its_original() -> None:
    domain = suites.domain_items(domain_test_samples(), TASKS, 32)
    items = suites.robustness_items(domain, limit=len(PERTURBATIONS))  # one original per task
    originals = [i for i in items if i.variant == suites.ORIGINAL]
    assert len(originals) == len(TASKS)
    assert {i.source_id for i in items} == {i.id for i in originals}
    assert all(i.suite == "robustness" for i in items)


def test_the_general_set_is_well_formed_balanced_and_correct() -> None:
    rows = [json.loads(line) for line in suites.GENERAL_FILE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 120 and len({r["id"] for r in rows}) == 120
    assert Counter((r["kind"], r["language"]) for r in rows) == Counter(
        {(k, lang): 20 for k in ("reading", "arithmetic", "choice") for lang in ("zh", "en")})
    for row in rows:
        if row["kind"] == "reading":
            passage = re.search(r"(?:短文：|Passage: )(.*?)\n\n", row["prompt"], re.S).group(1)
            assert row["answer"] in passage, row["id"]
        elif row["kind"] == "choice":
            assert len(row["options"]) == 4
            assert chosen_letter(row["answer"], tuple(row["options"])) == row["answer"]
            assert f"{row['answer']}. {row['options']['ABCD'.index(row['answer'])]}" in row["prompt"]
        else:
            assert final_number(row["answer"]) is not None
    assert Counter(r["answer"] for r in rows if r["kind"] == "choice") == Counter({c: 10 for c in "ABCD"})


def test_the_general_set_is_not_in_the_training_mix() -> None:
    training = {json.loads(line)["instruction"] for line in GENERAL_FILE.read_text(encoding="utf-8").splitlines()}
    for row in map(json.loads, suites.GENERAL_FILE.read_text(encoding="utf-8").splitlines()):
        assert row["prompt"] not in training


def test_general_items_use_the_general_system_prompt_and_kind_budgets() -> None:
    items = suites.general_items(max_new_tokens=64, limit=2)
    assert len(items) == 12
    assert {i.task for i in items} == {f"{k}_{lang}" for k in ("reading", "arithmetic", "choice") for lang in ("zh", "en")}
    choice = next(i for i in items if i.task_type == "choice")
    assert len(choice.labels) == 4 and choice.request.max_new_tokens == 8


def test_build_suites_orders_and_counts() -> None:
    items = suites.build_suites(["domain", "general", "robustness"], domain_test_samples(), TASKS, 32, limit=6)
    assert [i.suite for i in items] == sorted((i.suite for i in items), key=["domain", "general", "robustness"].index)
    assert sum(i.suite == "general" for i in items) == 36

