"""Hostile inputs a reader must survive without losing the good records around them, and
garbage it must not take for text (issue 9, section 5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from vertune.data.ingest import read_file
from vertune.data.sources import pdf
from vertune.data.sources.base import ReadOptions, SourceError
from vertune.records import Document, Rejection

Options = Callable[..., ReadOptions]


def _split(items: list[Document | Rejection]) -> tuple[list[Document], list[Rejection]]:
    return [i for i in items if isinstance(i, Document)], [i for i in items if isinstance(i, Rejection)]


ROWS = [f"2024-01-0{day},60051{day},贵州茅台{day}号" for day in range(1, 7)]


@pytest.mark.parametrize(("encoding", "declared"), [("utf-8", "auto"), ("gb18030", "auto"), ("gbk", "gbk")])
def test_one_undecodable_byte_in_a_csv_rejects_that_row_and_keeps_the_rest(tmp_path: Path, opts: Options,
                                                                           encoding: str, declared: str) -> None:
    lines = [line.encode(encoding) for line in ["日期,代码,名称", *ROWS]]
    lines[3] = lines[3].replace("茅台".encode(encoding), b"\xff\xfe")  # file line 4 = third row
    path = tmp_path / "t.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    docs, [rejection] = _split(read_file(path, opts("transaction", encoding=declared)))
    assert [d.meta["名称"] for d in docs] == ["贵州茅台1号", "贵州茅台2号", "贵州茅台4号", "贵州茅台5号", "贵州茅台6号"]
    assert (rejection.item, rejection.reason) == (f"{path}:4", "cannot decode")
    assert "0xff" in rejection.detail and encoding in rejection.detail


def test_one_undecodable_byte_in_a_jsonl_line_rejects_that_line(tmp_path: Path, opts: Options) -> None:
    lines = [json.dumps({"text": f"新闻{i}的正文"}, ensure_ascii=False).encode() for i in range(6)]
    lines[1] = lines[1].replace("正文".encode(), b"\xc3\x28")
    path = tmp_path / "n.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    docs, [rejection] = _split(read_file(path, opts("news")))
    assert len(docs) == 5
    assert (rejection.item, rejection.reason) == (f"{path}:2", "cannot decode")


def _nested(depth: int) -> str:
    return '{"text": "深", "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deep"),  # RecursionError in json.loads
        (_nested(150), "JSON nested too deep"),  # parses, but could not be written as a Document and read back
        ('{"text": "大数", "n": ' + "9" * 5000 + "}", "JSON number too long"),  # Python's int-str digit limit
        ('{"text": "\\ud800坏"}', "invalid text"),  # a lone surrogate cannot be written as UTF-8
    ],
)
def test_a_hostile_jsonl_line_is_rejected_by_its_number_and_the_others_kept(
    tmp_path: Path, opts: Options, line: str, reason: str
) -> None:
    lines = [json.dumps({"text": f"新闻{i}"}, ensure_ascii=False) for i in range(6)]
    lines.insert(3, line)
    path = tmp_path / "n.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, [rejection] = _split(read_file(path, opts("news")))
    assert [d.text for d in docs] == [f"新闻{i}" for i in range(6)]
    assert (rejection.item, rejection.reason) == (f"{path}:4", reason)
    for doc in docs:
        doc.model_dump_json()


def test_a_deeply_nested_whole_file_json_is_a_clear_file_rejection(tmp_path: Path, opts: Options) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    [rejection] = read_file(path, opts())
    assert rejection.reason == "JSON nested too deep"


@pytest.mark.parametrize("padding", [b"\x00", b" ", b"\r\n"])
def test_a_pdf_with_trailing_padding_is_read(build_pdf: Callable[..., Path], opts: Options, padding: bytes) -> None:
    path = build_pdf("padded.pdf", [["关于公司2023年度利润分配的公告"]], header=None)
    path.write_bytes(path.read_bytes() + padding * (4096 // len(padding)))
    [doc] = read_file(path, opts("announcement"))
    assert isinstance(doc, Document) and "利润分配" in doc.text


def test_a_pdf_cut_off_inside_its_padding_free_body_is_still_truncated(build_pdf: Callable[..., Path], opts: Options) -> None:
    path = build_pdf("cut.pdf", [["关于公司2023年度利润分配的公告"]], header=None)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + bytes(4096))
    [rejection] = read_file(path, opts())
    assert rejection.reason == "truncated PDF"


def test_strip_unmapped_counts_and_removes_cid_placeholders() -> None:
    assert pdf.strip_unmapped("(cid:4538)(cid:4277)营业收入(cid:12)") == ("营业收入", 3)
    assert pdf.strip_unmapped("营业收入(元) cid:5") == ("营业收入(元) cid:5", 0)
    assert pdf.glyph_count("营业 收入\n", 9) == 13


# A hand-built PDF: pdfminer reads a Type0 font with Identity-H encoding and no ToUnicode map
# (what an owner-password-only filing with embedded CID fonts gives) as "(cid:N)" per glyph.
def _pdf_bytes(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def cid_pdf(path: Path, unmapped_glyphs: int, latin: str = "") -> Path:
    """One page: ``latin`` in Helvetica (mapped), then ``unmapped_glyphs`` glyphs of a CID font
    without a ToUnicode map."""
    glyphs = "".join(f"{4000 + 37 * i:04X}" for i in range(unmapped_glyphs))
    content = f"BT /F2 12 Tf 72 760 Td ({latin}) Tj ET BT /F1 12 Tf 72 700 Td <{glyphs}> Tj ET".encode()
    path.write_bytes(_pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R /F2 8 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /FontDescriptor 7 0 R /DW 500"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        b"<< /Type /FontDescriptor /FontName /NoMap /Flags 4 /FontBBox [0 -200 1000 900] /ItalicAngle 0"
        b" /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]))
    return path


def test_a_pdf_of_unmapped_cid_glyphs_is_rejected_not_taken_for_text(tmp_path: Path, opts: Options) -> None:
    path = cid_pdf(tmp_path / "cid.pdf", 40)
    with pytest.raises(SourceError, match="unmapped glyphs") as caught:
        list(pdf.read(path, opts()))
    assert "40 of 40" in caught.value.detail
    [rejection] = read_file(path, opts())
    assert rejection.reason == "unmapped glyphs"


def test_a_few_unmapped_glyphs_are_dropped_from_readable_text(tmp_path: Path, opts: Options) -> None:
    latin = "Revenue grew 17.5 percent in 2023 while costs fell and margins widened across all segments"
    path = cid_pdf(tmp_path / "mostly_text.pdf", 2, latin)
    [doc] = read_file(path, opts())
    assert isinstance(doc, Document)
    assert "(cid:" not in doc.text and "Revenue grew 17.5 percent" in doc.text
    assert doc.meta["unmapped_glyphs"] == 2
