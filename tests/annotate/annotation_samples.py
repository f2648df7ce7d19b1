"""Small, realistic finance documents and the example's tasks, built in code (no ingest).

A plain module (not conftest) so test files can import it by a unique name. ``EXAMPLE_TASKS``
mirrors the annotation tasks of ``examples/finance/vertune.yaml`` and ``FINANCE_LEXICON`` is
the example's lexicon, which that config names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from vertune.annotate.prelabel.lexicon import load_lexicon
from vertune.annotate.tasks import TaskSpec, resolve_task
from vertune.config import AnnotationTask
from vertune.records import Document

FINANCE_LEXICON_FILE = str(Path(__file__).resolve().parents[2] / "examples" / "finance" / "lexicon" / "zh_finance.yaml")
FINANCE_LEXICON = load_lexicon(FINANCE_LEXICON_FILE)

MakeDoc = Callable[..., Document]


def make_doc(source: str, text: str, title: str = "", kind: str = "document", **meta: Any) -> Document:
    return Document(source=f"{source}.jsonl", kind=kind, title=title, text=text, meta={"source_name": source, **meta})


DIALOGUES = [
    ("挂失补卡", "negative", "客户：我卡丢了，尾号{n}，赶紧帮我挂失！！\n客服：请您不要着急，我这边先帮您办理临时挂失。\n客户：都第3次了，气死我了"),
    ("查询余额", "neutral", "客户：帮我看看我账户余额多少\n客服：您可以登录手机银行查看余额和明细。\n客户：好的，知道了。"),
    ("转账失败", "negative", "客户：转账一直提示户名不符，钱转不出去，什么破系统\n客服：请核对收款人姓名。\n客户：无语，浪费我时间。"),
    ("理财咨询", "positive", "客户：您好呀，稳健理财30天现在收益率多少，谢谢啦\n客服：近七日年化2.1%。\n客户：好的，明白了，太感谢了！"),
    ("投诉", "negative", "客户：你们服务太差了，我要投诉，再解决不了我就打12378投诉了\n客服：非常抱歉给您带来不便。"),
    ("修改密码", "neutral", "客户：密码忘了想重置一下\n客服：请在手机银行“安全中心”重置密码。\n客户：行，那我去试试。"),
    ("信用卡还款", "positive", "客户：信用卡账单能分期还款吗，麻烦您了\n客服：可以在APP中办理账单分期。\n客户：解决了，你们效率真高👍"),
    ("贷款咨询", "neutral", "客户：想问下房贷利率现在多少\n客服：首套房贷款利率以当地政策为准。\n客户：嗯，好的。"),
    ("开户", "positive", "客户：你好，想开户买基金，要带什么\n客服：携带身份证即可在线开户。\n客户：好嘞，谢谢你耐心解答"),
    ("账户异常", "negative", "客户：我的卡怎么被冻结了，有没有人管啊\n客服：账户因风控被限制，请到网点核实。\n客户：算了，说了也白说。"),
]

NEWS = [
    "贵州茅台2023年实现营业收入1,476.94亿元，同比增长18.04%，净利润747.34亿元。公司表示将继续推进高质量发展。",
    "招商银行2024年第一季度不良贷款率下降0.02个百分点，拨备覆盖率保持在430%以上。该行表示资产质量稳健。",
    "公告显示华夏酿酒股份有限公司拟以¥3,000万元收购星河物流有限公司51%股权。交易完成后星河物流将纳入合并报表。",
    "东海商业银行持有云帆智能科技股份有限公司30%的股份。云帆智能2023年研发投入2.3亿元，同比增长25%。",
    "宁德时代2023年营业收入4,009.17亿元，同比增长22.01%；归母净利润441.21亿元。电池出货量继续领先。",
    "受市场波动影响，中信证券2023年净利润同比下降12.5%，营业收入600.68亿元。公司称将优化业务结构。",
    "恒力精工机械股份有限公司为云帆智能科技股份有限公司的控股股东。恒力精工2023年营业收入58.6亿元。",
    "比亚迪2024年上半年营业收入3,011.27亿元，同比增长15.76%，毛利率提升至20.01%。股票代码002594.SZ。",
    "星河物流有限公司是华夏酿酒股份有限公司的全资子公司。华夏酿酒2023年净利润12.8亿元，同比增长8%。",
    "中国平安2023年归母净利润856.65亿元，同比下降22.8%。公司表示寿险改革成效逐步显现，业绩有望回暖。",
]

REPORTS = [
    ("贵州茅台", 2023, [("营业收入", 1476.94, "亿元"), ("净利润", 747.34, "亿元"), ("基本每股收益", 59.49, "元")]),
    ("招商银行", 2023, [("营业收入", 3391.23, "亿元"), ("净利润", 1466.02, "亿元")]),
    ("宁德时代", 2023, [("营业收入", 4009.17, "亿元"), ("加权平均净资产收益率", 24.35, "%")]),
    ("比亚迪", 2023, [("营业收入", 6023.15, "亿元"), ("净利润", 300.41, "亿元")]),
    ("中信证券", 2023, [("营业收入", 600.68, "亿元"), ("净利润", 197.21, "亿元")]),
    ("五粮液", 2023, [("营业收入", 832.72, "亿元"), ("净利润", 302.11, "亿元")]),
    ("美的集团", 2023, [("营业收入", 3737.10, "亿元"), ("净利润", 337.20, "亿元")]),
    ("格力电器", 2023, [("营业收入", 2050.18, "亿元"), ("基本每股收益", 4.49, "元")]),
]

FORUM = [
    ("茅台现在还值得买吗", "估值已经回到合理区间，长期持有问题不大，但短期波动难免。"),
    ("银行股分红怎么算", "按每10股派息金额计算，除权日持有即可获得分红，需要缴纳红利税。"),
    ("基金定投多久能回本", "取决于市场周期，一般建议坚持3年以上，并在估值高位分批止盈。"),
    ("可转债怎么打新", "在证券APP中申购即可，中签后按时缴款，上市首日可以选择卖出。"),
    ("国债逆回购安全吗", "国债逆回购以国债作抵押，由交易所担保，风险很低，适合闲置资金。"),
    ("ETF和指数基金有什么区别", "ETF在场内交易，实时成交；场外指数基金按日净值申赎，费率略有不同。"),
]

RESEARCH = [
    "白酒行业2024年展望：高端白酒需求稳健。贵州茅台2023年营业收入1,476.94亿元，同比增长18.04%。我们维持行业推荐评级。风险提示：消费复苏不及预期。",
    "新能源车产业链跟踪：渗透率持续提升。比亚迪2023年营业收入6,023.15亿元，同比增长42.04%。电池环节竞争加剧。",
    "银行业季度点评：息差收窄压力仍在。招商银行2024年第一季度净利润380亿元，同比下降2.1%。资产质量总体平稳。",
    "券商行业点评：交投活跃度回升。中信证券2023年营业收入600.68亿元，同比下降7.8%。看好头部券商的竞争优势。",
    "家电行业深度：出口链景气上行。美的集团2023年净利润337.20亿元，同比增长14.1%。海外收入占比提升。",
    "光伏行业周报：组件价格企稳。隆基绿能2023年毛利率下降至18.2%，营业收入1,294.98亿元。行业出清仍需时间。",
]


def _trade(i: int) -> Document:
    fraud = i % 3 == 0
    if fraud:
        text = (f"2024年01月{i + 3:02d}日 02:{i:02d}（深夜），账户ACCT10{i:04d}（上班族，常住上海）通过手机银行向王{i}转账"
                f"{48_000 + i * 100:,}.00元，交易前余额{50_000 + i * 100:,}.00元。交易地点境外，IP归属地境外 柬埔寨，"
                "设备DEV9F（24小时内首次出现的新设备）。交易对手为首次往来。")
    else:
        text = (f"2024年01月{i + 3:02d}日 12:{i:02d}（中午），账户ACCT10{i:04d}（学生，常住成都）通过快捷支付在美团外卖消费"
                f"{30 + i}.50元，交易前余额{2_000 + i * 10:,}.00元。交易地点成都，IP归属地四川 电信，设备DEV01。")
    return make_doc("trades", text, kind="transaction", is_fraud=int(fraud), fraud_pattern="account_takeover" if fraud else None)


def _report(company: str, year: int, elements: list[tuple[str, float, str]]) -> Document:
    sentences = [f"{company}{year}年{name}为{value:,}{unit}。" for name, value, unit in elements]
    text = f"{company}{year}年年度报告摘要。报告期内，公司经营稳健。" + "".join(sentences)
    meta = {"company": company, "elements": [
        {"name": name, "period": f"{year}年", "value": value, "text": f"{value:,}", "unit": unit, "page": 3}
        for name, value, unit in elements]}
    return make_doc("annual_reports", text, title=f"{company}{year}年年度报告", kind="annual_report", **meta)


def build_finance_docs() -> list[Document]:
    """50 documents: 10 dialogues, 10 trades, 10 news, 8 reports, 6 forum threads, 6 research notes."""
    docs = [make_doc("service", text.format(n=1000 + i), kind="dialogue", intent=intent, sentiment=sentiment)
            for i, (intent, sentiment, text) in enumerate(DIALOGUES)]
    docs += [_trade(i) for i in range(10)]
    docs += [make_doc("news", text, kind="news") for text in NEWS]
    docs += [_report(*report) for report in REPORTS]
    docs += [make_doc("forum", f"问：{q}\n\n答（12赞）：{a}", title=q, kind="forum", question=q, answers=[{"text": a, "votes": 12}])
             for q, a in FORUM]
    docs += [make_doc("research", text, kind="research_report") for text in RESEARCH]
    return docs


EXAMPLE_TASKS = [
    AnnotationTask(name="entities", tier=1, type="entities", labels=["公司", "人名", "金额", "日期", "财务指标", "产品"]),
    AnnotationTask(name="relations", tier=1, type="relations", labels=["发布", "控股"]),
    AnnotationTask(name="intent", tier=2, type="intent", sources=["service"]),
    AnnotationTask(name="sentiment", tier=2, type="sentiment", labels=["positive", "neutral", "negative"],
                   sources=["news", "forum", "service"]),
    AnnotationTask(name="fraud", tier=2, type="classification", labels=["正常", "欺诈"], sources=["trades"]),
    AnnotationTask(name="report_elements", tier=3, type="extraction", sources=["annual_reports"]),
    AnnotationTask(name="qa", tier=3, type="qa", sources=["annual_reports", "forum"]),
    AnnotationTask(name="summary", tier=3, type="summary", sources=["news", "research"]),
]


def example_task(name: str, docs: Iterable[Document] = ()) -> TaskSpec:
    """The example's task ``name`` resolved with the example's lexicon."""
    return resolve_task(next(t for t in EXAMPLE_TASKS if t.name == name), docs, lexicon=FINANCE_LEXICON)

