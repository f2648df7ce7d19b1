"""Full fine-tuning of a compressed model with the training recipe: a distilled student, or a
pruned model's short recovery on the training samples.

The run is the recipe's own (checkpoints in the stage's scratch folder, resume, curves, early
stopping on the validation loss); only the model, the method (every weight trains), the learning
rate and the steps differ from the training section. The result is saved as a bf16 folder like
every other variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from vertune.compress.variants import save_merged
from vertune.config import Config
from vertune.records import Sample
from vertune.train.recipe import Distillation, train


def full_config(config: Config, base: str, learning_rate: float | None, max_steps: int | None) -> Config:
    """``config`` training every weight of ``base``, at its own learning rate and steps (None: the training section's)."""
    tuned = config.model_copy(deep=True)
    tuned.model.base = base
    tuned.training.method = "full"
    tuned.training.learning_rate = learning_rate or config.training.learning_rate
    tuned.training.max_steps = max_steps or config.training.max_steps
    return tuned


def full_finetune(config: Config, train_samples: Sequence[Sample], val_samples: Sequence[Sample], run: Path,
                  checkpoints: Path, folder: Path, console: Console | None = None, live: bool = False,
                  distill: Distillation | None = None) -> Path:
    """Train ``config`` (see ``full_config``) and save the best weights as a bf16 model ``folder``."""
    result = train(train_samples, val_samples, config, run, checkpoints, console=console, live=live, distill=distill)
    return save_merged(result.weights_dir, folder)
