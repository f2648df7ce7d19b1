"""What a text generator knows it wrote: entities, relations, report elements, a summary.

A generated document carries its ground truth in ``meta["truth"]`` (``TRUTH_KEY``), never in
its text, so the annotate stage can measure how good the gold it made is (precision and
recall of gold entities, relations and report fields against it). The truth uses the rule
pre-labellers' *kinds*, not a task's label names, so any label set maps onto it through the
project lexicon (``entity_labels``, ``relation_labels``)::

    {"entities": [{"kind": "company", "text": "华夏酿酒股份有限公司", "start": 0, "end": 10}, ...],
     "aliases": {"华夏酿酒": "华夏酿酒股份有限公司"},          # other names of one company
     "relations": [{"head": "华夏酿酒股份有限公司", "kind": "control", "tail": "华夏酒业销售有限公司"}],
     "elements": [{"name": "营业收入", "period": "2023年", "value": 186.52, "unit": "亿元"}],
     "summary": "..."}                                           # news only

Relation ends are canonical company names (aliases resolved) and indicator names as written.
Entity kinds: company, person, amount, percent, date, indicator, product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TRUTH_KEY = "truth"


@dataclass
class TextWriter:
    """Builds a text piece by piece and records every entity at the offset it was written at."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    entities: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, str]] = field(default_factory=list)
    elements: list[dict[str, Any]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, text: str) -> TextWriter:
        self.parts.append(text)
        self.length += len(text)
        return self

    def ent(self, kind: str, text: str) -> TextWriter:
        """Write ``text`` as an entity of ``kind``."""
        self.entities.append({"kind": kind, "text": text, "start": self.length, "end": self.length + len(text)})
        return self.add(text)

    def say(self, *pieces: str | tuple[str, str]) -> TextWriter:
        """Write plain strings and ``(kind, text)`` entities in order."""
        for piece in pieces:
            if isinstance(piece, tuple):
                self.ent(*piece)
            else:
                self.add(piece)
        return self

    def relate(self, head: str, kind: str, tail: str) -> None:
        relation = {"head": self.aliases.get(head, head), "kind": kind, "tail": self.aliases.get(tail, tail)}
        if relation not in self.relations:
            self.relations.append(relation)

    def element(self, name: str, period: str, value: float, unit: str) -> None:
        if not any(e["name"] == name and e["period"] == period for e in self.elements):
            self.elements.append({"name": name, "period": period, "value": value, "unit": unit})

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def truth(self, **extra: Any) -> dict[str, Any]:
        return {"entities": self.entities, "aliases": dict(self.aliases), "relations": self.relations,
                "elements": self.elements, **extra}
