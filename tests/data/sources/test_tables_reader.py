from __future__ import annotations

import json
from pathlib import Path

import pytest

from vertune.data.sources import tables
from vertune.data.sources.base import MAX_LINE_CHARS, SourceError
from vertune.records import Document, Rejection


def read(path: Path, options) -> tuple[list[Document], list[Rejection]]:
    items = list(tables.read(path, options))
    return [i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, Rejection)]


def test_gbk_csv_without_text_column_reads_as_column_value_lines(tmp_path: Path, opts) -> None:
    path = tmp_path / "trades.csv"
    path.write_bytes("交易日期,证券代码,证券名称,成交金额\n2024-01-02,600519,贵州茅台,171000.00\n".encode("gbk"))
    [doc], rejected = read(path, opts("transaction"))
    assert rejected == []
    assert doc.text == "交易日期: 2024-01-02\n证券代码: 600519\n证券名称: 贵州茅台\n成交金额: 171000.00"
    assert doc.meta["证券名称"] == "贵州茅台"
    assert doc.meta["origin"] == f"{path}:2"
    assert doc.kind == "transaction" and doc.source == "test"


def test_mapping_picks_fields_and_the_rest_goes_to_meta(tmp_path: Path, opts) -> None:
    path = tmp_path / "news.tsv"
    path.write_text("标题\t正文\t日期\t来源\n茅台年报\t营业收入增长。\t2024-03-30\t证券时报\n", encoding="utf-8-sig")
    options = opts("news", mapping={"title": "标题", "text": "正文", "published_at": "日期"})
    [doc], _ = read(path, options)
    assert (doc.title, doc.text, doc.published_at) == ("茅台年报", "营业收入增长。", "2024-03-30")
    assert doc.meta == {"来源": "证券时报", "origin": f"{path}:2"}


def test_text_or_content_column_is_used_without_mapping(tmp_path: Path, opts) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"data": [{"title": "t", "content": "正文一"}, {"content": "正文二", "tag": 1}]}),
                    encoding="utf-8")
    docs, _ = read(path, opts())
    assert [d.text for d in docs] == ["正文一", "正文二"]
    assert docs[1].meta == {"tag": 1, "origin": f"{path}[1]"}


def test_jsonl_with_one_broken_line(tmp_path: Path, opts) -> None:
    path = tmp_path / "news.jsonl"
    lines = [json.dumps({"text": f"第{i}条"}, ensure_ascii=False) for i in range(4)]
    lines.insert(2, '{"text": "broken')
    lines.insert(4, "[1, 2]")
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    docs, rejected = read(path, opts())
    assert [d.text for d in docs] == ["第0条", "第1条", "第2条", "第3条"]
    assert [(r.item, r.reason) for r in rejected] == [(f"{path}:3", "invalid JSON"), (f"{path}:5", "not a JSON object")]


def test_bad_csv_rows_are_rejected_and_reading_goes_on(tmp_path: Path, opts) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n1,2,3\n,\n4\n", encoding="utf-8")
    docs, rejected = read(path, opts(mapping={"text": "a"}))
    assert [d.text for d in docs] == ["1", "4"]
    assert [(r.item, r.reason) for r in rejected] == [(f"{path}:3", "row has more cells than the header")]


def test_empty_text_is_rejected(tmp_path: Path, opts) -> None:
    path = tmp_path / "t.csv"
    path.write_text("body,x\n,1\n", encoding="utf-8")
    _, [rejection] = read(path, opts(mapping={"text": "body"}))
    assert rejection.reason == "empty text" and "'body'" in rejection.detail


def test_overlong_jsonl_line_is_rejected_by_number(tmp_path: Path, opts) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text('{"text": "a"}\n{"text": "' + "x" * MAX_LINE_CHARS + '"}\n{"text": "b"}\n', encoding="utf-8")
    docs, [rejection] = read(path, opts())
    assert [d.text for d in docs] == ["a", "b"]
    assert (rejection.item, rejection.reason) == (f"{path}:2", "line too long")


def test_unknown_mapping_field_fails_the_file(tmp_path: Path, opts) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(SourceError, match="unknown mapping field"):
        read(path, opts(mapping={"body": "a"}))


def test_invalid_json_file_fails_the_file(tmp_path: Path, opts) -> None:
    path = tmp_path / "t.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(SourceError, match="invalid JSON"):
        read(path, opts())


def test_xlsx_without_openpyxl_says_so(tmp_path: Path, opts, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"PK\x03\x04")
    monkeypatch.setattr(tables.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SourceError, match="xlsx needs openpyxl"):
        read(path, opts())


def test_xlsx_rows_with_openpyxl(tmp_path: Path, opts) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["名称", "金额"])
    book.active.append(["茅台", 1700])
    book.save(path)
    [doc], _ = read(path, opts())
    assert doc.text == "名称: 茅台\n金额: 1700"
