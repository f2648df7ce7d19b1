"""``python -m vertune.train --config vertune.yaml``: the train stage, on every process of a launch.

``accelerate launch`` starts this module once per GPU. The main process runs the stage the usual
way (workspace lock, atomic output folder, manifest); the other processes run the same stage
function into a throwaway folder, since only the main process writes outputs. A run started
again after a crash continues from its last checkpoint.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from accelerate import PartialState

from vertune.config import load_config
from vertune.pipeline import StageContext, run_stage
from vertune.quiet import quiet_libraries
from vertune.stages import stage_named
from vertune.train.stage import train_stage
from vertune.workspace import Workspace


def main(argv: list[str] | None = None) -> None:
    quiet_libraries()  # every process of a launch: it does not go through the CLI
    parser = argparse.ArgumentParser(prog="python -m vertune.train", description=__doc__.splitlines()[0])
    parser.add_argument("--config", "-c", type=Path, default=Path("vertune.yaml"), help="the project's vertune.yaml")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    stage, workspace = stage_named("train"), Workspace(config.workspace_dir)
    if PartialState().is_main_process:
        with workspace.lock():
            manifest = run_stage(stage, config, workspace, show_progress=True)
        print(f"train: done, outputs in {workspace.stage_dir('train')} ({manifest['seconds']:.0f}s)")
        return
    with tempfile.TemporaryDirectory(prefix="vertune-train-rank-") as scratch_out:
        train_stage(StageContext(stage=stage, config=config, workspace=workspace, out=Path(scratch_out)))


if __name__ == "__main__":
    main()
