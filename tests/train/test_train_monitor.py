"""Monitoring sinks: metrics.jsonl, TensorBoard, the curve redrawn at each evaluation, replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from vertune.train.monitor import CURVE, METRICS, TENSORBOARD, Monitor


def step(n: int) -> dict:
    return {"step": n, "loss": 5.0 - n, "lr": 1e-4, "grad_norm": 1.0, "tokens_per_s": 100.0}


def test_records_reach_every_sink_and_the_curve_follows_evaluations(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    monitor = Monitor(tmp_path, total_steps=4, history=[], console=console, live=False)
    monitor.log(step(1))
    assert not (tmp_path / CURVE).exists()
    monitor.log({"step": 1, "val_loss": 4.5, "best": True})
    first = (tmp_path / CURVE).stat().st_mtime_ns
    monitor.log(step(2))
    monitor.log({"step": 2, "val_loss": 4.0, "best": True})
    monitor.close()
    assert (tmp_path / CURVE).stat().st_mtime_ns >= first
    assert (tmp_path / CURVE).read_bytes()[:4] == b"\x89PNG"
    assert [json.loads(line)["step"] for line in (tmp_path / METRICS).read_text().splitlines()] == [1, 1, 2, 2]
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / TENSORBOARD).iterdir())
    printed = console.export_text()
    assert "step 1/4: loss 4.0000" in printed and "step 2/4: val_loss 4.0000  (best)" in printed


def test_a_resumed_monitor_replays_the_history_into_fresh_files(tmp_path: Path) -> None:
    history = [step(1), step(2)]
    monitor = Monitor(tmp_path, total_steps=4, history=history, console=Console(quiet=True), live=False)
    monitor.log(step(3))
    monitor.close()
    assert len((tmp_path / METRICS).read_text().splitlines()) == 3 and len(history) == 3


def test_other_processes_write_nothing(tmp_path: Path) -> None:
    monitor = Monitor(tmp_path / "out", total_steps=2, history=[], console=Console(quiet=True), live=False, enabled=False)
    monitor.log({"step": 1, "val_loss": 1.0})
    monitor.close()
    assert not (tmp_path / "out").exists()


def test_a_terminal_gets_a_live_bar_with_the_step_figures(tmp_path: Path) -> None:
    console = Console(force_terminal=True, record=True, width=200)
    monitor = Monitor(tmp_path, total_steps=2, history=[], console=console, live=True)
    monitor.log(step(1))
    monitor.log({"step": 1, "event": "out of memory: retrying the step", "micro_batch": 4})
    monitor.close()
    printed = console.export_text()
    assert "loss 4.0000" in printed and "step 1: event out of memory: retrying the step, micro_batch 4" in printed


def test_the_curve_says_how_each_loss_is_averaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``loss_average: sample`` the train loss is a per-sample mean, the validation loss stays per token."""
    from matplotlib.axes import Axes

    labels: list[str] = []
    original = Axes.plot
    monkeypatch.setattr(Axes, "plot", lambda self, *a, **k: (labels.append(k.get("label")), original(self, *a, **k))[1])
    for per_sample in (False, True):
        monitor = Monitor(tmp_path / str(per_sample), total_steps=2, history=[], console=Console(quiet=True),
                          live=False, per_sample=per_sample)
        monitor.log(step(1))
        monitor.log({"step": 2, "val_loss": 1.0})
        monitor.close()
    assert labels == ["train (mean over answer tokens)", "validation (mean over answer tokens)",
                      "train (mean per sample of its answer tokens' mean)", "validation (mean over answer tokens)"]
