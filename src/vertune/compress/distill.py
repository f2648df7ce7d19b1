"""The distilled student: a smaller model taught by the tuned one, and the same student taught by no one.

``compression.distill.student`` names any causal LM with the teacher's tokenizer
(``embedded:tiny-qwen3-student`` on the example). Both students train every weight on prepare's
training samples with the training recipe (checkpoints, resume, curves, early stopping), the
same steps and seed; one with the teacher's soft targets mixed into its loss
(``compression.distill.alpha`` at ``temperature``), one without. The second is what the first
must beat for the teacher to have been worth it; it is measured, never published.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from rich.console import Console

from vertune.compress.finetune import full_config, full_finetune
from vertune.config import Config
from vertune.model.loading import load_model, load_tokenizer
from vertune.records import Sample
from vertune.train.outputs import base_model_hash
from vertune.train.recipe import Distillation

STUDENT, STUDENT_ALONE = "student", "student_no_teacher"


def check_same_tokenizer(teacher: str, student: str, trust_remote_code: bool = False) -> None:
    """Distillation compares the two models' next-token distributions: the vocabularies must be one
    (the logits may still differ in width, where a model pads its embedding; the loss cuts both to
    the narrower)."""
    if load_tokenizer(teacher, trust_remote_code).get_vocab() != load_tokenizer(student, trust_remote_code).get_vocab():
        raise ValueError(f"compression.distill.student {student} has another tokenizer than the tuned model; "
                         "a student must share its teacher's vocabulary")


def train_students(config: Config, teacher_folder: Path, train_samples: Sequence[Sample], val_samples: Sequence[Sample],
                   variants: Path, runs: Path, checkpoints: Path, console: Console | None = None,
                   live: bool = False) -> dict[str, Path]:
    """Train the student with and without the teacher; returns their bf16 folders under ``variants``."""
    settings = config.compression.distill
    if settings.student is None:
        raise ValueError("compression.distill.student names no student model")
    student = full_config(config, settings.student, settings.learning_rate, settings.max_steps)
    check_same_tokenizer(str(teacher_folder), student.model.base, config.model.trust_remote_code)
    # The teacher only runs forward: its saved bf16 weights, not an fp32 copy of twice the memory.
    teacher = load_model(str(teacher_folder), dtype=torch.bfloat16, trust_remote_code=config.model.trust_remote_code)
    taught = Distillation(teacher, base_model_hash(str(teacher_folder), None), settings.temperature, settings.alpha)
    folders = {}
    for name, distill in ((STUDENT, taught), (STUDENT_ALONE, None)):
        folders[name] = full_finetune(student, train_samples, val_samples, runs / name, checkpoints / name,
                                      variants / name, console, live, distill)
    return folders
