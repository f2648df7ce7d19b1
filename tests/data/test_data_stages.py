"""The ingest and preprocess stages on the embedded example: nothing lost, symbols kept,
duplicates logged, every piece within the token budget of the model's own tokenizer."""

import json
from pathlib import Path

import pytest

from vertune.config import load_config
from vertune.model.loading import load_tokenizer
from vertune.pipeline import run_pipeline
from vertune.records import Document, Rejection, read_jsonl
from vertune.stages import STAGES

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/finance/vertune.yaml"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("example")
    mp = pytest.MonkeyPatch()
    mp.setenv("VERTUNE_WORKSPACE", str(root / "ws"))
    mp.setenv("VERTUNE_CACHE", str(root / "cache"))
    config = load_config(EXAMPLE)
    run_pipeline(config, STAGES, wanted=["preprocess"])
    yield root / "ws"
    mp.undo()


@pytest.mark.slow
def test_ingest_accounts_for_every_item(workspace: Path) -> None:
    manifest = json.loads((workspace / "ingest" / "manifest.json").read_text())
    counts = manifest["counts"]
    docs = list(read_jsonl(workspace / "ingest" / "documents.jsonl", Document))
    rejected = list(read_jsonl(workspace / "ingest" / "rejected.jsonl", Rejection))
    assert len(docs) == counts["out"] and len(rejected) == counts["rejected"]
    assert counts["in"] == counts["out"] + counts["rejected"]
    assert {d.meta["source_name"] for d in docs} == {s["name"] for s in manifest["params"]}
    assert all(r.reason for r in rejected)
    reports = [d for d in docs if d.kind == "annual_report" and d.meta["source_name"] == "annual_reports"]
    assert len(reports) == 4 and all(len(d.meta["elements"]) >= 16 for d in reports)
    excerpts = [d for d in docs if d.meta["source_name"] == "report_excerpts"]
    assert len(excerpts) == 550 and all(d.kind == "annual_report" and d.meta["elements"] for d in excerpts)
    assert (workspace / "ingest" / "documents.csv").read_text(encoding="utf-8-sig").startswith("id,source,kind")


@pytest.mark.slow
def test_preprocess_keeps_symbols_drops_duplicates_and_fits_the_budget(workspace: Path, tmp_path: Path) -> None:
    manifest = json.loads((workspace / "preprocess" / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["in"] == counts["out"] + counts["rejected"]
    assert manifest["rejected_reasons"].get("near duplicate", 0) > 0  # the forum's reposts
    duplicates = [json.loads(line) for line in (workspace / "preprocess" / "duplicates.jsonl").read_text().splitlines()]
    assert all(d["kept_id"] and 0 < d["similarity"] <= 1 for d in duplicates)

    pieces = list(read_jsonl(workspace / "preprocess" / "documents.jsonl", Document))
    tokenizer = load_tokenizer("embedded:tiny-qwen3")
    lengths = [len(tokenizer(p.text, add_special_tokens=False)["input_ids"]) for p in pieces]
    assert max(lengths) <= 512 + 8  # whitespace between sentences is not counted exactly
    assert any(p.meta.get("parent_id") for p in pieces), "long reports are cut into pieces"
    text = "\n".join(p.text for p in pieces)
    for symbol in ("%", "¥", "亿元", ".SH"):
        assert symbol in text
    assert manifest["stats"]["token_lengths"]["count"] == len(pieces)
