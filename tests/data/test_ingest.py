"""Ingest over a corpus of good and bad files built in tmp_path: the run finishes, every bad file
or line is a Rejection with a clear reason, every good item is a Document, in = out + rejected."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from vertune.config import SourceConfig
from vertune.data import ingest as ingest_module
from vertune.data import sources
from vertune.data.ingest import expand_source, ingest
from vertune.records import Document, Rejection

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
FIFTY_MB = 50 * 1024 * 1024


def write_pdf(path: Path, text: str, encrypt: str | None = None) -> Path:
    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    pdf.setFont("STSong-Light", 11)
    pdf.drawString(72, 700, text)
    pdf.showPage()
    pdf.save()
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """raw/ with good files and the bad files a crawl or an export produces (the 50 MB one is
    added by the test that needs it)."""
    raw = tmp_path / "raw"
    (raw / "pdf").mkdir(parents=True)
    write_pdf(raw / "pdf" / "good.pdf", "关于公司2023年度利润分配的公告")
    (raw / "pdf" / "zero.pdf").touch()
    whole = write_pdf(raw / "pdf" / "whole.pdf", "完整文件").read_bytes()
    (raw / "pdf" / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (raw / "pdf" / "whole.pdf").unlink()
    write_pdf(raw / "pdf" / "encrypted.pdf", "机密", encrypt="pw")
    (raw / "pdf" / "image.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (raw / "pdf" / ".hidden.pdf").write_bytes(b"not read")

    (raw / "trades_gbk.csv").write_bytes("日期,代码,名称\n2024-01-02,600519,贵州茅台\n2024-01-03,000858,五粮液\n".encode("gbk"))
    lines = [json.dumps({"text": f"新闻{i}"}, ensure_ascii=False) for i in range(4)]
    lines.insert(2, '{"text": "断了')
    (raw / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    (raw / "html").mkdir()
    (raw / "html" / "nobody.html").write_text("<html><head><title>空页面</title></head></html>", encoding="utf-8")
    paragraph = "华夏酿酒发布2023年年度报告，全年实现营业收入186.52亿元，同比增长17.50%，业绩符合市场预期。"
    (raw / "html" / "news.html").write_text(
        f"<html><head><title>年报快讯</title></head><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>",
        encoding="utf-8",
    )
    threads = [{"title": "茅台能买吗", "answers": [{"text": "估值合理，可以分批买入。", "votes": 3}]},
               {"title": "明天涨吗", "answers": [{"text": "顶"}, {"text": "+1"}]}]
    (raw / "threads.jsonl").write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in threads), encoding="utf-8")
    return tmp_path


SPECS = [
    SourceConfig(name="pdfs", path="raw/pdf", kind="announcement"),
    SourceConfig(name="trades", path="raw/trades_gbk.csv", kind="transaction"),
    SourceConfig(name="news_lines", path="raw/news*.jsonl", kind="news"),
    SourceConfig(name="pages", path="raw/html/*.html", kind="news"),
    SourceConfig(name="forum", path="raw/threads.jsonl", kind="forum", format="forum"),
    SourceConfig(name="huge", path="raw/one_line.txt", kind="note", optional=True),  # written by the test that needs it
    SourceConfig(name="missing", path="raw/none/*.pdf", kind="note", optional=True),
    SourceConfig(name="simulated", synthetic="trades", kind="transaction", count=20, seed=3, params={"fraud_rate": 0.2}),
]


def by_file(items: list[Document | Rejection]) -> dict[str, Counter[str]]:
    """Per input file: how many Documents and Rejections came out of it."""
    counts: dict[str, Counter[str]] = {}
    for item in items:
        where = item.meta["origin"] if isinstance(item, Document) else item.item
        counts.setdefault(Path(re.sub(r":\d+$", "", where)).name, Counter())[type(item).__name__] += 1
    return counts


def test_bad_file_corpus(corpus: Path) -> None:
    with (corpus / "raw" / "one_line.txt").open("w", encoding="utf-8") as handle:
        handle.write("x" * FIFTY_MB)  # a 50 MB single line: streamed, capped, rejected
    started = time.monotonic()
    with pytest.warns(ingest_module.IngestWarning, match="source 'missing' \\(optional\\): path 'raw/none/\\*.pdf' matches no file"):
        items = list(ingest(SPECS, corpus))
    assert time.monotonic() - started < 10

    reasons = {Path(re.sub(r":\d+$", "", r.item)).name: r.reason for r in items if isinstance(r, Rejection)}
    assert reasons == {
        "zero.pdf": "empty file",
        "truncated.pdf": "truncated PDF",
        "encrypted.pdf": "encrypted PDF",
        "image.pdf": "not a PDF (PNG signature)",
        "news.jsonl": "invalid JSON",
        "nobody.html": "no main text",
        "threads.jsonl": "no usable answer",
        "one_line.txt": "line too long",
    }
    broken_line = next(r for r in items if isinstance(r, Rejection) and r.reason == "invalid JSON")
    assert broken_line.item.endswith("news.jsonl:3")

    counts = by_file(items)
    assert counts["good.pdf"] == {"Document": 1}
    assert counts["trades_gbk.csv"] == {"Document": 2}
    assert counts["news.jsonl"] == {"Document": 4, "Rejection": 1}  # 5 lines in
    assert counts["threads.jsonl"] == {"Document": 1, "Rejection": 1}  # 2 threads in
    assert counts["news.html"] == {"Document": 1}
    assert ".hidden.pdf" not in counts

    docs = [item for item in items if isinstance(item, Document)]
    assert sum(doc.source == "simulated" for doc in docs) == 20
    gbk = [doc for doc in docs if doc.source == "trades"]
    assert [doc.meta["名称"] for doc in gbk] == ["贵州茅台", "五粮液"]
    assert "利润分配" in next(doc for doc in docs if doc.source == "pdfs").text


def test_output_is_the_same_for_any_worker_count(corpus: Path) -> None:
    serial = [item.model_dump() for item in ingest(SPECS, corpus, workers=1)]
    parallel = [item.model_dump() for item in ingest(SPECS, corpus, workers=3, show_progress=True)]
    assert serial == parallel


def test_expand_source_file_folder_glob(corpus: Path) -> None:
    folder = expand_source(SourceConfig(name="a", path="raw/pdf"), corpus)
    assert [p.name for p in folder] == ["encrypted.pdf", "good.pdf", "image.pdf", "truncated.pdf", "zero.pdf"]
    assert [p.name for p in expand_source(SourceConfig(name="b", path="raw/**/*.html"), corpus)] == ["news.html", "nobody.html"]
    assert expand_source(SourceConfig(name="c", path="raw/trades_gbk.csv"), corpus) == [corpus / "raw" / "trades_gbk.csv"]
    absolute = SourceConfig(name="d", path=str(corpus / "raw" / "*.csv"), allow_outside=True)
    assert expand_source(absolute, Path("/elsewhere")) == [corpus / "raw" / "trades_gbk.csv"]
    assert expand_source(absolute.model_copy(update={"allow_outside": False}), Path("/elsewhere")) == []
    assert expand_source(SourceConfig(name="e", synthetic="trades"), corpus) == []


def test_hidden_folders_above_the_source_do_not_hide_it(tmp_path: Path) -> None:
    project = tmp_path / ".cache" / "project"
    (project / "raw").mkdir(parents=True)
    (project / "raw" / "a.txt").write_text("内容", encoding="utf-8")
    for path in ("raw/*.txt", "raw"):
        assert expand_source(SourceConfig(name="s", path=path), project) == [project / "raw" / "a.txt"]


def test_synthetic_sources(tmp_path: Path) -> None:
    from vertune.data.synthetic.trades import describe_trade, generate_trades

    specs = [
        SourceConfig(name="t", synthetic="trades", kind="synthetic", count=5, seed=1),
        SourceConfig(name="d", synthetic="dialogues", kind="dialogue", count=3, seed=1),
        SourceConfig(name="x", synthetic="no_such_generator", kind="synthetic"),
    ]
    items = list(ingest(specs, tmp_path))
    trades = [i for i in items if isinstance(i, Document) and i.source == "t"]
    expected = generate_trades(5, 1)
    assert [doc.text for doc in trades] == [describe_trade(trade) for trade in expected]
    assert [doc.meta["is_fraud"] for doc in trades] == [trade["is_fraud"] for trade in expected]
    assert trades[0].kind == "synthetic" and trades[0].meta["origin"] == "synthetic:trades:0"
    dialogues = [i for i in items if isinstance(i, Document) and i.source == "d"]
    assert len(dialogues) == 3
    assert dialogues[0].text.startswith("客户：") and "intent" in dialogues[0].meta and "sentiment" in dialogues[0].meta
    [unknown] = [i for i in items if isinstance(i, Rejection)]
    assert (unknown.item, unknown.reason) == ("synthetic:no_such_generator", "unknown generator")


def test_dialogue_file_source(tmp_path: Path) -> None:
    record = {"turns": [{"role": "customer", "text": "怎么查余额"}, {"role": "agent", "text": "请登录手机银行查看。"}],
              "intent": "查询余额", "sentiment": "neutral"}
    (tmp_path / "d.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [doc] = ingest([SourceConfig(name="svc", path="d.jsonl", kind="dialogue", format="dialogue")], tmp_path)
    assert doc.text == "客户：怎么查余额\n客服：请登录手机银行查看。"
    assert (doc.meta["intent"], doc.meta["sentiment"]) == ("查询余额", "neutral")


def test_a_reader_crash_rejects_the_whole_file_and_keeps_nothing_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crashing(path: Path, options: sources.ReadOptions):
        yield Document(source=options.source_name, kind=options.kind, text="partial")
        raise KeyError("/Root")

    monkeypatch.setitem(sources.READERS, "text", crashing)
    (tmp_path / "a.txt").write_text("内容", encoding="utf-8")
    [rejection] = ingest([SourceConfig(name="s", path="a.txt")], tmp_path)
    assert isinstance(rejection, Rejection)
    assert (rejection.reason, rejection.detail) == ("reader failed", "KeyError: '/Root'")
    assert ingest_module.read_file(tmp_path / "a.txt", ingest_module.options_for(SourceConfig(name="s", path="a.txt"))) == [rejection]


def test_label_columns_stay_out_of_the_text_and_sources_are_named(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("账号,金额,是否欺诈\nA1,100.00,1\n", encoding="utf-8")
    spec = SourceConfig(name="labelled", path="t.csv", kind="transaction", label_columns=["是否欺诈"])
    [doc] = list(ingest([spec], tmp_path))
    assert doc.text == "账号: A1\n金额: 100.00"
    assert doc.meta["是否欺诈"] == "1"
    renamed = spec.model_copy(update={"label_columns": {"是否欺诈": "is_fraud"}})
    [doc] = list(ingest([renamed], tmp_path))
    assert doc.text == "账号: A1\n金额: 100.00" and doc.meta["is_fraud"] == "1" and "是否欺诈" not in doc.meta
    assert doc.meta["source_name"] == "labelled"
