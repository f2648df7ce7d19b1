"""Extractive summary drafts: the lead sentences plus the sentences that state key figures.

News and research put the gist first and the numbers in "indicator + amount/percentage"
sentences; an annotator edits this draft faster than writing from scratch. Figure sentences
need the lexicon's indicators; without a lexicon the draft is the lead sentences.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vertune.annotate.prelabel.base import draft, sentences
from vertune.annotate.prelabel.entities import find_entities
from vertune.annotate.prelabel.lexicon import Lexicon
from vertune.records import Annotation, Document

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "rules:extractive_summary"
CONFIDENCE = 0.5
LEAD_SENTENCES = 2
FIGURE_SENTENCES = 2
MIN_SENTENCE_CHARS = 8
MAX_CHARS = 300


def _states_a_figure(text: str, start: int, end: int, lexicon: Lexicon | None) -> bool:
    if lexicon is None or "indicator" not in lexicon.entity_labels:
        return False
    labels = lexicon.entity_labels
    found = {e.label for e, _ in find_entities(text[start:end], lexicon)}
    return labels["indicator"] in found and bool(found & {labels.get("amount"), labels.get("percent")})


def draft_summary(spec: TaskSpec, doc: Document) -> Annotation | None:
    spans = [(s, e) for s, e in sentences(doc.text) if e - s >= MIN_SENTENCE_CHARS]
    if not spans:
        return None
    chosen = spans[:LEAD_SENTENCES]
    chosen += [span for span in spans[LEAD_SENTENCES:] if _states_a_figure(doc.text, *span, spec.lexicon)][:FIGURE_SENTENCES]
    summary = ""
    for start, end in sorted(chosen):
        piece = doc.text[start:end].strip()
        if summary and len(summary) + len(piece) > MAX_CHARS:
            break
        summary += piece
    return draft(spec, doc, SOURCE, CONFIDENCE, summary=summary[:MAX_CHARS])
