"""How each kind of task is scored: the metric per task type, per item and over a task.

Every task type (the prepare task types, and the general suite's ``reading``, ``arithmetic``
and ``choice``) has one ``Scorer``: its headline (``primary``) metric, a per-item score in
[0, 1] used to find the worst examples and to measure robustness drops, the corpus metrics of
a whole task, and how long an answer may be. Replies are always read leniently; a reply that
cannot be read, or a request that failed, scores as a wrong answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vertune.evaluate import metrics
from vertune.prepare.answers import LABEL_TYPES, parse_label

Labels = tuple[str, ...]
ItemScore = Callable[[str, str, Labels], float]  # (reply, gold, labels) -> score in [0, 1]
CorpusScore = Callable[[Sequence[str], Sequence[str], Labels], dict[str, float]]
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LETTER = re.compile(r"(?<![A-Za-z])([A-H])(?![A-Za-z])")
_SHORT_ANSWER_STOP = ("\n\n",)  # a blank line ends a one-line answer


@dataclass(frozen=True)
class Scorer:
    """The scoring rules of one task type (see the module doc)."""

    primary: str
    item: ItemScore
    corpus: CorpusScore
    max_new_tokens: int | None = None  # None: the configured ceiling
    stop: tuple[str, ...] = ()


# --- labels ---------------------------------------------------------------------------------


def _label_item(reply: str, gold: str, labels: Labels) -> float:
    return float(parse_label(reply, labels) == gold)


def _label_corpus(replies: Sequence[str], golds: Sequence[str], labels: Labels) -> dict[str, float]:
    predicted = [parse_label(reply, labels) for reply in replies]
    # Macro over the classes that occur (in gold or as an answer), as scikit-learn does: a label
    # no item has and no reply names has no F1 to average. Unreadable replies still count wrong.
    present = set(golds) | set(predicted)
    classes = [label for label in dict.fromkeys([*labels, *golds]) if label in present]
    return {"accuracy": metrics.accuracy(predicted, golds), "macro_f1": metrics.macro_f1(predicted, golds, classes)}


# --- structured answers ---------------------------------------------------------------------


def _item_f1(counts: metrics.Counts) -> float:
    """An item's F1, where predicting nothing for an item with nothing to find is right."""
    return 1.0 if counts.predicted == counts.gold == 0 else counts.f1


def _counts_corpus(name: str, counts: Sequence[metrics.Counts]) -> dict[str, float]:
    total = metrics.corpus_counts(counts)
    return {name: total.f1, "precision": total.precision, "recall": total.recall}


def _span_scorer(task_type: str) -> Scorer:
    return Scorer(
        primary="span_f1",
        item=lambda reply, gold, labels: _item_f1(metrics.span_counts(task_type, reply, gold)),
        corpus=lambda replies, golds, labels: _counts_corpus(
            "span_f1", [metrics.span_counts(task_type, r, g) for r, g in zip(replies, golds)]),
    )


_FIELDS = Scorer(
    primary="field_f1",
    item=lambda reply, gold, labels: _item_f1(metrics.field_counts(reply, gold)),
    corpus=lambda replies, golds, labels: _counts_corpus(
        "field_f1", [metrics.field_counts(r, g) for r, g in zip(replies, golds)]),
)


# --- free text ------------------------------------------------------------------------------


def _qa_corpus(replies: Sequence[str], golds: Sequence[str], labels: Labels) -> dict[str, float]:
    return {"exact_match": metrics.exact_match(replies, golds), "rougeL": metrics.rouge(replies, golds)["rougeL"],
            "bleu": metrics.bleu(replies, golds)}


def _summary_corpus(replies: Sequence[str], golds: Sequence[str], labels: Labels) -> dict[str, float]:
    return {**metrics.rouge(replies, golds), "bleu": metrics.bleu(replies, golds)}


def _reading_corpus(replies: Sequence[str], golds: Sequence[str], labels: Labels) -> dict[str, float]:
    f1 = [metrics.token_f1(r, g) for r, g in zip(replies, golds)]
    return {"token_f1": sum(f1) / len(f1) if f1 else 0.0, "exact_match": metrics.exact_match(replies, golds)}


# --- general: arithmetic and multiple choice ---------------------------------------------------


def final_number(reply: str) -> float | None:
    """The last number a reply states (full-width digits and 1,000-style groups accepted)."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", unicodedata.normalize("NFKC", reply))
    found = _NUMBER.findall(text)
    return float(found[-1]) if found else None


def _arithmetic_item(reply: str, gold: str, labels: Labels) -> float:
    value = final_number(reply)
    return float(value is not None and abs(value - float(gold)) <= 1e-6 * max(1.0, abs(float(gold))))


def chosen_letter(reply: str, options: Labels) -> str | None:
    """The option a reply picks: the first standalone letter A–H, else the one option text it names."""
    text = unicodedata.normalize("NFKC", reply)
    letter = _LETTER.search(text)
    if letter and ord(letter.group(1)) - ord("A") < len(options):
        return letter.group(1)
    named = parse_label(text, options)
    return chr(ord("A") + options.index(named)) if named in options else None


def _choice_item(reply: str, gold: str, labels: Labels) -> float:
    return float(chosen_letter(reply, labels) == gold)


def _accuracy_corpus(item: ItemScore) -> CorpusScore:
    def corpus(replies: Sequence[str], golds: Sequence[str], labels: Labels) -> dict[str, float]:
        scores = [item(r, g, labels) for r, g in zip(replies, golds)]
        return {"accuracy": sum(scores) / len(scores) if scores else 0.0}

    return corpus


def _rouge_l_item(reply: str, gold: str, labels: Labels) -> float:
    return metrics.rouge_items([reply], [gold])[0]["rougeL"]


SCORERS: dict[str, Scorer] = {
    # Macro-F1 heads label tasks: on skewed classes (fraud is rare) accuracy rewards one constant label.
    **{kind: Scorer("macro_f1", _label_item, _label_corpus, 16, _SHORT_ANSWER_STOP) for kind in LABEL_TYPES},
    "entities": _span_scorer("entities"),
    "relations": _span_scorer("relations"),
    "extraction": _FIELDS,
    "qa": Scorer("exact_match", lambda r, g, labels: metrics.exact_match([r], [g]), _qa_corpus,
                 stop=_SHORT_ANSWER_STOP),
    "summary": Scorer("rougeL", _rouge_l_item, _summary_corpus),
    "reading": Scorer("token_f1", lambda r, g, labels: metrics.token_f1(r, g), _reading_corpus, 32, _SHORT_ANSWER_STOP),
    "arithmetic": Scorer("accuracy", _arithmetic_item, _accuracy_corpus(_arithmetic_item), 16, _SHORT_ANSWER_STOP),
    "choice": Scorer("accuracy", _choice_item, _accuracy_corpus(_choice_item), 8, _SHORT_ANSWER_STOP),
}


def scorer_for(task_type: str) -> Scorer:
    try:
        return SCORERS[task_type]
    except KeyError:
        raise ValueError(f"no scorer for task type {task_type!r}; known: {', '.join(sorted(SCORERS))}") from None


def answer_budget(task_type: str, ceiling: int, longest: int | None = None) -> int:
    """Max new tokens for a task type: its own short budget, never above the configured ceiling.

    ``longest`` is the task's longest training answer in tokens (prepare's ``tasks.json``): a
    budget below it cuts a correct JSON answer into an unreadable one that scores nothing (the
    demo's first budget, 64 tokens, was shorter than 48 of its 55 report-element test answers), and one far
    above it only pays for a model that does not stop. A quarter more than the longest, plus 8:
    tokens are counted by the configured base's tokenizer, and a model with another one (an
    endpoint, ``vertune eval --compare``) has that margin. A type with its own short budget
    (labels, short answers) keeps it, so a label seen only in test still fits.
    """
    own = scorer_for(task_type).max_new_tokens
    if own:
        return min(own, ceiling)
    return min(ceiling, longest + longest // 4 + 8) if longest else ceiling
