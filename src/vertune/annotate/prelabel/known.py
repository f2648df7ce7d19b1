"""Known answers: labels a generator already attached to its documents.

Synthetic dialogues carry ``meta["intent"]`` / ``meta["sentiment"]``, simulated trades
``meta["is_fraud"]``. For a classification task named ``T`` the answer is ``meta["T"]``, or a
boolean ``meta["is_T"]`` mapped to the second label when true and the first when false
(``fraud`` with labels [正常, 欺诈]), or ``meta["label"]``. A summary task takes the editor's
summary a text generator wrote (``meta["truth"]["summary"]``, generated news), for a whole
document only: a piece of a longer one is not summarised by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vertune.annotate.answers import CHOICE_FIELD
from vertune.annotate.prelabel.base import draft
from vertune.data.synthetic.truth import TRUTH_KEY
from vertune.records import Annotation, Document

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "known:meta"


_TRUE, _FALSE = {"1", "true", "yes", "y", "是"}, {"0", "false", "no", "n", "否", ""}


def _flag(value: Any) -> bool | None:
    """A yes/no answer as stored by a generator (bool, 0/1) or read from a table cell ("1", "是")."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _known_class(spec: TaskSpec, meta: dict[str, Any]) -> Any:
    if meta.get(spec.name) is not None:
        return str(meta[spec.name])
    flag = _flag(meta.get(f"is_{spec.name}"))
    if flag is not None and len(spec.labels) == 2:
        return spec.labels[1] if flag else spec.labels[0]
    return meta.get("label")


def _known_summary(spec: TaskSpec, doc: Document) -> Annotation | None:
    truth = doc.meta.get(TRUTH_KEY)
    summary = truth.get("summary") if isinstance(truth, dict) else None
    if not isinstance(summary, str) or not summary.strip() or doc.meta.get("chunk_count", 1) > 1:
        return None
    return draft(spec, doc, SOURCE, 1.0, summary=summary.strip())


def known_answer(spec: TaskSpec, doc: Document) -> Annotation | None:
    """The generator's label (or summary) for ``doc`` when it is one of the task's labels."""
    if spec.type == "summary":
        return _known_summary(spec, doc)
    if spec.type == "classification":
        value = _known_class(spec, doc.meta)
    elif spec.type == "sentiment":
        value = spec.polarity_label(str(doc.meta.get("sentiment")))
    else:
        value = doc.meta.get(spec.type)
    if value not in spec.labels:
        return None
    return draft(spec, doc, SOURCE, 1.0, **{CHOICE_FIELD[spec.type]: value})
