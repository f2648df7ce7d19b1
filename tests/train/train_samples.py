"""Small deterministic inputs for the training tests."""

from __future__ import annotations

import random
from typing import Any

from vertune.config import Config
from vertune.records import Message, Sample

SYSTEM = "判断用户意图，只回答类别。"


def chat(user: str, answer: str, system: str | None = SYSTEM) -> Sample:
    messages = [Message(role="system", content=system)] if system else []
    messages += [Message(role="user", content=user), Message(role="assistant", content=answer)]
    return Sample(task="intent", messages=messages)


def varied_samples(count: int, seed: int = 0, long_answers: bool = False) -> list[Sample]:
    """Chat samples of varied length (1 to 10 repeats of a phrase); ``long_answers`` mixes answers of
    1 to 6 phrases among the one-word ones, so that per-token and per-sample averages differ."""
    rng = random.Random(seed)
    answers = ["查询", "转账", "挂失"]
    return [chat("查询账户余额。" * rng.randint(1, 10) + f"编号{i}",
                 rng.choice(answers) + ("，金额5000元" * rng.randint(0, 5) if long_answers else ""))
            for i in range(count)]


def tiny_config(**training: Any) -> Config:
    """The embedded model with a fast recipe; ``training`` overrides any training key."""
    settings = {"learning_rate": 1e-3, "batch_size": 4, "gradient_accumulation": 2, "epochs": 1,
                "eval_steps": 1000, "save_steps": 1000} | training
    return Config(project="test", training=settings)
