"""Generated texts (annual-report excerpts, news articles) as Documents.

A record's ``title``, ``text`` and ``published_at`` become the Document's; every other field,
the ground truth (``meta["truth"]``) included, goes to ``meta``. A source of kind
``annual_report`` goes through the annual-report reader's section and element finding, so its
report elements are found exactly as for a report read from PDF.
"""

from __future__ import annotations

from vertune.data.sources import annual_report
from vertune.data.sources.base import ReadOptions
from vertune.data.sources.tables import Row
from vertune.records import Document


def text_record_to_document(row: Row, options: ReadOptions) -> Document:
    meta = {key: value for key, value in row.data.items() if key not in ("title", "text", "published_at")}
    doc = Document(source=options.source_name, kind=options.kind, title=str(row.data.get("title") or ""),
                   text=str(row.data["text"]), published_at=row.data.get("published_at"),
                   meta={**meta, "origin": row.where})
    return annual_report.enrich(doc) if options.kind == "annual_report" else doc
