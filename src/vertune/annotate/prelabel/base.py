"""What every pre-labeller shares: building the pre-label record and splitting sentences."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from vertune.records import Annotation, Document

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

_SENTENCE_END = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")


def draft(spec: TaskSpec, doc: Document, source: str, confidence: float, **answer: Any) -> Annotation:
    """A pre-label of ``doc`` for ``spec`` by labeller ``source``."""
    return Annotation(
        doc_id=doc.id, text=doc.text, annotator=source, tier=spec.tier, task=spec.name,
        status="pre-labelled", confidence=round(max(0.0, min(1.0, confidence)), 3),
        meta={"source": source}, **answer,
    )


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, ending punctuation included, blank ones skipped."""
    return [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text) if m.group().strip()]
