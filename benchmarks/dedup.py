"""Benchmark: vertune's numpy MinHash LSH dedup against the straightforward datasketch loop.

Generates templated Chinese finance documents (200-600 characters) with planted near
duplicates (a few characters substituted, inserted or deleted, punctuation changed, two
sentences swapped), runs both pipelines in this process on the same documents, and prints
throughput, their ratio, precision and recall against the planted groups, and memory.

    .venv/bin/python benchmarks/dedup.py --docs 50000

Quality is measured on pairs: a predicted pair is two documents in one output cluster; a
true pair is two documents of one planted group (an original and its 1-2 variants; two
variants of one original are linked through it). The baseline uses ``MinHashLSH``'s default
band layout and, like ours, keeps a candidate only if its estimated Jaccard reaches the
threshold.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import time
import tracemalloc
from collections.abc import Callable, Sequence
from importlib.metadata import version
from itertools import combinations

import numpy as np
from datasketch import MinHash, MinHashLSH

from vertune.data.dedup import DEFAULT_NGRAM, DEFAULT_NUM_PERM, DEFAULT_THRESHOLD, components, dedup, shingle_text

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
PUNCT_SWAPS = {"，": "、", "。": "！", "、": "，", "；": "，", "：": "，"}


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


def make_document(rng: random.Random) -> list[str]:
    """One document as its sentences: 200-600 characters about one company."""
    co, tk = _company(rng)
    target = rng.randrange(200, 600)
    sentences: list[str] = []
    length = 0
    for template in rng.sample(TEMPLATES, len(TEMPLATES)):
        sentence = _sentence(rng, template, co, tk)
        if length + len(sentence) > 600:
            continue
        sentences.append(sentence)
        length += len(sentence)
        if length >= target:
            break
    return sentences


def near_copy(rng: random.Random, sentences: list[str]) -> str:
    """A variant with about one small edit per 100 characters."""
    sentences = list(sentences)
    if len(sentences) > 2 and rng.random() < 0.5:
        i = rng.randrange(len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    chars = list("".join(sentences))
    for _ in range(max(2, len(chars) // 100)):
        pos = rng.randrange(len(chars))
        edit = rng.choice(("substitute", "insert", "delete", "punctuation"))
        if edit == "substitute":
            chars[pos] = rng.choice(BRAND + "0123456789")
        elif edit == "insert":
            chars.insert(pos, rng.choice(BRAND))
        elif edit == "delete":
            del chars[pos]
        else:
            spots = [i for i, c in enumerate(chars) if c in PUNCT_SWAPS]
            if spots:
                spot = rng.choice(spots)
                chars[spot] = PUNCT_SWAPS[chars[spot]]
    return "".join(chars)


def make_corpus(n_docs: int, seed: int = 7, dup_share: float = 0.08) -> tuple[list[tuple[str, str]], list[list[int]]]:
    """``n_docs`` documents and the planted groups (indices: an original and 1-2 variants)."""
    rng = random.Random(seed)
    docs: list[str] = []
    groups: list[list[int]] = []
    while len(docs) < n_docs:
        sentences = make_document(rng)
        docs.append("".join(sentences))
        if rng.random() < dup_share:
            group = [len(docs) - 1]
            for _ in range(rng.choice((1, 1, 2))):
                if len(docs) < n_docs:
                    group.append(len(docs))
                    docs.append(near_copy(rng, sentences))
            if len(group) > 1:
                groups.append(group)
    order = list(range(n_docs))
    rng.shuffle(order)
    position = {old: new for new, old in enumerate(order)}
    items = [(f"d{new:06d}", docs[old]) for new, old in enumerate(order)]
    return items, [[position[i] for i in group] for group in groups]


def shingles(text: str, n: int = DEFAULT_NGRAM) -> set[str]:
    text = shingle_text(text)
    return {text[i : i + n] for i in range(max(len(text) - n + 1, 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def baseline(items: Sequence[tuple[str, str]], threshold: float) -> list[list[int]]:
    """The straightforward datasketch pipeline: one ``update`` per shingle, insert, query, verify."""
    lsh = MinHashLSH(threshold=threshold, num_perm=DEFAULT_NUM_PERM)
    sketches = []
    for n, (_, text) in enumerate(items):
        m = MinHash(num_perm=DEFAULT_NUM_PERM, seed=1)
        for shingle in shingles(text):
            m.update(shingle.encode("utf-8"))
        lsh.insert(n, m)
        sketches.append(m)
    pairs = [
        (n, other)
        for n, m in enumerate(sketches)
        for other in lsh.query(m)
        if other > n and m.jaccard(sketches[other]) >= threshold
    ]
    return [group for group in components(len(items), pairs) if len(group) > 1]


def ours(items: Sequence[tuple[str, str]], threshold: float) -> list[list[int]]:
    index = {item_id: n for n, (item_id, _) in enumerate(items)}
    result = dedup(items, threshold=threshold)
    return [[index[i] for i in cluster] for cluster in result.clusters]


def pairs_of(groups: list[list[int]]) -> set[tuple[int, int]]:
    return {(a, b) for group in groups for a, b in combinations(sorted(group), 2)}


def quality(predicted: list[list[int]], truth: set[tuple[int, int]]) -> tuple[float, float]:
    found = pairs_of(predicted)
    hits = len(found & truth)
    return (hits / len(found) if found else 1.0), (hits / len(truth) if truth else 1.0)


def timed(run: Callable[[], list[list[int]]]) -> tuple[list[list[int]], float, float]:
    """The result, wall seconds and CPU seconds of this process (robust to a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000, help="documents to generate (default 50000)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="Jaccard threshold (default 0.8)")
    args = parser.parse_args()

    items, planted = make_corpus(args.docs)
    truth = pairs_of(planted)
    rng = random.Random(1)
    texts = [text for _, text in items]
    direct = [jaccard(texts[g[0]], texts[v]) for g in planted for v in g[1:]]
    random_j = [jaccard(*rng.sample(texts, 2)) for _ in range(2000)]
    lengths = [len(t) for t in texts]
    print(f"docs: {len(items)}, chars {min(lengths)}-{max(lengths)} (mean {np.mean(lengths):.0f}), "
          f"planted groups: {len(planted)}, true pairs: {len(truth)}")
    print(f"true 5-gram Jaccard: original-variant min {min(direct):.3f} / p5 {np.percentile(direct, 5):.3f}"
          f" / median {np.median(direct):.3f}; 2000 random pairs max {max(random_j):.3f}")
    print(f"versions: python {platform.python_version()}, numpy {np.__version__}, datasketch {version('datasketch')}, "
          f"{os.cpu_count()} CPUs")

    mine, t_ours, cpu_ours = timed(lambda: ours(items, args.threshold))
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base, t_base, cpu_base = timed(lambda: baseline(items, args.threshold))
    rss_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    ours(items, args.threshold)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    p_ours, r_ours = quality(mine, truth)
    p_base, r_base = quality(base, truth)
    print(f"threshold {args.threshold}, num_perm {DEFAULT_NUM_PERM}, ngram {DEFAULT_NGRAM}")
    print(f"{'pipeline':<22}{'wall s':>8}{'CPU s':>8}{'docs/s':>9}{'precision':>11}{'recall':>8}")
    for name, wall, cpu, (precision, recall) in [
        ("datasketch baseline", t_base, cpu_base, (p_base, r_base)),
        ("vertune dedup", t_ours, cpu_ours, (p_ours, r_ours)),
    ]:
        print(f"{name:<22}{wall:>8.1f}{cpu:>8.1f}{len(items) / wall:>9.0f}{precision:>11.4f}{recall:>8.4f}")
    print(f"speed ratio (vertune / baseline): {t_base / t_ours:.1f}x wall, {cpu_base / cpu_ours:.1f}x CPU")
    print(f"peak memory: vertune dedup traced {traced_peak:.0f} MiB; process max RSS "
          f"{rss_ours:.0f} MiB after vertune, {rss_all:.0f} MiB after baseline")


if __name__ == "__main__":
    main()
