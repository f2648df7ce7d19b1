"""Seeded fictional listed companies, their subsidiaries and their two years of headline figures.

The annual-report and news generators draw their subjects here, so a company's name, ticker,
subsidiaries and figures agree wherever it appears. Every name is made up from a brand stem and
an industry; all figures are internally consistent (net profit below revenue, EPS = net profit
/ shares, the growth rates quoted match the two years).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from vertune.data.synthetic.trades import GIVEN, SURNAMES

STEMS = ("华夏", "东海", "云帆", "恒力", "星河", "金陵", "长江", "海川", "瑞丰", "鼎盛", "嘉禾", "天元", "中恒", "宏远",
         "润泽", "博雅", "凯达", "远航", "新泰", "安泰", "北辰", "南华", "西岭", "青峰", "银杉", "明德", "丰源", "华锐",
         "德昌", "永安", "汇通", "鸿业", "正元", "启明", "广宇", "同创", "江南", "蓝海", "泰和", "卓越", "万象", "晨光")


@dataclass(frozen=True)
class Industry:
    """An industry: the word in company names, the short-name tail, what subsidiaries do, products."""

    word: str
    short: str
    business: str
    subsidiaries: tuple[str, ...]
    products: tuple[str, ...]
    revenue_range: tuple[float, float]  # 亿元, log-uniform
    margin: tuple[float, float]  # net margin


INDUSTRIES: tuple[Industry, ...] = (
    Industry("酿酒", "酿酒", "白酒的研发、生产与销售", ("酒业销售", "包装材料", "电子商务"), ("酱香型白酒", "浓香型白酒", "低度果酒"),
             (20, 800), (0.15, 0.40)),
    Industry("智能科技", "智能", "机器视觉与工业机器人的研发和销售", ("机器人", "软件技术", "智能装备"),
             ("工业视觉检测系统", "协作机器人", "运动控制器"), (5, 200), (0.03, 0.15)),
    Industry("精工机械", "精工", "液压元件和数控机床的制造", ("液压科技", "铸造", "机床销售"), ("液压油缸", "数控机床", "精密铸件"),
             (10, 300), (0.005, 0.08)),
    Industry("新能源", "新能源", "光伏组件和储能系统的生产与销售", ("光伏科技", "储能技术", "电力工程"), ("光伏组件", "储能电池", "逆变器"),
             (30, 1500), (0.02, 0.12)),
    Industry("生物医药", "医药", "创新药和仿制药的研发、生产与销售", ("制药", "医药销售", "生物技术"), ("抗肿瘤药物", "降压药", "疫苗"),
             (10, 400), (0.05, 0.25)),
    Industry("物流", "物流", "供应链物流和仓储服务", ("供应链管理", "冷链物流", "仓储服务"), ("仓储服务", "干线运输", "冷链配送"),
             (20, 600), (0.01, 0.06)),
    Industry("食品", "食品", "休闲食品和调味品的生产与销售", ("食品销售", "农业科技", "调味品"), ("休闲零食", "调味酱", "速冻食品"),
             (10, 300), (0.04, 0.15)),
    Industry("电子", "电子", "消费电子零部件的研发和制造", ("精密制造", "光电科技", "电子材料"), ("柔性电路板", "摄像头模组", "连接器"),
             (15, 900), (0.02, 0.10)),
    Industry("新材料", "材料", "高性能材料的研发和生产", ("化工材料", "复合材料", "新材料销售"), ("碳纤维", "特种涂料", "锂电隔膜"),
             (8, 250), (0.03, 0.18)),
    Industry("环保科技", "环保", "水处理和固废处置服务", ("水务", "环境工程", "再生资源"), ("污水处理服务", "固废处置", "环保设备"),
             (5, 150), (0.04, 0.14)),
)

BOARDS = (("600", ".SH"), ("601", ".SH"), ("603", ".SH"), ("688", ".SH"), ("000", ".SZ"), ("002", ".SZ"), ("300", ".SZ"))
AUDITORS = ("立信华明会计师事务所（特殊普通合伙）", "天衡中汇会计师事务所（特殊普通合伙）", "中兴信永会计师事务所（特殊普通合伙）",
            "德勤安永华振会计师事务所（特殊普通合伙）")


@dataclass(frozen=True)
class Subsidiary:
    name: str
    share: int  # percent held
    business: str


@dataclass(frozen=True)
class FictionalCompany:
    """One listed company and the figures its report for ``year`` discloses (yuan; [this, last])."""

    name: str
    short: str
    code: str
    industry: Industry
    legal_rep: str
    cfo: str
    auditor: str
    subsidiaries: tuple[Subsidiary, ...]
    year: int
    revenue: tuple[float, float]
    net_profit: tuple[float, float]
    deducted_profit: tuple[float, float]
    op_cash_flow: tuple[float, float]
    total_assets: tuple[float, float]
    equity: tuple[float, float]
    shares: float

    def eps(self, index: int) -> float:
        return round(self.net_profit[index] / self.shares, 2)

    def roe(self, index: int) -> float:
        return round(self.net_profit[index] / self.equity[index] * 100, 2)


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _pair(rng: random.Random, now: float, swing: float) -> tuple[float, float]:
    """This year's and last year's value, last year within ``swing`` of this year."""
    return now, now / (1 + rng.uniform(-swing, swing))


def make_company(rng: random.Random, year: int = 2023) -> FictionalCompany:
    """A new fictional company; its subsidiaries share its brand stem."""
    stem = rng.choice(STEMS)
    industry = rng.choice(INDUSTRIES)
    prefix, suffix = rng.choice(BOARDS)
    low, high = industry.revenue_range
    revenue = _pair(rng, math.exp(rng.uniform(math.log(low), math.log(high))) * 1e8, 0.3)
    net = tuple(r * rng.uniform(*industry.margin) for r in revenue)
    assets = _pair(rng, revenue[0] * rng.uniform(1.2, 3.0), 0.15)
    equity = tuple(a * rng.uniform(0.35, 0.7) for a in assets)
    subs = tuple(Subsidiary(f"{stem}{business}有限公司", rng.choice((51, 60, 70, 80, 100, 100)), business)
                 for business in rng.sample(industry.subsidiaries, 2))
    return FictionalCompany(
        name=f"{stem}{industry.word}股份有限公司", short=f"{stem}{industry.short}",
        code=f"{prefix}{rng.randint(0, 999):03d}{suffix}", industry=industry, legal_rep=person(rng), cfo=person(rng),
        auditor=rng.choice(AUDITORS), subsidiaries=subs, year=year, revenue=revenue,
        net_profit=(net[0], net[1]), deducted_profit=(net[0] * rng.uniform(0.85, 1.0), net[1] * rng.uniform(0.85, 1.0)),
        op_cash_flow=(net[0] * rng.uniform(0.6, 1.5), net[1] * rng.uniform(0.6, 1.5)), total_assets=assets,
        equity=(equity[0], equity[1]), shares=round(revenue[0] / rng.uniform(5, 40), -6),
    )


def change(now: float, before: float) -> tuple[str, str | None]:
    """A year-on-year change as reports phrase it: ("增长", "17.50%"), ("下降", "3.20%"), ("由盈转亏", None)."""
    if now < 0 <= before:
        return "由盈转亏", None
    if before < 0 <= now:
        return "扭亏为盈", None
    rate = (now - before) / abs(before) * 100
    return ("增长" if rate >= 0 else "下降"), f"{abs(rate):.2f}%"
