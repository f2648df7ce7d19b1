"""Seeded templated finance news with planted reposts and template look-alikes, to measure dedup.

Reposts are what the same story looks like after copying around the web: a figure changed,
a sentence dropped, digits and letters turned full-width, Chinese punctuation turned ASCII, two
clauses swapped, a repost note put in front (转载自…：) or a disclaimer after it (免责声明：…),
one to three of these at once. They must be found. Look-alikes are other stories written from
the same sentence templates in the same order, about another company with other figures, as a
newswire writes them every day. They must be kept apart.

``repost_set`` returns the shuffled documents with the truth; ``RepostSet.quality`` scores a
dedup's clusters on it. The benchmark (benchmarks/dedup.py) and the dedup tests share it.
Not registered as a pipeline source: it returns a measured set, not records to train on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

BRAND = "华中金泰安盛恒瑞康达隆兴宏远鑫源海天润丰嘉祥永信国博明辉正汇东方新晨光宇通力诚德"
INDUSTRY = ["科技", "银行", "证券", "医药", "能源", "汽车", "食品", "地产", "化工", "电子", "保险", "物流",
            "传媒", "建材", "钢铁", "电力", "军工", "农业", "航空", "零售", "半导体", "光伏", "环保", "通信"]
SUFFIX = ["股份有限公司", "集团", "控股", "实业", "股份"]
MARKET = [".SH", ".SZ"]
PEOPLE = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
CITY = ["上海", "深圳", "北京", "杭州", "广州", "成都", "南京", "苏州", "武汉", "重庆", "西安", "合肥"]
PRODUCT = ["动力电池", "储能系统", "创新药", "白酒", "光伏组件", "芯片", "新能源车", "理财产品", "云服务",
           "工业机器人", "特高压设备", "锂矿", "冷链物流", "航空发动机", "医疗器械", "智能手机"]
TEMPLATES = [
    "{co}（{tk}）发布{y}年年度报告，公司全年实现营业收入{m}亿元，同比增长{p}%。",
    "报告期内，{co}归属于上市公司股东的净利润为{m}亿元，较上年同期下降{p}%。",
    "截至{d}，{co}总资产达到{m}亿元，资产负债率为{p}%，较年初变动{q}个百分点。",
    "{co}董事会审议通过利润分配预案，拟向全体股东每10股派发现金红利{s}元（含税）。",
    "{y}年第{n}季度，公司{pr}业务实现收入{m}亿元，占主营业务收入的比重为{p}%。",
    "公司经营活动产生的现金流量净额为{m}亿元，同比增加{p}%，主要系{pr}回款增加所致。",
    "{co}公告称，公司拟以自有资金不低于{s}亿元回购股份，回购价格不超过每股{s}元。",
    "分析师{ps}表示，{co}的毛利率有望在{y}年提升至{p}%，维持“买入”评级，目标价{s}元。",
    "{d}，{co}股价收涨{p}%，报{s}元，成交额{m}亿元，总市值约{k}亿元。",
    "公司在{ct}投资建设年产{n}万吨{pr}项目，预计总投资额为{m}亿元，建设周期{n}个月。",
    "{co}与{ct}市政府签署战略合作协议，双方将在{pr}领域开展合作，协议金额约{m}亿元。",
    "受原材料价格波动影响，{co}{pr}产品毛利率同比下降{q}个百分点至{p}%。",
    "公司研发投入{m}亿元，占营业收入的比例为{p}%，研发人员数量达到{k}人。",
    "{co}控股股东{ps}先生计划在未来6个月内增持公司股份，增持金额不低于{s}亿元。",
    "据统计，{y}年{ct}地区{pr}销量为{k}万台，{co}市场占有率约为{p}%，位居行业第{n}。",
    "公司应收账款余额为{m}亿元，坏账准备计提比例为{p}‰，整体回款情况良好。",
    "{co}发行{n}年期公司债券{s}亿元，票面利率{q}%，募集资金将用于偿还有息负债。",
    "{co}海外业务收入{m}亿元，同比增长{p}%，其中{ct}子公司贡献收入约{s}亿元。",
    "公司预计{y}年上半年净利润为{s}亿元至{m}亿元，同比增长{p}%至{k}%。",
    "监管部门对{co}出具警示函，要求公司就{pr}业务信息披露问题于{d}前完成整改。",
    "{co}完成对{ct}某{pr}企业{p}%股权的收购，交易对价为人民币{m}亿元。",
    "公司期间费用率为{p}%，其中销售费用{s}亿元，管理费用{m}亿元，财务费用{q}亿元。",
    "{co}员工持股计划覆盖员工{k}人，股票来源为公司回购专用账户已回购的股份。",
    "截至{d}，公司在手订单金额约为{m}亿元，较上年末增长{p}%，订单饱满。",
    "{co}宣布{pr}新品将于{d}在{ct}正式发布，预计首年销售额超过{s}亿元。",
    "公司存货周转天数为{n}天，较上年减少{q}天；应付账款周转天数为{k}天。",
    "{co}拟定增募资不超过{m}亿元，用于{pr}产能扩建及补充流动资金。",
    "本季度公司加权平均净资产收益率为{p}%，基本每股收益{q}元，稀释每股收益{q}元。",
    "{ps}女士辞去{co}财务总监职务，辞职后将不在公司担任任何职务。",
    "行业数据显示，{y}年{pr}市场规模达到{k}亿元，预计未来三年复合增长率为{p}%。",
    "{co}获得{ct}银行授信额度{m}亿元，授信期限{n}年，可用于{pr}项目贷款。",
    "公司商誉账面价值{m}亿元，本期计提商誉减值准备{s}亿元，主要涉及{pr}子公司。",
]
SITES = ["新浪财经", "东方财富网", "证券时报", "财联社", "雪球", "同花顺财经", "中国证券报", "上海证券报"]
REPOST_NOTES = ["转载自{site}：", "【转载自{site}】", "本文转载自{site}，", "来源：{site}\n", "转载自 {site}\n"]
DISCLAIMERS = [
    "\n免责声明：本文仅代表作者个人观点，不构成投资建议。股市有风险，投资需谨慎。",
    "免责声明：本文内容仅供参考，不构成任何投资建议，据此操作风险自担。",
    "\n\n免责声明：本站转载的文章版权归原作者所有，如有侵权请联系删除。",
]
ASCII_PUNCTUATION = str.maketrans({"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")",
                                   "“": '"', "”": '"'})
FULL_WIDTH = str.maketrans({chr(cp): chr(cp + 0xFEE0) for cp in range(0x21, 0x7F)})
_NUMBER = re.compile(r"\d+(?:\.\d+)?")

# How often each edit is picked for a repost (one to three edits per repost).
EDIT_WEIGHTS = {
    "changed_figure": 3, "dropped_sentence": 3, "full_width": 2, "punctuation": 2,
    "reordered_clause": 2, "repost_prefix": 3, "disclaimer_suffix": 3,
}


def _company(rng: random.Random) -> tuple[str, str]:
    name = "".join(rng.sample(BRAND, 2)) + rng.choice(INDUSTRY) + rng.choice(SUFFIX)
    return name, f"{rng.randrange(1, 999999):06d}{rng.choice(MARKET)}"


def _sentence(rng: random.Random, template: str, co: str, tk: str) -> str:
    return template.format(
        co=co, tk=tk, y=rng.randrange(2015, 2025), n=rng.randrange(1, 12),
        m=f"{rng.uniform(1, 3000):,.2f}", p=f"{rng.uniform(0.1, 80):.2f}", q=f"{rng.uniform(0.1, 9):.2f}",
        s=f"{rng.uniform(1, 300):.2f}", k=rng.randrange(100, 99999),
        d=f"{rng.randrange(2015, 2025)}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日",
        ps=rng.choice(PEOPLE) + "某", ct=rng.choice(CITY), pr=rng.choice(PRODUCT),
    )


def story_templates(rng: random.Random, max_chars: int = 600) -> list[str]:
    """The sentence templates of one story, in order: about 200-600 characters once filled."""
    target = rng.randrange(200, max_chars)
    chosen: list[str] = []
    length = 0
    for template in rng.sample(TEMPLATES, len(TEMPLATES)):
        size = len(template) + 12  # filled-in names and figures add about this much
        if length + size > max_chars:
            continue
        chosen.append(template)
        length += size
        if length >= target:
            break
    return chosen


def write_story(rng: random.Random, templates: Sequence[str]) -> list[str]:
    """The sentences of one story from ``templates``, about a newly drawn company."""
    co, tk = _company(rng)
    return [_sentence(rng, template, co, tk) for template in templates]


# --- edits --------------------------------------------------------------------------------


def _changed_figure(rng: random.Random, sentences: list[str]) -> list[str]:
    spots = [(i, m) for i, s in enumerate(sentences) for m in _NUMBER.finditer(s)]
    i, match = rng.choice(spots)
    figure = match.group()
    digits = [k for k, c in enumerate(figure) if c.isdigit()]
    k = rng.choice(digits)
    changed = figure[:k] + rng.choice([d for d in "0123456789" if d != figure[k]]) + figure[k + 1 :]
    sentence = sentences[i]
    return sentences[:i] + [sentence[: match.start()] + changed + sentence[match.end() :]] + sentences[i + 1 :]


def _dropped_sentence(rng: random.Random, sentences: list[str]) -> list[str]:
    drop = rng.randrange(len(sentences))
    return sentences[:drop] + sentences[drop + 1 :]


def _reordered_clause(rng: random.Random, sentences: list[str]) -> list[str]:
    """Two neighbouring clauses of one sentence swapped, or two sentences where none has two."""
    many = [i for i, s in enumerate(sentences) if s.count("，") >= 2]
    if not many:
        i = rng.randrange(len(sentences) - 1)
        return sentences[:i] + [sentences[i + 1], sentences[i]] + sentences[i + 2 :]
    i = rng.choice(many)
    clauses = sentences[i][:-1].split("，")
    j = rng.randrange(1, len(clauses) - 1)  # keep the first clause, which names the subject
    clauses[j], clauses[j + 1] = clauses[j + 1], clauses[j]
    return sentences[:i] + ["，".join(clauses) + sentences[i][-1]] + sentences[i + 1 :]


CONTENT_EDITS: dict[str, Callable[[random.Random, list[str]], list[str]]] = {
    "changed_figure": _changed_figure,
    "dropped_sentence": _dropped_sentence,
    "reordered_clause": _reordered_clause,
}


def repost(rng: random.Random, sentences: list[str], edits: Iterable[str]) -> str:
    """A copy of the story ``sentences`` with ``edits`` (names in ``EDIT_WEIGHTS``) applied:
    content first, then formatting, then the repost note and disclaimer around it."""
    edits = set(edits)
    for name, edit in CONTENT_EDITS.items():
        if name in edits:
            sentences = edit(rng, sentences)
    text = "".join(sentences)
    if "punctuation" in edits:
        text = text.translate(ASCII_PUNCTUATION)
    if "full_width" in edits:
        text = text.translate(FULL_WIDTH)
    if "repost_prefix" in edits:
        text = rng.choice(REPOST_NOTES).format(site=rng.choice(SITES)) + text
    if "disclaimer_suffix" in edits:
        text += rng.choice(DISCLAIMERS)
    return text


# --- the set ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepostSet:
    """Documents as ``(id, text)`` and the truth about them."""

    items: list[tuple[str, str]]
    groups: list[list[str]]  # planted groups: the original first, then its reposts
    negatives: list[tuple[str, str]]  # an original and a look-alike from the same templates
    edits: dict[str, tuple[str, ...]]  # the edits of each repost

    def true_pairs(self) -> set[frozenset[str]]:
        return {frozenset(p) for group in self.groups for p in combinations(group, 2)}

    def quality(self, clusters: Iterable[Sequence[str]]) -> tuple[float, float, int]:
        """(precision, recall, look-alike pairs merged) of ``clusters`` (groups of ids), counted
        on pairs: two documents in one cluster against two in one planted group."""
        found = {frozenset(p) for cluster in clusters for p in combinations(cluster, 2)}
        truth = self.true_pairs()
        hits = len(found & truth)
        merged = sum(frozenset(pair) in found for pair in self.negatives)
        return (hits / len(found) if found else 1.0), (hits / len(truth) if truth else 1.0), merged


def repost_set(
    n_docs: int, seed: int = 7, repost_share: float = 0.08, negative_share: float = 0.05
) -> RepostSet:
    """``n_docs`` documents: stories, for ``repost_share`` of them one or two reposts, and for
    ``negative_share`` of them a look-alike. The same seed always gives the same set."""
    rng = random.Random(seed)
    texts: list[str] = []
    groups: list[list[int]] = []
    negatives: list[tuple[int, int]] = []
    edits: dict[int, tuple[str, ...]] = {}
    names, weights = list(EDIT_WEIGHTS), list(EDIT_WEIGHTS.values())
    while len(texts) < n_docs:
        templates = story_templates(rng)
        sentences = write_story(rng, templates)
        original = len(texts)
        texts.append("".join(sentences))
        if rng.random() < negative_share and len(texts) < n_docs:
            negatives.append((original, len(texts)))
            texts.append("".join(write_story(rng, templates)))
        if rng.random() < repost_share:
            group = [original]
            for _ in range(rng.choice((1, 1, 2))):
                if len(texts) >= n_docs:
                    break
                chosen: set[str] = set()
                count = rng.choice((1, 2, 2, 3))
                while len(chosen) < count:
                    chosen.add(rng.choices(names, weights)[0])
                edits[len(texts)] = tuple(sorted(chosen))
                group.append(len(texts))
                texts.append(repost(rng, sentences, chosen))
            if len(group) > 1:
                groups.append(group)
    order = list(range(len(texts)))
    rng.shuffle(order)
    ids = {old: f"r{new:06d}" for new, old in enumerate(order)}
    items = [(ids[old], texts[old]) for old in order]
    return RepostSet(
        items=items,
        groups=[[ids[n] for n in group] for group in groups],
        negatives=[(ids[a], ids[b]) for a, b in negatives],
        edits={ids[n]: e for n, e in edits.items()},
    )
