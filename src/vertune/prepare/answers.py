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
nested ``{name: {period: value}}`` form. A label reply is read for what it says: "非欺诈",
"不是欺诈" and "not fraud" deny a label rather than name it, and ``{"label": "欺诈"}`` names
one. It returns None when nothing usable is found.
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


def field_items(annotation: Annotation) -> list[dict[str, str]]:
    """The annotation's report fields as the prompt's items, the number as written."""
    if not annotation.fields:
        raise Unusable("no report fields")
    return [field.model_dump() for field in annotation.fields]


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


# Negation right before a label mention ("不是欺诈", "没有欺诈迹象", "not a fraud"), once the
# words that may sit between the negator and the label are peeled off.
_ZH_NEGATORS = ("不", "非", "无", "没", "未")
_ZH_BRIDGES = ("属于", "存在", "发现", "涉及", "构成", "任何", "明显", "是", "属", "为", "有", "的", "见")
_EN_NEGATORS = frozenset({"not", "no", "non", "never", "neither", "nor", "without", "isn't", "isnt", "wasn't", "aren't"})
_EN_BRIDGES = frozenset({"a", "an", "the", "is", "be", "been", "considered", "any", "sign", "signs", "of", "really"})
_CLAUSE_END = re.compile(r"[，。、；;,.!?！？:：\n]")
_EN_TAIL = re.compile(r"[a-z'\s-]*$")
# Keys under which a JSON reply names its label.
_LABEL_KEYS = ("label", "answer", "class", "category", "prediction", "result", "intent", "sentiment",
               "classification", "标签", "答案", "结果", "类别")


def _negated(before: str) -> bool:
    """Whether the clause ending at a label mention negates it (``before`` is casefolded)."""
    clause = _CLAUSE_END.split(before)[-1].rstrip()
    peeled = None
    while peeled != clause:
        peeled = clause
        for bridge in _ZH_BRIDGES:
            clause = clause.removesuffix(bridge)
    if clause.endswith(_ZH_NEGATORS):
        return True
    words = re.findall(r"[a-z']+", _EN_TAIL.search(before).group())
    while words and words[-1] in _EN_BRIDGES:
        words.pop()
    return bool(words) and words[-1] in _EN_NEGATORS


def _mentions(folded: str, labels: tuple[str, ...]) -> dict[str, set[bool]]:
    """For each label the reply mentions, whether it is negated there (one flag per mention kind).
    A mention inside a longer label's mention ("欺诈" in "非欺诈") is that longer label's."""
    spans = {label: [(m.start(), m.end()) for m in re.finditer(re.escape(label.casefold()), folded)] for label in labels}
    found: dict[str, set[bool]] = {}
    for label, where in spans.items():
        for start, end in where:
            inside = any(len(other) > len(label) and s <= start and end <= e
                         for other, others in spans.items() for s, e in others)
            if not inside:
                found.setdefault(label, set()).add(_negated(folded[:start]))
    return found


def _json_label(reply: str) -> str | None:
    """The label text of a JSON reply (``{"label": "欺诈"}``, ``["欺诈"]``, ``"欺诈"``), if it is one."""
    value = _load_json(reply)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict):
        named = [value[key] for key in _LABEL_KEYS if isinstance(value.get(key), str)]
        texts = [v for v in value.values() if isinstance(v, str)]
        value = named[0] if named else texts[0] if len(texts) == 1 else None
    return value if isinstance(value, str) else None


def parse_label(reply: str, labels: tuple[str, ...] = ()) -> str | None:
    """The one label a reply says: an exact match; the label a JSON reply names; else the only
    label it mentions without negating. A negated label ("非欺诈", "not positive") says the
    other label only in a two-label set; with more labels, or when the reply is of two minds,
    it says no label."""
    answer = reply.strip().strip(_STRIP).strip()
    if not labels or answer in labels:
        return answer or None
    folded = answer.casefold()
    exact = [label for label in labels if label.casefold() == folded]
    if exact:
        return exact[0]
    inner = _json_label(reply)
    if inner is not None and inner.strip() != reply.strip():
        return parse_label(inner, labels)
    mentions = _mentions(folded, labels)
    asserted = [label for label, negated in mentions.items() if negated == {False}]
    denied = [label for label, negated in mentions.items() if negated == {True}]
    if any(negated == {False, True} for negated in mentions.values()) or len(asserted) > 1:
        return None
    if asserted:
        return asserted[0]
    if len(labels) == 2 and len(denied) == 1:
        return next(label for label in labels if label != denied[0])
    return None


def parse_answer(task_type: str, reply: str, labels: tuple[str, ...] = ()) -> Any:
    """A model's reply read back as the gold answer's Python value (see the module doc)."""
    if task_type in ITEM_KEYS:
        return parse_items(task_type, reply)
    if task_type in LABEL_TYPES:
        return parse_label(reply, labels)
    return reply.strip() or None
