"""Which pre-labellers serve each task type, and how to pick the best pre-label of an item."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from vertune.annotate.answers import is_empty
from vertune.annotate.prelabel.entities import label_entities
from vertune.annotate.prelabel.extraction import label_extraction
from vertune.annotate.prelabel.intent import label_intent
from vertune.annotate.prelabel.known import known_answer
from vertune.annotate.prelabel.qa import qa_from_elements, qa_from_thread
from vertune.annotate.prelabel.relations import label_relations
from vertune.annotate.prelabel.sentiment import label_sentiment
from vertune.annotate.prelabel.summary import draft_summary
from vertune.records import Annotation, Document

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

Labeller = Callable[["TaskSpec", Document], Annotation | None]
BatchLabeller = Callable[["TaskSpec", Sequence[Document]], list[Annotation]]

# Known answers come first: on equal confidence the earlier labeller wins.
LABELLERS: dict[str, tuple[Labeller, ...]] = {
    "entities": (label_entities,),
    "relations": (label_relations,),
    "intent": (known_answer, label_intent),
    "sentiment": (known_answer, label_sentiment),
    "classification": (known_answer,),
    "qa": (qa_from_elements, qa_from_thread),
    "summary": (known_answer, draft_summary),
    "extraction": (label_extraction,),
}


def prelabel_documents(spec: TaskSpec, docs: Sequence[Document], model: BatchLabeller | None = None) -> list[Annotation]:
    """Every pre-label the task type's labellers (and the optional model) give ``docs``."""
    found = [label for doc in docs for labeller in LABELLERS[spec.type] if (label := labeller(spec, doc)) is not None]
    return found + (model(spec, docs) if model is not None else [])


def best_prelabel(spec: TaskSpec, prelabels: Sequence[Annotation], min_confidence: float = 0.0) -> Annotation | None:
    """The most confident non-empty pre-label of one item at or above ``min_confidence``."""
    usable = [p for p in prelabels if not is_empty(p, spec.type) and (p.confidence or 0.0) >= min_confidence]
    return max(usable, key=lambda p: p.confidence or 0.0, default=None)
