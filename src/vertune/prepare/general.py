"""General instruction data mixed into training, so the domain model keeps its everyday skills.

``general/general_zh_en.jsonl`` ships ~300 original items in Chinese and English: arithmetic
and word problems, sorting, unit conversion, definitions, everyday instructions, translation
and short reading comprehension. Each line: ``language``, ``kind``, ``tier``, ``instruction``,
``output``. They become samples of task ``general`` and only ever go to the train split.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from vertune.prepare.templates import GENERAL_SYSTEM
from vertune.records import Message, Sample

GENERAL_FILE = Path(__file__).parent / "general" / "general_zh_en.jsonl"
GENERAL_TASK = "general"


def load_general(path: Path = GENERAL_FILE) -> list[Sample]:
    """The general items as chat samples, in file order."""
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        messages = [Message(role="system", content=GENERAL_SYSTEM[item["language"]]),
                    Message(role="user", content=item["instruction"]),
                    Message(role="assistant", content=item["output"])]
        meta = {"task_type": GENERAL_TASK, "tier": item["tier"], "language": item["language"], "kind": item["kind"],
                "source": GENERAL_TASK}
        samples.append(Sample(task=GENERAL_TASK, messages=messages, split="train", meta=meta))
    return samples


def general_count(domain_train: int, ratio: float, available: int) -> int:
    """How many general items make them ``ratio`` of the final train set (capped by supply)."""
    if ratio <= 0:
        return 0
    wanted = available if ratio >= 1 else round(ratio * domain_train / (1 - ratio))
    return min(wanted, available)


def pick_general(general: list[Sample], count: int, seed: int) -> list[Sample]:
    """A seeded random choice of ``count`` general samples."""
    return random.Random(f"general:{seed}").sample(general, count)
