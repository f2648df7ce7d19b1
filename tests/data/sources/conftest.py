"""Fixtures for the source readers: options, and small PDFs built with reportlab in tmp_path.

``build_pdf`` takes pages as lists of blocks (a string is a paragraph, a list of rows a ruled
table) and draws a running header and a page-number footer on every page, like real filings.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

import pytest
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from vertune.data.sources.base import ReadOptions

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")

Block = Union[str, list[list[str]]]
PdfBuilder = Callable[..., Path]


def _options(kind: str = "document", **kwargs: Any) -> ReadOptions:
    return ReadOptions(source_name="test", kind=kind, **kwargs)


@pytest.fixture
def opts() -> Callable[..., ReadOptions]:
    """``opts(kind, **fields)``: ReadOptions for a test source named ``test``."""
    return _options


def _flowable(block: Block) -> Any:
    if isinstance(block, str):
        return Paragraph(block, BODY)
    table = Table(block)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    return table


@pytest.fixture
def build_pdf(tmp_path: Path) -> PdfBuilder:
    """``build_pdf(name, pages, header=..., title=...)`` -> path of a multi-page Chinese PDF."""

    def build(name: str, pages: list[list[Block]], header: str | None = "示例公司2023年年度报告",
              title: str = "", encrypt: str | None = None) -> Path:
        path = tmp_path / name

        def running(page_canvas: Any, doc: Any) -> None:
            page_canvas.saveState()
            page_canvas.setFont(FONT, 9)
            if header:
                page_canvas.drawString(20 * mm, A4[1] - 14 * mm, header)
            page_canvas.drawCentredString(A4[0] / 2, 12 * mm, f"第 {doc.page} 页")
            page_canvas.restoreState()

        story: list[Any] = []
        for number, page in enumerate(pages):
            story += [_flowable(block) for block in page]
            if number < len(pages) - 1:
                story.append(PageBreak())
        SimpleDocTemplate(str(path), pagesize=A4, title=title, encrypt=encrypt).build(
            story, onFirstPage=running, onLaterPages=running
        )
        return path

    return build


def _png() -> ImageReader:
    buffer = io.BytesIO()
    Image.new("L", (40, 40), color=128).save(buffer, format="PNG")
    buffer.seek(0)
    return ImageReader(buffer)


@pytest.fixture
def scanned_pdf(tmp_path: Path) -> Callable[[str, list[bool]], Path]:
    """``scanned_pdf(name, [True, False])``: one page per flag, text (True) or an image only."""

    def build(name: str, text_pages: list[bool]) -> Path:
        path = tmp_path / name
        pdf = canvas.Canvas(str(path), pagesize=A4)
        for number, has_text in enumerate(text_pages, start=1):
            if has_text:
                pdf.setFont(FONT, 11)
                pdf.drawString(72, 700, f"第{number}页的正文内容，公司经营情况良好。")
            else:
                pdf.drawImage(_png(), 72, 300, width=400, height=400)
            pdf.showPage()
        pdf.save()
        return path

    return build


MAIN_TABLE = [
    ["主要会计数据", "2023年", "2022年", "本年比上年增减(%)"],
    ["营业收入", "18,652,000,000.00", "15,873,000,000.00", "17.51"],
    ["归属于上市公司股东的净利润", "7,216,000,000.00", "5,983,000,000.00", "20.61"],
    ["归属于上市公司股东的扣除非经常性损益的净利润", "7,101,000,000.00", "5,902,000,000.00", "20.32"],
    ["经营活动产生的现金流量净额", "-312,500,000.00", "6,104,000,000.00", "-105.12"],
    ["总资产", "52,310,000,000.00", "47,020,000,000.00", "11.25"],
    ["归属于上市公司股东的净资产", "38,540,000,000.00", "33,100,000,000.00", "16.43"],
]
RATIO_TABLE = [
    ["主要财务指标", "2023年", "2022年", "本年比上年增减(%)"],
    ["基本每股收益（元/股）", "5.75", "4.76", "20.80"],
    ["加权平均净资产收益率（%）", "20.10", "19.23", "增加0.87个百分点"],
]
QUARTER_TABLE = [
    ["项目", "第一季度", "第二季度", "第三季度", "第四季度"],
    ["营业收入", "5,782,120,000.00", "4,103,440,000.00", "4,476,480,000.00", "4,289,960,000.00"],
]


@pytest.fixture
def key_data_table() -> list[list[str]]:
    """The "主要会计数据" table of the annual report fixture."""
    return MAIN_TABLE


@pytest.fixture
def annual_report_pdf(build_pdf: PdfBuilder) -> Path:
    """A four-page 2023 annual report: cover, 第一节, 第二节 with the key-data tables, 第三节
    with figures in prose, 第十节 with a balance sheet repeating total assets."""
    return build_pdf(
        "report.pdf",
        [
            ["示例酿酒股份有限公司", "2023年年度报告"],
            ["第一节 重要提示", "本公司董事会保证年度报告内容的真实、准确、完整。",
             "第二节 公司简介和主要财务指标", "（一）主要会计数据　　单位：元　币种：人民币", MAIN_TABLE,
             "（二）主要财务指标", RATIO_TABLE, "2023年分季度主要财务数据", QUARTER_TABLE],
            ["第三节 管理层讨论与分析",
             "报告期内，公司实现营业收入186.52亿元，同比增长17.51%；稀释每股收益5.74元。"
             "公司坚持高端化战略，产品结构持续优化，直销渠道占比提升，经营质量稳步提高。"],
            ["第十节 财务报告", "合并资产负债表（摘要）　单位：元",
             [["项目", "2023年12月31日", "2022年12月31日"], ["资产总计", "52,310,000,000.00", "47,020,000,000.00"]]],
        ],
        title="示例酿酒2023年年度报告",
    )
