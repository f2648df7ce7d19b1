"""Rule pre-labellers on realistic sentences: what they find, with source and confidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from annotation_samples import EXAMPLE_TASKS, FINANCE_LEXICON, MakeDoc, example_task

from vertune.annotate.prelabel.entities import find_entities
from vertune.annotate.prelabel.labellers import (
    LABELLERS,
    best_prelabel,
    prelabel_documents,
)
from vertune.annotate.prelabel.relations import find_relations
from vertune.annotate.prelabel.sentiment import sentiment_score
from vertune.annotate.tasks import TaskSpec, resolve_task, resolve_tasks
from vertune.config import AnnotationConfig, AnnotationTask, TaskType
from vertune.data.sources import annual_report
from vertune.records import Document, ReportField


def spec_of(name: str, docs: list[Document] | None = None) -> TaskSpec:
    return example_task(name, docs or [])


def found(text: str) -> list[tuple[str, str]]:
    return [(entity.text, entity.label) for entity, _ in find_entities(text, FINANCE_LEXICON)]


def test_entities_in_an_earnings_sentence() -> None:
    assert found("贵州茅台2023年实现营业收入1,476.94亿元，同比增长18.04%，净利润747.34亿元。") == [
        ("贵州茅台", "公司"), ("2023年", "日期"), ("营业收入", "财务指标"), ("1,476.94亿元", "金额"),
        ("18.04%", "百分比"), ("净利润", "财务指标"), ("747.34亿元", "金额"),
    ]


def test_entities_suffix_companies_currency_and_tickers() -> None:
    assert found("公告显示华夏酿酒股份有限公司拟以¥3,000万元收购星河物流有限公司，股票代码600519.SH。") == [
        ("华夏酿酒股份有限公司", "公司"), ("¥3,000万元", "金额"), ("星河物流有限公司", "公司"), ("600519.SH", "股票代码"),
    ]


def test_entities_dates_points_and_generic_names() -> None:
    text = "招商银行2024年第一季度不良贷款率下降0.02个百分点，该银行将于2024-04-30披露年报，共发行3亿股。"
    assert found(text) == [("招商银行", "公司"), ("2024年第一季度", "日期"), ("不良贷款率", "财务指标"),
                           ("0.02个百分点", "百分比"), ("2024-04-30", "日期")]  # not 该银行, not 3亿股


def test_short_names_before_tickers_and_their_later_mentions() -> None:
    assert found("板块方面，东海银行（601968.SH）逆市上涨1.2%。东海银行2023年净利润189.64亿元。") == [
        ("东海银行", "公司"), ("601968.SH", "股票代码"), ("1.2%", "百分比"),
        ("东海银行", "公司"), ("2023年", "日期"), ("净利润", "财务指标"), ("189.64亿元", "金额"),
    ]


def test_people_after_a_role_word_and_products_after_a_lead_in() -> None:
    assert found("华夏证券分析师李明认为，本公司负责人王芳华保证报告真实。法定代表人：张伟") == [
        ("华夏证券", "公司"), ("李明", "人名"), ("王芳华", "人名"), ("张伟", "人名")]
    assert found("公司的主要产品包括光伏组件、储能电池和逆变器等产品。") == [
        ("光伏组件", "产品"), ("储能电池", "产品"), ("逆变器", "产品")]
    assert found("主要产品包括液晶电视和等离子电视。") == [("液晶电视", "产品"), ("等离子电视", "产品")]  # 等 starts a word


@pytest.mark.parametrize("text", [
    "分析师认为市场向好。",  # a role word with no name after it
    "李明认为市场向好。",  # a name with no role word before it is not guessed
    "分析师欧阳娜娜认为",  # a surname the lexicon does not list
    "公司产品销量增长。",  # no product list
    "主要产品包括的范围进一步扩大。",  # a lead-in that lists nothing
])
def test_no_person_or_product_without_its_shape(text: str) -> None:
    assert [label for _, label in found(text) if label in ("人名", "产品")] == []


def test_entity_labeller_keeps_only_the_task_labels(doc: MakeDoc) -> None:
    spec = spec_of("entities")  # no 百分比 / 股票代码 in the example's label set
    label = LABELLERS["entities"][0](spec, doc("news", "比亚迪毛利率提升至20.01%，股票代码002594.SZ。"))
    assert label is not None and [(e.text, e.label) for e in label.entities] == [("比亚迪", "公司"), ("毛利率", "财务指标")]
    assert label.meta["source"] == label.annotator == "rules:entities" and 0 < label.confidence <= 1


def relations(text: str) -> list[tuple[str, str, str]]:
    return [(head.text, tail.text, kind) for head, tail, kind, _ in find_relations(text, FINANCE_LEXICON)]


def test_relations_publish_and_control_patterns() -> None:
    assert relations("宁德时代2023年营业收入4,009.17亿元，归母净利润441.21亿元。") == [
        ("宁德时代", "营业收入", "publish"), ("宁德时代", "归母净利润", "publish")]
    assert relations("华夏酿酒股份有限公司拟以¥3,000万元收购星河物流有限公司51%股权。") == [
        ("华夏酿酒股份有限公司", "星河物流有限公司", "control")]
    assert relations("恒力精工机械股份有限公司为云帆智能科技股份有限公司的控股股东。") == [
        ("恒力精工机械股份有限公司", "云帆智能科技股份有限公司", "control")]
    assert relations("星河物流有限公司是华夏酿酒股份有限公司的全资子公司。") == [
        ("华夏酿酒股份有限公司", "星河物流有限公司", "control")]  # the parent is the head
    assert relations("星河物流有限公司与华夏酿酒股份有限公司签署合作协议。") == []


def test_relation_labeller_indexes_its_entities(doc: MakeDoc) -> None:
    label = LABELLERS["relations"][0](spec_of("relations"), doc("news", "东海商业银行持有云帆智能科技股份有限公司30%的股份。"))
    assert label is not None
    (relation,) = label.relations
    assert (label.entities[relation.head].text, label.entities[relation.tail].text, relation.label) == (
        "东海商业银行", "云帆智能科技股份有限公司", "控股")


@pytest.mark.parametrize(("text", "sign"), [
    ("业绩超预期，利润大幅增长，继续看好！", 1),
    ("解决了，你们效率真高👍", 1),
    ("对这次服务很不满意，太坑了", -1),
    ("净利润没有增长，反而下降", -1),   # negated positive + negative
    ("公司发布了2023年年度报告。", 0),
])
def test_sentiment_lexicon_with_negation(text: str, sign: int) -> None:
    score, _ = sentiment_score(text, FINANCE_LEXICON)
    assert (score > 0) - (score < 0) == sign


def test_sentiment_labeller_maps_custom_label_names(doc: MakeDoc) -> None:
    spec = resolve_task(AnnotationTask(name="s", tier=2, type="sentiment", labels=["正面", "中性", "负面"]), [], lexicon=FINANCE_LEXICON)
    negative = LABELLERS["sentiment"][1](spec, doc("forum", "业绩暴跌，太失望，气死了"))
    neutral = LABELLERS["sentiment"][1](spec, doc("news", "公司召开股东大会。"))
    assert negative.sentiment == "负面" and negative.confidence > neutral.confidence
    assert neutral.sentiment == "中性" and neutral.confidence == 0.4


def test_intent_keywords_and_known_answers_rank_first(doc: MakeDoc) -> None:
    dialogue = doc("service", "客户：我卡丢了，赶紧帮我挂失，要补卡吗", intent="挂失补卡")
    spec = spec_of("intent", [dialogue, doc("service", "余额", intent="查询余额")])
    labels = prelabel_documents(spec, [dialogue])
    assert [(p.annotator, p.intent) for p in labels] == [("known:meta", "挂失补卡"), ("rules:intent_keywords", "挂失补卡")]
    assert best_prelabel(spec, labels).annotator == "known:meta"


def test_known_fraud_flag_maps_to_the_label_pair(doc: MakeDoc) -> None:
    spec = spec_of("fraud")
    fraud, normal = doc("trades", "转账", is_fraud=1), doc("trades", "消费", is_fraud=0)
    assert [p.label for p in prelabel_documents(spec, [fraud, normal])] == ["欺诈", "正常"]
    from_table = [doc("trades", "转账", is_fraud="1"), doc("trades", "消费", is_fraud="0"), doc("trades", "取现", is_fraud="?")]
    assert [p.label for p in prelabel_documents(spec, from_table) if p.annotator == "known:meta"] == ["欺诈", "正常"]


def report(doc: MakeDoc, **meta: object) -> Document:
    elements = [{"name": "营业收入", "period": "2023年", "value": 1476.94, "text": "1,476.94", "unit": "亿元", "page": 3},
                {"name": "基本每股收益", "period": "2023年", "value": 59.0, "text": "59", "unit": "元/股", "page": 3}]
    return doc("annual_reports", "贵州茅台2023年营业收入1,476.94亿元。基本每股收益59元。", title="贵州茅台2023年年度报告",
               elements=elements, **meta)


def test_qa_from_report_elements(doc: MakeDoc) -> None:
    (label,) = prelabel_documents(spec_of("qa"), [report(doc)])
    assert [(p.question, p.answer) for p in label.qa] == [
        ("贵州茅台2023年营业收入是多少？", "1,476.94亿元"), ("贵州茅台2023年基本每股收益是多少？", "59元/股")]
    assert label.annotator == "rules:qa_from_elements" and label.confidence == 0.9


def test_chunks_keep_only_the_elements_they_name(doc: MakeDoc) -> None:
    chunk = doc("annual_reports", "第二节 营业收入情况：全年营业收入稳步增长。", parent_id="p1", company="贵州茅台",
                elements=[{"name": "营业收入", "period": "2023年", "value": 1.5, "unit": "亿元"},
                          {"name": "净利润", "period": "2023年", "value": 0.7, "unit": "亿元"}])
    (extraction,) = prelabel_documents(spec_of("report_elements"), [chunk])
    assert extraction.fields == [ReportField(name="营业收入", period="2023年", value="1.5", unit="亿元")]  # no "text": the number plainly


def test_a_figure_in_prose_is_a_field_with_the_number_as_written(doc: MakeDoc) -> None:
    text = "报告期内，公司实现营业收入1,137.37亿元，同比增长8.2%；基本每股收益0.52元。"
    report_doc = annual_report.enrich(doc("annual_reports", text, title="某某股份2023年年度报告", kind="annual_report"))
    (extraction,) = prelabel_documents(spec_of("report_elements"), [report_doc])
    assert extraction.fields == [ReportField(name="营业收入", period="2023年", value="1,137.37", unit="亿元"),
                                 ReportField(name="基本每股收益", period="2023年", value="0.52", unit="元/股")]
    assert extraction.qa == []


def test_qa_from_a_forum_thread(doc: MakeDoc) -> None:
    thread = doc("forum", "问：国债逆回购安全吗\n\n答（9赞）：风险很低。", question="国债逆回购安全吗",
                 answers=[{"text": "风险很低，由交易所担保。", "votes": 9}])
    (label,) = prelabel_documents(spec_of("qa"), [thread])
    assert (label.qa[0].question, label.qa[0].answer, label.confidence) == ("国债逆回购安全吗", "风险很低，由交易所担保。", 0.6)


def test_extractive_summary_takes_lead_and_figure_sentences(doc: MakeDoc) -> None:
    text = ("白酒行业2024年展望。高端白酒需求保持稳健。渠道库存处于低位。经销商信心恢复。"
            "贵州茅台2023年营业收入1,476.94亿元，同比增长18.04%。风险提示：消费复苏不及预期。")
    (label,) = prelabel_documents(spec_of("summary"), [doc("research", text)])
    assert label.summary == "白酒行业2024年展望。高端白酒需求保持稳健。贵州茅台2023年营业收入1,476.94亿元，同比增长18.04%。"


def test_every_prelabel_names_its_source_and_confidence(finance_docs: list[Document]) -> None:
    for task in EXAMPLE_TASKS:
        spec = resolve_task(task, finance_docs, lexicon=FINANCE_LEXICON)
        labels = prelabel_documents(spec, [d for d in finance_docs if spec.selects(d)])
        assert labels, task.name
        for label in labels:
            assert label.meta["source"] == label.annotator and label.status == "pre-labelled"
            assert label.confidence is not None and 0.0 <= label.confidence <= 1.0


MEDICAL_LEXICON = """\
# A hospital project's vocabulary: institutions by name and suffix, lab tests as indicators.
entity_labels: {company: 医疗机构, indicator: 检验指标, date: 日期, percent: 百分比}
companies: [北京协和医院]
company_suffixes: [人民医院, 医院, 卫生院, 诊所]
company_generic_prefixes: [该, 本, 我, 上级]
company_cut_words: [就诊于, 转入, 前往]
indicators: [血红蛋白, 白细胞计数, 空腹血糖, 糖化血红蛋白]
"""
MEDICAL_NOTE = ("患者2024年3月5日就诊于北京协和医院，空腹血糖7.8mmol/L，糖化血红蛋白较上月升高12%，"
                "自付费用3,000元，次日转入滨江县人民医院，建议前往上级医院复查。")


def test_a_medical_lexicon_drives_the_entity_prelabeller(tmp_path: Path, doc: MakeDoc) -> None:
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "medical.yaml").write_text(MEDICAL_LEXICON, encoding="utf-8")
    config = AnnotationConfig(lexicon="lexicon/medical.yaml", tasks=[AnnotationTask(name="ner", tier=1, type="entities")])
    (spec,) = resolve_tasks(config, [], base_dir=tmp_path)
    assert spec.labels == ("医疗机构", "检验指标", "日期", "百分比")
    (label,) = prelabel_documents(spec, [doc("emr", MEDICAL_NOTE)])
    assert [(e.text, e.label) for e in label.entities] == [
        ("2024年3月5日", "日期"), ("北京协和医院", "医疗机构"), ("空腹血糖", "检验指标"), ("糖化血红蛋白", "检验指标"),
        ("12%", "百分比"), ("滨江县人民医院", "医疗机构"),
    ]  # 3,000元 is an amount, a kind this lexicon does not label; no finance word is known


def test_without_a_lexicon_the_rules_that_need_one_stay_silent(doc: MakeDoc) -> None:
    def spec(name: str, task_type: TaskType, labels: list[str]) -> TaskSpec:
        return resolve_task(AnnotationTask(name=name, tier=1, type=task_type, labels=labels), [])

    report = doc("news", "贵州茅台2023年实现营业收入1,476.94亿元，同比增长18.04%，业绩超预期。客户：我卡丢了，帮我挂失。")
    assert prelabel_documents(spec("e", "entities", ["公司", "金额", "日期"]), [report]) == []
    assert prelabel_documents(spec("s", "sentiment", ["positive", "neutral", "negative"]), [report]) == []
    assert prelabel_documents(spec("i", "intent", ["挂失补卡", "查询余额"]), [report]) == []
    text = "白酒行业2024年展望。高端白酒需求保持稳健。渠道库存处于低位。贵州茅台2023年营业收入1,476.94亿元，同比增长18.04%。"
    (summary,) = prelabel_documents(spec("m", "summary", []), [doc("research", text)])
    assert summary.summary == "白酒行业2024年展望。高端白酒需求保持稳健。"  # lead sentences; figures need the lexicon


@pytest.mark.parametrize("text", [
    "密码忘了，登不上证券APP", "登不上掌上银行怎么办", "请不要出租、出借银行账户。", "钱包被偷了，里面有你们银行的卡",
    "前20个交易日日均证券资产不低于50万元", "上海证券交易所发布新规", "想买点天天利货币基金",
])
def test_a_company_suffix_does_not_swallow_a_verb_phrase_or_run_into_a_longer_word(text: str) -> None:
    assert [name for name, label in found(text) if label == "公司"] == []


def test_suffix_names_keep_their_whole_name_and_alias_markers_name_companies() -> None:
    assert [name for name, label in found("收到恒力精工机械股份有限公司代发工资") if label == "公司"] == ["恒力精工机械股份有限公司"]
    text = "我们审计了东海商业银行股份有限公司（以下简称“东海银行”）财务报表。股票简称：华夏酿酒　股票代码：600828"
    assert [name for name, label in found(text) if label == "公司"] == ["东海商业银行股份有限公司", "东海银行", "华夏酿酒"]
    assert found("在证券交易所上市交易的公司（以下简称上市公司）及其董事") == []  # a defined term, no name


def test_relations_follow_gongsi_to_the_documents_own_company() -> None:
    text = "华夏酿酒股份有限公司主要从事白酒生产。公司持有星河物流有限公司51%股权。报告期内，公司实现营业收入186.52亿元；实现归母净利润72.16亿元。"
    assert relations(text) == [("华夏酿酒股份有限公司", "星河物流有限公司", "control"),
                               ("华夏酿酒股份有限公司", "营业收入", "publish"), ("华夏酿酒股份有限公司", "归母净利润", "publish")]
    assert relations("星河物流有限公司为公司的全资子公司。") == []  # no company named: nothing to refer to


def test_the_title_names_the_own_company_and_gaisi_the_last_one_named() -> None:
    text = "星河物流有限公司为华夏酿酒股份有限公司的全资子公司。本公司实现营业收入186.52亿元。"
    titled = [(h.text, t.text, kind) for h, t, kind, _ in find_relations(text, FINANCE_LEXICON, "华夏酿酒股份有限公司2023年年度报告")]
    assert titled[1:] == [("华夏酿酒股份有限公司", "营业收入", "publish")]
    assert relations(text)[1:] == [("星河物流有限公司", "营业收入", "publish")]  # untitled: the first company named
    text = "华夏酿酒股份有限公司年报发布。星河物流有限公司为公司的全资子公司。该公司实现营业收入3.5亿元。本公司实现营业收入186.52亿元。"
    assert relations(text) == [("华夏酿酒股份有限公司", "星河物流有限公司", "control"),
                               ("星河物流有限公司", "营业收入", "publish"), ("华夏酿酒股份有限公司", "营业收入", "publish")]


def test_gongsi_inside_a_word_refers_to_no_one() -> None:
    assert relations("华夏酿酒股份有限公司发布年报。其子公司实现营业收入10亿元，纳入公司合并报表。") == []


def test_a_generated_news_article_is_summarised_by_its_editors_summary(doc: MakeDoc) -> None:
    spec = spec_of("summary")
    article = doc("news", "3月28日晚间，华夏酿酒（600828.SH）发布2023年年度报告。报告显示，公司全年实现营业收入186.52亿元。",
                  truth={"summary": "华夏酿酒2023年营业收入186.52亿元。"})
    best = best_prelabel(spec, prelabel_documents(spec, [article]))
    assert best is not None and best.summary == "华夏酿酒2023年营业收入186.52亿元。" and best.annotator == "known:meta"
    piece = doc("news", article.text, truth={"summary": "华夏酿酒2023年营业收入186.52亿元。"}, chunk_count=2)
    assert best_prelabel(spec, prelabel_documents(spec, [piece])).annotator == "rules:extractive_summary"


@pytest.mark.parametrize(("value", "written"), [(1476.94, "1476.94"), (59.0, "59"), (1e-7, "0.0000001"),
                                                 (123456789012.5, "123456789012.5"), (-0.25, "-0.25"), (7, "7")])
def test_an_element_without_its_written_text_gets_a_plain_number_the_field_reader_accepts(value, written) -> None:
    from vertune.annotate.prelabel.extraction import written_value
    from vertune.figures import parse_number

    assert written_value({"name": "营业收入", "value": value}) == written
    assert parse_number(written) == pytest.approx(value)
