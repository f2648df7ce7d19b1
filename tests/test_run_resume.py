"""`vertune run` killed mid-stage and started again: completed stages are not redone and no
artifact is left half-written (the acceptance test of the workspace contract, end to end)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vertune.records import Document, read_jsonl

CONFIG = """\
project: resume
workspace: ws
sources:
  - {name: trades, synthetic: trades, kind: transaction, count: 12000, seed: 3}
"""


def _vertune(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vertune", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_completed_stages(tmp_path: Path) -> None:
    config = tmp_path / "vertune.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    workspace = tmp_path / "ws"
    env = {**os.environ, "VERTUNE_CACHE": str(tmp_path / "cache")}

    first = _vertune("run", "--until", "preprocess", "-c", str(config), env=env)
    deadline = time.monotonic() + 300
    while not list(workspace.glob(".preprocess.*.tmp")):
        assert first.poll() is None, first.stdout.read()
        assert time.monotonic() < deadline, "preprocess never started"
        time.sleep(0.05)
    time.sleep(0.5)
    first.send_signal(signal.SIGKILL)
    first.wait()

    assert (workspace / "ingest" / "manifest.json").exists()
    assert not (workspace / "preprocess").exists(), "a killed stage must not look complete"
    ingest_manifest = (workspace / "ingest" / "manifest.json").read_text()

    second = _vertune("run", "--until", "preprocess", "-c", str(config), env=env)
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output
    assert "ingest: up to date, skipped" in output
    assert (workspace / "ingest" / "manifest.json").read_text() == ingest_manifest
    manifest = json.loads((workspace / "preprocess" / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["in"] == 12000 == counts["out"] + counts["rejected"]
    pieces = list(read_jsonl(workspace / "preprocess" / "documents.jsonl", Document))
    assert len(pieces) == manifest["stats"]["pieces"] >= counts["out"]
    assert not [p for p in workspace.iterdir() if p.name.endswith(".tmp")]
