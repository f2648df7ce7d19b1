"""Report-element pre-labels from ``meta["elements"]`` (found by the annual-report reader).

An extraction answer is a list of ``ReportField`` records, each as the prompt asks for it:
``{"name": "营业收入", "period": "2023年", "value": "22,087", "unit": "百万元"}``, the number as
the report writes it. A chunk of a long report keeps only the elements it names, so each
chunk's label can be checked against its own text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from vertune.annotate.prelabel.base import draft
from vertune.records import Annotation, Document, ReportField

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "extraction:report_elements"
CONFIDENCE = 0.9


def written_value(element: dict[str, Any]) -> str:
    """The element's number as written (the reader's ``text``); an element from elsewhere that
    carries only the parsed number gets it plainly (1476.94 → "1476.94", 59.0 → "59", 1e-7 →
    "0.0000001": never exponent notation, which the field-line reader would refuse)."""
    if element.get("text"):
        return str(element["text"])
    value = element["value"]
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def elements_of(doc: Document) -> list[dict[str, Any]]:
    """The usable elements of ``doc``; for a chunk, those whose name appears in it."""
    elements = [e for e in doc.meta.get("elements") or [] if e.get("name") and e.get("value") is not None]
    if "parent_id" in doc.meta:
        elements = [e for e in elements if e["name"] in doc.text]
    return elements


def report_field(element: dict[str, Any]) -> ReportField:
    return ReportField(name=element["name"], period=element.get("period") or "", value=written_value(element),
                       unit=element.get("unit") or "")


def label_extraction(spec: TaskSpec, doc: Document) -> Annotation | None:
    elements = elements_of(doc)
    if not elements:
        return None
    return draft(spec, doc, SOURCE, CONFIDENCE, fields=[report_field(e) for e in elements])
