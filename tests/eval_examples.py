"""Domain test samples of every task type, made the way prepare makes them (test helpers)."""

from __future__ import annotations

from vertune.prepare.samples import TaskSpec, build_samples
from vertune.records import Annotation, Entity, QAPair, Relation, ReportField, Sample, content_id

REPORT = "贵州茅台（600519.SH）2023年营业收入1,476.94亿元，同比增长18.04%，净利润747.34亿元，研发投入不多。"
SPECS = {
    "entities": TaskSpec("entities", "entities", 1, ("公司", "金额", "财务指标")),
    "relations": TaskSpec("relations", "relations", 1, ("发布", "控股")),
    "intent": TaskSpec("intent", "intent", 2, ("挂失", "查询余额")),
    "sentiment": TaskSpec("sentiment", "sentiment", 2, ("positive", "neutral", "negative")),
    "fraud": TaskSpec("fraud", "classification", 2, ("正常", "欺诈")),
    "report_elements": TaskSpec("report_elements", "extraction", 3),
    "qa": TaskSpec("qa", "qa", 3),
    "summary": TaskSpec("summary", "summary", 3),
}
TASKS = {name: {"name": s.name, "type": s.type, "tier": s.tier, "labels": list(s.labels)} for name, s in SPECS.items()}


def _gold(task: str, text: str, **fields) -> Annotation:
    return Annotation(doc_id=content_id("doc", text), text=text, annotator="arbiter", tier=SPECS[task].tier,
                      task=task, status="gold", **fields)


def _entity(text: str, span: str, label: str) -> Entity:
    start = text.index(span)
    return Entity(start=start, end=start + len(span), label=label, text=span)


def annotations() -> list[Annotation]:
    relation_text = "贵州茅台控股茅台酒销售公司，并发布了2023年年度报告，营业收入1,000亿元。"
    return [
        _gold("entities", REPORT, entities=[_entity(REPORT, "贵州茅台", "公司"), _entity(REPORT, "营业收入", "财务指标"),
                                            _entity(REPORT, "1,476.94亿元", "金额")]),
        _gold("relations", relation_text,
              entities=[_entity(relation_text, "贵州茅台", "公司"), _entity(relation_text, "茅台酒销售公司", "公司"),
                        _entity(relation_text, "2023年年度报告", "公司")],
              relations=[Relation(head=0, tail=1, label="控股"), Relation(head=0, tail=2, label="发布")]),
        _gold("intent", "我的信用卡昨天被盗刷了两笔，共3,200元，账户余额不足，怎么挂失？", intent="挂失"),
        _gold("sentiment", "公司营业收入大幅上涨，净利润增长1200万元，市场反应积极。", sentiment="positive"),
        _gold("sentiment", "公司净利润没有增长，存货增加了3000吨，投资者并不满意。", sentiment="negative"),
        _gold("fraud", "凌晨3点异地登录后向陌生账户连续转账5笔，每笔49,999元，账户余额不足100元，尾号0807。", label="欺诈"),
        _gold("report_elements", REPORT,
              fields=[ReportField(name="营业收入", period="2023年", value="1,476.94", unit="亿元"),
                      ReportField(name="净利润", period="2023年", value="747.34", unit="亿元")]),
        _gold("qa", REPORT, qa=[QAPair(question="2023年营业收入是多少？", answer="1,476.94亿元"),
                                QAPair(question="营业收入同比增长多少？", answer="18.04%")]),
        _gold("summary", "央行宣布下调存款准备金率0.5个百分点，释放长期资金约1万亿元，市场普遍认为此举将支持实体经济。",
              summary="央行降准0.5个百分点，释放约1万亿元长期资金。"),
    ]


def english_sample() -> Sample:
    text = "Acme Corp reported revenue of $1,200 million and sold 3000 shares; customers were not happy."
    annotation = Annotation(doc_id="en", text=text, annotator="arbiter", tier=2, task="sentiment", status="gold",
                            sentiment="negative")
    return build_samples(annotation, SPECS["sentiment"], "en")[0].model_copy(update={"split": "test"})


def domain_test_samples() -> list[Sample]:
    """Test-split samples of every task, sorted by (task, id) as prepare writes them."""
    samples = [s.model_copy(update={"split": "test"}) for a in annotations() for s in build_samples(a, SPECS[a.task], "zh")]
    return sorted(samples, key=lambda s: (s.task, s.id))
