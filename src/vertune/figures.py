"""A report figure as written ("22,087", "(1,234)", "34.19%") read as a number.

One reader for every stage that compares figures: the annual-report reader parses table cells
with it, the gold-quality check and the field F1 compare values with it, so "22,087" and
"22087" are one number everywhere and the text keeps the number as the report wrote it.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = r"-?[\d,]+(?:\.\d+)?"
_NUMBER = re.compile(rf"^(?:\({_DIGITS}\)|{_DIGITS})%?$")  # "(12" or "12)" is a cut cell, not a figure


def parse_number(text: str) -> float | None:
    """A figure as a float: thousands separators dropped, ``(1,234)`` negative, a trailing ``%``
    ignored (it is the unit); None when ``text`` is not a figure."""
    text = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("−", "-")
    if not _NUMBER.match(text) or not any(ch.isdigit() for ch in text):
        return None
    negative = text.startswith(("(", "-"))
    value = float(text.strip("()%-").replace(",", ""))
    return -value if negative else value
