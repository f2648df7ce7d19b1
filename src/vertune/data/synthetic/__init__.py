"""Seeded synthetic data generators, by name, so a config can ask for ``synthetic: trades``.

Every generator is called as ``generator(count, seed, **options)`` and returns a list of plain
dicts; the same seed always gives the same records. Text generators (annual reports, news)
put what they wrote in each record's ``truth`` (``vertune.data.synthetic.truth``), which ingest
keeps as ``meta["truth"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vertune.data.synthetic.annual_reports import generate_annual_reports
from vertune.data.synthetic.dialogues import generate_dialogues
from vertune.data.synthetic.news import generate_news_articles
from vertune.data.synthetic.trades import describe_trade, generate_trades

Generator = Callable[..., list[dict[str, Any]]]

GENERATORS: dict[str, Generator] = {
    "trades": generate_trades,
    "dialogues": generate_dialogues,
    "annual_reports": generate_annual_reports,
    "news_articles": generate_news_articles,
}

__all__ = ["GENERATORS", "Generator", "describe_trade", "generate_annual_reports", "generate_dialogues",
           "generate_news_articles", "generate_trades"]
