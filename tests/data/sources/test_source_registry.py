from __future__ import annotations

from pathlib import Path

import pytest

from vertune.data import sources
from vertune.data.sources import annual_report, forum, tables
from vertune.data.sources.base import SourceError


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.pdf", "pdf"), ("a.HTML", "html"), ("a.htm", "html"), ("a.csv", "table"), ("a.tsv", "table"),
     ("a.json", "table"), ("a.jsonl", "table"), ("a.xlsx", "table"), ("a.txt", "text"), ("a.md", "text")],
)
def test_format_by_extension(tmp_path: Path, opts, name: str, fmt: str) -> None:
    assert sources.detect_format(tmp_path / name, opts()) == fmt


def test_configured_format_wins(tmp_path: Path, opts) -> None:
    assert sources.detect_format(tmp_path / "threads.jsonl", opts(fmt="forum")) == "forum"
    with pytest.raises(SourceError, match="unknown format"):
        sources.detect_format(tmp_path / "a.csv", opts(fmt="parquet"))


@pytest.mark.parametrize(
    ("content", "fmt"),
    [(b"%PDF-1.4 ...", "pdf"), (b"\n  <!DOCTYPE html><html></html>", "html"), ("纯文本".encode(), "text")],
)
def test_format_by_content_for_unknown_extensions(tmp_path: Path, opts, content: bytes, fmt: str) -> None:
    path = tmp_path / "download.bin"
    path.write_bytes(content)
    assert sources.detect_format(path, opts()) == fmt


def test_known_binary_without_reader(tmp_path: Path, opts) -> None:
    path = tmp_path / "scan.dat"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(32))
    with pytest.raises(SourceError, match="unsupported file type"):
        sources.detect_format(path, opts())


def test_reader_choice(tmp_path: Path, opts) -> None:
    assert sources.reader_for(tmp_path / "r.pdf", opts("annual_report")) is annual_report.read
    assert sources.reader_for(tmp_path / "t.csv", opts("forum", fmt="forum")) is forum.read
    assert sources.reader_for(tmp_path / "t.csv", opts("annual_report")) is tables.read


def test_zero_byte_file(tmp_path: Path, opts) -> None:
    path = tmp_path / "empty.pdf"
    path.touch()
    with pytest.raises(SourceError, match="empty file"):
        list(sources.read(path, opts()))


def test_wrong_declared_encoding_is_a_source_error(tmp_path: Path, opts) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("名称\n贵州茅台\n".encode("gbk"))
    with pytest.raises(SourceError, match="cannot decode"):
        list(sources.read(path, opts(encoding="utf-8")))
