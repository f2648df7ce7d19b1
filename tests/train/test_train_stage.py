"""The train stage in a workspace: artifacts, manifest, automatic resume, pretraining first."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from train_samples import tiny_config, varied_samples

from vertune.config import Config
from vertune.pipeline import run_stage
from vertune.records import Document, Sample, write_jsonl
from vertune.stages import stage_named
from vertune.train.recipe import train
from vertune.workspace import MANIFEST, Workspace


def workspace_with_samples(root: Path, train: list[Sample], val: list[Sample]) -> Workspace:
    workspace = Workspace(root)
    for stage in ("preprocess", "prepare"):
        workspace.stage_dir(stage).mkdir(parents=True)
        (workspace.stage_dir(stage) / MANIFEST).write_text(json.dumps({"fingerprint": stage}), encoding="utf-8")
    write_jsonl(workspace.stage_dir("prepare") / "train.jsonl", train)
    write_jsonl(workspace.stage_dir("prepare") / "val.jsonl", val)
    documents = [Document(source=f"d{i}", kind="news", text="营业收入同比增长18.04%。" * (5 + i)) for i in range(12)]
    write_jsonl(workspace.stage_dir("preprocess") / "documents.jsonl", documents)
    return workspace


def configured(tmp_path: Path, **training: object) -> Config:
    config = tiny_config(**training)
    config.workspace = str(tmp_path / "ws")
    return config


def test_stage_publishes_adapter_report_and_resumes_its_own_checkpoints(tmp_path: Path) -> None:
    config = configured(tmp_path, max_steps=2, eval_steps=1)
    workspace = workspace_with_samples(tmp_path / "ws", varied_samples(24), varied_samples(4, seed=1))
    stage = stage_named("train")
    manifest = run_stage(stage, config, workspace)
    assert manifest["counts"] == {"in": 28, "out": 28, "rejected": 0}
    assert {"adapter", "loss_curve.png", "metrics.jsonl", "training_report.json"} <= set(manifest["artifacts"])
    assert manifest["stats"]["steps"] == 2 and manifest["stats"]["weights"] == "adapter"
    assert (workspace.scratch_dir("train") / "sft" / "step-00000002").is_dir()

    again = run_stage(stage, config, workspace)  # e.g. re-run after a crash between training and publishing
    report = json.loads((workspace.stage_dir("train") / "training_report.json").read_text())
    assert again["stats"]["steps"] == 2 and report["resumed_from_step"] == 2

    changed = configured(tmp_path, max_steps=2, eval_steps=1, learning_rate=5e-4)
    run_stage(stage, changed, workspace)
    assert json.loads((workspace.stage_dir("train") / "training_report.json").read_text())["resumed_from_step"] is None


def test_pretrain_mode_trains_on_documents_then_on_samples(tmp_path: Path) -> None:
    config = configured(tmp_path, max_steps=1, mode="pretrain")
    workspace = workspace_with_samples(tmp_path / "ws", varied_samples(8), [])
    manifest = run_stage(stage_named("train"), config, workspace)
    pretrain = json.loads((workspace.stage_dir("train") / "pretrain" / "training_report.json").read_text())
    assert pretrain["kind"] == "pretrain" and manifest["stats"]["pretrain"]["steps"] == 1
    assert (workspace.stage_dir("train") / "adapter" / "adapter_config.json").is_file()


@pytest.mark.slow
def test_a_sigkilled_training_process_resumes_to_the_same_end(tmp_path: Path, model_cache: Path) -> None:
    train_set, val_set = varied_samples(240), varied_samples(8, seed=1)
    settings = {"max_steps": 30, "save_steps": 5, "eval_steps": 10, "learning_rate": 1e-3, "batch_size": 4,
                "gradient_accumulation": 2, "epochs": 1}
    config_file = tmp_path / "vertune.yaml"
    config_file.write_text(yaml.safe_dump({"project": "kill", "workspace": "ws", "training": settings}), encoding="utf-8")
    workspace = workspace_with_samples(tmp_path / "ws", train_set, val_set)
    command = [sys.executable, "-m", "vertune.train", "--config", str(config_file)]
    env = os.environ | {"VERTUNE_CACHE": str(model_cache)}

    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = workspace.scratch_dir("train") / "sft" / "step-00000005" / "state.json"
    deadline = time.monotonic() + 120
    while not first.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL and workspace.manifest("train") is None

    subprocess.run(command, env=env, check=True, capture_output=True)
    report = json.loads((workspace.stage_dir("train") / "training_report.json").read_text())
    assert report["steps"] == 30 and report["resumed_from_step"] >= 5

    whole = train(train_set, val_set, tiny_config(**settings), tmp_path / "whole", tmp_path / "ckpt")
    assert report["final_train_loss"] == pytest.approx(whole.final_train_loss, abs=1e-3)
    assert report["best_val_loss"] == pytest.approx(whole.best_val_loss, abs=1e-3)
