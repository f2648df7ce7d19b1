import re

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from vertune.data.chunk import chunk_text, segments, token_counter, token_histogram

TRAINING_LINES = [
    "贵州茅台2023年实现营业收入1,505.60亿元，同比增长18.04%。",
    "招商银行净利润为1,466.02亿元，不良贷款率0.95%。",
    "Revenue grew 12.5% to $1,234.56 million. Net income rose 3.2%.",
    "| 项目 | 2023 | 2022 |",
] * 10

REPORT = (
    "公司2023年营业收入为1,505.60亿元，同比增长18.04%。净利润747.34亿元！是否分红？拟每10股派308.76元；\n"
    "| 项目 | 2023 | 2022 |\n|---|---|---|\n| 营收 | 1,505.60 | 1,275.54 |\n| 净利润 | 747.34 | 627.16 |\n"
    "The stock 600519.SH rose 1.5% to 1,700.00 yuan. AAPL.O fell 0.8%.\n\n"
    "截至2023年12月31日，总资产为2,727.00亿元。资产负债率19.0%。"
)
NUMBER = re.compile(r"\d+(?:[.,]\d+)+")


@pytest.fixture(scope="module")
def tokenizer():
    """A tiny byte-level BPE trained in-process: Chinese characters cost several tokens."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(TRAINING_LINES, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok)


def n_tokens(tokenizer, text):
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def assert_no_number_cut(text, chunks):
    for chunk in chunks:
        for number in NUMBER.finditer(text):
            assert not (number.start() < chunk.start < number.end()), number.group()
            assert not (number.start() < chunk.end < number.end()), number.group()


@pytest.mark.parametrize("max_tokens", [24, 40, 64, 512])
def test_chunks_fit_cover_the_text_and_keep_offsets(tokenizer, max_tokens):
    chunks = chunk_text(REPORT, tokenizer, max_tokens=max_tokens)
    for chunk in chunks:
        assert chunk.text == REPORT[chunk.start : chunk.end]
        assert n_tokens(tokenizer, chunk.text) <= chunk.n_tokens <= max_tokens
    assert "".join(c.text for c in chunks).replace("\n", "").replace(" ", "") == re.sub(r"\s", "", REPORT)
    assert_no_number_cut(REPORT, chunks)
    assert any(c.forced for c in chunks) == (max_tokens < 64)  # some sentences exceed 40 tokens


def test_sentences_end_at_chinese_and_english_marks_but_not_inside_numbers():
    text = "营收1,505.60亿元，增长18.04%。利润12.5亿！分红？是；Revenue 12.5 rose. Ticker 600519.SH up."
    pieces = [text[s:e] for block in segments(text) for s, e in block]
    assert pieces == [
        "营收1,505.60亿元，增长18.04%。",
        "利润12.5亿！",
        "分红？",
        "是；",
        "Revenue 12.5 rose.",
        "Ticker 600519.SH up.",
    ]


def test_table_is_kept_whole_when_it_fits(tokenizer):
    chunks = chunk_text(REPORT, tokenizer, max_tokens=200)
    table = REPORT[REPORT.index("| 项目") : REPORT.index("| 627.16 |") + len("| 627.16 |")]
    assert any(table in c.text for c in chunks)


def test_table_falls_back_to_whole_rows(tokenizer):
    rows = [line for line in REPORT.splitlines() if line.startswith("|")]
    chunks = chunk_text(REPORT, tokenizer, max_tokens=40)
    assert not any(all(row in c.text for row in rows) for c in chunks)
    for row in rows:
        assert any(row in c.text for c in chunks), row


def test_over_long_sentence_is_forced_at_token_boundaries_without_cutting_numbers(tokenizer):
    text = "，".join(f"第{i}项收入为1,234.{i:02d}亿元" for i in range(40)) + "。短句。"
    chunks = chunk_text(text, tokenizer, max_tokens=30)
    forced = [c for c in chunks if c.forced]
    assert len(forced) > 3 and not chunks[-1].forced  # the trailing short sentence is normal
    assert all(n_tokens(tokenizer, c.text) <= 30 for c in chunks)
    assert_no_number_cut(text, chunks)


def test_overlap_repeats_trailing_sentences(tokenizer):
    text = "".join(f"第{i}句话说营收增长{i}.5%。" for i in range(20))
    plain = chunk_text(text, tokenizer, max_tokens=60)
    overlapped = chunk_text(text, tokenizer, max_tokens=60, overlap=1)
    assert len(overlapped) > len(plain) > 1
    for before, after in zip(overlapped, overlapped[1:]):
        shared = text[after.start : before.end]
        assert after.start < before.end and shared.endswith("。") and shared.count("。") == 1
    assert overlapped[-1].end == len(text.rstrip())


def test_each_sentence_is_tokenised_once():
    calls = []

    def char_tokenizer(text):
        calls.append(text)
        return list(text)

    text = "".join(f"第{i}句。" for i in range(50))
    chunks = chunk_text(text, char_tokenizer, max_tokens=20)
    assert len(calls) == 50 and len(chunks) > 5


def test_tokenizer_kinds_agree(tokenizer):
    texts = ["营收增长12.5%。", "Revenue grew."]
    expected = [n_tokens(tokenizer, t) for t in texts]
    assert token_counter(tokenizer)(texts) == expected
    assert token_counter(tokenizer.backend_tokenizer)(texts) == expected
    assert token_counter(lambda t: tokenizer.encode(t, add_special_tokens=False))(texts) == expected


def test_empty_text_gives_no_chunks(tokenizer):
    assert chunk_text(" \n\n ", tokenizer) == []


def test_token_histogram():
    hist = token_histogram([10, 64, 65, 100, 300, 600, 5000, 80, 90, 95])
    assert hist["buckets"] == {
        "0-64": 2, "65-128": 5, "129-256": 0, "257-512": 1, "513-1024": 1,
        "1025-2048": 0, "2049-4096": 0, ">4096": 1,
    }  # fmt: skip
    assert (hist["count"], hist["p50"], hist["p90"], hist["max"]) == (10, 90, 600, 5000)
    assert token_histogram([])["count"] == 0
