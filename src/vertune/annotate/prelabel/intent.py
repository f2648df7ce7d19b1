"""Keyword intent labeller: the intent whose lexicon keywords occur most often wins (none without a lexicon)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vertune.annotate.prelabel.base import draft
from vertune.records import Annotation, Document

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "rules:intent_keywords"


def label_intent(spec: TaskSpec, doc: Document) -> Annotation | None:
    """The best-scoring intent among the task's labels; None when no keyword occurs."""
    if spec.lexicon is None:
        return None
    scores = {
        intent: sum(doc.text.count(word) for word in words)
        for intent, words in spec.lexicon.intents.items()
        if intent in spec.labels
    }
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] == 0:
        return None
    (best, top), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0)
    confidence = min(0.9, 0.4 + 0.1 * top + 0.1 * (top - runner_up))
    return draft(spec, doc, SOURCE, confidence, intent=best)
