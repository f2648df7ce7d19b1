"""Trivial baselines: what a model must beat before "tuned beats base" means anything.

A tuned model that answers one constant label scores the majority-class rate; one that answers
``[]`` to every extraction scores every item with nothing to find. So beside base and tuned,
every task reports the trivial predictors of its type, scored by the very same scorer:

- ``constant``: the most frequent gold answer of the task's items, given to every item. For a
  label task this is the majority class, and taken from the evaluated items themselves it is
  the best any constant answer can do on accuracy (an upper bound on a train-set majority).
- ``empty``: ``[]`` for the JSON extraction types (entities, relations, extraction).
- ``lead``: the passage's first sentence, for summaries and QA (lead-1, the standard news
  summarisation baseline).

``beats_baselines`` is the check a demo or a test makes: the model's primary metric exceeds the
best trivial one by a margin.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vertune.evaluate.scoring import scorer_for
from vertune.evaluate.suites import EvalItem, split_prompt
from vertune.prepare.answers import ITEM_KEYS

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s|\n")

Baseline = Callable[[Sequence[EvalItem]], list[str]]
MARGIN = 0.05  # how far above the best trivial predictor a model must score to count as better


def constant(items: Sequence[EvalItem]) -> list[str]:
    """The most frequent gold answer, for every item (ties: the first seen)."""
    most = Counter(item.gold for item in items).most_common(1)[0][0] if items else ""
    return [most] * len(items)


def empty(items: Sequence[EvalItem]) -> list[str]:
    return ["[]"] * len(items)


def first_sentence(text: str) -> str:
    """The first non-empty sentence of a passage (Chinese or Western punctuation, or a line)."""
    for piece in _SENTENCE_END.split(text.strip()):
        if piece.strip():
            return piece.strip()
    return ""


def lead(items: Sequence[EvalItem]) -> list[str]:
    replies = []
    for item in items:
        parts = split_prompt(item)
        replies.append(first_sentence(parts[1]) if parts else "")
    return replies


def baselines_for(task_type: str) -> dict[str, Baseline]:
    """The trivial predictors that make sense for one task type."""
    chosen: dict[str, Baseline] = {"constant": constant}
    if task_type in ITEM_KEYS:
        chosen["empty"] = empty
    if task_type in ("summary", "qa"):
        chosen["lead"] = lead
    return chosen


def baseline_metrics(items: Sequence[EvalItem]) -> dict[str, dict[str, float]]:
    """Name → corpus metrics of each trivial predictor on one task's items."""
    if not items:
        return {}
    scorer = scorer_for(items[0].task_type)
    golds = [item.gold for item in items]
    return {name: scorer.corpus(predict(items), golds, items[0].labels)
            for name, predict in baselines_for(items[0].task_type).items()}


def best_baseline(task: Mapping[str, Any]) -> tuple[str, float]:
    """(name, value) of the strongest trivial predictor on a summarised task's primary metric."""
    scores = {name: values[task["primary"]] for name, values in task.get("baselines", {}).items()}
    if not scores:
        return "", 0.0
    name = max(scores, key=scores.__getitem__)
    return name, scores[name]


def beats_baselines(task: Mapping[str, Any], model: str, margin: float) -> bool:
    """Whether ``model``'s primary metric on a summarised task exceeds every trivial one by more than ``margin``."""
    return task["metrics"][model][task["primary"]] > best_baseline(task)[1] + margin
