"""Figures as written, read as numbers: one reader for the report reader, gold quality and field F1."""

from __future__ import annotations

import pytest

from vertune.figures import parse_number


@pytest.mark.parametrize(("text", "value"), [
    ("1,234.56", 1234.56), ("22,087", 22087.0), ("(12.00)", -12.0), ("（1,000.00）", -1000.0), ("-3", -3.0),
    ("12.5%", 12.5), (" 22, 087 ", 22087.0), ("２２,０８７", 22087.0),
    ("不适用", None), ("", None), (",", None), ("增加0.87个百分点", None), ("1476.94亿元", None),
    ("12)", None), ("(12", None), ("（12", None),  # an unbalanced parenthesis is not a negative figure
])
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value
