from __future__ import annotations

from pathlib import Path

import pytest

from vertune.data.sources import pdf
from vertune.data.sources.base import ReadOptions, SourceError
from vertune.records import Document, Table


def read_one(path: Path) -> Document:
    [doc] = list(pdf.read(path, ReadOptions("test", "report")))
    assert isinstance(doc, Document)
    return doc


def test_text_tables_and_pages_in_reading_order(build_pdf, key_data_table) -> None:
    path = build_pdf("r.pdf", [["第一段正文，介绍公司。", key_data_table, "表格之后的正文。"], ["第二页的正文内容。"]])
    doc = read_one(path)
    first, table, after = (doc.text.index(s) for s in ("第一段正文", "| 主要会计数据 | 2023年", "表格之后"))
    assert first < table < after
    assert "| --- | --- | --- | --- |" in doc.text
    assert doc.tables == [Table(rows=key_data_table, page=1)]
    assert [span["page"] for span in doc.meta["pages"]] == [1, 2]
    second = doc.meta["pages"][1]
    assert doc.text[second["start"] : second["end"]] == "第二页的正文内容。"
    assert doc.meta["page_count"] == 2


def test_running_headers_and_page_numbers_are_removed(build_pdf) -> None:
    doc = read_one(build_pdf("r.pdf", [[f"第{n}页正文。"] for n in range(1, 4)], header="示例公司2023年年度报告"))
    assert "示例公司2023年年度报告" not in doc.text
    assert "第 2 页" not in doc.text
    assert "第2页正文。" in doc.text


def test_wrapped_lines_are_joined_into_one_paragraph(build_pdf) -> None:
    sentence = "报告期内公司实现营业收入1,476.94亿元，同比增长18.04%。" * 6
    doc = read_one(build_pdf("r.pdf", [[sentence]]))
    assert sentence in doc.text


def test_title_from_metadata_else_first_line(build_pdf) -> None:
    assert read_one(build_pdf("a.pdf", [["正文。"]], title="年度报告摘要")).title == "年度报告摘要"
    assert read_one(build_pdf("b.pdf", [["关于某事项的公告", "正文。"]], header=None)).title == "关于某事项的公告"


def test_scanned_pages_are_reported(scanned_pdf) -> None:
    doc = read_one(scanned_pdf("mixed.pdf", [True, False, True]))
    assert doc.meta["scanned_pages"] == [2]
    assert "第1页的正文" in doc.text and "第3页的正文" in doc.text


def test_pdf_without_text_layer_is_a_source_error(scanned_pdf) -> None:
    with pytest.raises(SourceError, match="scanned PDF: no text layer"):
        read_one(scanned_pdf("scan.pdf", [False, False]))


def test_encrypted_pdf(build_pdf) -> None:
    with pytest.raises(SourceError, match="encrypted PDF"):
        read_one(build_pdf("secret.pdf", [["机密内容。"]], encrypt="pw"))


def test_truncated_pdf(build_pdf, tmp_path: Path) -> None:
    data = build_pdf("whole.pdf", [["正文。"]]).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="truncated PDF"):
        read_one(cut)


def test_corrupt_pdf_with_an_end_marker(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is no pdf body\n%%EOF\n")
    with pytest.raises(SourceError, match="corrupt PDF"):
        read_one(path)


def test_other_files_named_pdf_say_what_they_are(tmp_path: Path) -> None:
    png = tmp_path / "image.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(SourceError, match=r"not a PDF \(PNG signature\)"):
        read_one(png)
    text = tmp_path / "notes.pdf"
    text.write_text("just text", encoding="utf-8")
    with pytest.raises(SourceError, match=r"not a PDF \(no %PDF header\)"):
        read_one(text)


def test_table_markdown_escapes_pipes_and_pads_rows() -> None:
    table = Table(rows=[["a", "b"], ["x|y"]])
    assert pdf.table_markdown(table) == "| a | b |\n| --- | --- |\n| x\\|y |  |"


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [("营业收入", "增长", "营业收入增长"), ("net", "profit", "net profit"), ("1,476.94", "亿元", "1,476.94亿元")],
)
def test_join_lines(left: str, right: str, joined: str) -> None:
    assert pdf.join_lines(left, right) == joined


def line(text: str, x1: float, lead: float = 10.0, x0: float = 60.0) -> pdf.Line:
    return pdf.Line(text, x0=x0, x1=x1, size=10.0, lead=lead)


def test_a_line_wrapped_before_a_number_continues_its_paragraph() -> None:
    wrapped = line("实现归属于上市公司股东的净利润", x1=518.0)
    assert pdf.continues(wrapped, line("72.16亿元，同比增长20.62%。", x1=300.0, lead=22.0), 60.0, 535.0)
    assert not pdf.continues(wrapped, line("72.16亿元", x1=300.0, lead=5.0), 60.0, 535.0)  # it would have fitted
    assert not pdf.continues(wrapped, line("二、经营情况", x1=300.0), 60.0, 535.0)  # a heading
    assert not pdf.continues(wrapped, line("新段落首行缩进", x1=300.0, x0=81.0), 60.0, 535.0)


def test_a_paragraph_over_a_page_break_is_joined_and_page_spans_follow() -> None:
    pages = [pdf.PageContent(1, [line("基准指数为沪", x1=530.0)], scanned=False, width=595.0),
             pdf.PageContent(2, [line("深300指数。", x1=200.0)], scanned=False, width=595.0)]
    text, spans, _ = pdf.assemble(pages)
    assert text == "基准指数为沪深300指数。"
    assert spans == [{"page": 1, "start": 0, "end": 6}, {"page": 2, "start": 6, "end": 13}]
