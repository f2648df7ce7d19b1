"""QA pre-labels: questions on a report's structured elements, and forum threads' best answer.

"{company}{period}{name}是多少？" → "{value}{unit}" ("22,087百万元", the number as the report
writes it) makes answerable questions whose answers were extracted (not generated); a forum
thread's own question and top-voted answer is a QA pair written by people, so it gets a lower confidence (answers there are opinions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vertune.annotate.prelabel.base import draft
from vertune.annotate.prelabel.entities import find_entities
from vertune.annotate.prelabel.extraction import elements_of, report_field
from vertune.annotate.prelabel.lexicon import Lexicon
from vertune.records import Annotation, Document, QAPair

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

ELEMENTS_SOURCE = "rules:qa_from_elements"
THREAD_SOURCE = "rules:qa_from_thread"
ELEMENTS_CONFIDENCE = 0.9
THREAD_CONFIDENCE = 0.6


def company_of(doc: Document, lexicon: Lexicon | None) -> str:
    """The company a report is about: ``meta["company"]``, else the first company named (by the lexicon)."""
    if doc.meta.get("company"):
        return str(doc.meta["company"])
    company = lexicon.entity_labels.get("company") if lexicon is not None else None
    if company is None:
        return ""
    for text in (doc.title, doc.text):
        names = [entity.text for entity, _ in find_entities(text, lexicon) if entity.label == company]
        if names:
            return names[0]
    return ""


def qa_from_elements(spec: TaskSpec, doc: Document) -> Annotation | None:
    elements = elements_of(doc)
    if not elements:
        return None
    company = company_of(doc, spec.lexicon)
    fields = [report_field(e) for e in elements]
    pairs = [QAPair(question=f"{company}{f.period}{f.name}是多少？", answer=f"{f.value}{f.unit}") for f in fields]
    return draft(spec, doc, ELEMENTS_SOURCE, ELEMENTS_CONFIDENCE, qa=pairs)


def qa_from_thread(spec: TaskSpec, doc: Document) -> Annotation | None:
    question = str(doc.meta.get("question") or doc.title or "").strip()
    answers = doc.meta.get("answers") or [""]
    best = str(answers[0].get("text", "") if isinstance(answers[0], dict) else answers[0]).strip()
    if not question or not best:
        return None
    return draft(spec, doc, THREAD_SOURCE, THREAD_CONFIDENCE, qa=[QAPair(question=question, answer=best)])
