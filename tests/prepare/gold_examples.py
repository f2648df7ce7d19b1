"""Small gold annotations of every task type, and a config that names their tasks (test helpers)."""

from __future__ import annotations

from pathlib import Path

from vertune.config import Config, parse_config
from vertune.records import Annotation, Entity, QAPair, Relation, ReportField, content_id

FINANCE_SYNONYMS = str(Path(__file__).resolve().parents[2] / "examples" / "finance" / "lexicon" / "synonyms_zh_finance.txt")
CONFIG = """
project: prep-test
seed: 3
annotation:
  tasks:
    - {name: entities, tier: 1, type: entities, labels: [公司, 金额, 财务指标]}
    - {name: relations, tier: 1, type: relations, labels: [发布, 控股]}
    - {name: intent, tier: 2, type: intent}
    - {name: sentiment, tier: 2, type: sentiment, labels: [positive, neutral, negative]}
    - {name: fraud, tier: 2, type: classification, labels: [正常, 欺诈]}
    - {name: report_elements, tier: 3, type: extraction}
    - {name: qa, tier: 3, type: qa}
    - {name: summary, tier: 3, type: summary}
"""

TIERS = {"entities": 1, "relations": 1, "intent": 2, "sentiment": 2, "fraud": 2, "report_elements": 3, "qa": 3, "summary": 3}
REPORT = "贵州茅台（600519.SH）2023年营业收入1,476.94亿元，同比增长18.04%，净利润747.34亿元。"


def make_config(extra: str = "") -> Config:
    return parse_config(CONFIG + extra)


def gold(task: str, text: str, source: str = "news", doc: str | None = None, **fields) -> Annotation:
    meta = {"source_name": source, **fields.pop("meta", {})}
    return Annotation(doc_id=doc or content_id("doc", text), text=text, annotator="arbiter", tier=TIERS[task],
                      task=task, status="gold", meta=meta, **fields)


def entity(text: str, span: str, label: str) -> Entity:
    start = text.index(span)
    return Entity(start=start, end=start + len(span), label=label, text=span)


def one_of_each() -> list[Annotation]:
    """One gold annotation per task type, built on realistic finance text."""
    relation_text = "贵州茅台控股茅台酒销售公司，并发布了2023年年度报告。"
    return [
        gold("entities", REPORT, source="annual_reports",
             entities=[entity(REPORT, "贵州茅台", "公司"), entity(REPORT, "营业收入", "财务指标"),
                       entity(REPORT, "1,476.94亿元", "金额")]),
        gold("relations", relation_text, source="annual_reports",
             entities=[entity(relation_text, "贵州茅台", "公司"), entity(relation_text, "茅台酒销售公司", "公司"),
                       entity(relation_text, "2023年年度报告", "公司")],
             relations=[Relation(head=0, tail=1, label="控股"), Relation(head=0, tail=2, label="发布")]),
        gold("intent", "我的信用卡昨天被盗刷了两笔，怎么挂失？", source="service", intent="挂失"),
        gold("sentiment", "公司业绩大幅上涨，市场反应积极。", sentiment="positive"),
        gold("fraud", "凌晨3点异地登录后向陌生账户连续转账5笔，每笔49,999元。", source="trades", label="欺诈"),
        gold("report_elements", REPORT, source="annual_reports",
             fields=[ReportField(name="营业收入", period="2023年", value="1,476.94", unit="亿元"),
                     ReportField(name="净利润", period="2023年", value="747.34", unit="亿元")]),
        gold("qa", REPORT, source="annual_reports",
             qa=[QAPair(question="2023年营业收入是多少？", answer="1,476.94亿元"),
                 QAPair(question="营业收入同比增长多少？", answer="18.04%")]),
        gold("summary", "央行宣布下调存款准备金率0.5个百分点，释放长期资金约1万亿元，市场普遍认为此举将支持实体经济。",
             summary="央行降准0.5个百分点，释放约1万亿元长期资金。"),
    ]


def many_sentiments(n: int = 40) -> list[Annotation]:
    """``n`` distinct sentiment annotations from two sources, enough for every split to get some."""
    words = ["营收", "利润", "股价", "订单", "现金流", "毛利率", "市场份额", "客户数"]
    moods = [("大幅上涨", "positive"), ("保持稳定", "neutral"), ("明显下跌", "negative")]
    out = []
    for i in range(n):
        mood, label = moods[i % 3]
        text = f"第{i}号公司{words[i % len(words)]}{mood}，编号{1000 + i * 37}的公告于{2000 + i}年发布。"
        out.append(gold("sentiment", text, source=("news", "forum")[i % 2], sentiment=label))
    return out
