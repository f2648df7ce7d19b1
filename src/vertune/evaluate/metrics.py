"""Metrics as pure functions over (prediction, gold) lists; each is tested against a reference.

Tokens: Chinese is scored character by character and other scripts word by word
(``tokens``), because rouge-score's default tokenizer keeps only ``[a-z0-9]`` and so drops
every Chinese character, which would score any Chinese summary 0. BLEU uses sacrebleu with its
own ``zh`` tokenizer for Chinese. Structured answers are read with the same lenient
``parse_answer`` as everywhere else; an answer that cannot be read counts as predicting nothing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vertune.figures import parse_number
from vertune.prepare.answers import ITEM_KEYS, parse_answer

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_HAN}]|[^\\W_{_HAN}]+")  # one Han character, or a run of other letters/digits
_CJK = re.compile(f"[{_HAN}]")
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3})")
_EDGE_PUNCTUATION = " \t\r\n.,;:!?。，；：！？、\"'“”‘’「」"


def normalize(text: str) -> str:
    """Compare-friendly text: NFKC (full-width → half-width), case-folded, inner whitespace
    removed, thousands separators dropped and edge punctuation stripped, so "1,000。" == "1000"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DIGIT_GROUP.sub("", re.sub(r"\s+", " ", text))
    return text.strip(_EDGE_PUNCTUATION).replace(" ", "")


def tokens(text: str) -> list[str]:
    """Scoring tokens: each CJK character alone, other letters and digits as words (lower-cased)."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def is_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


# --- classification -----------------------------------------------------------------------


def accuracy(predictions: Sequence[Any], golds: Sequence[Any]) -> float:
    """Share of exact matches; 0.0 for no items."""
    _same_length(predictions, golds)
    return sum(p == g for p, g in zip(predictions, golds)) / len(golds) if golds else 0.0


def macro_f1(predictions: Sequence[Any], golds: Sequence[Any], labels: Sequence[Any] | None = None) -> float:
    """Unweighted mean of per-label F1 (as scikit-learn's ``average="macro"``, zero_division=0).

    ``labels`` defaults to every label seen in golds or predictions. Passing the task's label
    set keeps unreadable answers (None) out of the average while still counting them wrong.
    """
    _same_length(predictions, golds)
    classes = list(labels) if labels is not None else sorted(set(golds) | set(predictions), key=str)
    if not classes:
        return 0.0
    scores = []
    for label in classes:
        tp = sum(p == label and g == label for p, g in zip(predictions, golds))
        predicted = sum(p == label for p in predictions)
        actual = sum(g == label for g in golds)
        scores.append(_f1(tp, predicted, actual))
    return sum(scores) / len(scores)


# --- text ---------------------------------------------------------------------------------


def exact_match(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Share of answers equal to the gold after ``normalize``."""
    return accuracy([normalize(p) for p in predictions], [normalize(g) for g in golds])


def bleu(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Corpus BLEU (0–100) with sacrebleu; the ``zh`` tokenizer when the golds are Chinese."""
    import sacrebleu

    _same_length(predictions, golds)
    if not golds:
        return 0.0
    tokenize = "zh" if any(is_chinese(g) for g in golds) else "13a"
    return float(sacrebleu.corpus_bleu(list(predictions), [list(golds)], tokenize=tokenize).score)


class ScoringTokenizer:
    """The ``tokenize`` object rouge-score accepts: our character-level-for-Chinese ``tokens``."""

    def tokenize(self, text: str) -> list[str]:
        return tokens(text)


ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def rouge_items(predictions: Sequence[str], golds: Sequence[str]) -> list[dict[str, float]]:
    """Per-item ROUGE-1/2/L F-measures (rouge-score, with ``ScoringTokenizer``)."""
    from rouge_score.rouge_scorer import RougeScorer

    _same_length(predictions, golds)
    scorer = RougeScorer(list(ROUGE_TYPES), tokenizer=ScoringTokenizer())
    return [{name: score.fmeasure for name, score in scorer.score(g, p).items()} for p, g in zip(predictions, golds)]


def rouge(predictions: Sequence[str], golds: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE-1/2/L F-measures over the items."""
    per_item = rouge_items(predictions, golds)
    return {name: _mean(item[name] for item in per_item) for name in ROUGE_TYPES}


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD-style overlap F1 of one answer, on ``tokens`` (characters for Chinese)."""
    predicted, actual = Counter(tokens(prediction)), Counter(tokens(gold))
    if not predicted and not actual:
        return 1.0
    return _f1(sum((predicted & actual).values()), sum(predicted.values()), sum(actual.values()))


def perplexity(nll_sums: Sequence[float], token_counts: Sequence[int]) -> float:
    """exp(total negative log-likelihood / total tokens): per-token perplexity of a corpus."""
    total = sum(token_counts)
    return math.exp(sum(nll_sums) / total) if total else float("nan")


# --- structured answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Matches, predicted and gold totals: the parts of precision, recall and F1."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.predicted + other.predicted, self.gold + other.gold)

    @property
    def f1(self) -> float:
        return _f1(self.tp, self.predicted, self.gold)

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0


def span_counts(task_type: str, reply: str, gold: str) -> Counts:
    """Exact-match counts of one entity (text, label) or relation (head, relation, tail) answer.

    Items are compared as multisets of exact tuples: a wrong boundary or label is both a false
    positive and a miss. An unreadable reply predicts nothing, so every gold item is missed.
    """
    predicted = Counter(_tuples(task_type, reply))
    actual = Counter(_tuples(task_type, gold))
    return Counts(sum((predicted & actual).values()), sum(predicted.values()), sum(actual.values()))


def field_counts(reply: str, gold: str) -> Counts:
    """Field-level counts of one report-element extraction answer.

    Every non-empty field (name, period, value, unit) of every element is one fact. Predicted
    elements are paired with gold ones greedily, most agreeing fields first; a pair's agreeing
    fields are true positives: name, period and unit compared after ``normalize``, the value as
    a number when it is one ("22,087" = "22087" = "22087.0", "(1,234)" = "-1234"). Fields of
    an unreadable reply or of unpaired elements are misses or false positives.
    """
    predicted = [_fields(item) for item in parse_answer("extraction", reply) or []]
    actual = [_fields(item) for item in parse_answer("extraction", gold) or []]
    pairs = sorted(((_agreeing(p, a), i, j) for i, p in enumerate(predicted) for j, a in enumerate(actual)),
                   key=lambda pair: (-pair[0], pair[1], pair[2]))
    used_p, used_a, tp = set(), set(), 0
    for agreeing, i, j in pairs:
        if agreeing and i not in used_p and j not in used_a:
            used_p.add(i)
            used_a.add(j)
            tp += agreeing
    return Counts(tp, sum(map(len, predicted)), sum(map(len, actual)))


def corpus_counts(counts: Iterable[Counts]) -> Counts:
    """Micro-average: sum the counts of every item."""
    return sum(counts, Counts())


def _tuples(task_type: str, answer: str) -> list[tuple[str, ...]]:
    keys = ITEM_KEYS[task_type]
    return [tuple(item[key] for key in keys) for item in parse_answer(task_type, answer) or []]


def _fields(item: dict[str, str]) -> dict[str, str | float]:
    fields: dict[str, str | float] = {key: normalize(value) for key, value in item.items() if normalize(value)}
    number = parse_number(item.get("value", ""))
    if number is not None:
        fields["value"] = number
    return fields


def _agreeing(predicted: dict[str, str | float], actual: dict[str, str | float]) -> int:
    return sum(predicted.get(key) == value for key, value in actual.items())


def _f1(tp: int, predicted: int, actual: int) -> float:
    return 2 * tp / (predicted + actual) if predicted + actual else 0.0


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def _same_length(predictions: Sequence[Any], golds: Sequence[Any]) -> None:
    if len(predictions) != len(golds):
        raise ValueError(f"{len(predictions)} predictions for {len(golds)} gold answers")
