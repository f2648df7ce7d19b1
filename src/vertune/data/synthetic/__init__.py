"""Seeded synthetic data generators, by name, so a config can ask for ``synthetic: trades``.

Every generator is called as ``generator(count, seed, **options)`` and returns a list of plain
dicts; the same seed always gives the same records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vertune.data.synthetic.dialogues import generate_dialogues
from vertune.data.synthetic.trades import describe_trade, generate_trades

Generator = Callable[..., list[dict[str, Any]]]

GENERATORS: dict[str, Generator] = {
    "trades": generate_trades,
    "dialogues": generate_dialogues,
}

__all__ = ["GENERATORS", "Generator", "describe_trade", "generate_dialogues", "generate_trades"]
