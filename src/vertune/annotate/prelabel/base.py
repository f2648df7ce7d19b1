"""What every pre-labeller shares: building the pre-label record and splitting sentences."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from vertune.records import Annotation, Document

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

_SENTENCE_END = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")
_FULL_SENTENCE_END = re.compile(r"[^。！？!?\n]+[。！？!?]*")


def draft(spec: TaskSpec, doc: Document, source: str, confidence: float, **answer: Any) -> Annotation:
    """A pre-label of ``doc`` for ``spec`` by labeller ``source``."""
    return Annotation(
        doc_id=doc.id, text=doc.text, annotator=source, tier=spec.tier, task=spec.name,
        status="pre-labelled", confidence=round(max(0.0, min(1.0, confidence)), 3),
        meta={"source": source}, **answer,
    )


def sentences(text: str, clauses: bool = True) -> list[tuple[int, int]]:
    """(start, end) of each sentence, ending punctuation included, blank ones skipped; a "；" ends
    one too unless ``clauses`` is false (a subject named before it still speaks after it)."""
    pattern = _SENTENCE_END if clauses else _FULL_SENTENCE_END
    return [(m.start(), m.end()) for m in pattern.finditer(text) if m.group().strip()]
