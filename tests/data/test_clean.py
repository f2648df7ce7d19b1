import pytest

from vertune.data.clean import clean_document, clean_text
from vertune.records import Document, Rejection, Table

KEPT = [
    "12.5%",
    "3.2‰",
    "¥1,200",
    "$5.00",
    "€3",
    "£2",
    "1,234.56",
    "-0.75",
    "2023-12-31",
    "2023年12月31日",
    "2023/12/31",
    "600519.SH",
    "000001.SZ",
    "AAPL.O",
    "0700.HK",
    "12.3亿元",
    "500万元",
    "±0.5",
    "25°",
    "PE<20",
    "A&B",
    *"。，；：？！“”（）《》、【】「」…—",
]


@pytest.mark.parametrize("symbol", KEPT)
def test_business_symbol_survives(symbol):
    assert clean_text(f"公司{symbol}披露") == f"公司{symbol}披露"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("１２．５％", "12.5%"),  # full-width digits and signs become ASCII
        ("￥１００", "¥100"),
        ("ＡＡＰＬ．Ｏ", "AAPL.O"),
        ("营收\u3000增长", "营收 增长"),  # ideographic space
        ("面积100m²", "面积100m2"),  # NFKC flattens superscripts unless kept
    ],
)
def test_nfkc_normalises_full_width_forms(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>营收<b>增长</b>12%</p>", "营收增长12%"),
        ("营收&nbsp;增长&amp;利润&lt;1", "营收 增长&利润<1"),
        ("<script>var x = 1;</script>正文<!-- 注释 -->", "正文"),
        ("<table><tr><td>营收</td><td>12</td></tr></table>", "营收 12"),
        ("上一行<br/>下一行", "上一行\n下一行"),
        ("利润\u200b增长\ufeff", "利润增长"),  # zero-width and BOM
        ("响铃\x07退格\x08", "响铃退格"),  # control characters
        ("★重磅★ 利好😀\ue000", "重磅 利好"),  # decorative symbols, emoji, private use
        ("  a \t  b  ", "a b"),
        ("第一段\r\n\r\n\r\n\r\n第二段\n第三行", "第一段\n\n第二段\n第三行"),
    ],
)
def test_noise_is_removed(raw, clean):
    assert clean_text(raw) == clean


def test_keep_allowlist_protects_symbols_from_removal_and_nfkc():
    assert clean_text("▲12% ▼3% m²") == "12% 3% m2"
    assert clean_text("▲12% ▼3% m²", keep=["▲", "▼", "²"]) == "▲12% ▼3% m²"


def test_clean_document_cleans_text_title_and_tables_and_keeps_id():
    table = Table(rows=[["<b>项目</b>", "１２％"]], caption="表&nbsp;1")
    doc = Document(source="web", kind="news", title="<h1>标题</h1>", text="<p>营收12.5%</p>", tables=[table])
    cleaned = clean_document(doc)
    assert isinstance(cleaned, Document)
    assert (cleaned.id, cleaned.title, cleaned.text) == (doc.id, "标题", "营收12.5%")
    assert cleaned.tables[0].rows == [["项目", "12%"]] and cleaned.tables[0].caption == "表 1"


def test_clean_document_rejects_empty_result():
    doc = Document(source="web", kind="news", text="<div>&nbsp;</div>\u200b★")
    rejection = clean_document(doc)
    assert isinstance(rejection, Rejection)
    assert (rejection.stage, rejection.item, rejection.reason) == ("clean", doc.id, "empty after cleaning")
