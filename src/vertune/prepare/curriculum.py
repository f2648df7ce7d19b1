"""Curriculum order: easy samples first, by a difficulty score that needs no tokenizer.

    difficulty = (tier - 1) / 2  +  min(prompt_units / 512, 1)  +  min(answer_units / 128, 1)

Each term lies in [0, 1], so the score lies in [0, 3]: the annotation tier (1 = spans and
labels, 2 = intent/sentiment/classes, 3 = QA, summaries, report elements), how much the model
must read (the user message) and how much it must write (the assistant message). A "unit" is
one CJK character or one run of Latin letters or digits, a tokenizer-free stand-in for a
token in both scripts; 512 and 128 are the sample and answer lengths past which more length
no longer makes an item harder in this ranking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vertune.records import Sample

PROMPT_SCALE = 512
ANSWER_SCALE = 128
_UNIT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[0-9A-Za-z]+")


def units(text: str) -> int:
    """Rough token count: CJK characters plus Latin/digit runs."""
    return len(_UNIT.findall(text))


def difficulty(sample: Sample) -> float:
    """The sample's score in [0, 3] (see the module doc); higher is harder."""
    tier = int(sample.meta.get("tier", 1))
    prompt = sum(units(m.content) for m in sample.messages if m.role == "user")
    answer = sum(units(m.content) for m in sample.messages if m.role == "assistant")
    score = (tier - 1) / 2 + min(prompt / PROMPT_SCALE, 1.0) + min(answer / ANSWER_SCALE, 1.0)
    return round(score, 4)


def curriculum_order(samples: Iterable[Sample]) -> list[Sample]:
    """Samples sorted easy → hard; ties broken by id so the order is reproducible."""
    return sorted(samples, key=lambda s: (difficulty(s), s.id))
