"""Three-tier annotation: pre-labelling, double-blind labelling, agreement, arbitration, gold.

Tier 1: entities and relations; tier 2: intent, sentiment, classification; tier 3: QA pairs,
summaries, report-element extraction. ``annotate_documents`` is the library entry point;
``stage.annotate_stage`` wraps it for the pipeline.
"""

from vertune.annotate.flow import AnnotateResult, TaskResult, annotate_documents

__all__ = ["AnnotateResult", "TaskResult", "annotate_documents"]
