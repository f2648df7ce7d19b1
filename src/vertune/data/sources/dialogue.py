"""Customer-service dialogues (JSONL/JSON/CSV) -> one Document per dialogue.

The turns become the text, one ``客户：…`` / ``客服：…`` line each, so the intent and sentiment
tasks read the conversation as a person would; the labels (intent, sentiment) and every other
field stay in ``meta``. The synthetic dialogue generator's records take the same path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vertune.data.sources.base import Item, ReadOptions, SourceError, clean_text, reject
from vertune.data.sources.tables import Row, as_text, cell, column_for, leftover_meta, parse_json, read_records
from vertune.records import Document, Rejection

FIELDS = ("turns", "title", "published_at")
_DEFAULTS: dict[str, tuple[str, ...]] = {
    "turns": ("turns", "dialogue", "messages", "conversation", "对话"),
    "title": ("title",),
    "published_at": ("published_at", "date", "time"),
}
SPEAKERS = {
    "customer": "客户", "user": "客户", "client": "客户", "客户": "客户", "用户": "客户",
    "agent": "客服", "assistant": "客服", "service": "客服", "staff": "客服", "客服": "客服", "坐席": "客服",
}
_ROLE_KEYS = ("role", "speaker", "from")
_TEXT_KEYS = ("text", "content", "utterance", "value")


def render_turn(turn: Any) -> str:
    """One turn as ``说话人：内容`` (a turn already given as a string is kept as is)."""
    if not isinstance(turn, dict):
        return as_text(turn)
    role = as_text(next((turn[key] for key in _ROLE_KEYS if key in turn), ""))
    content = as_text(next((turn[key] for key in _TEXT_KEYS if key in turn), ""))
    if not content:
        return ""
    speaker = SPEAKERS.get(role.lower(), role)
    return f"{speaker}：{content}" if speaker else content


def _turns(value: Any) -> list[Any]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            return list(parse_json(value))
        except SourceError:
            return [value]
    if isinstance(value, str):
        return value.split("\n")
    return value if isinstance(value, list) else []


def dialogue_to_document(row: Row, options: ReadOptions) -> Document | Rejection:
    """One dialogue record as a Document; a record without turns is rejected."""
    columns = {field: column_for(field, options, row.data, _DEFAULTS) for field in FIELDS}
    turns = [line for line in map(render_turn, _turns(row.data.get(columns["turns"]))) if line]
    if not turns:
        return reject(row.where, "no turns", f"field {columns['turns'] or 'turns'!r} is missing or empty")
    meta = leftover_meta(row, set(columns.values()))
    meta["turn_count"] = len(turns)
    return Document(
        source=options.source_name,
        kind=options.kind,
        title=cell(row.data, columns["title"]),
        text=clean_text("\n".join(turns)),
        published_at=cell(row.data, columns["published_at"]) or None,
        meta=meta,
    )


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Each dialogue of a file as a Document."""
    return read_records(path, options, FIELDS, dialogue_to_document)
