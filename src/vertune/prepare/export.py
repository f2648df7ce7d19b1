"""Exports other trainers read: alpaca and sharegpt JSON, and LLaMA-Factory's dataset_info.json.

Alpaca: ``{"instruction", "input", "output", "system"}``. The whole user message goes into
``instruction`` and ``input`` stays empty, because LLaMA-Factory builds the prompt as
``instruction + "\\n" + input``: this way the prompt is byte-identical to the chat sample.

ShareGPT: ``{"conversations": [{"from": "system"|"human"|"gpt", "value"}]}``, the system prompt
as the first turn (LLaMA-Factory takes a leading ``system_tag`` turn as the system prompt).

``dataset_info.json`` registers every export under ``<prefix>_<split>_<format>`` with the
``formatting``, ``columns`` and, for sharegpt, ``tags`` keys of LLaMA-Factory's data/README.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vertune.atomic import atomic_write_json
from vertune.records import Sample, Split

SHAREGPT_ROLE = {"system": "system", "user": "human", "assistant": "gpt"}
FORMATS = ("alpaca", "sharegpt")

DATASET_INFO_SHAPE: dict[str, dict[str, Any]] = {
    "alpaca": {
        "formatting": "alpaca",
        "columns": {"prompt": "instruction", "query": "input", "response": "output", "system": "system"},
    },
    "sharegpt": {
        "formatting": "sharegpt",
        "columns": {"messages": "conversations"},
        "tags": {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                 "system_tag": "system"},
    },
}


def to_alpaca(sample: Sample) -> dict[str, str]:
    """One single-turn sample as an alpaca record."""
    turns = {m.role: m.content for m in sample.messages}
    if [m.role for m in sample.messages if m.role != "system"] != ["user", "assistant"]:
        raise ValueError(f"sample {sample.id}: alpaca export needs one user and one assistant turn")
    return {"instruction": turns["user"], "input": "", "output": turns["assistant"], "system": turns.get("system", "")}


def to_sharegpt(sample: Sample) -> dict[str, list[dict[str, str]]]:
    """One sample as a sharegpt record."""
    return {"conversations": [{"from": SHAREGPT_ROLE[m.role], "value": m.content} for m in sample.messages]}


def export_name(split: str, fmt: str) -> str:
    return f"{fmt}_{split}.json"


def write_exports(out: Path, splits: dict[Split, list[Sample]], prefix: str) -> dict[str, dict[str, Any]]:
    """Write alpaca and sharegpt files per split and the dataset_info.json that describes them."""
    convert = {"alpaca": to_alpaca, "sharegpt": to_sharegpt}
    info: dict[str, dict[str, Any]] = {}
    for split, samples in splits.items():
        for fmt in FORMATS:
            atomic_write_json(out / export_name(split, fmt), [convert[fmt](s) for s in samples])
            info[f"{prefix}_{split}_{fmt}"] = {"file_name": export_name(split, fmt), **DATASET_INFO_SHAPE[fmt]}
    atomic_write_json(out / "dataset_info.json", info)
    return info
