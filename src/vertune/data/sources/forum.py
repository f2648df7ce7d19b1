"""Forum Q&A threads (JSON, JSONL, CSV) -> one Document per thread: the question and its best
answers, ranked by votes, with the noise of stock forums taken out.

Stock-forum replies are full of things a model must not learn as "finance answers": phone
signatures (——发自我的iPhone), ads (加微信领取牛股, QQ群, links), quoted earlier replies, floods of
哈哈哈哈/🚀🚀🚀, and empty bumps (顶, +1, 沙发). ``denoise`` removes or squeezes them and counts
what it did; answers left too short are dropped and counted. A thread with no usable answer is
a ``Rejection`` that says why. Votes are kept in ``meta``.

Fields come from ``options.mapping`` (title, question, answers, published_at, answer_text,
votes) or conventional names; ``answers`` may be a list (or a JSON list in a CSV cell) of
strings or objects, or one best answer with the votes in a column of the thread.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertune.data.sources.base import Item, ReadOptions, SourceError, clean_text, reject
from vertune.data.sources.tables import Row, as_text, column_for, leftover_meta, parse_json, read_records
from vertune.records import Document, Rejection

THREAD_FIELDS = ("title", "question", "answers", "published_at")
FIELDS = (*THREAD_FIELDS, "answer_text", "votes")
_DEFAULTS: dict[str, tuple[str, ...]] = {
    "title": ("title", "标题"),
    "question": ("question", "body", "content", "问题", "提问内容", "内容"),
    "answers": ("answers", "replies", "best_answer", "回复", "回答", "最佳回答"),
    "published_at": ("published_at", "posted_at", "created_at", "date", "time", "发帖时间", "发布时间"),
    "answer_text": ("text", "content", "body", "answer", "内容"),
    "votes": ("votes", "likes", "upvotes", "score", "赞", "点赞", "点赞数"),
}
MAX_ANSWERS = 3
MIN_ANSWER_CHARS = 4
"""An answer needs at least this many letters, digits or CJK characters after denoising."""

FILLERS = frozenset({
    "顶", "顶顶", "顶一下", "+1", "1", "沙发", "板凳", "地板", "前排", "mark", "马克", "路过", "同问", "同求",
    "学习了", "学习", "赞", "点赞", "666", "支持", "收藏", "收藏了", "已阅", "围观", "坐等", "坐等更新", "楼上正解",
    "坐等大神", "求大神", "求解答", "蹲", "蹲一个",
})

_END = r"[。！？!?；;\n]"
_AD_WORDS = (
    r"加微信|加[vV威薇]|[vV][xX]|微信号|威信|薇信|加[qQ]{2}|[qQ]{2}群|扣扣群|加群|进群|私聊|私信我|一对一指导|"
    r"领取牛股|免费领|牛股推荐|推荐牛股|荐股|内幕消息|内部消息|带你赚|稳赚|包赚|扫码|老师带|财富密码"
)
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$\n?", re.MULTILINE)
_QUOTE_HEAD = re.compile(r"\s*引用\s*@?[^\n:：]{0,30}?(?:的发言|的回复|说)?\s*[:：]")
_QUOTE_START = re.compile(r"^[ \t]*(?=引用)", re.MULTILINE)
_QUOTE_CLOSE = re.compile(r"(?:……|\.\.\.)[ \t]*(?:\n|$)")
_REPLY_TO = re.compile(r"^[ \t]*回复\s*@[^\s:：]{1,30}\s*[:：]\s*", re.MULTILINE)
_SIGNATURE = re.compile(
    r"^[ \t]*(?:-{2,}|—{2,}|–{2,}).*$"  # a signature separator line: "-- ", "——"
    r"|[ \t]*(?:——+|--+)?[ \t]*(?:发自我的|来自\S{0,12}(?:客户端|App|APP|手机)|【签名档?】|\[签名档?\]|(?:个性)?签名档?\s*[:：]|sent from my).*$",
    re.MULTILINE | re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://|www\.)[\w\-./?=&%#:~+@]+", re.IGNORECASE)
_AD = re.compile(rf"[^。！？!?；;\n]*(?:{_AD_WORDS})[^。！？!?；;\n]*{_END}?")
_FLOOD = re.compile(r"(\D[\ufe0f\U0001f3fb-\U0001f3ff]?)\1{2,}|(?<!\d)(\d)\2{5,}(?!\d)")
_SYMBOL = re.compile(r"[\u2600-\u27bf\U0001f000-\U0001faff]")
_LETTERS = re.compile(r"[\W_]+")


def _squeeze(match: re.Match[str]) -> str:
    """Emoji and symbols once, any other character at most three times (哈哈哈哈哈 -> 哈哈哈,
    666666 -> 666; digits only as a run of their own, so 1000000 stays)."""
    unit = match.group(1) or match.group(2)
    if _SYMBOL.match(unit):
        return unit
    return unit * 3 if len(match.group(0)) > 3 * len(unit) else match.group(0)


def _quote_end(text: str, position: int, depth: int) -> int:
    """Where a quote whose heads end at ``position`` stops: after its closing ellipsis (and, for
    a nested quote, an inner one ending the next line), else at the end of its line."""
    close = _QUOTE_CLOSE.search(text, position)
    if close is None:
        line_end = text.find("\n", position)
        return len(text) if line_end < 0 else line_end + 1
    position = close.end()
    for _ in range(depth - 1):
        line_end = text.find("\n", position)
        inner = _QUOTE_CLOSE.search(text, position, len(text) if line_end < 0 else line_end + 1)
        if inner is None:
            break
        position = inner.end()
    return position


def strip_quotes(text: str) -> tuple[str, int]:
    """``text`` without quoted earlier replies (``> …`` lines, ``引用 @x 的发言：…``, often cut
    short with an ellipsis), and how many it had."""
    text, count = _QUOTE_LINE.subn("", text)
    for start in reversed([m.start() for m in _QUOTE_START.finditer(text)]):
        position, depth = start, 0
        while head := _QUOTE_HEAD.match(text, position):
            position, depth = head.end(), depth + 1
        if depth:
            text = text[:start] + text[_quote_end(text, position, depth):]
            count += 1
    return text, count


def denoise(text: str) -> tuple[str, Counter[str]]:
    """``text`` without quotes, signatures, links, ads and floods, and how many of each it had."""
    counts: Counter[str] = Counter()
    text, counts["quote"] = strip_quotes(_REPLY_TO.sub("", text))
    for name, pattern in (("signature", _SIGNATURE), ("url", _URL), ("ad", _AD)):
        text, found = pattern.subn("", text)
        counts[name] += found
    squeezed = _FLOOD.sub(_squeeze, text)
    counts["flood"] += squeezed != text
    return clean_text(squeezed), +counts


def too_short(text: str) -> bool:
    """An empty bump (顶, +1, 沙发, …) or fewer than ``MIN_ANSWER_CHARS`` real characters."""
    letters = _LETTERS.sub("", text).lower()
    return len(letters) < MIN_ANSWER_CHARS or letters in FILLERS or text.strip().lower() in FILLERS


@dataclass(frozen=True)
class Answer:
    text: str
    votes: int


def parse_votes(value: Any) -> int:
    """Votes as an int; missing or unreadable counts as 0 ("1.2k" and "1.2万" are understood)."""
    raw = as_text(value).lower().replace(",", "")
    scale = 1000 if raw.endswith("k") else 10_000 if raw.endswith("万") else 1
    try:
        return int(float(raw.rstrip("k万") or 0) * scale)
    except ValueError:
        return 0


def _field(data: dict[str, Any], options: ReadOptions, field: str) -> Any:
    column = column_for(field, options, data, _DEFAULTS)
    return data.get(column) if column else None


def raw_answers(data: dict[str, Any], options: ReadOptions) -> list[tuple[str, int]]:
    """The thread's answers as (text, votes): a list of strings or objects, a JSON list in a
    CSV cell, or a single best answer whose votes sit in the thread's own votes column."""
    value = _field(data, options, "answers")
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = parse_json(value)
        except SourceError:
            pass
    if isinstance(value, list):
        return [_answer(raw, options) for raw in value]
    text = as_text(value)
    return [(text, parse_votes(_field(data, options, "votes")))] if text else []


def _answer(raw: Any, options: ReadOptions) -> tuple[str, int]:
    if isinstance(raw, dict):
        return as_text(_field(raw, options, "answer_text")), parse_votes(_field(raw, options, "votes"))
    return as_text(raw), 0


def select_answers(raws: list[tuple[str, int]]) -> tuple[list[Answer], Counter[str], Counter[str]]:
    """The usable answers, best voted first (at most ``MAX_ANSWERS``), why the others were
    dropped, and the noise removed from all of them."""
    kept: list[Answer] = []
    dropped: Counter[str] = Counter()
    noise: Counter[str] = Counter()
    for text, votes in raws:
        cleaned, found = denoise(text)
        noise += found
        if not too_short(cleaned):
            kept.append(Answer(cleaned, votes))
        else:
            dropped["ad" if found["ad"] else "empty" if not text.strip() else "too_short"] += 1
    kept.sort(key=lambda answer: -answer.votes)
    if len(kept) > MAX_ANSWERS:
        dropped["beyond_top"] += len(kept) - MAX_ANSWERS
    return kept[:MAX_ANSWERS], dropped, noise


def render_thread(title: str, question: str, answers: list[Answer]) -> str:
    """The thread as training text: the question (its title once), then each kept answer."""
    asked = question if title in question else "\n".join(part for part in (title, question) if part)
    replies = [f"答（{answer.votes}赞）：{answer.text}" for answer in answers]
    return "\n\n".join([f"问：{asked}", *replies])


def thread_to_document(row: Row, options: ReadOptions) -> Document | Rejection:
    """One thread as a Document, or a Rejection when no question or no usable answer is left."""
    data = row.data
    title, _ = denoise(as_text(_field(data, options, "title")))
    question, question_noise = denoise(as_text(_field(data, options, "question")))
    if not (title or question):
        return reject(row.where, "no question", "title and question are empty after denoising")
    raws = raw_answers(data, options)
    if not raws:
        column = column_for("answers", options, data, _DEFAULTS) or "answers"
        return reject(row.where, "no answers", f"column {column!r} is missing or empty")
    answers, dropped, noise = select_answers(raws)
    if not answers:
        detail = ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in sorted(dropped.items()))
        return reject(row.where, "no usable answer", f"{len(raws)} answers: {detail}")
    meta = leftover_meta(row, {column_for(field, options, data, _DEFAULTS) for field in (*THREAD_FIELDS, "votes")})
    meta.update(
        question=question,
        answers=[{"text": answer.text, "votes": answer.votes} for answer in answers],
        votes=[answer.votes for answer in answers],
        answers_total=len(raws),
        dropped=dict(sorted(dropped.items())),
        noise=dict(sorted((noise + question_noise).items())),
    )
    return Document(
        source=options.source_name,
        kind=options.kind,
        title=title,
        text=render_thread(title, question, answers),
        published_at=as_text(_field(data, options, "published_at")) or None,
        meta=meta,
    )


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    """Each thread of a forum export as a Document (or a Rejection saying why not)."""
    return read_records(path, options, FIELDS, thread_to_document)
