"""Checkpoints a killed run resumes from, exactly where it stopped.

A checkpoint folder ``step-00000500/`` holds the trainable weights (adapter or full, gathered
from every process), one ``rank<N>.pt`` per process (optimizer, scheduler and RNG states, as
tensors and plain values only, read back with ``torch.load(weights_only=True)`` so a planted
pickle never runs) and ``state.json`` (step, best validation loss, early-stopping counter,
history). ``state.json`` is
written last, so a folder without it is an interrupted save and is ignored. The data position
needs no storing: the batch plan is a function of seed and epoch, so the step number says where
the run was. ``best/`` holds the weights with the lowest validation loss so far.
"""

from __future__ import annotations

import json
import pickle
import random
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.utils import DistributedType
from safetensors.torch import load_file, save

from vertune.atomic import atomic_open, atomic_write_json
from vertune.pipeline import StageFailed

STATE, WEIGHTS, BEST = "state.json", "trainable.safetensors", "best"
_STEP_DIR = re.compile(r"^step-(\d+)$")


class ResumeError(StageFailed):
    """A resume was asked for but there is no checkpoint of this run it can safely continue."""


@dataclass
class TrainState:
    """Everything about a run's progress that is not a tensor; saved as ``state.json``."""

    fingerprint: str
    step: int = 0
    micro_split: int = 1  # > 1 after an out-of-memory retry halved the micro-batches
    oom_retries: int = 0
    tokens: int = 0
    train_seconds: float = 0.0
    best_val_loss: float | None = None
    best_step: int | None = None
    bad_evals: int = 0
    stopped_early: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)


def step_dir(root: Path, step: int) -> Path:
    return root / f"step-{step:08d}"


def complete_checkpoints(root: Path) -> list[Path]:
    """Finished checkpoint folders, oldest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if _STEP_DIR.match(p.name) and (p / STATE).is_file()]
    return sorted(found, key=lambda p: int(_STEP_DIR.match(p.name).group(1)))  # type: ignore[union-attr]


def read_state(folder: Path) -> TrainState:
    return TrainState(**json.loads((folder / STATE).read_text(encoding="utf-8")))


def trainable_weights(accelerator: Accelerator, model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The trainable weights by name, on the CPU (gathered across processes when sharded)."""
    names = {name for name, p in accelerator.unwrap_model(model).named_parameters() if p.requires_grad}
    full = accelerator.get_state_dict(model)
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in full.items() if k in names}


def params_sharded(accelerator: Accelerator) -> bool:
    """True under ZeRO-3 or FSDP, where no process holds whole weights it could load into."""
    if accelerator.distributed_type == DistributedType.FSDP:
        return True
    plugin = accelerator.state.deepspeed_plugin
    return plugin is not None and plugin.zero_stage == 3


def save_checkpoint(accelerator: Accelerator, model: torch.nn.Module, optimizer: Any, scheduler: Any,
                    state: TrainState, root: Path, keep: int) -> Path:
    """Write a checkpoint of the current step; keep only the ``keep`` newest ones."""
    folder = step_dir(root, state.step)
    weights = trainable_weights(accelerator, model)
    folder.mkdir(parents=True, exist_ok=True)
    if accelerator.is_main_process:
        with atomic_open(folder / WEIGHTS, "wb") as handle:
            handle.write(save(weights))
    rank_state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": _rng_state()}
    with atomic_open(folder / f"rank{accelerator.process_index}.pt", "wb") as handle:
        torch.save(rank_state, handle)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        atomic_write_json(folder / STATE, asdict(state))
        for old in complete_checkpoints(root)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def load_checkpoint(accelerator: Accelerator, model: torch.nn.Module, optimizer: Any, scheduler: Any,
                    folder: Path) -> TrainState:
    """Put weights, optimizer, scheduler and RNG back as they were at ``folder``'s step."""
    if params_sharded(accelerator):
        raise ResumeError("resuming a ZeRO-3 or FSDP run is not supported yet; resume with ZeRO-2 or start afresh")
    load_weights(accelerator.unwrap_model(model), load_file(folder / WEIGHTS))
    rank_state = _load_plain(folder / f"rank{accelerator.process_index}.pt")
    optimizer.load_state_dict(rank_state["optimizer"])
    scheduler.load_state_dict(rank_state["scheduler"])
    _set_rng_state(rank_state["rng"])
    return read_state(folder)


def _load_plain(path: Path) -> dict[str, Any]:
    """A rank state file read without running code: only tensors and plain values may be in it."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ResumeError(f"{path} holds more than tensors and plain values; refusing to load it (unpickling "
                          "it could run code). Start afresh with `vertune train --fresh`.") from None


def load_weights(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> None:
    """Load trainable weights, failing loudly if any trainable tensor is missing."""
    expected = {name for name, p in model.named_parameters() if p.requires_grad}
    missing = sorted(expected - weights.keys())
    if missing:
        raise ResumeError(f"checkpoint lacks {len(missing)} trainable tensors, e.g. {missing[0]}")
    model.load_state_dict(weights, strict=False)


def save_best(accelerator: Accelerator, model: torch.nn.Module, state: TrainState, root: Path) -> None:
    """Keep the weights of the best validation loss so far in ``best/``."""
    weights = trainable_weights(accelerator, model)
    if accelerator.is_main_process:
        (root / BEST).mkdir(parents=True, exist_ok=True)
        with atomic_open(root / BEST / WEIGHTS, "wb") as handle:
            handle.write(save(weights))
        atomic_write_json(root / BEST / STATE, asdict(state))


def best_weights(root: Path) -> dict[str, torch.Tensor] | None:
    path = root / BEST / WEIGHTS
    return load_file(path) if path.is_file() else None


def clear(root: Path) -> None:
    """Remove every checkpoint (a fresh start must not later resume someone else's run)."""
    shutil.rmtree(root, ignore_errors=True)


def _rng_state() -> dict[str, Any]:
    """Every generator's state as tensors, ints and floats (what ``weights_only`` loading allows)."""
    version, internal, gauss = random.getstate()
    numpy = np.random.get_state(legacy=False)
    state = {"python": [version, torch.tensor(internal, dtype=torch.int64), gauss],
             "numpy": {"key": torch.from_numpy(numpy["state"]["key"].astype(np.int64)), "pos": int(numpy["state"]["pos"]),
                       "has_gauss": int(numpy["has_gauss"]), "gauss": float(numpy["gauss"])},
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal.tolist()), gauss))
    numpy = state["numpy"]
    np.random.set_state({"bit_generator": "MT19937", "has_gauss": numpy["has_gauss"], "gauss": numpy["gauss"],
                         "state": {"key": numpy["key"].numpy().astype(np.uint32), "pos": numpy["pos"]}})
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
