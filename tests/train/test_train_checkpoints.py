"""Checkpoint folders: only finished ones count, only the newest K stay."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from accelerate import Accelerator
from safetensors.torch import load_file

from vertune.train import checkpoints as ckpt


class Tiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.frozen = torch.nn.Linear(2, 2).requires_grad_(False)
        self.trained = torch.nn.Linear(2, 2)


Parts = tuple[Accelerator, Tiny, torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]


@pytest.fixture
def parts() -> Parts:
    model = Tiny()
    optimizer = torch.optim.AdamW(model.trained.parameters(), lr=0.1)
    return Accelerator(cpu=True), model, optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)


def test_only_the_newest_checkpoints_are_kept_and_unfinished_ones_ignored(tmp_path: Path, parts: Parts) -> None:
    accelerator, model, optimizer, scheduler = parts
    for step in (1, 2, 3):
        ckpt.save_checkpoint(accelerator, model, optimizer, scheduler, ckpt.TrainState("run", step=step), tmp_path, keep=2)
    (tmp_path / "step-00000004").mkdir()  # a save killed before state.json
    assert [p.name for p in ckpt.complete_checkpoints(tmp_path)] == ["step-00000002", "step-00000003"]
    assert set(load_file(tmp_path / "step-00000003" / ckpt.WEIGHTS)) == {"trained.weight", "trained.bias"}


def test_load_restores_weights_optimizer_and_random_state(tmp_path: Path, parts: Parts) -> None:
    accelerator, model, optimizer, scheduler = parts
    model.trained(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    saved = model.trained.weight.detach().clone()
    folder = ckpt.save_checkpoint(accelerator, model, optimizer, scheduler, ckpt.TrainState("run", step=5), tmp_path, 1)
    expected_draw = torch.rand(3)
    with torch.no_grad():
        model.trained.weight.zero_()
    state = ckpt.load_checkpoint(accelerator, model, optimizer, scheduler, folder)
    assert state.step == 5 and torch.equal(model.trained.weight, saved)
    assert torch.equal(torch.rand(3), expected_draw)
    assert optimizer.state_dict()["state"][0]["step"] == 1


class _Planted:
    """A pickle payload that would create a file when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def test_a_planted_pickle_in_a_checkpoint_never_runs(tmp_path: Path, parts: Parts) -> None:
    accelerator, model, optimizer, scheduler = parts
    folder = ckpt.save_checkpoint(accelerator, model, optimizer, scheduler, ckpt.TrainState("run", step=1), tmp_path, 1)
    marker = tmp_path / "executed"
    torch.save({"optimizer": _Planted(marker)}, folder / "rank0.pt")
    with pytest.raises(ckpt.ResumeError, match=r"rank0\.pt holds more than tensors and plain values; refusing to load"):
        ckpt.load_checkpoint(accelerator, model, optimizer, scheduler, folder)
    assert not marker.exists(), "the planted pickle ran"


def test_resume_state_is_plain_data_a_safe_loader_reads(tmp_path: Path, parts: Parts) -> None:
    accelerator, model, optimizer, scheduler = parts
    folder = ckpt.save_checkpoint(accelerator, model, optimizer, scheduler, ckpt.TrainState("run", step=1), tmp_path, 1)
    state = torch.load(folder / "rank0.pt", weights_only=True)
    assert set(state) == {"optimizer", "scheduler", "rng"}


def test_python_and_numpy_random_state_come_back(tmp_path: Path, parts: Parts) -> None:
    accelerator, model, optimizer, scheduler = parts
    folder = ckpt.save_checkpoint(accelerator, model, optimizer, scheduler, ckpt.TrainState("run", step=1), tmp_path, 1)
    expected = (random.random(), np.random.rand(), np.random.randn())
    random.random(), np.random.rand(5), np.random.randn(3)
    ckpt.load_checkpoint(accelerator, model, optimizer, scheduler, folder)
    assert (random.random(), np.random.rand(), np.random.randn()) == expected
