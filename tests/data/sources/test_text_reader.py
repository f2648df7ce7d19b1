from __future__ import annotations

from pathlib import Path

import pytest

from vertune.data.sources import text
from vertune.data.sources.base import MAX_LINE_CHARS, SourceError


def read_one(path: Path, opts):
    [doc] = list(text.read(path, opts("note")))
    return doc


def test_markdown_title_and_clean_text(tmp_path: Path, opts) -> None:
    path = tmp_path / "note.md"
    path.write_text("\ufeff# 行业周报：白酒板块\r\n\r\n\r\n\r\n本周白酒板块上涨2.3%。  \n", encoding="utf-8")
    doc = read_one(path, opts)
    assert doc.title == "行业周报：白酒板块"
    assert doc.text == "# 行业周报：白酒板块\n\n本周白酒板块上涨2.3%。"


def test_plain_text_in_gbk_takes_a_short_first_line_as_title(tmp_path: Path, opts) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("关于调整交易费用的通知\n各会员单位：自即日起……\n".encode("gbk"))
    doc = read_one(path, opts)
    assert doc.title == "关于调整交易费用的通知"
    assert "各会员单位" in doc.text


def test_long_first_line_is_no_title(tmp_path: Path, opts) -> None:
    path = tmp_path / "note.txt"
    path.write_text("很长的一段话。" * 30, encoding="utf-8")
    assert read_one(path, opts).title == ""


def test_whitespace_only_file(tmp_path: Path, opts) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\t\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no text"):
        read_one(path, opts)


def test_overlong_line_fails_the_file_without_loading_it(tmp_path: Path, opts) -> None:
    path = tmp_path / "one_line.txt"
    path.write_text("x" * (MAX_LINE_CHARS + 10), encoding="utf-8")
    with pytest.raises(SourceError, match="line too long"):
        read_one(path, opts)
