import pytest

from vertune.data.clean import clean_document, clean_text, noise, strip_boilerplate
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


BODY = "贵州茅台发布年报，营业收入增长12.5%。"


@pytest.mark.parametrize(
    ("raw", "removed"),
    [
        ("转载自新浪财经：" + BODY, ["转载自新浪财经："]),
        ("【转载自东方财富网】" + BODY, ["【转载自东方财富网】"]),
        ("本文转载自证券时报，" + BODY, ["本文转载自证券时报，"]),
        ("来源：中国证券报\n" + BODY, ["来源：中国证券报"]),
        ("转载自 雪球\n" + BODY, ["转载自 雪球"]),
        ("（转载自财联社）" + BODY, ["（转载自财联社）"]),
        (BODY + "（本文转载自证券时报）", ["（本文转载自证券时报）"]),
        (BODY + "\n来源：证券时报", ["来源：证券时报"]),
        (BODY + "免责声明：本文仅代表作者个人观点，不构成投资建议。", ["免责声明：本文仅代表作者个人观点，不构成投资建议。"]),
        (BODY + "\n\n版权声明：本文版权归原作者所有。", ["版权声明：本文版权归原作者所有。"]),
        ("转载自新浪财经：" + BODY + "\n免责声明：仅供参考。", ["转载自新浪财经：", "免责声明：仅供参考。"]),
    ],
)
def test_repost_notes_and_disclaimers_are_stripped(raw, removed):
    assert strip_boilerplate(raw) == (BODY, removed)


def test_a_disclaimer_after_an_ascii_full_stop_is_stripped():
    ascii_body = BODY.replace("，", ",").replace("。", ".")
    assert strip_boilerplate(ascii_body + "免责声明:仅供参考.") == (ascii_body, ["免责声明:仅供参考."])


def test_a_disclaimer_paragraph_goes_up_to_the_next_blank_line():
    text = BODY + "\n\n免责声明：本文仅代表作者个人观点。\n股市有风险。\n\n相关阅读：白酒板块走强"
    assert strip_boilerplate(text) == (BODY + "\n\n相关阅读：白酒板块走强", ["免责声明：本文仅代表作者个人观点。\n股市有风险。"])


@pytest.mark.parametrize(
    "text",
    [
        "转自动驾驶领域的投资增加，公司发布年报。",  # 转自 without a colon is a word, not a note
        "公司收入来源：白酒。其余来自系列酒。",  # 来源： in the middle of the text
        "资料来源：公司公告，营收增长12%。",
        "请务必阅读正文之后的免责条款部分 第 1 页",
        "版权所有 2024 证券时报网 未经许可不得转载",
        "第一句是转载自他处的评论。",  # inside a sentence
    ],
)
def test_text_that_only_looks_like_boilerplate_is_kept(text):
    assert strip_boilerplate(text) == (text, [])


def test_clean_document_strips_boilerplate_and_records_it():
    doc = Document(source="web", kind="news", text="【转载自东方财富网】" + BODY + "\n免责声明：仅供参考。")
    cleaned = clean_document(doc)
    assert isinstance(cleaned, Document)
    assert cleaned.text == BODY and cleaned.meta["boilerplate"] == ["【转载自东方财富网】", "免责声明：仅供参考。"]
    plain = clean_document(Document(source="web", kind="news", text=BODY))
    assert isinstance(plain, Document) and "boilerplate" not in plain.meta


def test_a_document_that_is_only_boilerplate_is_rejected():
    rejection = clean_document(Document(source="web", kind="news", text="免责声明：本文仅供参考。"))
    assert isinstance(rejection, Rejection) and rejection.reason == "empty after cleaning"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BODY, 0),
        ("营收 12.5%，600519.SH，AAPL.O (美股)", 0),  # ASCII symbols in their usual places
        ("转载自新浪财经：" + BODY, len("转载自新浪财经：")),
        ("贵州茅台营业收入１２．５％", 5),  # full-width digits and signs
        ("贵州茅台,营收增长.", 2),  # ASCII comma and full stop against Chinese
        ("营收\u200b增长★", 2),  # invisible and decorative characters
    ],
)
def test_noise_counts_what_marks_a_copy(text, expected):
    assert noise(text) == expected
