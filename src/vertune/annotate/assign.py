"""Who labels what: each item goes to ``per_item`` distinct annotators, the same every run."""

from __future__ import annotations

from collections.abc import Sequence

from vertune.records import content_id


def assign(task: str, doc_id: str, annotators: Sequence[str], per_item: int) -> list[str]:
    """``per_item`` consecutive annotators from a start that hashes (task, doc): balanced and stable."""
    if not 1 <= per_item <= len(annotators):
        raise ValueError(f"per_item={per_item} needs at least that many annotators; configured: {list(annotators)}")
    start = int(content_id("assign", task, doc_id), 16) % len(annotators)
    return [annotators[(start + k) % len(annotators)] for k in range(per_item)]
