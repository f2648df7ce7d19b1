"""Distillation in the training recipe: the loss mixes the teacher's soft targets, and a student learns them."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from train_samples import tiny_config, varied_samples

from vertune.model.loading import load_model, load_tokenizer
from vertune.train import checkpoints as ckpt
from vertune.train import recipe
from vertune.train.data import IGNORE, collate, encode
from vertune.train.recipe import Distillation, train


def _batch() -> dict[str, torch.Tensor]:
    tokenizer = load_tokenizer("embedded:tiny-qwen3")
    return collate(encode(varied_samples(6, long_answers=True), tokenizer, 512).examples, tokenizer.pad_token_id)


def _student() -> torch.nn.Module:
    return load_model("embedded:tiny-qwen3-student", dtype=torch.float32).eval()


def test_the_loss_mixes_cross_entropy_and_the_temperature_scaled_kl() -> None:
    batch, student, teacher = _batch(), _student(), load_model("embedded:tiny-qwen3", dtype=torch.float32).eval()
    labels = batch["labels"][:, 1:]
    with torch.no_grad():
        s = student(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1][labels != IGNORE]
        t = teacher(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1][labels != IGNORE]
        ce = F.cross_entropy(s, labels[labels != IGNORE], reduction="sum")
        temperature = 2.0
        p_t = F.softmax(t / temperature, dim=-1)
        kl = (p_t * (p_t.log() - F.log_softmax(s / temperature, dim=-1))).sum() * temperature**2
        assert kl > 1.0  # the two models disagree: the soft term is not vanishing
        for alpha in (0.0, 0.3, 1.0):
            mixed = recipe.token_loss_sum(student, batch, distill=Distillation(teacher, "t", temperature, alpha))
            assert torch.allclose(mixed, (1 - alpha) * ce + alpha * kl, rtol=1e-4), alpha
        itself = Distillation(_student(), "self", temperature, 1.0)  # a teacher identical to the student
        assert recipe.token_loss_sum(student, batch, distill=itself).abs() < 1e-3


def test_a_student_moves_toward_its_teacher_and_the_teacher_is_in_the_fingerprint(tmp_path: Path) -> None:
    teacher = load_model("embedded:tiny-qwen3", dtype=torch.float32)
    batch = _batch()

    def disagreement(folder: Path) -> float:
        model = load_model(str(folder), dtype=torch.float32).eval()
        with torch.no_grad():
            return float(recipe.token_loss_sum(model, batch, distill=Distillation(teacher, "t", 1.0, 1.0)))

    config = tiny_config(max_steps=12, epochs=4, method="full", precision="fp32", learning_rate=3e-3)
    config.model.base = "embedded:tiny-qwen3-student"
    data = varied_samples(24, long_answers=True)
    taught = train(data, [], config, tmp_path / "taught", tmp_path / "ck", distill=Distillation(teacher, "t1", 1.0, 1.0))
    alone = train(data, [], config, tmp_path / "alone", tmp_path / "ck-alone")
    assert disagreement(taught.weights_dir) < 0.8 * disagreement(alone.weights_dir)
    # another teacher is another run: its checkpoint is not continued
    with pytest.raises(ckpt.ResumeError, match="another run"):
        train(data, [], config, tmp_path / "again", tmp_path / "ck", resume=True,
              distill=Distillation(teacher, "t2", 1.0, 1.0))
