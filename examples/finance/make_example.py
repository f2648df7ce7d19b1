"""Regenerate everything under examples/finance/raw/ and the embedded tokenizer corpus.

Run: .venv/bin/python examples/finance/make_example.py

All companies, people, figures and documents are fictional. The output is deterministic (fixed
seeds, reportlab's invariant mode), so re-running it leaves git clean. PDFs use reportlab's
built-in CID font STSong-Light, which is not embedded, keeping each file a few KB; pdfplumber
reads the text back as Unicode, which ``verify_pdfs`` checks before anything is written out.
"""

from __future__ import annotations

import csv
import html
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pdfplumber
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from vertune.data.synthetic import describe_trade, generate_dialogues, generate_trades

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw"
CORPUS = HERE.parents[1] / "src" / "vertune" / "model" / "tokenizer_corpus.txt"
FONT = "STSong-Light"
SEED = 20240331
CORPUS_MAX_BYTES = 560_000

rl_config.invariant = 1  # no timestamps or random ids in the PDFs: byte-identical re-runs
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=17, firstLineIndent=21, wordWrap="CJK",
                      spaceAfter=4)
H1 = ParagraphStyle("h1", fontName=FONT, fontSize=15, leading=22, spaceBefore=10, spaceAfter=8, alignment=1)
H2 = ParagraphStyle("h2", fontName=FONT, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
CAPTION = ParagraphStyle("caption", fontName=FONT, fontSize=9, leading=13, spaceBefore=4, spaceAfter=2)
COVER = ParagraphStyle("cover", fontName=FONT, fontSize=24, leading=36, alignment=1, spaceBefore=40)
COVER_SUB = ParagraphStyle("cover_sub", fontName=FONT, fontSize=13, leading=22, alignment=1)


# ======================================================================================
# Annual reports
# ======================================================================================


@dataclass(frozen=True)
class Company:
    """One fictional listed company and the figures its 2023 annual report discloses."""

    slug: str
    name: str
    short: str
    code: str
    english: str
    legal_rep: str
    address: str
    auditor: str
    unit: str  # 元 or 百万元, as the report's tables print amounts
    # (2023, 2022) for each headline figure, in ``unit``
    revenue: tuple[float, float]
    net_profit: tuple[float, float]
    deducted_profit: tuple[float, float]
    op_cash_flow: tuple[float, float]
    total_assets: tuple[float, float]
    equity: tuple[float, float]
    equity_2021: float
    shares: float  # in shares, or millions of shares when unit is 百万元
    dividend_per_10: float
    products: tuple[tuple[str, float, float, float], ...]  # name, revenue share, gross margin %, yoy %
    industry: str
    business: str
    review: str
    risks: tuple[str, ...]
    outlook: str
    extra_table: tuple[tuple[str, ...], ...] = ()


COMPANIES: tuple[Company, ...] = (
    Company(
        slug="huaxia_liquor_2023", name="华夏酿酒股份有限公司", short="华夏酿酒", code="600828.SH",
        english="Huaxia Liquor Co., Ltd.", legal_rep="陈国栋", address="贵州省遵义市仁怀市酒都大道88号",
        auditor="立信华明会计师事务所（特殊普通合伙）", unit="元",
        revenue=(18_652_334_517.26, 15_873_902_114.58), net_profit=(7_215_668_930.41, 5_982_114_506.77),
        deducted_profit=(7_168_102_557.93, 5_940_887_312.05), op_cash_flow=(8_027_559_114.62, 6_315_220_881.09),
        total_assets=(45_336_871_225.40, 40_125_667_903.12), equity=(34_120_556_781.33, 29_887_013_450.66),
        equity_2021=25_604_338_120.45, shares=1_256_000_000, dividend_per_10=28.70,
        products=(("高端酒（华夏·国藏系列）", 0.62, 91.35, 21.46), ("次高端酒（华夏·窖藏系列）", 0.27, 78.12, 13.08),
                  ("大众酒及其他", 0.11, 52.64, 6.21)),
        industry="2023年，白酒行业延续结构性繁荣，行业集中度进一步向头部品牌和优势产区集中。据行业协会统计，规模以上白酒企业"
                 "完成酿酒总产量约449万千升，同比下降约5%，但实现销售收入约7,563亿元，同比增长9.7%，量减价增、"
                 "高端化的趋势更加明显。消费场景逐步恢复，商务宴请和节庆礼赠需求回暖，次高端价格带竞争加剧。",
        business="公司主要从事酱香型白酒的研发、生产与销售，拥有“华夏”“酒都”两大品牌，形成以华夏·国藏系列为核心、"
                 "窖藏系列为支撑、大众系列为补充的产品矩阵。公司采用“直销+经销”相结合的销售模式，报告期末拥有经销商"
                 "2,316家，覆盖全国31个省、自治区、直辖市，直销渠道（含自营店和数字化平台）收入占比提升至31.6%。",
        review="报告期内，公司坚持“稳价、控量、提质”的经营方针，持续推进产品结构升级和渠道精细化管理。全年完成基酒产量"
               "5.62万吨，成品酒销量3.87万吨；高端酒收入同比增长21.46%，占营业收入的比重达到62%。公司严格执行"
               "价格管控，核心单品终端成交价格保持稳定，渠道库存处于良性水平。",
        risks=("宏观经济波动风险：白酒消费与宏观经济及居民收入密切相关，若经济增速放缓，可能影响高端白酒需求。",
               "食品安全风险：公司已建立覆盖原料、生产、仓储、物流的全流程质量追溯体系，但仍存在食品安全事故的潜在风险。",
               "市场竞争风险：次高端及高端价格带参与者增多，若公司不能持续提升品牌力，可能面临市场份额下降的风险。"),
        outlook="2024年，公司力争实现营业收入同比增长15%左右，继续推进“十四五”技改扩能项目，新增基酒产能1.2万吨，"
                "并加大数字化营销投入，提升消费者触达和复购水平。",
    ),
    Company(
        slug="donghai_bank_2023", name="东海商业银行股份有限公司", short="东海银行", code="601968.SH",
        english="Donghai Commercial Bank Co., Ltd.", legal_rep="林振华", address="浙江省宁波市鄞州区金融中心路1号",
        auditor="德勤安永华振会计师事务所（特殊普通合伙）", unit="百万元",
        revenue=(52_318, 50_774), net_profit=(18_964, 17_552), deducted_profit=(18_801, 17_390),
        op_cash_flow=(-35_672, 61_208), total_assets=(1_862_450, 1_703_118), equity=(142_336, 131_059),
        equity_2021=120_512, shares=21_000, dividend_per_10=2.70,
        products=(("公司银行业务", 0.48, 0.0, 2.35), ("零售银行业务", 0.37, 0.0, 4.12), ("金融市场业务", 0.15, 0.0, -1.86)),
        industry="2023年，我国银行业总资产保持平稳增长，净息差在贷款市场报价利率（LPR）多次下调、存量房贷利率调整等因素影响下"
                 "继续收窄至1.69%的历史低位。监管部门持续推动金融机构加大对科技创新、绿色发展、普惠小微等重点领域的支持力度，"
                 "中小银行在差异化经营和风险化解方面面临更高要求。",
        business="本行是一家总部位于浙江宁波的全国性股份制商业银行，主要业务包括公司银行业务、零售银行业务和金融市场业务。"
                 "截至报告期末，本行在全国设立分行42家、营业网点836个，员工总数31,208人。本行坚持“服务实体、稳健经营”的定位，"
                 "重点发展普惠金融、绿色金融和财富管理业务。",
        review="报告期内，本行实现营业收入523.18亿元，同比增长3.04%；其中利息净收入386.45亿元，同比下降1.12%，"
               "手续费及佣金净收入82.30亿元，同比增长9.85%。资产质量保持稳定，不良贷款率1.21%，较上年末下降0.05个百分点；"
               "拨备覆盖率245.36%，风险抵补能力充足。",
        risks=("信用风险：受部分行业经营承压影响，房地产及地方融资平台相关资产质量仍需持续关注。",
               "利率风险：市场利率下行及存款定期化趋势可能进一步压缩净息差。",
               "操作风险与合规风险：本行持续完善反洗钱、反电信诈骗等内控机制，但仍可能面临外部欺诈和内部操作失误带来的损失。"),
        outlook="2024年，本行将坚持“轻资本、数字化、综合化”的转型方向，计划各项贷款增长10%左右，"
                "持续压降高风险资产，力争不良贷款率控制在1.25%以内。",
        extra_table=(("补充监管指标", "2023年末", "2022年末", "监管标准"),
                     ("资本充足率（%）", "13.52", "13.18", "≥10.5"),
                     ("一级资本充足率（%）", "10.86", "10.61", "≥8.5"),
                     ("核心一级资本充足率（%）", "9.12", "8.97", "≥7.5"),
                     ("不良贷款率（%）", "1.21", "1.26", "≤5"),
                     ("拨备覆盖率（%）", "245.36", "238.10", "≥150"),
                     ("净息差（%）", "1.78", "1.92", "—")),
    ),
    Company(
        slug="yunfan_tech_2023", name="云帆智能科技股份有限公司", short="云帆智能", code="688326.SH",
        english="Yunfan Intelligent Technology Co., Ltd.", legal_rep="周明远", address="上海市浦东新区张江高科技园区碧波路690号",
        auditor="天衡中汇会计师事务所（特殊普通合伙）", unit="元",
        revenue=(3_126_447_803.55, 2_688_105_774.20), net_profit=(186_552_019.87, 302_418_665.31),
        deducted_profit=(121_883_457.02, 265_009_338.76), op_cash_flow=(98_776_120.45, 312_554_908.13),
        total_assets=(6_885_112_034.71, 6_102_553_219.88), equity=(4_612_330_558.16, 4_489_771_205.03),
        equity_2021=4_220_416_873.52, shares=412_000_000, dividend_per_10=1.20,
        products=(("工业视觉检测系统", 0.46, 48.72, 24.15), ("智能机器人及控制器", 0.33, 35.60, 12.87),
                  ("软件及技术服务", 0.21, 66.34, 9.52)),
        industry="2023年，人工智能大模型技术快速发展，带动机器视觉、工业机器人等智能制造装备需求持续增长。但受下游消费电子、"
                 "光伏行业资本开支放缓影响，行业竞争加剧，产品价格承压。国家持续出台政策支持智能制造和工业软件国产化，"
                 "行业中长期发展空间广阔。",
        business="公司是一家专注于机器视觉与智能机器人的高新技术企业，主要产品包括工业视觉检测系统、智能机器人及控制器、"
                 "工业软件及技术服务，广泛应用于新能源电池、半导体、汽车零部件等行业。截至报告期末，公司拥有研发人员1,146人，"
                 "占员工总数的52.3%，累计取得发明专利386项。",
        review="报告期内，公司实现营业收入31.26亿元，同比增长16.31%；但受产品降价、研发投入加大及股份支付费用增加影响，"
               "归属于上市公司股东的净利润1.87亿元，同比下降38.31%。全年研发投入5.02亿元，占营业收入的16.06%，"
               "同比增加2.31个百分点。公司新一代3D视觉平台已在头部动力电池客户实现批量交付。",
        risks=("技术迭代风险：人工智能和机器视觉技术更新较快，若公司不能及时推出具有竞争力的新产品，将影响市场地位。",
               "下游行业集中风险：新能源电池行业收入占比较高，若该行业扩产放缓，公司订单可能出现波动。",
               "应收账款风险：报告期末应收账款余额较大，若客户经营状况恶化，可能产生坏账损失。"),
        outlook="2024年，公司将聚焦“视觉+AI”核心技术，加快在半导体前道检测和人形机器人关节模组领域的布局，"
                "同时加强费用管控，提升经营性现金流水平。",
    ),
    Company(
        slug="hengli_machinery_2023", name="恒力精工机械股份有限公司", short="恒力精工", code="002986.SZ",
        english="Hengli Precision Machinery Co., Ltd.", legal_rep="王建军", address="江苏省常州市武进区高新区龙门路18号",
        auditor="中兴信永会计师事务所（特殊普通合伙）", unit="元",
        revenue=(9_874_203_551.09, 10_652_887_410.36), net_profit=(-215_664_308.52, 388_905_117.40),
        deducted_profit=(-302_117_885.64, 351_220_674.18), op_cash_flow=(412_558_003.27, -126_774_591.30),
        total_assets=(15_336_902_417.85, 15_902_118_366.04), equity=(6_205_781_449.12, 6_521_003_877.65),
        equity_2021=6_300_215_907.33, shares=1_082_000_000, dividend_per_10=0.0,
        products=(("工程机械液压件", 0.52, 18.25, -12.64), ("数控机床", 0.31, 21.08, 3.17), ("精密铸件及其他", 0.17, 9.86, -5.42)),
        industry="2023年，受房地产新开工面积下降、基建投资增速放缓等因素影响，国内工程机械市场需求继续调整，"
                 "挖掘机内销量同比下降约40%；出口市场保持增长，但增速较上年明显回落。数控机床行业受益于制造业转型升级，"
                 "高端产品国产替代持续推进。",
        business="公司主要从事工程机械液压元件、数控机床及精密铸件的研发、生产和销售，主要产品包括液压油缸、液压泵阀、"
                 "立式加工中心和龙门加工中心等，客户涵盖国内外主要工程机械整机厂商。公司在常州、徐州、重庆设有三大生产基地。",
        review="报告期内，公司实现营业收入98.74亿元，同比下降7.31%；受国内工程机械需求下滑、原材料价格高位运行以及"
               "计提商誉减值准备3.86亿元的影响，归属于上市公司股东的净利润为-2.16亿元，同比由盈转亏。"
               "公司加强应收账款催收和存货管理，经营活动产生的现金流量净额由负转正，达到4.13亿元。",
        risks=("行业周期波动风险：工程机械行业与宏观经济及固定资产投资高度相关，行业下行周期可能持续。",
               "商誉减值风险：公司前期并购形成的商誉余额仍有6.12亿元，若被收购企业业绩不达预期，可能继续计提减值。",
               "原材料价格波动风险：钢材、生铁等原材料成本占营业成本比重较高，价格波动将影响毛利率。"),
        outlook="2024年，公司将加快海外市场开拓，计划海外收入占比提升至30%以上；同时推进降本增效，"
                "力争实现扭亏为盈。鉴于2023年度亏损，公司本年度拟不进行利润分配。",
    ),
)

METRICS: tuple[tuple[str, str, str], ...] = (
    # (attribute, row label as printed, element name)
    ("revenue", "营业收入", "营业收入"),
    ("net_profit", "归属于上市公司股东的净利润", "归属于上市公司股东的净利润"),
    ("deducted_profit", "归属于上市公司股东的扣除非经常性损益的净利润", "归属于上市公司股东的扣除非经常性损益的净利润"),
    ("op_cash_flow", "经营活动产生的现金流量净额", "经营活动产生的现金流量净额"),
    ("total_assets", "总资产", "总资产"),
    ("equity", "归属于上市公司股东的净资产", "归属于上市公司股东的净资产"),
)
EPS_LABEL = "基本每股收益（元/股）"
ROE_LABEL = "加权平均净资产收益率（%）"


def amount_text(value: float, unit: str) -> str:
    """An amount as annual reports print it: thousands separators, 2 decimals unless 百万元."""
    return f"{value:,.0f}" if unit == "百万元" else f"{value:,.2f}"


def yoy_text(now: float, before: float) -> str:
    return f"{(now - before) / abs(before) * 100:.2f}"


def eps(company: Company, year: int) -> float:
    return round(company.net_profit[year] / company.shares, 2)


def roe(company: Company, year: int) -> float:
    begin = company.equity[1] if year == 0 else company.equity_2021
    return round(company.net_profit[year] / ((begin + company.equity[year]) / 2) * 100, 2)


def points_text(now: float, before: float) -> str:
    change = now - before
    return f"{'增加' if change >= 0 else '减少'}{abs(change):.2f}个百分点"


def expected_elements(company: Company) -> list[dict[str, Any]]:
    """Ground truth for extraction: every headline figure of the main-data tables."""
    elements = []
    for year, period in ((0, "2023"), (1, "2022")):
        for attr, label, name in METRICS:
            value = getattr(company, attr)[year]
            elements.append({"name": name, "period": period, "value": value, "unit": company.unit,
                             "row_label": label, "text": amount_text(value, company.unit)})
        elements.append({"name": "基本每股收益", "period": period, "value": eps(company, year), "unit": "元/股",
                         "row_label": EPS_LABEL, "text": f"{eps(company, year):.2f}"})
        elements.append({"name": "加权平均净资产收益率", "period": period, "value": roe(company, year), "unit": "%",
                         "row_label": ROE_LABEL, "text": f"{roe(company, year):.2f}"})
    return elements


def grid_table(rows: list[list[str]] | tuple[tuple[str, ...], ...], widths: list[float], font_size: float = 8.5,
               wrap_labels: bool = False) -> Table:
    """A bordered table with a grey header row and right-aligned figures.

    ``wrap_labels`` lets long row labels wrap inside their cell, as narrow real tables do.
    """
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=font_size, leading=font_size + 2, wordWrap="CJK")
    data = [list(r) for r in rows]
    if wrap_labels:
        data = [data[0]] + [[Paragraph(r[0], cell)] + r[1:] for r in data[1:]]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def running_page(left: str, right: str, footer: str = "第 {page} 页") -> Callable[[Any, Any], None]:
    """The header and footer drawn on every page, as in real filings (and a chore to strip)."""
    def draw(canvas: Any, doc: Any) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawString(20 * mm, height - 14 * mm, left)
        canvas.drawRightString(width - 20 * mm, height - 14 * mm, right)
        canvas.setLineWidth(0.5)
        canvas.line(20 * mm, height - 15.5 * mm, width - 20 * mm, height - 15.5 * mm)
        canvas.drawCentredString(width / 2, 12 * mm, footer.format(page=doc.page))
        canvas.restoreState()
    return draw


def build_pdf(path: Path, story: list[Any], title: str, author: str, page: Callable[[Any, Any], None]) -> None:
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=22 * mm,
                            bottomMargin=20 * mm, title=title, author=author, subject=title, creator="vertune example")
    doc.build(story, onFirstPage=page, onLaterPages=page)


def paragraphs(*texts: str) -> list[Paragraph]:
    return [Paragraph(t, BODY) for t in texts]


def annual_report_story(c: Company) -> list[Any]:
    """The cover and sections 一, 二, 三 and 十 of a 2023 annual report."""
    return (cover(c) + section_notice(c) + section_profile(c) + section_mdna(c) + section_financials(c))


def cover(c: Company) -> list[Any]:
    return [
        Spacer(1, 60 * mm),
        Paragraph(c.name, COVER),
        Paragraph(c.english, COVER_SUB),
        Spacer(1, 10 * mm),
        Paragraph("2023年年度报告", COVER),
        Spacer(1, 20 * mm),
        Paragraph(f"股票简称：{c.short}　　股票代码：{c.code.split('.')[0]}", COVER_SUB),
        Paragraph("2024年3月", COVER_SUB),
        PageBreak(),
    ]


def section_notice(c: Company) -> list[Any]:
    dividend = (f"公司拟以实施权益分派股权登记日登记的总股本为基数，向全体股东每10股派发现金红利{c.dividend_per_10:.2f}元（含税），"
                "本年度不送红股，不以资本公积金转增股本。该预案尚需提交公司2023年年度股东大会审议。"
                if c.dividend_per_10 else "鉴于公司2023年度归属于上市公司股东的净利润为负，公司拟不派发现金红利，不送红股，不以资本公积金转增股本。")
    return [Paragraph("第一节 重要提示", H1)] + paragraphs(
        "一、本公司董事会、监事会及董事、监事、高级管理人员保证年度报告内容的真实性、准确性、完整性，"
        "不存在虚假记载、误导性陈述或重大遗漏，并承担个别和连带的法律责任。",
        "二、公司全体董事出席董事会会议。",
        f"三、{c.auditor}为本公司出具了标准无保留意见的审计报告。",
        f"四、公司负责人{c.legal_rep}、主管会计工作负责人及会计机构负责人（会计主管人员）声明：保证年度报告中财务报告的真实、准确、完整。",
        f"五、董事会决议通过的本报告期利润分配预案或公积金转增股本预案：{dividend}",
        "六、前瞻性陈述的风险声明：本报告所涉及的未来计划、发展战略等前瞻性描述不构成公司对投资者的实质承诺，敬请投资者注意投资风险。",
        "七、重大风险提示：公司已在本报告中详细描述可能存在的相关风险，敬请查阅“第三节 管理层讨论与分析”中“可能面对的风险”部分。",
    ) + [PageBreak()]


def section_profile(c: Company) -> list[Any]:
    u = c.unit
    info = [["项目", "内容"], ["公司的中文名称", c.name], ["公司的外文名称", c.english], ["股票简称", c.short],
            ["股票代码", c.code.split(".")[0]], ["股票上市交易所", "上海证券交易所" if c.code.endswith("SH") else "深圳证券交易所"],
            ["公司的法定代表人", c.legal_rep], ["注册地址", c.address]]
    main = [["主要会计数据", "2023年", "2022年", "本年比上年增减(%)"]]
    for attr, label, _ in METRICS:
        now, before = getattr(c, attr)
        main.append([label, amount_text(now, u), amount_text(before, u), yoy_text(now, before)])
    ratios = [["主要财务指标", "2023年", "2022年", "本年比上年增减(%)"],
              [EPS_LABEL, f"{eps(c, 0):.2f}", f"{eps(c, 1):.2f}", yoy_text(eps(c, 0), eps(c, 1))],
              ["稀释每股收益（元/股）", f"{eps(c, 0):.2f}", f"{eps(c, 1):.2f}", yoy_text(eps(c, 0), eps(c, 1))],
              [ROE_LABEL, f"{roe(c, 0):.2f}", f"{roe(c, 1):.2f}", points_text(roe(c, 0), roe(c, 1))]]
    story = [Paragraph("第二节 公司简介和主要财务指标", H1), Paragraph("一、公司信息", H2),
             grid_table(info, [60 * mm, 110 * mm], 9),
             Paragraph("二、近三年主要会计数据和财务指标", H2),
             Paragraph(f"（一）主要会计数据　　　　　　　　　　　　　　　　　单位：{u}　币种：人民币", CAPTION),
             grid_table(main, [72 * mm, 36 * mm, 36 * mm, 26 * mm]),
             Paragraph("（二）主要财务指标", CAPTION),
             grid_table(ratios, [72 * mm, 36 * mm, 36 * mm, 26 * mm])]
    if c.extra_table:
        story += [Paragraph("（三）补充监管指标", CAPTION), grid_table(c.extra_table, [60 * mm, 36 * mm, 36 * mm, 30 * mm])]
    story += [Paragraph("三、2023年分季度主要财务数据", H2), Paragraph(f"单位：{u}　币种：人民币", CAPTION),
              grid_table(quarterly_rows(c), [50 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm], 8, wrap_labels=True),
              Paragraph("四、非经常性损益项目和金额", H2), Paragraph(f"单位：{u}　币种：人民币", CAPTION),
              grid_table(non_recurring_rows(c), [100 * mm, 40 * mm], 8.5), PageBreak()]
    return story


def split(total: float, shares: tuple[float, ...], unit: str) -> list[float]:
    """Split ``total`` by ``shares`` so the parts add back up to it exactly at print precision."""
    digits = 0 if unit == "百万元" else 2
    parts = [round(total * s, digits) for s in shares[:-1]]
    return parts + [round(total - sum(parts), digits)]


def quarterly_rows(c: Company) -> list[list[str]]:
    seasons = (0.31, 0.22, 0.24, 0.23)
    rows = [["项目", "第一季度\n（1-3月份）", "第二季度\n（4-6月份）", "第三季度\n（7-9月份）", "第四季度\n（10-12月份）"]]
    for attr, label, _ in METRICS[:4]:
        rows.append([label] + [amount_text(v, c.unit) for v in split(getattr(c, attr)[0], seasons, c.unit)])
    return rows


def non_recurring_rows(c: Company) -> list[list[str]]:
    total = c.net_profit[0] - c.deducted_profit[0]
    labels = ("非流动性资产处置损益", "计入当期损益的政府补助", "金融资产公允价值变动损益", "除上述各项之外的其他营业外收入和支出",
              "减：所得税影响额", "少数股东权益影响额（税后）")
    parts = split(total, (0.12, 0.55, 0.38, 0.10, -0.13, -0.02), c.unit)
    rows = [[label, amount_text(value, c.unit)] for label, value in zip(labels, parts, strict=True)]
    return [["项目", "2023年金额"], *rows, ["合计", amount_text(total, c.unit)]]


def section_mdna(c: Company) -> list[Any]:
    u = c.unit
    rev_yi = c.revenue[0] / (1e8 if u == "元" else 1e2)
    np_yi = c.net_profit[0] / (1e8 if u == "元" else 1e2)
    summary = (f"报告期内，公司实现营业收入{rev_yi:,.2f}亿元，同比{_change_words(c.revenue)}；实现归属于上市公司股东的净利润"
               f"{np_yi:,.2f}亿元，同比{_change_words(c.net_profit)}；基本每股收益{eps(c, 0):.2f}元，"
               f"加权平均净资产收益率{roe(c, 0):.2f}%，较上年{points_text(roe(c, 0), roe(c, 1))}。")
    products = [["分产品", "营业收入", "毛利率(%)", "营业收入比上年增减(%)"]]
    for (name, _, margin, growth), value in zip(c.products, split(c.revenue[0], tuple(p[1] for p in c.products), u),
                                                strict=True):
        products.append([name, amount_text(value, u), f"{margin:.2f}" if margin else "不适用", f"{growth:.2f}"])
    return ([Paragraph("第三节 管理层讨论与分析", H1), Paragraph("一、报告期内公司所处行业情况", H2)] + paragraphs(c.industry)
            + [Paragraph("二、报告期内公司从事的主要业务", H2)] + paragraphs(c.business)
            + [Paragraph("三、经营情况讨论与分析", H2)] + paragraphs(summary, c.review)
            + [Paragraph(f"主营业务分产品（分业务）情况　　　　单位：{u}　币种：人民币", CAPTION),
               grid_table(products, [62 * mm, 40 * mm, 28 * mm, 40 * mm])]
            + [Paragraph("四、可能面对的风险", H2)] + paragraphs(*c.risks)
            + [Paragraph("五、公司关于未来发展的讨论与分析", H2)] + paragraphs(c.outlook) + [PageBreak()])


def _change_words(pair: tuple[float, float]) -> str:
    now, before = pair
    if now < 0 <= before:
        return "由盈转亏"
    change = (now - before) / abs(before) * 100
    return f"{'增长' if change >= 0 else '下降'}{abs(change):.2f}%"


def section_financials(c: Company) -> list[Any]:
    u = c.unit
    assets, equity = c.total_assets, c.equity
    liabilities = tuple(a - e * 1.04 for a, e in zip(assets, equity, strict=True))
    if u == "百万元":
        sheet = [["项目", "2023年12月31日", "2022年12月31日"]] + [
            [label, amount_text(assets[0] * f, u), amount_text(assets[1] * f * 0.99, u)]
            for label, f in (("现金及存放中央银行款项", 0.072), ("发放贷款和垫款", 0.553), ("金融投资", 0.301))]
        sheet += [["资产总计", amount_text(assets[0], u), amount_text(assets[1], u)],
                  ["吸收存款", amount_text(assets[0] * 0.642, u), amount_text(assets[1] * 0.628, u)],
                  ["负债合计", amount_text(liabilities[0], u), amount_text(liabilities[1], u)],
                  ["归属于本行股东权益合计", amount_text(equity[0], u), amount_text(equity[1], u)]]
    else:
        sheet = [["项目", "2023年12月31日", "2022年12月31日"]] + [
            [label, amount_text(assets[0] * f, u), amount_text(assets[1] * f * 0.97, u)]
            for label, f in (("货币资金", 0.284), ("应收账款", 0.116), ("存货", 0.203), ("固定资产", 0.187))]
        sheet += [["资产总计", amount_text(assets[0], u), amount_text(assets[1], u)],
                  ["负债合计", amount_text(liabilities[0], u), amount_text(liabilities[1], u)],
                  ["归属于母公司所有者权益合计", amount_text(equity[0], u), amount_text(equity[1], u)]]
    cash = [["项目", "2023年度", "2022年度"],
            ["经营活动产生的现金流量净额", amount_text(c.op_cash_flow[0], u), amount_text(c.op_cash_flow[1], u)],
            ["投资活动产生的现金流量净额", amount_text(-abs(c.op_cash_flow[0]) * 0.46, u),
             amount_text(-abs(c.op_cash_flow[1]) * 0.61, u)],
            ["筹资活动产生的现金流量净额", amount_text(-c.net_profit[0] * 0.35, u), amount_text(-c.net_profit[1] * 0.32, u)]]
    return ([Paragraph("第十节 财务报告", H1), Paragraph("一、审计报告", H2)] + paragraphs(
        f"{c.name}全体股东：",
        f"我们审计了{c.name}（以下简称“{c.short}”）财务报表，包括2023年12月31日的合并及母公司资产负债表，2023年度的合并及母公司利润表、"
        "合并及母公司现金流量表、合并及母公司所有者权益变动表，以及相关财务报表附注。",
        f"我们认为，后附的财务报表在所有重大方面按照企业会计准则的规定编制，公允反映了{c.short}2023年12月31日的合并及母公司财务状况"
        "以及2023年度的合并及母公司经营成果和现金流量。",
        "关键审计事项是我们根据职业判断，认为对本期财务报表审计最为重要的事项。这些事项的应对以对财务报表整体进行审计"
        "并形成审计意见为背景，我们不对这些事项单独发表意见。")
        + [Paragraph("二、财务报表", H2), Paragraph(f"合并资产负债表（摘要）　　　　单位：{u}　币种：人民币", CAPTION),
           grid_table(sheet, [70 * mm, 50 * mm, 50 * mm]),
           Paragraph(f"合并现金流量表（摘要）　　　　单位：{u}　币种：人民币", CAPTION),
           grid_table(cash, [70 * mm, 50 * mm, 50 * mm])]
        + paragraphs(f"公司负责人：{c.legal_rep}　　主管会计工作负责人：张丽华　　会计机构负责人：刘晓峰"))


def write_annual_reports(out: Path) -> dict[str, list[dict[str, Any]]]:
    truth = {}
    for c in COMPANIES:
        path = out / f"{c.slug}.pdf"
        build_pdf(path, annual_report_story(c), f"{c.name}2023年年度报告", c.name,
                  running_page(f"{c.name}", "2023年年度报告"))
        truth[path.name] = expected_elements(c)
    return truth


# ======================================================================================
# Research report and regulation
# ======================================================================================


def write_research_report(out: Path) -> None:
    """A broker's company note: rating, target price, earnings forecast table, disclaimers."""
    c = COMPANIES[0]
    rev = [c.revenue[1] / 1e6, c.revenue[0] / 1e6, c.revenue[0] * 1.152 / 1e6, c.revenue[0] * 1.152 * 1.138 / 1e6,
           c.revenue[0] * 1.152 * 1.138 * 1.121 / 1e6]
    profit = [c.net_profit[1] / 1e6, c.net_profit[0] / 1e6, c.net_profit[0] * 1.168 / 1e6,
              c.net_profit[0] * 1.168 * 1.149 / 1e6, c.net_profit[0] * 1.168 * 1.149 * 1.127 / 1e6]
    price = 132.50
    forecast = [["盈利预测与估值", "2022A", "2023A", "2024E", "2025E", "2026E"],
                ["营业收入（百万元）"] + [f"{v:,.0f}" for v in rev],
                ["增长率（%）", "18.26"] + [f"{(b / a - 1) * 100:.2f}" for a, b in zip(rev, rev[1:], strict=False)],
                ["归母净利润（百万元）"] + [f"{v:,.0f}" for v in profit],
                ["增长率（%）", "20.03"] + [f"{(b / a - 1) * 100:.2f}" for a, b in zip(profit, profit[1:], strict=False)],
                ["每股收益（元）"] + [f"{v * 1e6 / c.shares:.2f}" for v in profit],
                ["市盈率（倍）"] + [f"{price / (v * 1e6 / c.shares):.1f}" for v in profit]]
    story = [Paragraph("华夏酿酒（600828.SH）：高端化稳步推进，业绩符合预期", H1),
             grid_table([["投资评级", "买入（维持）"], ["目标价", "168.00元"], ["当前股价（2024-04-01）", f"{price:.2f}元"],
                         ["52周股价区间", "108.36-151.20元"], ["总市值", "1,664.20亿元"], ["总股本", "12.56亿股"]],
                        [60 * mm, 50 * mm], 9),
             Paragraph("投资要点", H2)] + paragraphs(
        "事件：公司发布2023年年度报告，全年实现营业收入186.52亿元，同比增长17.50%；归母净利润72.16亿元，同比增长20.62%，"
        "业绩符合我们此前预期。其中第四季度实现营业收入42.90亿元，归母净利润15.87亿元，季度环比有所回落，主要系春节错期及公司主动控货所致。",
        "产品结构持续优化，高端酒量价齐升。2023年高端酒（国藏系列）收入115.64亿元，同比增长21.46%，收入占比提升至62%；"
        "毛利率91.35%，同比提升0.8个百分点。我们认为，在主动控量稳价的策略下，公司核心单品批价保持稳定，渠道库存约1.5个月，处于健康水平。",
        "渠道改革见效，直销占比提升。报告期内公司直销渠道收入占比31.6%，同比提升4.2个百分点，数字化平台注册会员突破420万人。"
        "直销比例提升有助于增强价格管控能力，并带动整体毛利率上行。",
        "盈利预测与投资建议：我们预计公司2024-2026年归母净利润分别为84.28亿元、96.84亿元、109.14亿元，对应EPS分别为6.71元、7.71元、8.69元。"
        "参考可比公司估值，给予公司2024年25倍PE，对应目标价168.00元，维持“买入”评级。",
    ) + [Paragraph("盈利预测", H2), grid_table(forecast, [50 * mm, 24 * mm, 24 * mm, 24 * mm, 24 * mm, 24 * mm], 8.5),
         Paragraph("风险提示", H2)] + paragraphs(
        "宏观经济复苏不及预期导致高端白酒需求下滑；行业竞争加剧导致价格体系承压；食品安全事件风险；产能扩张进度不及预期。",
    ) + [Paragraph("分析师声明与评级说明", H2)] + paragraphs(
        "分析师：赵思远，执业证书编号：S0360523010002；联系人：孙悦。作者具有中国证券业协会授予的证券投资咨询执业资格，"
        "保证报告所采用的数据均来自合规渠道，分析逻辑基于作者的职业理解，结论不受任何第三方的授意或影响。",
        "投资评级说明：买入——预期未来6个月内股价相对基准指数涨幅超过20%；增持——相对涨幅介于5%与20%之间；"
        "中性——相对涨跌幅介于-5%与5%之间；减持——相对跌幅超过5%。基准指数为沪深300指数。",
        "免责声明：本报告仅供华信证券股份有限公司的客户使用。本报告中的信息均来源于公开资料，本公司对这些信息的准确性和完整性不作任何保证。"
        "报告中的观点和建议仅供参考，投资者据此做出的任何投资决策与本公司和作者无关。市场有风险，投资需谨慎。",
    )
    build_pdf(out / "huaxin_securities_600828_2024-04-01.pdf", story, "华夏酿酒2023年报点评", "华信证券研究所",
              running_page("华信证券研究所 | 公司点评报告", "食品饮料 | 白酒", "请务必阅读正文之后的免责条款部分　第 {page} 页"))


REGULATION_CHAPTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("第一章 总则", (
        "为了规范上市公司信息披露行为，提高信息披露质量，保护投资者合法权益，根据《中华人民共和国证券法》《上市公司信息披露管理办法》"
        "等法律、行政法规和规章，结合辖区实际，制定本规定。",
        "本规定适用于注册地在本辖区的股票在证券交易所上市交易的公司（以下简称上市公司）及其董事、监事、高级管理人员、"
        "控股股东、实际控制人等信息披露义务人。",
        "信息披露义务人应当及时、公平地披露信息，所披露的信息应当真实、准确、完整，简明清晰、通俗易懂，"
        "不得有虚假记载、误导性陈述或者重大遗漏。",
    )),
    ("第二章 定期报告", (
        "上市公司应当在每个会计年度结束之日起四个月内披露年度报告，在每个会计年度的上半年结束之日起两个月内披露中期报告，"
        "在每个会计年度第三个月、第九个月结束之日起一个月内披露季度报告。",
        "年度报告中的财务会计报告应当经符合《证券法》规定的会计师事务所审计。审计意见为非标准审计意见的，"
        "上市公司董事会应当针对该审计意见涉及事项作出专项说明。",
        "上市公司预计年度经营业绩出现净利润为负值、实现扭亏为盈、净利润与上年同期相比上升或者下降50%以上等情形的，"
        "应当在会计年度结束之日起一个月内进行业绩预告。",
        "定期报告中的主要会计数据和财务指标应当与财务报表保持一致。营业收入、归属于上市公司股东的净利润、"
        "归属于上市公司股东的扣除非经常性损益的净利润、经营活动产生的现金流量净额等指标应当列示本期数、上年同期数及增减比例。",
    )),
    ("第三章 临时报告", (
        "发生可能对上市公司证券及其衍生品种交易价格产生较大影响的重大事件，投资者尚未得知时，上市公司应当立即披露，"
        "说明事件的起因、目前的状态和可能产生的影响。",
        "前款所称重大事件包括：公司的经营方针和经营范围发生重大变化；公司发生重大债务和未能清偿到期重大债务的违约情况；"
        "公司发生重大亏损或者重大损失；公司涉嫌犯罪被依法立案调查；公司计提大额资产减值准备等。",
        "上市公司控股股东、实际控制人及其一致行动人应当及时、准确地告知上市公司是否存在拟发生的股权转让、"
        "资产重组或者其他重大事件，并配合上市公司做好信息披露工作。",
        "上市公司通过业绩说明会、分析师会议、路演等方式与投资者进行沟通的，不得提供内幕信息，并应当在活动结束后两个交易日内披露相关记录。",
    )),
    ("第四章 信息披露事务管理", (
        "上市公司应当制定信息披露事务管理制度，明确未公开信息的内部流转、审核及披露流程，以及董事会秘书在信息披露事务中的职责。",
        "上市公司应当建立内幕信息知情人登记管理制度，在内幕信息依法公开披露前，如实、完整记录内幕信息知情人名单及其知悉内幕信息的时间。",
        "上市公司应当加强对网络舆情的监测，对媒体报道可能对公司证券交易价格产生较大影响的传闻，应当及时核实并发布澄清公告。",
    )),
    ("第五章 监督管理和法律责任", (
        "本局依法对上市公司信息披露行为进行监督，可以采取现场检查、责令改正、监管谈话、出具警示函等监督管理措施。",
        "信息披露义务人未按照规定披露信息，或者所披露的信息有虚假记载、误导性陈述或者重大遗漏的，依照《证券法》第一百九十七条的规定处罚；"
        "构成犯罪的，依法移送司法机关追究刑事责任。",
        "上市公司董事、监事、高级管理人员应当对公司信息披露的真实性、准确性、完整性、及时性、公平性负责，但有充分证据表明其已经履行勤勉尽责义务的除外。",
    )),
    ("第六章 附则", (
        "本规定所称“及时”，是指自起算日起或者触及披露时点的两个交易日内。",
        "本规定自2024年5月1日起施行。",
    )),
)


def write_regulation(out: Path) -> None:
    """A regulation in 章/条 structure, numbered the Chinese way (第一条 …)."""
    story = [Paragraph("华东证券监管局公告〔2024〕12号", COVER_SUB), Paragraph("关于加强上市公司信息披露管理的若干规定", H1)]
    number = 0
    for chapter, articles in REGULATION_CHAPTERS:
        story.append(Paragraph(chapter, H2))
        for text in articles:
            number += 1
            story.append(Paragraph(f"第{chinese_number(number)}条　{text}", BODY))
    story += paragraphs("华东证券监管局", "2024年3月15日")
    build_pdf(out / "disclosure_rules_2024.pdf", story, "关于加强上市公司信息披露管理的若干规定", "华东证券监管局",
              running_page("华东证券监管局", "关于加强上市公司信息披露管理的若干规定", "— {page} —"))


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals: 1 一, 10 十, 12 十二, 20 二十, 21 二十一."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return ((digits[tens] if tens > 1 else "") + ("十" if tens else "") + (digits[ones] if ones else "")) or digits[0]


# ======================================================================================
# News pages
# ======================================================================================


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    published: str  # "YYYY-MM-DD HH:MM"
    author: str
    source: str
    body: tuple[str, ...]
    tags: tuple[str, ...]


def earnings_article(c: Company, published: str, author: str) -> Article:
    """An earnings story whose figures match the company's annual report PDF."""
    scale = 1e8 if c.unit == "元" else 1e2
    rev, profit = c.revenue[0] / scale, c.net_profit[0] / scale
    verdict = "由盈转亏" if c.net_profit[0] < 0 else _change_words(c.net_profit)
    mood = ("业绩超出市场预期，多家机构上调盈利预测。" if c.net_profit[0] > c.net_profit[1]
            else "业绩低于市场预期，公告发布后股价承压。")
    return Article(
        slug=f"{published[:10]}-{c.slug.split('_')[0]}-earnings",
        title=f"{c.short}2023年净利润{'亏损' if profit < 0 else ''}{abs(profit):,.2f}亿元，同比{verdict}",
        published=published, author=author, source="财经快讯网",
        body=(f"{published[:4]}年{int(published[5:7])}月{int(published[8:10])}日晚间，{c.short}（{c.code}）发布2023年年度报告。"
              f"报告显示，公司全年实现营业收入{rev:,.2f}亿元，同比{_change_words(c.revenue)}；实现归属于上市公司股东的净利润"
              f"{profit:,.2f}亿元，同比{verdict}。{mood}",
              c.review,
              f"现金流方面，公司2023年经营活动产生的现金流量净额为{c.op_cash_flow[0] / scale:,.2f}亿元，"
              f"上年同期为{c.op_cash_flow[1] / scale:,.2f}亿元。截至2023年末，公司总资产{c.total_assets[0] / scale:,.2f}亿元，"
              f"归属于上市公司股东的净资产{c.equity[0] / scale:,.2f}亿元。",
              (f"分红方面，公司拟向全体股东每10股派发现金红利{c.dividend_per_10:.2f}元（含税）。" if c.dividend_per_10
               else "公司表示，鉴于2023年度出现亏损，本年度拟不进行利润分配。") + "该预案尚需提交股东大会审议。",
              c.industry,
              f"对于2024年，公司在年报中表示：{c.outlook}"),
        tags=("年报", c.short, c.code),
    )


ARTICLES: tuple[Article, ...] = (
    earnings_article(COMPANIES[0], "2024-03-29 19:42", "李明轩"),
    earnings_article(COMPANIES[1], "2024-03-27 20:15", "周婷"),
    earnings_article(COMPANIES[2], "2024-04-18 21:03", "陈晓"),
    earnings_article(COMPANIES[3], "2024-04-25 18:30", "王磊"),
    Article("2024-04-02-huaxia-rating", "华信证券维持华夏酿酒“买入”评级，目标价168元", "2024-04-02 08:05", "刘佳", "财经快讯网", (
        "4月1日，华信证券发布研报，维持华夏酿酒（600828.SH）“买入”评级，目标价168.00元，较当日收盘价132.50元有约26.8%的上涨空间。",
        "研报认为，公司2023年高端酒收入同比增长21.46%，占比提升至62%，产品结构持续优化；直销渠道收入占比提升至31.6%，价格管控能力增强。",
        "华信证券预计公司2024-2026年归母净利润分别为84.28亿元、96.84亿元、109.14亿元，对应EPS分别为6.71元、7.71元、8.69元。",
        "不过，也有分析人士提醒，白酒板块估值已有所修复，若春节后动销不及预期，短期股价或有波动。",
    ), ("研报", "评级", "白酒")),
    Article("2024-01-22-market-close", "A股三大指数集体收跌，沪指失守2800点", "2024-01-22 15:35", "赵子昂", "沪深观察", (
        "1月22日，A股三大指数集体低开低走。截至收盘，上证指数下跌2.68%，报2756.34点，失守2800点整数关口；深证成指下跌3.50%，创业板指下跌2.70%。",
        "沪深两市全天成交额7,543亿元，较上一交易日放量约600亿元。个股普遍下跌，两市超过4,900只个股收跌，逾百只个股跌停。",
        "板块方面，仅煤炭、银行等少数板块翘尾，东海银行（601968.SH）逆市上涨1.2%；半导体、消费电子、医药等板块跌幅居前。",
        "分析人士认为，市场情绪仍较为低迷，短期内或维持震荡筑底走势，建议投资者控制仓位，关注高股息防御性品种。",
    ), ("A股", "收评", "大盘")),
    Article("2024-02-06-market-close", "沪指大涨3.23%！两市成交额突破万亿元", "2024-02-06 15:30", "赵子昂", "沪深观察", (
        "2月6日，A股迎来强势反弹，上证指数收涨3.23%，报2789.49点，创一年多来最大单日涨幅；深证成指涨6.22%，创业板指涨4.94%。",
        "两市成交额达到1.2万亿元，较前一交易日显著放量，超过5,000只个股上涨，近百只个股涨停。北向资金全天净买入超过¥60亿元。",
        "消息面上，多部门密集发声稳定市场预期，中长期资金加快入市。券商、保险、白酒等板块全线走强，华夏酿酒（600828.SH）涨停。",
        "有机构指出，当前A股估值处于历史低位，政策底已经显现，市场风险偏好有望逐步修复，但仍需关注成交量能否持续。",
    ), ("A股", "收评", "反弹")),
    Article("2024-03-15-market-close", "沪指窄幅震荡微涨0.54%，AI概念股继续活跃", "2024-03-15 15:32", "孙雨桐", "沪深观察", (
        "3月15日，A股三大指数早盘震荡，午后小幅走高。截至收盘，上证指数涨0.54%，报3054.64点；深证成指涨0.84%，创业板指涨0.18%。",
        "沪深两市成交额9,815亿元。人工智能、机器人概念股继续活跃，云帆智能（688326.SH）盘中一度涨超12.5%，收涨8.37%。",
        "业内人士表示，大模型应用落地加速，算力、机器视觉等细分领域景气度较高，但相关个股短期涨幅较大，需警惕追高风险。",
    ), ("A股", "收评", "人工智能")),
    Article("2024-04-12-market-close", "银行股领涨 高股息策略持续受青睐", "2024-04-12 15:40", "孙雨桐", "沪深观察", (
        "4月12日，银行板块整体上涨1.86%，东海银行（601968.SH）涨2.35%，股息率超过5.5%。上证指数收涨0.51%，报3019.47点。",
        "今年以来，以银行、煤炭、电力为代表的高股息板块持续跑赢大盘。数据显示，中证红利指数年内累计上涨约12.5%，明显强于沪深300指数。",
        "有基金经理表示，在利率下行背景下，稳定分红的资产具有较强配置价值，但需注意部分银行净息差继续收窄对盈利的压制。",
    ), ("银行", "红利", "A股")),
    Article("2024-01-25-rrr-cut", "央行宣布下调存款准备金率0.25个百分点，释放长期资金约¥5,000亿元", "2024-01-25 10:12", "周婷", "财经快讯网", (
        "中国人民银行1月25日宣布，决定于2月5日下调金融机构存款准备金率0.25个百分点（不含已执行5%存款准备金率的金融机构），"
        "本次下调后，金融机构加权平均存款准备金率约为7.1%，预计释放长期资金约¥5,000亿元。",
        "央行有关负责人表示，此次降准旨在保持流动性合理充裕，降低银行资金成本，引导金融机构加大对实体经济特别是小微企业、科技创新的支持力度。",
        "市场人士认为，降准释放了稳增长的积极信号，有利于稳定银行净息差，对股市和债市均构成利好。",
        "东海银行首席经济学家表示，预计后续货币政策仍将保持稳健偏宽松，年内仍有进一步降准降息的空间。",
    ), ("央行", "降准", "货币政策")),
    Article("2024-02-20-lpr", "5年期以上LPR下调25个基点至3.95%，房贷月供将减少", "2024-02-20 09:35", "吴倩", "财经快讯网", (
        "2月20日，全国银行间同业拆借中心公布最新贷款市场报价利率（LPR）：1年期LPR为3.45%，与上月持平；5年期以上LPR为3.95%，较上月下降25个基点。",
        "以100万元、30年期、等额本息的商业房贷计算，利率下调0.25个百分点后，月供将减少约140元，总利息减少约5万元。",
        "分析人士表示，5年期以上LPR单独大幅下调，释放出稳定房地产市场的明确信号，有助于降低居民购房成本、提振住房消费。",
    ), ("LPR", "房贷", "利率")),
    Article("2024-03-16-disclosure-rules", "华东证券监管局出台信息披露新规，业绩变动超50%须预告", "2024-03-16 11:20", "刘佳", "财经快讯网", (
        "3月15日，华东证券监管局发布《关于加强上市公司信息披露管理的若干规定》，自2024年5月1日起施行。",
        "新规要求，上市公司预计年度净利润为负值、扭亏为盈或者同比变动50%以上的，应当在会计年度结束之日起一个月内进行业绩预告。",
        "新规还明确，上市公司通过业绩说明会、路演等方式与投资者沟通的，应当在两个交易日内披露相关记录，并加强对网络舆情的监测。",
        "业内人士认为，新规进一步压实了信息披露义务人的主体责任，有利于提高信息披露质量，保护中小投资者合法权益。",
    ), ("监管", "信息披露")),
    Article("2024-03-08-donghai-green-bond", "东海银行成功发行100亿元绿色金融债券，票面利率2.45%", "2024-03-08 16:50", "吴倩", "沪深观察", (
        "东海银行（601968.SH）3月8日公告，该行在全国银行间债券市场成功发行2024年第一期绿色金融债券，发行规模100亿元，期限3年，票面利率2.45%。",
        "本期债券募集资金将全部用于清洁能源、绿色交通、节能环保等绿色产业项目。认购倍数达到2.8倍，显示出投资者对该行信用资质的认可。",
        "截至2023年末，东海银行绿色贷款余额达到¥1,286亿元，较年初增长35.2%，增速高于各项贷款平均增速。",
    ), ("银行", "绿色金融", "债券")),
    Article("2024-04-10-yunfan-placement", "云帆智能拟定增募资不超过¥25亿元，加码人形机器人", "2024-04-10 20:05", "陈晓", "财经快讯网", (
        "云帆智能（688326.SH）4月10日晚间公告，拟向特定对象发行股票，募集资金总额不超过25亿元，用于人形机器人关节模组研发及产业化项目、"
        "半导体视觉检测设备项目以及补充流动资金。",
        "公告显示，人形机器人关节模组项目总投资14.6亿元，达产后预计形成年产20万套关节模组的能力。",
        "受业绩下滑影响，公司2023年归母净利润同比下降38.31%，此次定增引发部分投资者对股权稀释的担忧，公告次日股价低开4.6%。",
        "公司董事长周明远表示，人形机器人是继新能源汽车之后的又一重要赛道，公司将依托在机器视觉和运动控制领域的积累抢占先机。",
    ), ("科创板", "定增", "机器人")),
    Article("2024-01-30-hengli-loss-warning", "恒力精工发布业绩预亏公告，股价一字跌停", "2024-01-30 09:45", "王磊", "沪深观察", (
        "恒力精工（002986.SZ）1月29日晚间发布2023年度业绩预告，预计全年归属于上市公司股东的净利润亏损1.8亿元至2.5亿元，上年同期盈利3.89亿元。",
        "公司解释称，业绩亏损主要是受国内工程机械市场需求持续下滑、原材料价格高位运行影响，同时拟对前期收购形成的商誉计提减值约3.9亿元。",
        "受此影响，公司股价1月30日开盘即一字跌停，报7.86元，成交量明显萎缩，封单超过30万手。",
        "有投资者在互动平台质疑公司去年并购的合理性。分析人士提醒，工程机械行业仍处于周期底部，投资者需关注商誉减值风险和海外业务拓展进度。",
    ), ("业绩预告", "跌停", "工程机械")),
    Article("2024-02-28-scam-warning", "警惕“刷单返利”骗局！银行提示：凡是让你先垫付的都是诈骗", "2024-02-28 14:00", "韩冰", "财经快讯网", (
        "近期，多地警方和银行发布提示，“刷单返利”类诈骗案件高发，已成为发案量最多的电信网络诈骗类型之一。",
        "诈骗分子通常以“兼职点赞”“动动手指日赚300元”为诱饵，先让受害人完成小额任务并返还佣金骗取信任，随后以“连单任务”“账户冻结需解冻”等理由诱导受害人大额垫付。",
        "某市市民张女士在2周内先后向对方转账18次，累计被骗¥26.8万元。银行风控系统发现其账户夜间频繁向陌生账户转账后及时致电提醒，但部分资金已被转移。",
        "东海银行风险管理部负责人提醒，银行不会要求客户向“安全账户”转账；发现卡片被盗刷或遭遇诈骗，应第一时间致电银行止付并拨打110报警，也可拨打96110反诈专线咨询。",
    ), ("反诈", "风险提示")),
    Article("2024-03-21-mule-gang", "警方破获跑分洗钱团伙，涉案资金超¥3亿元", "2024-03-21 17:25", "韩冰", "沪深观察", (
        "近日，某市公安局联合多家银行破获一起利用“跑分”平台为电信诈骗团伙洗钱的案件，抓获犯罪嫌疑人46名，涉案资金超过3亿元。",
        "经查，该团伙通过社交平台招募在校学生和无业人员，以每流转1万元提成100元至300元为诱饵，收购或租用其银行账户。"
        "诈骗资金进入这些账户后，会在十几分钟内被拆分转出至多个下级账户，以逃避监管。",
        "银行反洗钱监测发现，部分账户长期余额很低，却突然出现大额资金快进快出，且交易对手均为首次往来，于是上报可疑交易线索。",
        "警方提醒，出租、出借、出售银行账户和手机卡，均涉嫌帮助信息网络犯罪活动罪，情节严重的将被追究刑事责任，并被纳入金融惩戒名单。",
    ), ("反洗钱", "跑分", "案件")),
    Article("2024-02-19-baijiu-festival", "春节白酒动销超预期，高端酒批价企稳", "2024-02-19 10:30", "李明轩", "财经快讯网", (
        "春节假期结束，多家白酒企业披露节日动销情况。据渠道调研，今年春节高端白酒动销同比增长约10%，次高端酒表现分化，大众价位产品受益于返乡聚饮需求明显回暖。",
        "华夏酿酒相关负责人表示，公司春节期间核心产品终端动销同比增长超过15%，渠道库存处于合理水平，国藏系列批价较节前稳中有升。",
        "分析人士指出，白酒行业正从“渠道压货”转向“消费者拉动”，具备品牌力和价格管控能力的头部企业有望持续获取市场份额。",
    ), ("白酒", "消费")),
    Article("2024-04-08-gold-fx", "国际金价再创新高，人民币汇率保持基本稳定", "2024-04-08 09:10", "吴倩", "沪深观察", (
        "4月8日，国际现货黄金价格盘中突破2,350美元/盎司，再创历史新高，年内累计涨幅超过13%。国内金饰价格随之上涨，部分品牌报价超过每克700元。",
        "分析人士认为，全球央行持续购金、地缘政治不确定性上升以及市场对美联储降息的预期，是推动金价上涨的主要因素。",
        "汇率方面，人民币对美元中间价报7.0951，较上一交易日调升5个基点，在岸人民币汇率在7.23附近窄幅波动。",
        "专家提醒，黄金价格短期涨幅较大，普通投资者不宜盲目追高，可通过黄金ETF等工具进行适度配置。",
    ), ("黄金", "汇率")),
    Article("2024-03-25-fund-flows", "一季度新发基金超¥2,000亿元，权益类产品占比回升", "2024-03-25 19:20", "刘佳", "财经快讯网", (
        "据第三方机构统计，截至3月25日，今年一季度全市场新成立公募基金超过260只，合计募集规模约2,150亿元，其中债券型基金占比约58%。",
        "随着市场情绪回暖，股票型和混合型基金发行有所回升，指数型产品尤其受到青睐，沪深300ETF、中证A500相关产品吸金明显。",
        "业内人士表示，在存款利率持续下行的背景下，居民资产配置正逐步向基金、理财等产品转移，但投资者仍需根据自身风险承受能力选择合适产品。",
    ), ("基金", "发行")),
    Article("2024-04-16-pension", "个人养老金制度全面实施，每年缴费上限12,000元", "2024-04-16 12:00", "周婷", "沪深观察", (
        "个人养老金制度在36个先行城市试点一年多后，将逐步在全国范围内实施。参加人每年缴纳个人养老金的上限为12,000元，可享受税收优惠。",
        "目前，个人养老金可投资的产品包括储蓄存款、理财产品、商业养老保险和公募基金四大类，产品数量已超过750只。",
        "银行人士提醒，个人养老金资金原则上需达到领取基本养老金年龄等条件后才能领取，投资者应根据自身年龄和风险偏好合理选择产品。",
    ), ("养老金", "理财")),
)

COMMENTS: tuple[tuple[str, str], ...] = (
    ("老股民2008", "业绩这么好，明天高开是大概率事件"), ("韭菜一号", "又是利好出尽是利空，别追"),
    ("价值投资者", "关注现金流和分红，别只看利润"), ("路人甲", "看不懂，先观望"), ("抄底王", "跌了这么多，该抄底了吧🚀🚀"),
    ("理性分析", "估值不便宜，等回调"), ("小散", "被套三年了，什么时候能解套"), ("财经观察员", "数据和年报一致，文章写得不错"),
    ("匿名用户", "广告太多了"), ("风控小白", "这种骗局太多了，大家一定要小心"),
)
RELATED = ("两市成交额连续5日超万亿", "北向资金本周净流入超百亿", "多家银行下调存款利率", "券商：二季度关注三条主线",
           "科创板开户门槛是多少？一文看懂", "年报季来了，这些财务指标要看懂")


def news_page(article: Article, rng: random.Random, site: int) -> str:
    """One article wrapped in a realistic page: nav, ads, scripts, related links, comments, footer."""
    date, time = article.published.split()
    body = "\n".join(f"      <p>{html.escape(p)}</p>" for p in article.body)
    if len(article.body) > 3:  # an in-article ad, as many portals insert
        parts = body.split("\n")
        parts.insert(2, '      <div class="ad-inline">【广告】开户即送Level-2行情30天，<a href="#">立即领取</a></div>')
        body = "\n".join(parts)
    comments = "\n".join(
        f'        <li class="comment"><span class="user">{html.escape(u)}</span><span class="time">{date} {rng.randint(10, 23)}:{rng.randint(0, 59):02d}</span>'
        f'<p>{html.escape(t)}</p><span class="likes">赞 {rng.randint(0, 300)}</span></li>'
        for u, t in rng.sample(COMMENTS, rng.randint(2, 5)))
    related = "\n".join(f'        <li><a href="/news/{i}.html">{t}</a></li>' for i, t in enumerate(rng.sample(RELATED, 4), 1))
    tags = "".join(f'<a class="tag" href="/tag/{html.escape(t)}">{html.escape(t)}</a>' for t in article.tags)
    site_name, site_host = (("财经快讯网", "caijing-express.example.com"), ("沪深观察", "hushen-watch.example.cn"))[site]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>{html.escape(article.title)}_{site_name}</title>
  <meta name="keywords" content="{html.escape(','.join(article.tags))}">
  <meta name="description" content="{html.escape(article.body[0][:80])}">
  <meta name="author" content="{html.escape(article.author)}">
  <meta property="article:published_time" content="{date}T{time}:00+08:00">
  <meta name="publishdate" content="{date}">
  <link rel="canonical" href="https://{site_host}/news/{article.slug}.html">
  <link rel="stylesheet" href="/static/css/main.css">
  <script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); hm.src = "https://analytics.example.com/hm.js?a1b2c3"; document.head.appendChild(hm); }})();</script>
</head>
<body>
  <div class="topbar">{site_name} | <a href="/login">登录</a> | <a href="/register">注册</a> | <a href="/app">下载APP</a></div>
  <nav class="main-nav">
    <a href="/">首页</a> <a href="/stock">股票</a> <a href="/fund">基金</a> <a href="/bank">银行</a> <a href="/bond">债券</a>
    <a href="/forex">外汇</a> <a href="/gold">黄金</a> <a href="/data">数据中心</a>
  </nav>
  <div class="ad-banner"><a href="https://ads.example.com/click?id=88">【广告】炒股就用智投宝，AI选股胜率高达90%！点击免费体验</a></div>
  <div class="breadcrumb"><a href="/">首页</a> &gt; <a href="/news">财经要闻</a> &gt; 正文</div>
  <div class="container">
    <article class="article">
      <h1 class="article-title">{html.escape(article.title)}</h1>
      <div class="article-meta"><span class="date">{date[:4]}年{date[5:7]}月{date[8:10]}日 {time}</span>
        <span class="source">来源：{html.escape(article.source)}</span><span class="author">作者：{html.escape(article.author)}</span>
        <span class="views">阅读 {rng.randint(1000, 90000)}</span></div>
      <div class="article-body">
{body}
      </div>
      <div class="article-editor">（责任编辑：{rng.choice(("张小北", "王一", "李然"))}）</div>
      <div class="disclaimer">免责声明：本文仅代表作者个人观点，不构成投资建议。股市有风险，投资需谨慎。</div>
      <div class="tags">{tags}</div>
    </article>
    <aside class="sidebar">
      <div class="ad-side"><img src="/static/ads/loan.png" alt="秒批贷款，最高50万"></div>
      <h3>相关阅读</h3>
      <ul class="related">
{related}
      </ul>
      <h3>24小时热榜</h3>
      <ol class="hot"><li><a href="/news/hot1.html">突发！两市午后跳水</a></li><li><a href="/news/hot2.html">这只股票10天8板</a></li></ol>
    </aside>
    <section class="comments">
      <h3>网友评论</h3>
      <ul>
{comments}
      </ul>
      <div class="comment-box"><textarea placeholder="文明上网，理性发言"></textarea><button>发表评论</button></div>
    </section>
  </div>
  <footer class="footer">
    <p><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> | <a href="/jobs">招聘信息</a> | <a href="/privacy">隐私政策</a></p>
    <p>Copyright © 2008-2024 {site_host} All Rights Reserved. {site_name} 版权所有 沪ICP备00000000号-1</p>
    <p>违法和不良信息举报电话：400-000-0000</p>
  </footer>
  <script src="/static/js/jquery.min.js"></script>
  <script>document.querySelectorAll('.ad-banner').forEach(function(e){{e.style.display='block';}}); window.__INITIAL_STATE__ = {{"articleId": "{article.slug}", "channel": "news"}};</script>
</body>
</html>
"""


EMPTY_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>页面加载中…_财经快讯网</title>
  <meta name="publishdate" content="2024-04-20">
  <script src="/static/js/app.bundle.js"></script>
</head>
<body>
  <div id="app"></div>
  <noscript></noscript>
  <script>window.__INITIAL_STATE__ = {};</script>
</body>
</html>
"""


def write_news(out: Path) -> None:
    rng = random.Random(SEED + 1)
    for article in ARTICLES:
        site = 0 if article.source == "财经快讯网" else 1
        (out / f"{article.slug}.html").write_text(news_page(article, rng, site), encoding="utf-8")
    (out / "2024-04-20-js-only-page.html").write_text(EMPTY_PAGE, encoding="utf-8")


# ======================================================================================
# Forum threads
# ======================================================================================

# (questions, good answers): questions may name {stock}; answers are what a helpful user writes
FORUM_TOPICS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("年报里的扣非净利润是什么意思？和净利润有啥区别？", "扣非净利润比净利润低很多，说明什么？"),
     ("扣非就是扣除非经常性损益，把政府补助、卖资产、理财收益这些一次性的东西去掉，剩下的才是主业真正赚的钱。",
      "看主业盈利能力要看扣非净利润。如果净利润很高但扣非很低，说明利润主要靠一次性收益撑着，可持续性差。")),
    (("ROE是什么？多少算好？", "加权平均净资产收益率怎么理解"),
     ("ROE=净利润/净资产，衡量股东投入的钱一年能赚多少。长期保持15%以上的公司一般算优秀，巴菲特也很看重这个指标。",
      "加权平均ROE会考虑年内净资产的变化（比如增发、分红），比简单用期末净资产算更准确。还要结合负债率看，高杠杆撑起来的ROE要打折扣。")),
    (("{stock}市盈率才8倍，是不是很便宜？", "PE低就一定值得买吗"),
     ("市盈率低不一定便宜，要看行业和增长。银行、周期股常年低PE，如果利润在下滑，低PE可能是价值陷阱。",
      "PE要和公司历史估值、同行比。另外注意是静态PE还是动态PE，周期股在利润最高点时PE反而最低。")),
    (("市净率PB破净是什么意思？", "银行股都破净了能抄底吗"),
     ("PB小于1就是破净，股价低于每股净资产。银行股破净很常见，市场担心的是资产质量，不良没暴露完的话净资产有水分。",
      "破净不等于安全，要看净资产的质量和ROE。ROE10%以上、不良率稳定的银行，破净时分批买入拿股息是不少人的策略。")),
    (("经营现金流为负是不是很危险？", "{stock}利润增长但经营现金流是负的，正常吗"),
     ("利润是会计算出来的，现金流才是真金白银。利润增长但经营现金流长期为负，要看应收账款和存货是不是在猛增。",
      "一年为负不一定有问题，比如备货扩张期。但连续几年为负、靠融资输血的公司要小心。银行的经营现金流波动大，不适用这个逻辑。")),
    (("可转债打新怎么操作？会亏吗？", "新手可以申购可转债吗，门槛多少"),
     ("开通可转债权限需要满足前20个交易日日均资产10万元和24个月交易经验，申购时顶格申购，不需要资金，中签后再缴款。",
      "可转债上市首日破发的概率比新股高一些，但整体还是赚多亏少。中签一般是10张即1000元，注意中签当天要留足钱缴款，否则连续12个月内3次弃购会被限制申购半年。")),
    (("国债逆回购怎么买？月底收益高吗？", "GC001是什么，比货币基金好吗"),
     ("国债逆回购本质是把钱借出去，由交易所担保，风险极低。现在沪深两市都是1000元起，在交易软件里输入代码按“卖出”操作。",
      "月末、季末、节假日前资金紧张，逆回购利率经常冲高。GC001是沪市1天期，计息天数按实际占款天数算，周四买能拿到周末三天的利息。")),
    (("基金定投真的能赚钱吗？", "定投多久比较合适，什么时候止盈"),
     ("定投的核心是摊低成本，适合波动大、长期向上的指数基金。关键是坚持，在市场低迷时不中断。",
      "定投没有固定期限，一般设个止盈目标比如年化15%或者总收益30%，达到就分批卖出，然后重新开始。别在大跌时停止扣款。")),
    (("指数基金和主动基金选哪个？", "ETF和场外联接基金有什么区别"),
     ("普通人建议以宽基指数基金为主，费率低，不用担心基金经理跑路或者风格漂移。",
      "ETF在场内交易，需要股票账户，实时成交，费率更低；联接基金在场外申赎，按当天净值成交，适合定投。")),
    (("北向资金是什么？它流入就一定涨吗？", "北向资金净流出说明什么"),
     ("北向资金指通过沪股通、深股通买A股的境外资金。流入说明外资看好，但不是必涨信号，单日数据参考意义不大。",
      "看北向资金要看趋势，持续几周大幅流出说明外资在撤，但它也会看错。别把它当成炒股指标。")),
    (("融资融券门槛是多少？风险大吗？", "两融是什么，新手能不能玩"),
     ("开通两融一般要求前20个交易日日均资产不低于50万元，并且交易满半年。融资就是借钱买股票，亏损会被放大。",
      "新手千万别碰融资，维持担保比例跌破130%会被要求追加担保物，否则强制平仓，很多人就是这么爆仓的。")),
    (("为什么有的股票涨跌幅是20%？", "主板和创业板的涨跌停规则一样吗"),
     ("主板股票日涨跌幅限制10%，ST股5%；创业板和科创板是20%；北交所是30%。",
      "注册制后，主板、创业板、科创板新股上市前5个交易日都不设涨跌幅限制，之后才按各自规则执行。")),
    (("A股为什么是T+1？当天买的能卖吗", "今天买的股票明天才能卖吗"),
     ("A股股票实行T+1，当天买入的股票第二个交易日才能卖出。不过卖出后的资金当天就可以用来买别的股票。",
      "ETF里的跨境ETF、货币ETF、债券ETF可以T+0交易，股票不行。")),
    (("{stock}分红了为什么我的账户没多钱？", "除权除息是什么意思，分红后股价为什么跌"),
     ("分红后股价会除息，比如每股分1元，股价就会相应下调1元，总资产不变。而且持股不足1个月要补缴20%的红利税。",
      "持股超过1年免征红利税，1个月到1年是10%，1个月以内20%。所以短线为了分红买入并不划算。")),
    (("新股申购需要多少市值？", "打新总是中不了签，有技巧吗"),
     ("沪市和深市分开算，T-2日前20个交易日日均持有1万元非限售A股市值才能申购，沪市每1万元一个签，深市每5000元一个签。",
      "打新就是拼运气，能做的就是保持市值、每只都顶格申购。另外创业板和科创板需要单独开通权限。")),
    (("炒股印花税现在是多少？", "买卖一次股票手续费大概多少"),
     ("2023年8月28日起印花税减半征收，目前是卖出成交金额的0.05%，买入不收。",
      "总成本包括佣金（很多券商万2.5甚至更低，单笔最低5元）、印花税（卖出0.05%）和过户费（0.001%）。小额交易注意最低5元佣金。")),
    (("年报一般什么时候出？", "{stock}年报什么时候披露"),
     ("按规定上市公司应在每个会计年度结束后四个月内披露年报，也就是次年4月30日前。具体日期可以在交易所网站查预约披露时间。",
      "年报季一般是3-4月，一季报也在4月30日前出，很多公司会和年报一起发。")),
    (("商誉减值是什么？为什么会导致亏损？", "{stock}计提商誉减值是利空吗"),
     ("商誉是收购时付出的价格超过被收购公司净资产的部分。如果被收购公司业绩不达标，就要计提减值，直接冲减当期利润。",
      "商誉减值是非现金的，不影响现金流，但说明当初买贵了。减值一次性计提完反而可能是利空出尽，关键看剩余商誉还有多少。")),
    (("毛利率下降说明什么？", "怎么看一家公司毛利率高低"),
     ("毛利率=（营业收入-营业成本）/营业收入，反映产品的定价能力。毛利率下降可能是原材料涨价、降价促销或者竞争加剧。",
      "不同行业毛利率差别很大，白酒能到90%，制造业可能只有20%。要和同行以及自己的历史比较。")),
    (("资产负债率多少算安全？", "负债率高的公司能买吗"),
     ("一般制造业资产负债率60%以下比较健康，但银行、地产天然高负债，银行90%以上都正常，要分行业看。",
      "除了负债率还要看有息负债和短期偿债能力，比如货币资金能不能覆盖短期借款。")),
    (("银行股看哪些指标？", "不良贷款率和拨备覆盖率是什么"),
     ("银行主要看净息差、不良贷款率、拨备覆盖率、资本充足率和ROE。不良率越低越好，拨备覆盖率越高抗风险能力越强，监管要求不低于150%。",
      "拨备覆盖率=贷款损失准备/不良贷款，比如250%说明准备金是不良贷款的2.5倍。还要看关注类贷款和逾期贷款，有些银行的不良认定比较宽松。")),
    (("货币基金的七日年化收益是什么意思？", "余额宝收益越来越低，有替代的吗"),
     ("七日年化是用最近7天的收益折算成一年的收益率，只是参考，不代表未来。现在货币基金七日年化普遍在2%左右。",
      "想要稍高一点收益可以看看同业存单指数基金、短债基金，但会有小幅波动，不像货币基金那样几乎不亏。")),
    (("科创板开户有什么条件？", "开通科创板要50万吗"),
     ("科创板要求申请开通前20个交易日证券账户及资金账户日均资产不低于50万元，并且参与证券交易满24个月，还要做风险测评和知识测试。",
      "资产不够的话可以买科创50ETF间接投资，不需要开通科创板权限。")),
    (("创业板开户门槛是多少？", "创业板权限怎么开通"),
     ("创业板要求前20个交易日日均资产不低于10万元，交易经验满24个月，在券商APP上签署风险揭示书就能开。",
      "2020年注册制改革之前开通的老用户不受影响，可以直接交易。")),
    (("信用卡只还最低还款额会怎样？", "信用卡逾期一天会上征信吗"),
     ("只还最低还款额不算逾期，但全部欠款要从消费记账日起按日息万分之五计息，年化18%左右，很不划算。",
      "大部分银行有3天左右的宽限期，宽限期内还上一般不会上征信。真的逾期了尽快还清，保持后续良好记录。")),
    (("房贷要不要提前还？", "LPR下降后存量房贷利率会降吗"),
     ("如果房贷利率高于你的理财收益，提前还比较划算。选择缩短年限比减少月供节省的利息更多。",
      "浮动利率的存量房贷会在重定价日按最新LPR调整，一般是每年1月1日或者贷款发放对应日，具体看合同约定。")),
    (("个人养老金值得开吗？", "个人养老金每年能存多少，能抵税吗"),
     ("每年最多缴12,000元，缴费可以在个税前扣除。如果你的个税边际税率在10%以上，节税效果比较明显。",
      "要注意资金要到退休才能取出，流动性很差，而且领取时要按3%缴税。收入不高、不交个税的话意义不大。")),
    (("ST股是什么意思？能买吗", "{stock}被ST了怎么办"),
     ("ST是特别处理，通常因为连续亏损、净资产为负或者财务报告被出具否定意见。ST股涨跌幅限制是5%（主板），退市风险较大。",
      "被ST之后要关注公司能否摘帽，如果继续亏损可能退市。新手别碰ST股，赌重组成功率很低。")),
    (("限售股解禁是利空吗？", "{stock}下个月大额解禁，要不要先卖"),
     ("解禁只是说这部分股票可以卖了，不等于一定会卖。但解禁规模大、成本低的话，股价往往会有压力。",
      "看解禁股东是谁：创投机构、员工持股平台减持意愿一般比较强，大股东和战略投资者相对稳定。")),
    (("怎么识别电信诈骗？有人让我转到安全账户", "网上兼职刷单返利是真的吗"),
     ("银行、公安都不会让你转账到所谓的安全账户，凡是让你先转钱、先垫付的都是诈骗，立即挂电话打96110。",
      "刷单返利是最常见的诈骗，前几单小额返利是为了骗你投更多钱。千万不要出租出借银行卡，会被当成洗钱帮凶。")),
    (("{stock}明天能涨吗？", "{stock}还能拿吗，被套了20%"),
     ("没人能预测明天的涨跌。先看你买入的逻辑还在不在，基本面没变坏就耐心持有，逻辑被证伪就止损。",
      "被套先别急着割肉也别补仓摊平，回去看看公司最近的年报和季报，营收利润和现金流有没有恶化。")),
)
FORUM_BOARDS = {"华夏酿酒": "华夏酿酒吧", "600828": "华夏酿酒吧", "东海银行": "东海银行吧", "601968": "东海银行吧",
                "云帆智能": "云帆智能吧", "688326": "云帆智能吧", "恒力精工": "恒力精工吧", "002986": "恒力精工吧"}
FORUM_STOCKS = tuple(FORUM_BOARDS)
GENERAL_BOARDS = ("基金吧", "理财问答", "新手学堂", "股市实战")
USER_PREFIX = ("股海", "价值", "韭菜", "老张", "小散", "趋势", "稳健", "长线", "追风", "躺平")
USER_SUFFIX = ("001", "2008", "的日常", "888", "不回头", "在路上", "小王子", "123", "_mm", "老司机")
SIGNATURES = ("——发自我的iPhone", "——来自股吧APP", "签名档：只做价值投资，不追涨杀跌", "---- 长期持有，时间是朋友",
              "【签名】熊市不割肉，牛市不追高")
ADS = ("加微信 gp8866 领取明日牛股，准确率90%！", "免费进群，每天推荐涨停股，加V：niu_gu_777",
       "内部消息！某重组股即将拉升，私信我获取代码", "专业老师一对一指导，三天回本，加QQ 12345678")
SHORT_REPLIES = ("顶", "+1", "沙发", "mark", "同问", "路过", "学习了", "顶一下", "坐等大神", "。。。")
FLOODS = ("哈哈哈哈哈哈哈哈哈哈", "🚀🚀🚀🚀🚀🚀🚀🚀", "冲冲冲冲冲冲冲冲冲", "666666666666", "😭😭😭😭😭😭", "涨涨涨涨涨涨涨涨")
FILLER_OPENERS = ("楼主你好，", "个人理解：", "说下我的看法，", "", "", "简单说，", "我来回答一下，")
REPOST_EDITS = ((lambda q: q + "求大神解答"), (lambda q: "【求助】" + q), (lambda q: q.replace("？", "??")),
                (lambda q: q + "急！！"), (lambda q: q.replace("是", "算", 1)))


def forum_user(rng: random.Random) -> str:
    return rng.choice(USER_PREFIX) + rng.choice(USER_SUFFIX)


def forum_answer(rng: random.Random, good: tuple[str, ...], earlier: list[dict[str, Any]],
                 when: datetime) -> dict[str, Any]:
    """One reply: mostly helpful, otherwise one of the kinds of noise real forums are full of."""
    kind = rng.choices(("good", "short", "ad", "flood", "quote"), weights=(0.5, 0.18, 0.1, 0.1, 0.12))[0]
    if kind == "short":
        text, votes = rng.choice(SHORT_REPLIES), rng.randint(0, 3)
    elif kind == "ad":
        text, votes = rng.choice(ADS), 0
    elif kind == "flood":
        text, votes = rng.choice(FLOODS), rng.randint(0, 10)
    elif kind == "quote" and earlier:
        quoted = rng.choice(earlier)
        reaction = rng.choice(("说得对", "不同意，", "补充一下："))
        text = f"引用 @{quoted['author']} 的发言：{quoted['text'][:30]}……\n{reaction}{rng.choice(good)}"
        votes = rng.randint(0, 60)
    else:
        text, votes = rng.choice(FILLER_OPENERS) + rng.choice(good), rng.randint(5, 500)
    if rng.random() < 0.15:
        text += "\n" + rng.choice(SIGNATURES)
    return {"author": forum_user(rng), "text": text, "votes": votes, "posted_at": f"{when:%Y-%m-%d %H:%M}"}


def forum_threads(count: int) -> list[dict[str, Any]]:
    """Forum Q&A threads, about 8% of them near-duplicate reposts of an earlier thread."""
    rng = random.Random(SEED + 2)
    threads: list[dict[str, Any]] = []
    topic_answers: list[tuple[str, ...]] = []  # the good answers behind each thread, reposts included
    for i in range(count):
        asked = datetime(2024, 1, 1, 7) + timedelta(days=rng.randrange(120), minutes=rng.randrange(16 * 60))
        if threads and rng.random() < 0.08:
            index = rng.randrange(len(threads))
            original, good = threads[index], topic_answers[index]
            title = rng.choice(REPOST_EDITS)(original["title"])
            question, board = rng.choice(REPOST_EDITS)(original["question"]), original["board"]
        else:
            questions, good = rng.choice(FORUM_TOPICS)
            stock = rng.choice(FORUM_STOCKS)
            question_template = rng.choice(questions)
            title = question_template.format(stock=stock)
            board = FORUM_BOARDS[stock] if "{stock}" in question_template else rng.choice(GENERAL_BOARDS)
            detail = rng.choice(("", "", "新手一枚，", "请教各位，", "看了半天没看懂，"))
            question = detail + title + rng.choice(("", "", "谢谢！", "在线等"))
        if rng.random() < 0.1:
            question += "\n" + rng.choice(SIGNATURES)
        answers: list[dict[str, Any]] = []
        when = asked
        for _ in range(rng.randint(1, 6)):
            when += timedelta(minutes=rng.randint(1, 600))
            answers.append(forum_answer(rng, good, answers, when))
        threads.append({"thread_id": f"TH{100000 + i}", "board": board, "title": title, "question": question,
                        "author": forum_user(rng), "posted_at": f"{asked:%Y-%m-%d %H:%M}",
                        "views": rng.randint(20, 20000), "answers": answers})
        topic_answers.append(good)
    return threads


def write_forum(out: Path) -> None:
    threads = forum_threads(320)
    main, exported = threads[:300], threads[300:]
    with (out / "threads.jsonl").open("w", encoding="utf-8") as handle:
        for thread in main:
            handle.write(json.dumps(thread, ensure_ascii=False) + "\n")
    # another export of the same forum, with its own column names: one row per thread, best answer only
    with (out / "threads.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["帖子ID", "版块", "标题", "提问内容", "提问人", "发帖时间", "最佳回答", "回答者", "点赞数"])
        for t in exported:
            best = max(t["answers"], key=lambda a: a["votes"])
            writer.writerow([t["thread_id"], t["board"], t["title"], t["question"], t["author"], t["posted_at"],
                             best["text"], best["author"], best["votes"]])


# ======================================================================================
# Service dialogues, trades sample, verification, tokenizer corpus
# ======================================================================================

DIALOGUE_COUNT = 2500
TRADE_SAMPLE_COUNT = 200
TRADE_CSV_COLUMNS = (  # (field, Chinese header as a bank export would have it)
    ("trade_id", "交易流水号"), ("account_id", "账号"), ("timestamp", "交易时间"), ("trade_type", "交易类型"),
    ("counterparty", "交易对手"), ("channel", "交易渠道"), ("amount", "交易金额"), ("currency", "币种"),
    ("merchant_category", "商户类别"), ("city", "交易城市"), ("device_id", "设备号"), ("ip_region", "IP归属地"),
    ("balance_before", "交易前余额"), ("is_fraud", "是否欺诈"), ("fraud_pattern", "欺诈类型"),
)


def write_dialogues(out: Path) -> list[dict[str, Any]]:
    dialogues = generate_dialogues(DIALOGUE_COUNT, seed=SEED)
    with (out / "dialogues.jsonl").open("w", encoding="utf-8") as handle:
        for dialogue in dialogues:
            handle.write(json.dumps(dialogue, ensure_ascii=False, separators=(",", ":")) + "\n")
    return dialogues


def write_trade_sample(out: Path) -> list[dict[str, Any]]:
    """A small GBK-encoded export with Chinese headers; the bulk is generated at ingest time."""
    trades = generate_trades(TRADE_SAMPLE_COUNT, seed=SEED, fraud_rate=0.1)
    with (out / "sample_trades_gbk.csv").open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([header for _, header in TRADE_CSV_COLUMNS])
        for trade in trades:
            writer.writerow([_csv_cell(trade[field]) for field, _ in TRADE_CSV_COLUMNS])
    return trades


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def verify_pdfs(paths: list[Path], truth: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Read every PDF back with pdfplumber: Chinese text must come out as Unicode, and every
    expected element must be found in an extracted table row. Records each element's page."""
    texts = {}
    for path in paths:
        with pdfplumber.open(path) as pdf:
            pages = [(page.extract_text() or "", page.extract_tables()) for page in pdf.pages]
        text = "\n".join(t for t, _ in pages)
        if "年" not in text or "(cid:" in text:
            raise SystemExit(f"{path.name}: Chinese text does not extract as Unicode")
        texts[path.name] = text
        for element in truth.get(path.name, []):
            element["page"] = _find_element_page(pages, element, path.name)
    return texts


def _find_element_page(pages: list[tuple[str, list[Any]]], element: dict[str, Any], name: str) -> int:
    column = 1 if element["period"] == "2023" else 2
    for number, (_, tables) in enumerate(pages, 1):
        for table in tables:
            if table[0][1:3] != ["2023年", "2022年"]:
                continue
            if any(row[0] == element["row_label"] and row[column] == element["text"] for row in table):
                return number
    raise SystemExit(f"{name}: {element['row_label']} {element['period']} not found in any extracted table")


def tokenizer_corpus(pdf_texts: dict[str, str], dialogues: list[dict[str, Any]], threads: list[dict[str, Any]]) -> str:
    """Text of every kind in the example, in a fixed order, capped at CORPUS_MAX_BYTES."""
    blocks = list(pdf_texts.values())
    blocks += ["\n".join((a.title, *a.body)) for a in ARTICLES]
    blocks += ["\n".join([t["title"], t["question"], *(a["text"] for a in t["answers"])]) for t in threads]
    blocks += ["\n".join(turn["text"] for turn in d["turns"]) for d in dialogues[:350]]
    blocks += [describe_trade(t) for t in generate_trades(250, seed=SEED + 3, fraud_rate=0.2)]
    corpus, size = [], 0
    for block in blocks:
        size += len(block.encode("utf-8")) + 2
        if size > CORPUS_MAX_BYTES:
            break
        corpus.append(block)
    return "\n\n".join(corpus) + "\n"


def main() -> None:
    if RAW.exists():
        shutil.rmtree(RAW)
    kinds = ("annual_reports", "research", "regulation", "news", "forum", "service", "trades")
    dirs = {name: RAW / name for name in kinds}
    for folder in dirs.values():
        folder.mkdir(parents=True)

    truth = write_annual_reports(dirs["annual_reports"])
    write_research_report(dirs["research"])
    write_regulation(dirs["regulation"])
    pdfs = sorted(RAW.glob("*/*.pdf"))
    pdf_texts = verify_pdfs(pdfs, truth)
    (dirs["annual_reports"] / "expected_elements.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    write_news(dirs["news"])
    write_forum(dirs["forum"])
    dialogues = write_dialogues(dirs["service"])
    write_trade_sample(dirs["trades"])
    threads = [json.loads(line) for line in (dirs["forum"] / "threads.jsonl").read_text(encoding="utf-8").splitlines()]
    CORPUS.write_text(tokenizer_corpus(pdf_texts, dialogues, threads), encoding="utf-8")

    for folder in dirs.values():
        files = sorted(p for p in folder.iterdir() if p.is_file())
        print(f"{folder.relative_to(HERE)}: {len(files)} files, {sum(p.stat().st_size for p in files) / 1024:,.0f} KB")
    print(f"{CORPUS.relative_to(HERE.parents[1])}: {CORPUS.stat().st_size / 1024:,.0f} KB")


if __name__ == "__main__":
    main()
