from gold_examples import make_config, many_sentiments, one_of_each
from vertune.prepare.build import prepare_samples
from vertune.prepare.curriculum import curriculum_order, difficulty, units
from vertune.records import Message, Sample


def _sample(user: str, answer: str, tier: int) -> Sample:
    return Sample(task="t", messages=[Message(role="user", content=user), Message(role="assistant", content=answer)],
                  meta={"tier": tier})


def test_units_count_cjk_characters_and_latin_runs() -> None:
    assert units("营收 grew 12.5% in 2023") == 2 + 5


def test_difficulty_grows_with_tier_input_and_answer() -> None:
    base = difficulty(_sample("短", "是", 1))
    assert difficulty(_sample("短", "是", 3)) > base
    assert difficulty(_sample("长" * 200, "是", 1)) > base
    assert difficulty(_sample("短", "答" * 50, 1)) > base
    assert 0 <= base <= difficulty(_sample("长" * 5000, "答" * 5000, 3)) == 3.0


def test_curriculum_order_is_monotone_in_the_score() -> None:
    samples = [_sample("字" * (i * 37 % 300), "答" * (i * 11 % 90), 1 + i % 3) for i in range(60)]
    scores = [difficulty(s) for s in curriculum_order(samples)]
    assert scores == sorted(scores)


def test_the_prepared_train_split_is_in_curriculum_order_and_val_test_are_stable() -> None:
    prepared = prepare_samples(one_of_each() + many_sentiments(), make_config())
    scores = [s.meta["difficulty"] for s in prepared.splits["train"]]
    assert scores == sorted(scores)
    for split in ("val", "test"):
        keys = [(s.task, s.id) for s in prepared.splits[split]]
        assert keys == sorted(keys)
