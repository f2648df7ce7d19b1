"""Gold answers as the assistant should write them, and a lenient reader for model answers.

Answer formats (one per task type, the same in Chinese and English prompts):

- ``entities``: JSON array ``[{"text": "贵州茅台", "label": "公司"}]``
- ``relations``: JSON array ``[{"head": "贵州茅台", "relation": "发布", "tail": "年度报告"}]``
- ``extraction``: JSON array ``[{"name": "营业收入", "period": "2023年", "value": "1,234.56", "unit": "亿元"}]``
  — a flat list rather than ``{name: {period: value}}``, so an element is one comparable
  record, the unit stays apart from the number, and all three extraction types share one shape.
- ``intent`` / ``sentiment`` / ``classification``: the bare label, one of the task's labels.
- ``qa`` / ``summary``: plain text.

``parse_answer`` reads a model's reply back into the same Python values, forgiving what models
typically get wrong: code fences, prose around the JSON, Chinese quotes, trailing commas, a
single object instead of an array, numbers instead of strings, and for extraction also the
nested ``{name: {period: value}}`` form. It returns None when nothing usable is found.
"""

from __future__ import annotations

import json
import re
from typing import Any

from vertune.records import Annotation

# The keys of one item of each JSON-array answer, in the order they are written.
ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "entities": ("text", "label"),
    "relations": ("head", "relation", "tail"),
    "extraction": ("name", "period", "value", "unit"),
}
LABEL_TYPES = frozenset({"intent", "sentiment", "classification"})
TEXT_TYPES = frozenset({"qa", "summary"})


class Unusable(ValueError):
    """An annotation that cannot become a sample; ``reason`` is short and countable."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def to_json(items: list[dict[str, str]]) -> str:
    """One line of JSON with non-ASCII kept readable: what the assistant turn contains."""
    return json.dumps(items, ensure_ascii=False)


def entity_items(annotation: Annotation) -> list[dict[str, str]]:
    return [{"text": e.text or annotation.text[e.start : e.end], "label": e.label} for e in annotation.entities]


def relation_items(annotation: Annotation) -> list[dict[str, str]]:
    names = [item["text"] for item in entity_items(annotation)]
    items = []
    for relation in annotation.relations:
        if not (0 <= relation.head < len(names) and 0 <= relation.tail < len(names)):
            raise Unusable("relation points at a missing entity", f"head={relation.head}, tail={relation.tail}")
        items.append({"head": names[relation.head], "relation": relation.label, "tail": names[relation.tail]})
    return items


def element_items(annotation: Annotation) -> list[dict[str, str]]:
    """Report elements from ``meta["elements"]``; failing that, from field → value qa pairs
    (``QAPair("2023年营业收入", "1476.94亿元")``), whose name holds the period and value the unit."""
    elements = annotation.meta.get("elements")
    if elements is None and annotation.qa:
        elements = [{"name": pair.question, "value": pair.answer} for pair in annotation.qa]
    if not isinstance(elements, list):
        raise Unusable("no extraction elements", "neither meta['elements'] nor field → value qa pairs")
    items = []
    for element in elements:
        if not isinstance(element, dict) or not element.get("name"):
            raise Unusable("malformed extraction element", repr(element)[:200])
        items.append({key: _text(element.get(key)) for key in ITEM_KEYS["extraction"]})
    return items


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- lenient parsing ----------------------------------------------------------------------

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_TRAILING_COMMA = re.compile(r",\s*([\]}])")
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"'})
_STRIP = " \t\r\n\"'“”‘’「」『』《》【】[]()（）.,;:!?。，；：！？"


def _load_json(text: str) -> Any:
    """The first JSON value found in ``text`` (array preferred), repairing common slips."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    candidates = [body.strip()]
    for opener, closer in ("[]", "{}"):
        start, end = body.find(opener), body.rfind(closer)
        if 0 <= start < end:
            candidates.append(body[start : end + 1])
    for candidate in candidates:
        for attempt in (candidate, _TRAILING_COMMA.sub(r"\1", candidate.translate(_QUOTES))):
            try:
                return json.loads(attempt)
            except json.JSONDecodeError:
                continue
    return None


def _nested_elements(value: dict[str, Any]) -> list[dict[str, Any]]:
    """``{name: {period: value}}`` (or ``{name: value}``) as flat element records."""
    flat = []
    for name, periods in value.items():
        if isinstance(periods, dict):
            flat.extend({"name": name, "period": period, "value": amount} for period, amount in periods.items())
        else:
            flat.append({"name": name, "value": periods})
    return flat


def parse_items(task_type: str, reply: str) -> list[dict[str, str]] | None:
    """The items of a JSON-array answer, each with exactly ``ITEM_KEYS[task_type]`` as strings."""
    value = _load_json(reply)
    keys = ITEM_KEYS[task_type]
    if isinstance(value, dict):
        looks_like_item = any(key in value for key in keys)
        value = [value] if looks_like_item or task_type != "extraction" else _nested_elements(value)
    if not isinstance(value, list):
        return None
    return [{key: _text(item.get(key)).strip() for key in keys} for item in value if isinstance(item, dict)]


def parse_label(reply: str, labels: tuple[str, ...] = ()) -> str | None:
    """The one label a reply names: an exact match, else the only label it mentions."""
    answer = reply.strip().strip(_STRIP).strip()
    if not labels or answer in labels:
        return answer or None
    folded = answer.casefold()
    named = [label for label in labels if label.casefold() in folded]
    # "非欺诈" mentions "欺诈" too: drop labels that only appear inside a longer named label.
    named = [label for label in named if not any(label != other and label in other for other in named)]
    return named[0] if len(named) == 1 else None


def parse_answer(task_type: str, reply: str, labels: tuple[str, ...] = ()) -> Any:
    """A model's reply read back as the gold answer's Python value (see the module doc)."""
    if task_type in ITEM_KEYS:
        return parse_items(task_type, reply)
    if task_type in LABEL_TYPES:
        return parse_label(reply, labels)
    return reply.strip() or None
