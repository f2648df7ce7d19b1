"""Seeded company news (earnings, acquisitions, dividends) about fictional listed companies.

Each article has a headline, a short body in the house style of the example's news pages
(the company named with its ticker, then "公司"/"该公司" in the sentences after), and an
editor's summary: the reference summary, written from the facts rather than copied from the
lead, so a lead-sentence baseline does not already match it. The summary and everything else
the generator wrote (entities, relations) are in ``meta["truth"]`` (see ``truth.py``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from vertune.data.synthetic.companies import FictionalCompany, change, make_company, person
from vertune.data.synthetic.truth import TextWriter

BROKERS = ("华信证券", "东方远景证券", "中瑞证券", "国泰安信证券")
AUTHORS = ("赵子昂", "钱明", "孙晓雯", "李书航", "周一凡", "吴佳怡")
REASONS = {
    "增长": ("主要得益于产品结构优化和销量增长", "主要系下游需求回暖、新产品放量所致", "主要得益于海外市场拓展和降本增效"),
    "下降": ("主要受产品价格下降和研发人员扩充影响", "主要系下游需求放缓、原材料成本上升所致", "主要受计提资产减值准备影响"),
}


def _yi(value: float) -> str:
    return f"{value / 1e8:,.2f}"


def _lead(w: TextWriter, c: FictionalCompany, month: int, day: int) -> None:
    w.say(("date", f"{month}月{day}日"), "晚间，", ("company", c.short), f"（{c.code}）")


def _change(w: TextWriter, now: float, before: float) -> tuple[str, str]:
    verb, rate = change(now, before)
    w.say("，同比", verb, *((("percent", rate),) if rate else ()))
    return verb, rate or ""


def earnings(rng: random.Random, c: FictionalCompany, w: TextWriter, month: int, day: int) -> tuple[str, str]:
    year = f"{c.year}年"
    _lead(w, c, month, day)
    w.say("发布", ("date", year), "年度报告。报告显示，公司全年实现", ("indicator", "营业收入"), ("amount", f"{_yi(c.revenue[0])}亿元"))
    verb, rate = _change(w, *c.revenue)
    w.say("；实现", ("indicator", "归属于上市公司股东的净利润"), ("amount", f"{_yi(c.net_profit[0])}亿元"))
    profit_verb, profit_rate = _change(w, *c.net_profit)
    w.add("。")
    w.relate(c.short, "publish", "营业收入")
    w.relate(c.short, "publish", "归属于上市公司股东的净利润")
    w.say("公司表示，业绩", profit_verb, rng.choice(REASONS.get(profit_verb, REASONS["增长"])), "。")
    if rng.random() < 0.5:
        w.say("截至", ("date", f"{c.year}年12月31日"), "，该公司", ("indicator", "总资产"), ("amount", f"{_yi(c.total_assets[0])}亿元"), "。")
        w.relate(c.short, "publish", "总资产")
    if rng.random() < 0.5:
        w.say(("company", rng.choice(BROKERS)), "分析师", ("person", person(rng)), "认为，", ("company", c.short),
              rng.choice(("的龙头地位稳固，维持“买入”评级。", "短期业绩承压，但长期成长逻辑不变。", "估值处于历史低位，建议关注。")))
    title = f"{c.short}{year}归母净利润同比{profit_verb}{profit_rate}"
    summary = (f"{c.short}{year}营业收入{_yi(c.revenue[0])}亿元，同比{verb}{rate}；"
               f"归母净利润{_yi(c.net_profit[0])}亿元，同比{profit_verb}{profit_rate}。")
    return title, summary


def acquisition(rng: random.Random, c: FictionalCompany, w: TextWriter, month: int, day: int) -> tuple[str, str]:
    target = make_company(rng, c.year)
    name = target.name.replace("股份有限公司", "有限公司")
    share = rng.choice((51, 55, 60, 65, 70, 80, 100))
    price = _yi(target.revenue[0] * rng.uniform(0.3, 1.5) * share / 100)
    _lead(w, c, month, day)
    w.say("公告称，公司拟收购", ("company", name), ("percent", f"{share}%"), "股权，交易对价", ("amount", f"{price}亿元"), "。")
    w.relate(c.short, "control", name)
    w.say("交易完成后，", ("company", name), "将成为公司的", "全资子公司。" if share == 100 else "控股子公司。")
    if rng.random() < 0.6:
        w.say("据公告，", ("company", name), "主要从事", target.industry.business, "，", ("date", f"{c.year}年"), "实现",
              ("indicator", "营业收入"), ("amount", f"{_yi(target.revenue[0])}亿元"), "。")
        w.relate(name, "publish", "营业收入")
    title = f"{c.short}拟{price}亿元收购{target.short}{share}%股权"
    summary = f"{c.short}拟以{price}亿元收购{name}{share}%股权，交易完成后其将成为{c.short}的子公司。"
    return title, summary


def dividend(rng: random.Random, c: FictionalCompany, w: TextWriter, month: int, day: int) -> tuple[str, str]:
    year = f"{c.year}年"
    payout = rng.uniform(0.2, 0.6)
    total = c.net_profit[0] * payout
    per_ten = f"{total / c.shares * 10:.2f}"
    _lead(w, c, month, day)
    w.say("发布", ("date", f"{year}度"), "利润分配预案，拟向全体股东每10股派发现金红利", ("amount", f"{per_ten}元"), "（含税），合计派发",
          ("amount", f"{_yi(total)}亿元"), "。")
    w.say("该公司", ("date", year), "实现", ("indicator", "归属于上市公司股东的净利润"), ("amount", f"{_yi(c.net_profit[0])}亿元"))
    _change(w, *c.net_profit)
    w.say("，现金分红比例约为", ("percent", f"{payout * 100:.1f}%"), "。")
    w.relate(c.short, "publish", "归属于上市公司股东的净利润")
    title = f"{c.short}拟每10股派{per_ten}元"
    summary = f"{c.short}拟每10股派发现金红利{per_ten}元，合计派现{_yi(total)}亿元，分红比例约{payout * 100:.1f}%。"
    return title, summary


KINDS: dict[str, Callable[[random.Random, FictionalCompany, TextWriter, int, int], tuple[str, str]]] = {
    "earnings": earnings, "acquisition": acquisition, "dividend": dividend,
}


def generate_news_articles(count: int, seed: int, year: int = 2023) -> list[dict[str, Any]]:
    """``count`` articles cycling through the kinds, one fictional company each; seeded."""
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    kinds = list(KINDS)
    records = []
    for index in range(count):
        company = make_company(rng, year)
        month, day = rng.randint(3, 4), rng.randint(1, 28)
        w = TextWriter()
        title, summary = KINDS[kinds[index % len(kinds)]](rng, company, w, month, day)
        records.append({"article_id": f"N{index + 1:06d}", "title": title, "text": w.text,
                        "published_at": f"{year + 1}-{month:02d}-{day:02d}", "author": rng.choice(AUTHORS),
                        "news_kind": kinds[index % len(kinds)], "truth": w.truth(summary=summary)})
    return records
