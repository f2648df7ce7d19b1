from collections import Counter

from gold_examples import make_config, many_sentiments
from vertune.prepare.build import prepare_samples
from vertune.prepare.general import general_count, load_general


def test_the_shipped_general_set_is_bilingual_varied_and_unique() -> None:
    general = load_general()
    assert 200 <= len(general) <= 400
    assert len({s.id for s in general}) == len(general)
    languages = Counter(s.meta["language"] for s in general)
    assert languages["zh"] >= 100 and languages["en"] >= 100
    assert {"arithmetic", "definition", "instruction", "reading"} <= {s.meta["kind"] for s in general}
    assert all(s.task == "general" and s.split == "train" for s in general)


def test_general_count_makes_the_ratio_of_the_final_train_set() -> None:
    assert general_count(90, 0.1, 300) == 10
    assert general_count(80, 0.2, 300) == 20
    assert general_count(1000, 0.5, 300) == 300, "capped by what is available"
    assert general_count(50, 0.0, 300) == 0


def test_the_general_ratio_holds_in_the_prepared_train_split() -> None:
    for ratio in (0.1, 0.25):
        prepared = prepare_samples(many_sentiments(60), make_config(f"prepare: {{general_ratio: {ratio}}}\n"))
        train = prepared.splits["train"]
        share = sum(s.task == "general" for s in train) / len(train)
        assert abs(share - ratio) <= 1 / len(train)
        assert not any(s.task == "general" for split in ("val", "test") for s in prepared.splits[split])
