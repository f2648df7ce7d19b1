"""Multi-GPU launch files parse as accelerate configs and the printed command uses them."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml
from accelerate.commands.config.config_args import load_config_from_file

from vertune.train.launch import LAUNCH_DIR, print_launch_command


def write_config(tmp_path: Path, distributed: str) -> Path:
    path = tmp_path / "vertune.yaml"
    path.write_text(f"project: demo\ntraining:\n  distributed: {distributed}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["zero2", "zero3", "fsdp"])
def test_each_mode_has_a_valid_accelerate_config_and_command(mode: str, tmp_path: Path) -> None:
    accelerate_file = LAUNCH_DIR / f"{mode}.yaml"
    assert load_config_from_file(str(accelerate_file)).distributed_type.value == ("FSDP" if mode == "fsdp" else "DEEPSPEED")
    command = shlex.split(print_launch_command(write_config(tmp_path, mode)))
    assert command[:4] == ["accelerate", "launch", "--config_file", str(accelerate_file)]
    assert command[-4:] == ["-m", "vertune.train", "--config", str((tmp_path / "vertune.yaml").resolve())]


@pytest.mark.parametrize("mode", ["zero2", "zero3"])
def test_deepspeed_settings_come_from_the_json_and_precision_from_vertune(mode: str, tmp_path: Path) -> None:
    command = shlex.split(print_launch_command(write_config(tmp_path, mode)))
    settings = json.loads(Path(command[command.index("--deepspeed_config_file") + 1]).read_text())
    assert settings["zero_optimization"]["stage"] == int(mode[-1])
    assert settings["bf16"]["enabled"] == "auto" and settings["gradient_accumulation_steps"] == "auto"
    # accelerate refuses a config file that sets mixed precision next to a DeepSpeed JSON
    assert "mixed_precision" not in yaml.safe_load((LAUNCH_DIR / f"{mode}.yaml").read_text())


def test_single_process_is_a_plain_python_command(tmp_path: Path) -> None:
    assert print_launch_command(write_config(tmp_path, "none")).startswith("python -m vertune.train --config ")
