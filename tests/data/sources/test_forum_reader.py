from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from vertune.data.sources import forum
from vertune.records import Document, Rejection

THREAD = {
    "thread_id": "T1",
    "title": "茅台现在还能买吗？",
    "question": "持有三年了，最近跌了不少，想加仓，大家怎么看？哈哈哈哈哈哈",
    "created_at": "2024-03-01",
    "answers": [
        {"text": "顶", "votes": 50},
        {"text": "引用 @老王 的发言: 茅台能涨吗？\n估值回到25倍左右，长期看性价比不错，可以分批买。——发自我的iPhone", "votes": 12},
        {"text": "想要牛股的加微信abc123领取牛股！", "votes": 3},
        {"text": "业绩增速在放缓，短期别急着加仓🚀🚀🚀🚀 详情见 http://spam.example.com/x", "votes": 30},
        {"text": "+1", "votes": 0},
        {"text": "沙发", "votes": 1},
    ],
}


def write_jsonl(path: Path, *threads: dict) -> Path:
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in threads), encoding="utf-8")
    return path


def test_thread_keeps_the_best_clean_answers_ranked_by_votes(tmp_path: Path, opts) -> None:
    [doc] = list(forum.read(write_jsonl(tmp_path / "t.jsonl", THREAD), opts("forum")))
    assert isinstance(doc, Document)
    assert doc.title == "茅台现在还能买吗？"
    assert doc.published_at == "2024-03-01"
    assert doc.meta["votes"] == [30, 12]
    assert [a["text"] for a in doc.meta["answers"]] == [
        "业绩增速在放缓，短期别急着加仓🚀 详情见",
        "估值回到25倍左右，长期看性价比不错，可以分批买。",
    ]
    assert doc.meta["dropped"] == {"ad": 1, "too_short": 3}
    assert doc.meta["noise"] == {"ad": 1, "flood": 2, "quote": 1, "signature": 1, "url": 1}
    assert doc.meta["thread_id"] == "T1" and doc.meta["answers_total"] == 6
    assert doc.text.startswith("问：茅台现在还能买吗？\n持有三年了，最近跌了不少，想加仓，大家怎么看？哈哈哈\n\n答（30赞）：业绩增速")
    for noise in ("发自我的iPhone", "加微信", "http", "老王", "🚀🚀", "顶"):
        assert noise not in doc.text


def test_thread_without_usable_answers_is_rejected_with_the_reason(tmp_path: Path, opts) -> None:
    thread = {"title": "明天涨吗", "answers": [{"text": "顶"}, {"text": "加V领取牛股"}, {"text": ""}]}
    [rejection] = list(forum.read(write_jsonl(tmp_path / "t.jsonl", thread), opts("forum")))
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "no usable answer"
    assert rejection.detail == "3 answers: 1 ad, 1 empty, 1 too short"
    assert rejection.item == f"{tmp_path / 't.jsonl'}:1"


@pytest.mark.parametrize(("thread", "reason"), [({"title": "问", "answers": []}, "no answers"),
                                                 ({"title": "", "answers": ["很好的问题，值得研究"]}, "no question")])
def test_thread_without_question_or_answers(tmp_path: Path, opts, thread: dict, reason: str) -> None:
    [rejection] = list(forum.read(write_jsonl(tmp_path / "t.jsonl", thread), opts("forum")))
    assert rejection.reason == reason


def test_csv_threads_with_mapped_columns_and_json_answers(tmp_path: Path, opts) -> None:
    path = tmp_path / "threads.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "标题", "回复"])
        replies = [{"内容": "银行股股息率高，适合长期持有。", "点赞": "1.2k"}, {"内容": "同意楼上的看法，分红稳定", "点赞": 8}]
        writer.writerow(["1", "银行股值得长期拿吗", json.dumps(replies, ensure_ascii=False)])
    options = opts("forum", mapping={"question": "标题", "answers": "回复", "answer_text": "内容"})
    [doc] = list(forum.read(path, options))
    assert doc.meta["votes"] == [1200, 8]
    assert doc.meta["编号"] == "1"
    assert "问：银行股值得长期拿吗" in doc.text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("哈哈哈哈哈哈哈", "哈哈哈"),
        ("哈哈哈", "哈哈哈"),
        ("🚀🚀🚀冲", "🚀冲"),
        ("目标价1000000元", "目标价1000000元"),
        ("666666666666", "666"),
        ("回复 @张三：说得对，继续持有", "说得对，继续持有"),
        ("> 原帖内容\n我的看法是长期持有", "我的看法是长期持有"),
        ("观点如上。\n签名档：价值投资，长期主义", "观点如上。"),
        ("看好。来自雪球客户端", "看好。"),
        ("进群看更多内幕消息。基本面没变化。", "基本面没变化。"),
        ("引用 @甲 的发言：引用 @乙 的发言：顶……\n说得对，但是……\n不同意，分红要除息。", "不同意，分红要除息。"),
        ("估值合理。\n---- 长期持有，时间是朋友", "估值合理。"),
        ("估值合理。\n【签名】熊市不割肉", "估值合理。"),
        ("我引用 @x 的话：不对", "我引用 @x 的话：不对"),
    ],
)
def test_denoise(raw: str, clean: str) -> None:
    assert forum.denoise(raw)[0] == clean


@pytest.mark.parametrize(("text", "short"), [("顶", True), ("+1", True), ("Mark", True), ("沙发！！！", True),
                                              ("学习了", True), ("不看好。", True), ("长期看好茅台", False)])
def test_too_short(text: str, short: bool) -> None:
    assert forum.too_short(text) is short


@pytest.mark.parametrize(("value", "votes"), [(12, 12), ("34", 34), ("1.2k", 1200), ("3万", 30000), (None, 0), ("n/a", 0)])
def test_parse_votes(value: object, votes: int) -> None:
    assert forum.parse_votes(value) == votes
