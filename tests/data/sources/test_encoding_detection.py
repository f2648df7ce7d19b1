from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from vertune.data.sources.base import SourceError
from vertune.data.sources.encoding import damaged_lines, detect_encoding, open_text, undecodable

TEXT = "日期,代码,名称\n2024-01-02,600519,贵州茅台\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
        (b"plain ascii\n", "utf-8"),
    ],
)
def test_detects_the_encodings_chinese_finance_files_come_in(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == (expected, "strict")
    with open_text(path) as handle:
        assert "贵州茅台" in handle.read() or expected == "utf-8"


def test_a_late_gbk_byte_is_not_missed(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"a,b\n" * 100_000 + "贵州茅台\n".encode("gbk"))
    assert detect_encoding(path)[0] == "gb18030"


def test_declared_encoding_is_trusted_and_checked_for_existence(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(TEXT.encode("gbk"))
    assert detect_encoding(path, "GBK") == ("gbk", "surrogateescape")
    with pytest.raises(SourceError, match="unknown encoding"):
        detect_encoding(path, "no-such-codec")


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(SourceError, match="binary file"):
        detect_encoding(path)


def test_a_few_corrupt_lines_keep_the_encoding_of_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    good = "".join(f"2024-01-0{i},600519,贵州茅台\n" for i in range(1, 8)).encode("utf-8")
    path.write_bytes(good + "2024-01-09,000858,五".encode("utf-8") + b"\xff\n")
    assert detect_encoding(path) == ("utf-8", "surrogateescape")
    with open_text(path) as handle:
        assert [undecodable(line, handle.encoding) for line in handle][-2:] == [None, "byte 0xff is not valid utf-8"]


def test_a_file_mostly_undecodable_is_not_forced_into_an_encoding(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes("价格很高\n".encode("big5") + "贵州茅台\n".encode("utf-8") + b"\xff\xfe\xfa\n" * 3)
    assert damaged_lines(path, "utf-8") == (5, 4)
    with pytest.raises(SourceError, match="unknown text encoding"):
        detect_encoding(path)
