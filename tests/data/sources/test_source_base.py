from __future__ import annotations

import io

import pytest

from vertune.data.sources.base import capped_lines, clean_text, sniff_signature


def test_capped_lines_skips_an_overlong_line_without_holding_it() -> None:
    handle = io.StringIO("short\n" + "x" * 5000 + "\nafter\nlast")
    assert list(capped_lines(handle, max_chars=100)) == ["short\n", None, "after\n", "last"]


def test_capped_lines_accepts_a_line_of_exactly_the_cap() -> None:
    assert list(capped_lines(io.StringIO("x" * 100 + "\n"), max_chars=100)) == ["x" * 100 + "\n"]
    assert list(capped_lines(io.StringIO("x" * 101 + "\n"), max_chars=100)) == [None]


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"%PDF-1.7\n", "PDF"), (b"junk%PDF-1.4", "PDF"), (b"\x89PNG\r\n\x1a\n....", "PNG"), (b"\xff\xd8\xff\xe0", "JPEG"),
     (b"PK\x03\x04", "ZIP/Office"), (b"hello", None)],
)
def test_sniff_signature(head: bytes, kind: str | None) -> None:
    assert sniff_signature(head) == kind


def test_clean_text_keeps_fullwidth_punctuation_and_drops_control_characters() -> None:
    raw = "\ufeff标题\r\n正文，内容。\u200b  \t\n\n\n\n下一段\x00（完）\u3000"
    assert clean_text(raw) == "标题\n正文，内容。\n\n下一段（完）"
