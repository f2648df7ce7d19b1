"""Seeded annual-report excerpts (年度报告摘要) of fictional listed companies, with their truth.

Each record reads like a short stretch of the PDF reports as the PDF reader renders them: the
title line, the stock short name and code, a "主要会计数据" table as Markdown rows under a
``单位：…`` note, and "管理层讨论与分析" sentences quoting figures, the subsidiaries held (控股)
and the figures the company publishes (发布), the company referred to as "公司"/"本公司" in the
sentences after it is named. Excerpts are kept short (one preprocess piece, at most two new
elements) so that the extraction and relation prompts and answers fit the 512-token samples.

Ingest gives each record to the annual-report reader's element finding (kind
``annual_report``), so the report-elements task gets gold exactly as for the PDFs, and keeps
what the generator wrote in ``meta["truth"]`` (see ``truth.py``).
"""

from __future__ import annotations

import random
from typing import Any

from vertune.data.synthetic.companies import FictionalCompany, Subsidiary, change, make_company
from vertune.data.synthetic.truth import TextWriter

TABLE_UNITS = {"万元": 1e4, "百万元": 1e6, "亿元": 1e8}
# (attribute, row label as printed, element name) of a main-data table row the narrative restates
TABLE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("revenue", "营业收入", "营业收入"),
    ("net_profit", "归属于上市公司股东的净利润", "归属于上市公司股东的净利润"),
)
TABLE_SHARE = 0.5
"""Share of excerpts with a table. An excerpt holds at most two new elements (the table row's
two years, or two figures in prose): with the embedded tokenizer, prompt + passage + a longer
JSON answer would not fit a 512-token sample."""


def generate_annual_reports(count: int, seed: int, year: int = 2023) -> list[dict[str, Any]]:
    """``count`` report excerpts of ``year``, one fictional company each; seeded."""
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    return [report_excerpt(rng, make_company(rng, year), index) for index in range(count)]


def _printed(value: float, unit: str) -> str:
    """A table figure as printed: thousands separators, 0 decimals for 百万元, else 2."""
    return f"{value:,.0f}" if unit == "百万元" else f"{value:,.2f}"


def _yi(value: float) -> str:
    return f"{value / 1e8:,.2f}"


def report_excerpt(rng: random.Random, c: FictionalCompany, index: int) -> dict[str, Any]:
    """The title lines, a one-row main-data table or none, and the management discussion."""
    w = TextWriter(aliases={c.short: c.name})
    year = f"{c.year}年"
    w.say(("company", c.name), ("date", year), "年度报告摘要\n股票简称：", ("company", c.short), "　股票代码：",
          c.code.split(".")[0], "\n\n")
    row = rng.choice(TABLE_ROWS) if rng.random() < TABLE_SHARE else None
    if row is not None:
        _table(w, c, row, year, f"{c.year - 1}年", rng.choice(tuple(TABLE_UNITS)))
    w.add("第三节 管理层讨论与分析\n")
    _control_sentence(rng, w, c.name, c.subsidiaries[0])
    if row is not None:
        _figures(rng, w, c, year, [row[2]])
    else:
        _figures(rng, w, c, year, ["营业收入", "归属于上市公司股东的净利润"] if rng.random() < 0.6 else ["营业收入"])
        _aside(rng, w, c, year)
    return {"report_id": f"AR{index + 1:06d}", "title": f"{c.name}{c.year}年年度报告", "text": w.text.rstrip() + "\n",
            "published_at": f"{c.year + 1}-03-{rng.randint(10, 30):02d}", "company": c.name, "code": c.code,
            "truth": w.truth()}


def _table(w: TextWriter, c: FictionalCompany, row: tuple[str, str, str], year: str, last: str, unit: str) -> None:
    attr, label, name = row
    now, before = getattr(c, attr)
    printed = [_printed(value / TABLE_UNITS[unit], unit) for value in (now, before)]
    w.say("第二节 公司简介和主要财务指标\n（一）主要会计数据 单位：", unit, " 币种：人民币\n\n| 主要会计数据 | ",
          ("date", year), " | ", ("date", last), " | 本年比上年增减(%) |\n| --- | --- | --- | --- |\n| ",
          ("indicator", name), label[len(name):], " | ", printed[0], " | ", printed[1], " | ",
          f"{(now - before) / abs(before) * 100:.2f}", " |\n\n")
    for period, text in zip((year, last), printed, strict=True):
        w.element(name, period, float(text.replace(",", "")), unit)


_FIGURES = {"营业收入": "revenue", "归属于上市公司股东的净利润": "net_profit"}


def _figures(rng: random.Random, w: TextWriter, c: FictionalCompany, year: str, names: list[str]) -> None:
    """"报告期内，公司实现营业收入186.52亿元，同比增长17.50%；实现…。": the company publishes them."""
    opener = rng.choice(("报告期内，", "year", ""))
    w.say(*(("date", year), "，") if opener == "year" else (opener,), "公司")
    for i, name in enumerate(names):
        _publish_figure(w, c.name, name, *getattr(c, _FIGURES[name]), year)
        w.add("；" if i < len(names) - 1 else "。")


def _publish_figure(w: TextWriter, who: str, name: str, now: float, before: float, year: str, own: bool = True) -> None:
    """"实现营业收入186.52亿元，同比增长17.50%" for ``who``; an element of the report when ``own``."""
    text = _yi(now)
    w.say("实现", ("indicator", name), ("amount", f"{text}亿元"), "，同比")
    verb, rate = change(now, before)
    w.say(verb, *((("percent", rate),) if rate else ()))
    w.relate(who, "publish", name)
    if own:
        w.element(name, year, float(text.replace(",", "")), "亿元")


def _aside(rng: random.Random, w: TextWriter, c: FictionalCompany, year: str) -> None:
    """At most one more sentence: products, another subsidiary's revenue, the signatories or a dividend."""
    choice = rng.random()
    if choice < 0.25:
        products = rng.sample(c.industry.products, 2)
        w.say(("company", c.short), "的主要产品包括", ("product", products[0]), "和", ("product", products[1]), "。")
    elif choice < 0.5:
        other = c.subsidiaries[1]
        w.say(("company", other.name), "报告期内")
        _publish_figure(w, other.name, "营业收入", c.revenue[0] * rng.uniform(0.05, 0.3),
                        c.revenue[1] * rng.uniform(0.05, 0.3), year, own=False)
        w.add("。")
    elif choice < 0.65:
        w.say("本公司负责人", ("person", c.legal_rep), "保证年度报告中财务报告的真实、准确、完整。")
    elif choice < 0.8:
        w.say("公司拟向全体股东每10股派发现金红利", ("amount", f"{rng.randint(5, 60) / 10:.2f}元"), "（含税）。")


def _control_sentence(rng: random.Random, w: TextWriter, parent: str, sub: Subsidiary) -> None:
    """One way of saying the company holds ``sub``, naming the company as "公司"."""
    forms = [("公司持有", ("company", sub.name), ("percent", f"{sub.share}%"), "股权，"),
             ("公司控股子公司", ("company", sub.name), "主要负责", sub.business, "业务，"),
             (("company", sub.name), "为公司的" + ("全资子公司，" if sub.share == 100 else "控股子公司，"))]
    w.say(*rng.choice(forms))
    w.add(rng.choice(("纳入公司合并报表范围。", "报告期内经营情况良好。", "是公司重要的经营主体。")))
    w.relate(parent, "control", sub.name)
