"""Report-element pre-labels from ``meta["elements"]`` (found by the annual-report reader).

An extraction answer is a list of field → value pairs, stored as ``QAPair(question="2023年营业收入",
answer="1476.94亿元")``. A chunk of a long report keeps only the elements it names, so each
chunk's label can be checked against its own text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vertune.annotate.prelabel.base import draft
from vertune.records import Annotation, Document, QAPair

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "extraction:report_elements"
CONFIDENCE = 0.9


def format_value(value: Any, unit: str | None) -> str:
    """1476.94, "亿元" → "1476.94亿元"; whole floats lose their ".0"."""
    if isinstance(value, float):
        value = int(value) if value.is_integer() else f"{value:.6f}".rstrip("0")
    return f"{value}{unit or ''}"


def elements_of(doc: Document) -> list[dict[str, Any]]:
    """The usable elements of ``doc``; for a chunk, those whose name appears in it."""
    elements = [e for e in doc.meta.get("elements") or [] if e.get("name") and e.get("value") is not None]
    if "parent_id" in doc.meta:
        elements = [e for e in elements if e["name"] in doc.text]
    return elements


def field_name(element: dict[str, Any]) -> str:
    return f"{element.get('period') or ''}{element['name']}"


def label_extraction(spec: TaskSpec, doc: Document) -> Annotation | None:
    elements = elements_of(doc)
    if not elements:
        return None
    pairs = [QAPair(question=field_name(e), answer=format_value(e["value"], e.get("unit"))) for e in elements]
    return draft(spec, doc, SOURCE, CONFIDENCE, qa=pairs)
