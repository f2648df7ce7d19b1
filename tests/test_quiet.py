"""Quieted libraries: a model build, load, LoRA wrap, save and merge print no progress bar or known warning."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.utils
import pytest
from transformers.utils import logging as transformers_logging

from vertune.config import Config
from vertune.quiet import quiet_libraries
from vertune.train.model import build_model
from vertune.train.outputs import export_weights, merge_adapter

NOISE = ("Loading weights", "Writing model shards", "it/s]", "is_gradient_checkpointing")


@pytest.fixture
def restore_bars() -> Iterator[None]:
    """Give the process back its progress-bar settings (quiet_libraries changes them for good)."""
    transformers_bars = transformers_logging.is_progress_bar_enabled()
    hub_bars = not huggingface_hub.utils.are_progress_bars_disabled()
    yield
    if transformers_bars:
        transformers_logging.enable_progress_bar()
    if not hub_bars:
        huggingface_hub.utils.disable_progress_bars()


def test_model_build_load_save_and_merge_print_no_bars_or_known_warnings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
        recwarn: pytest.WarningsRecorder, restore_bars: None) -> None:
    monkeypatch.setenv("VERTUNE_CACHE", str(tmp_path / "cache"))  # a fresh cache: the embedded build saves too
    quiet_libraries()
    quiet_libraries()  # idempotent
    config = Config(project="quiet")
    model, tokenizer = build_model(config, "no", None)  # build, load, LoRA wrap (peft's deprecated read)
    weights = {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}
    adapter = export_weights(model, weights, tokenizer, tmp_path / "out")
    merge_adapter(config.model.base, adapter, tmp_path / "merged")  # load again, save a full model
    err = capfd.readouterr().err
    assert not [noise for noise in NOISE if noise in err], err
    assert not [str(w.message) for w in recwarn if "is_gradient_checkpointing" in str(w.message)]
    assert (tmp_path / "merged" / "config.json").is_file()


def test_quiet_keeps_the_hubs_own_download_bars(restore_bars: None) -> None:
    huggingface_hub.utils.enable_progress_bars()
    quiet_libraries()
    assert not transformers_logging.is_progress_bar_enabled()
    assert not huggingface_hub.utils.are_progress_bars_disabled()


# How vertune is entered: each must leave transformers' bars off (the setting is process-wide).
ENTRIES = {"cli": "import vertune.cli",
           "load_model": "from vertune.model.loading import load_model; load_model('embedded:tiny-qwen3')",
           "train launch": "import vertune.train.__main__ as m, sys; sys.argv = ['x', '--help']\ntry: m.main()\nexcept SystemExit: pass"}


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_each_entry_quiets_the_libraries(entry: str, tmp_path: Path) -> None:
    """In a fresh interpreter, since another test may already have quieted this one."""
    check = (f"{ENTRIES[entry]}\n"
             "from transformers.utils import logging\n"
             "assert not logging.is_progress_bar_enabled(), 'transformers progress bars left on'\n")
    env = {**os.environ, "VERTUNE_CACHE": str(tmp_path / "cache")}
    run = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
