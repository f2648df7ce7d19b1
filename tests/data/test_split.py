import random
from collections import Counter

import pytest

from vertune.data.split import assign_splits, split_samples
from vertune.records import Message, Sample


def make_strata(sizes: dict[tuple[str, str], int]) -> dict[str, tuple[str, str]]:
    return {f"{task}-{source}-{n}": (task, source) for (task, source), size in sizes.items() for n in range(size)}


def random_groups(ids: list[str], rng: random.Random, count: int) -> list[list[str]]:
    return [rng.sample(ids, rng.randrange(2, 5)) for _ in range(count)]


def test_stratified_proportions():
    strata = make_strata({("ner", "news"): 1000, ("qa", "reports"): 500, ("qa", "forum"): 200})
    assignment = assign_splits(strata)
    counts = Counter((strata[i], split) for i, split in assignment.items())
    for stratum, size in [(("ner", "news"), 1000), (("qa", "reports"), 500), (("qa", "forum"), 200)]:
        assert counts[stratum, "val"] == counts[stratum, "test"] == size // 10
        assert counts[stratum, "train"] == size - 2 * (size // 10)


@pytest.mark.parametrize(("size", "expected"), [(1, (1, 0, 0)), (5, (5, 0, 0)), (10, (8, 1, 1)), (19, (17, 1, 1))])
def test_small_strata_give_eval_splits_whole_items_only(size, expected):
    assignment = assign_splits(make_strata({("cls", "tiny"): size}))
    counts = Counter(assignment.values())
    assert (counts["train"], counts["val"], counts["test"]) == expected


def test_groups_never_straddle_splits_and_proportions_hold():
    strata = make_strata({("ner", "news"): 600, ("qa", "reports"): 400})
    rng = random.Random(2)
    groups = random_groups(sorted(strata), rng, 150)
    assignment = assign_splits(strata, groups)
    for group in groups:
        assert len({assignment[i] for i in group}) == 1, group
    shares = Counter(assignment.values())
    assert abs(shares["train"] / 1000 - 0.8) < 0.03
    assert abs(shares["val"] / 1000 - 0.1) < 0.03 and abs(shares["test"] / 1000 - 0.1) < 0.03


def test_deterministic_by_seed_and_independent_of_input_order():
    strata = make_strata({("ner", "news"): 300, ("qa", "forum"): 100})
    groups = random_groups(sorted(strata), random.Random(4), 40)
    first = assign_splits(strata, groups, seed=7)
    shuffled = dict(reversed(list(strata.items())))
    assert assign_splits(shuffled, [list(reversed(g)) for g in reversed(groups)], seed=7) == first
    assert assign_splits(strata, groups, seed=8) != first


def test_custom_ratios():
    assignment = assign_splits(make_strata({("ner", "news"): 100}), ratios={"train": 0.5, "val": 0.0, "test": 0.5})
    counts = Counter(assignment.values())
    assert (counts["train"], counts["val"], counts["test"]) == (50, 0, 50)


def sample(task: str, text: str, source: str, doc: str) -> Sample:
    return Sample(
        task=task,
        messages=[Message(role="user", content=text), Message(role="assistant", content="ok")],
        source_ids=[doc],
        meta={"source": source},
    )


def test_split_samples_keeps_documents_and_duplicate_groups_together():
    samples = [sample(task, f"{task} {n}", "news", f"doc{n // 3}") for n in range(300) for task in ("ner", "qa")]
    groups = [["doc1", "doc50"], ["doc7", "doc90", "doc99"]]
    result = split_samples(samples, groups=groups, seed=1)
    assert [s.id for s in result] == [s.id for s in samples]
    split_of_doc: dict[str, set] = {}
    for s in result:
        split_of_doc.setdefault(s.source_ids[0], set()).add(s.split)
    assert all(len(splits) == 1 for splits in split_of_doc.values())
    assert split_of_doc["doc1"] == split_of_doc["doc50"]
    assert split_of_doc["doc7"] == split_of_doc["doc90"] == split_of_doc["doc99"]
    assert set(Counter(s.split for s in result)) == {"train", "val", "test"}
