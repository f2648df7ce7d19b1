"""Train/val/test assignment: stratified, deterministic, and leak-free across duplicate groups.

Items are assigned by group, never one by one: a group (near duplicates, or samples made from
one document) always lands in a single split, so no test item has a twin in training. Each
group belongs to the stratum most of its members are in (ties: the smallest key).

Small strata: within a stratum of ``n`` items, every split except the largest-ratio one (the
"absorbing" split, train by default) gets a quota of ``floor(ratio * n)`` items, and the
absorbing split takes the rest. So a split gets items from a stratum only once the stratum has
at least ``1 / ratio`` items (10 at 0.1): a stratum of 5 is all train, one of 10 is 8/1/1.
Groups are taken in a seeded random order; a group goes to the split with the most quota left
that it fits in, else to the absorbing split.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from vertune.data.dedup import components
from vertune.records import Sample, Split

DEFAULT_RATIOS: dict[Split, float] = {"train": 0.8, "val": 0.1, "test": 0.1}


def _stratum(sample: Sample) -> tuple[str, str]:
    return sample.task, str(sample.meta.get("source", ""))


def _quotas(n: int, ratios: Mapping[Split, float]) -> tuple[Split, dict[Split, int]]:
    if min(ratios.values()) < 0 or sum(ratios.values()) <= 0:
        raise ValueError(f"split ratios must be >= 0 with a positive sum, got {dict(ratios)}")
    absorbing = max(ratios, key=lambda s: ratios[s])
    total = sum(ratios.values())
    return absorbing, {s: math.floor(r / total * n + 1e-9) for s, r in ratios.items() if s != absorbing}


def assign_splits(
    strata: Mapping[str, Hashable],
    groups: Iterable[Iterable[str]] = (),
    ratios: Mapping[Split, float] = DEFAULT_RATIOS,
    seed: int = 0,
) -> dict[str, Split]:
    """Map every id of ``strata`` (id -> stratum key, e.g. ``(task, source)``) to a split.

    ``groups`` lists ids that must share a split; ids not in ``strata`` are ignored.
    The result depends only on the inputs and ``seed``, not on their order.
    """
    ids = sorted(strata)
    index = {item: n for n, item in enumerate(ids)}
    links: list[tuple[int, int]] = []
    for group in groups:
        known = [index[i] for i in group if i in index]
        links.extend(zip(known, known[1:]))
    by_stratum: dict[Hashable, list[list[str]]] = {}
    for component in components(len(ids), links):
        members = [ids[n] for n in component]
        votes = Counter(strata[m] for m in members)
        top = max(votes.values())
        key = min((k for k, v in votes.items() if v == top), key=repr)
        by_stratum.setdefault(key, []).append(members)

    assignment: dict[str, Split] = {}
    for key in sorted(by_stratum, key=repr):
        stratum_groups = by_stratum[key]
        random.Random(f"{seed}:{key!r}").shuffle(stratum_groups)
        absorbing, left = _quotas(sum(len(g) for g in stratum_groups), ratios)
        for group in stratum_groups:
            fitting = [s for s in left if left[s] >= len(group)]
            split = max(fitting, key=lambda s: left[s]) if fitting else absorbing
            if split in left:
                left[split] -= len(group)
            assignment.update((member, split) for member in group)
    return assignment


def split_samples(
    samples: Sequence[Sample],
    groups: Iterable[Iterable[str]] = (),
    ratios: Mapping[Split, float] = DEFAULT_RATIOS,
    seed: int = 0,
    stratum: Callable[[Sample], Hashable] = _stratum,
) -> list[Sample]:
    """``samples`` with ``split`` set, stratified by ``stratum`` (default ``(task, meta["source"])``).

    Samples sharing a ``source_id`` share a split, and so do samples whose id or source ids
    meet in one of ``groups`` (e.g. ``near_duplicate_groups`` over documents or samples).
    """
    owners: dict[str, list[str]] = {}
    for sample in samples:
        for key in (sample.id, *sample.source_ids):
            owners.setdefault(key, []).append(sample.id)
    linked = list(owners.values()) + [[sid for key in group for sid in owners.get(key, [])] for group in groups]
    assignment = assign_splits({s.id: stratum(s) for s in samples}, linked, ratios, seed)
    return [s.model_copy(update={"split": assignment[s.id]}) for s in samples]
