"""`vertune demo` end to end on the embedded example: the learning check of the training issue
and the base-vs-tuned report of the evaluation issue, on the real example data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_runs_the_life_cycle_and_the_tuned_model_learns(tmp_path: Path) -> None:
    env = {**os.environ, "VERTUNE_CACHE": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "vertune", "demo", "--workspace", str(tmp_path / "ws")], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "demo finished" in done.stdout
    for stage in ("ingest", "preprocess", "annotate", "prepare", "train", "eval"):
        assert (tmp_path / "ws" / stage / "manifest.json").exists(), stage

    report = json.loads((tmp_path / "ws" / "eval" / "report.json").read_text(encoding="utf-8"))
    domain = report["domain"]
    # Validation loss: the tuned model's perplexity on held-out answers falls for every task, and
    # by orders of magnitude for most (the base is random: perplexity in the thousands).
    ratios = {}
    for task, result in domain.items():
        base, tuned = result["metrics"]["base"]["perplexity"], result["metrics"]["tuned"]["perplexity"]
        assert tuned < base, (task, base, tuned)
        ratios[task] = tuned / base
    assert sorted(ratios.values())[len(ratios) // 2] < 1 / 20, ratios
    # Held-out accuracy on the classification tasks rises above the base's (which answers nothing usable).
    fraud = domain["fraud"]["metrics"]
    assert fraud["tuned"]["accuracy"] >= fraud["base"]["accuracy"] + 0.5
    sentiment = domain["sentiment"]["metrics"]
    assert sentiment["tuned"]["accuracy"] >= sentiment["base"]["accuracy"] + 0.2
    assert (tmp_path / "ws" / "eval" / "report.html").stat().st_size > 10_000
    assert (tmp_path / "ws" / "train" / "loss_curve.png").exists()
