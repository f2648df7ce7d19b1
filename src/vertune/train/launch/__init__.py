"""Launch files for several GPUs: accelerate configs (+ DeepSpeed JSON) and the command to run.

``training.distributed`` picks one: ``zero2`` / ``zero3`` (DeepSpeed ZeRO stage 2 / 3) or
``fsdp``. Every process runs ``python -m vertune.train``, the same recipe as on one device.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import torch

from vertune.config import load_config

LAUNCH_DIR = Path(__file__).resolve().parent
DEEPSPEED_JSON = {"zero2": "ds_zero2.json", "zero3": "ds_zero3.json"}


def print_launch_command(config_path: str | Path) -> str:
    """The shell command that trains the project of ``config_path`` (what ``--print-launch`` shows).

    With ``distributed: none`` that is a plain single-process run; otherwise ``accelerate
    launch`` with the matching config file, one process per visible GPU (the config file's
    ``num_processes`` when no GPU is visible here, e.g. when preparing a cluster job).
    """
    mode = load_config(config_path).training.distributed
    target = ["-m", "vertune.train", "--config", str(Path(config_path).resolve())]
    if mode == "none":
        return shlex.join(["python", *target])
    command = ["accelerate", "launch", "--config_file", str(LAUNCH_DIR / f"{mode}.yaml")]
    if mode in DEEPSPEED_JSON:
        command += ["--deepspeed_config_file", str(LAUNCH_DIR / DEEPSPEED_JSON[mode])]
    if torch.cuda.device_count() > 1:
        command += ["--num_processes", str(torch.cuda.device_count())]
    return shlex.join([*command, *target])
