from __future__ import annotations

import pytest

from vertune.data.sources import annual_report
from vertune.records import Document


def element(elements: list[dict], name: str, period: str) -> dict:
    [found] = [e for e in elements if e["name"] == name and e["period"] == period]
    return found


def test_report_pdf_gets_sections_and_elements(annual_report_pdf, opts) -> None:
    [doc] = list(annual_report.read(annual_report_pdf, opts("annual_report")))
    assert isinstance(doc, Document)
    titles = [section["title"] for section in doc.meta["sections"]]
    assert titles == ["第一节 重要提示", "第二节 公司简介和主要财务指标", "第三节 管理层讨论与分析", "第十节 财务报告"]
    mdna = doc.meta["sections"][2]
    assert doc.text[mdna["start"] : mdna["end"]].startswith("第三节 管理层讨论与分析\n报告期内")
    assert doc.meta["report_year"] == "2023"

    elements = doc.meta["elements"]
    assert element(elements, "营业收入", "2023年") == {
        "name": "营业收入", "period": "2023年", "value": 18_652_000_000.0, "text": "18,652,000,000.00", "unit": "元", "page": 2,
    }
    assert element(elements, "经营活动产生的现金流量净额", "2023年")["value"] == -312_500_000.0
    assert element(elements, "归属于上市公司股东的扣除非经常性损益的净利润", "2022年")["value"] == 5_902_000_000.0
    assert element(elements, "总资产", "2022年")["value"] == 47_020_000_000.0
    assert element(elements, "基本每股收益", "2023年") | {"page": None} == {
        "name": "基本每股收益", "period": "2023年", "value": 5.75, "text": "5.75", "unit": "元/股", "page": None,
    }
    assert element(elements, "加权平均净资产收益率", "2022年")["unit"] == "%"
    assert "%" not in element(elements, "加权平均净资产收益率", "2022年")["text"], "the % is the unit, not the number"
    # prose fills what no table gave, with its own unit; the quarterly table is not read as years
    assert element(elements, "稀释每股收益", "2023年")["value"] == 5.74
    assert element(elements, "稀释每股收益", "2023年")["page"] == 3
    assert len({(e["name"], e["period"]) for e in elements}) == len(elements)


def test_sections_skip_the_table_of_contents() -> None:
    text = (
        "目录\n第一节 重要提示 ........ 2\n第二节 公司简介和主要财务指标 ........ 5\n"
        "第一节 重要提示\n" + "正文" * 50 + "\n第二节 公司简介和主要财务指标\n" + "正文" * 50
    )
    sections = annual_report.find_sections(text)
    assert [(s.number, s.title) for s in sections] == [(1, "第一节 重要提示"), (2, "第二节 公司简介和主要财务指标")]
    assert sections[0].start == text.index("第一节 重要提示\n正文")
    assert sections[1].end == len(text)


def test_packed_headings_without_page_numbers_are_a_toc() -> None:
    text = "第一节 释义\n第二节 公司简介\n第三节 管理层讨论与分析\n" + "前言" * 60 + "\n第三节 管理层讨论与分析\n" + "正文" * 60
    assert [s.start for s in annual_report.find_sections(text)] == [text.rindex("第三节")]


def test_table_rows_take_the_unit_note_and_year_header() -> None:
    text = (
        "单位：万元\n| 项目 | 2023年末 | 2022年末 |\n| --- | --- | --- |\n"
        "| 资产总计 | 1,234.50 | (1,000.00) |\n| 归属于母公司所有者权益 | 800.00 | 700.00 |\n"
    )
    elements = annual_report.table_elements(text)
    assert [(e["name"], e["period"], e["value"], e["text"], e["unit"]) for e in elements] == [
        ("总资产", "2023年", 1234.5, "1,234.50", "万元"), ("总资产", "2022年", -1000.0, "(1,000.00)", "万元"),
        ("归属于上市公司股东的净资产", "2023年", 800.0, "800.00", "万元"),
        ("归属于上市公司股东的净资产", "2022年", 700.0, "700.00", "万元"),
    ]


def test_a_table_continued_on_the_next_page_keeps_its_years() -> None:
    text = (
        "| 主要会计数据 | 2023年 | 2022年 |\n| --- | --- | --- |\n| 营业收入 | 10.00 | 9.00 |\n\n"
        "某公司 2023年年度报告\n\n| 总资产 | 50.00 | 40.00 |\n\n| 项目 | 第一季度 |\n| 营业收入 | 3.00 |"
    )
    found = [(e["name"], e["period"], e["value"]) for e in annual_report.table_elements(text)]
    assert found == [("营业收入", "2023年", 10.0), ("营业收入", "2022年", 9.0), ("总资产", "2023年", 50.0), ("总资产", "2022年", 40.0)]


def test_prose_elements_take_the_year_named_in_the_sentence() -> None:
    text = "2022年公司实现营业收入98.74亿元。报告期内归属于上市公司股东的净利润为-2.16亿元，由盈转亏；基本每股收益0.52元。"
    found = annual_report.prose_elements(text, "2023")
    assert [(e["name"], e["period"], e["value"], e["text"], e["unit"]) for e in found] == [
        ("营业收入", "2022年", 98.74, "98.74", "亿元"),
        ("归属于上市公司股东的净利润", "2023年", -2.16, "-2.16", "亿元"),
        ("基本每股收益", "2023年", 0.52, "0.52", "元/股"),
    ]


def test_elements_keep_the_number_as_written() -> None:
    text = ("单位：百万元\n| 主要会计数据 | 2023年 | 2022年 | 本年比上年增减（%） |\n| --- | --- | --- | --- |\n"
            "| 营业收入 | 22,087 | 19,040 | 16.00 |\n公司实现营业收入1,137.37亿元。")
    found = [(e["name"], e["period"], e["value"], e["text"], e["unit"]) for e in annual_report.find_elements(text, "2024年年度报告")]
    assert found == [("营业收入", "2023年", 22087.0, "22,087", "百万元"), ("营业收入", "2022年", 19040.0, "19,040", "百万元"),
                     ("营业收入", "2024年", 1137.37, "1,137.37", "亿元")]


def test_a_full_width_percent_sign_stays_out_of_the_written_number() -> None:
    text = ("| 主要会计数据 | 2023年 | 2022年 |\n| --- | --- | --- |\n| 加权平均净资产收益率 | 34.19％ | 30.26 ％ |\n")
    rows = [(e["period"], e["value"], e["text"], e["unit"]) for e in annual_report.table_elements(text)]
    assert rows == [("2023年", 34.19, "34.19", "%"), ("2022年", 30.26, "30.26", "%")]


@pytest.mark.parametrize(("numeral", "number"), [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十一", 21)])
def test_chinese_number(numeral: str, number: int) -> None:
    assert annual_report.chinese_number(numeral) == number
