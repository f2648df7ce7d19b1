"""The recipe end to end on the tiny model: outputs, resume, OOM retry, accumulation, early stop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file
from train_samples import tiny_config, varied_samples

from vertune.model.loading import load_model, load_tokenizer
from vertune.train import checkpoints as ckpt
from vertune.train import recipe
from vertune.train.recipe import train


class Interrupted(Exception):
    """Stands in for a killed process."""


def stop_after(step: int):  # noqa: ANN201 - a callback
    def hook(state: ckpt.TrainState) -> None:
        if state.step == step:
            raise Interrupted

    return hook


def losses(history: list[dict]) -> dict[int, float]:
    return {r["step"]: r["loss"] for r in history if "loss" in r}


def test_outputs_are_a_loadable_adapter_with_curves_and_report(tmp_path: Path) -> None:
    config = tiny_config(max_steps=4, eval_steps=2)
    result = train(varied_samples(40), varied_samples(8, seed=1), config, tmp_path / "out", tmp_path / "ckpt")
    out = tmp_path / "out"
    assert result.steps == 4 and result.weights_dir == out / "adapter"
    assert {"adapter", "loss_curve.png", "metrics.jsonl", "tensorboard", "training_report.json"} <= {p.name for p in out.iterdir()}
    assert any((out / "tensorboard").iterdir())
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if "loss" in r] == [1, 2, 3, 4]
    assert [r["step"] for r in records if "val_loss" in r] == [2, 4]
    report = json.loads((out / "training_report.json").read_text())
    assert report["steps"] == 4 and report["best_val_loss"] == result.best_val_loss
    assert report["base_model_hash"].startswith("sha256:") and report["data"]["train_examples"] == 40
    assert report["tokens_per_second"] > 0 and report["precision"] in {"bf16", "no"}
    assert report["data"]["max_length"] == config.training.max_length == 512  # the seed's bound, not 2048

    tuned = PeftModel.from_pretrained(load_model("embedded:tiny-qwen3"), str(result.weights_dir))
    saved = load_file(result.weights_dir / "adapter_model.safetensors")
    best = load_file(tmp_path / "ckpt" / "best" / ckpt.WEIGHTS)
    name = next(k for k in saved if "lora_A" in k)
    live = dict(tuned.named_parameters())[name.replace(".weight", ".default.weight")]
    assert torch.equal(live, saved[name]) and torch.equal(saved[name], best[name.replace(".weight", ".default.weight")])


def test_a_killed_run_resumes_to_the_same_end(tmp_path: Path) -> None:
    config = tiny_config(epochs=2, save_steps=2, eval_steps=3)  # 40 samples / (4 x 2) = 5 steps per epoch
    data, val = varied_samples(40), varied_samples(8, seed=1)
    whole = train(data, val, config, tmp_path / "a", tmp_path / "ckpt-a")
    with pytest.raises(Interrupted):
        train(data, val, config, tmp_path / "b", tmp_path / "ckpt-b", on_step=stop_after(7))
    assert [p.name for p in ckpt.complete_checkpoints(tmp_path / "ckpt-b")][-1] == "step-00000006"
    resumed = train(data, val, config, tmp_path / "b", tmp_path / "ckpt-b", resume=True)
    assert resumed.report["resumed_from_step"] == 6 and resumed.steps == whole.steps == 10
    assert resumed.final_train_loss == pytest.approx(whole.final_train_loss, abs=1e-3)
    assert resumed.best_val_loss == pytest.approx(whole.best_val_loss, abs=1e-3)
    assert losses(json.loads((tmp_path / "ckpt-b" / "step-00000010" / ckpt.STATE).read_text())["history"]) == \
        pytest.approx(losses(json.loads((tmp_path / "ckpt-a" / "step-00000010" / ckpt.STATE).read_text())["history"]), abs=1e-3)


def test_resume_refuses_a_missing_or_foreign_checkpoint_and_auto_starts_afresh(tmp_path: Path) -> None:
    data = varied_samples(16)
    with pytest.raises(ckpt.ResumeError, match="no checkpoint"):
        train(data, [], tiny_config(max_steps=1), tmp_path / "out", tmp_path / "ckpt", resume=True)
    train(data, [], tiny_config(max_steps=1), tmp_path / "out", tmp_path / "ckpt")
    with pytest.raises(ckpt.ResumeError, match="another run"):
        train(data, [], tiny_config(max_steps=1, learning_rate=1e-4), tmp_path / "out", tmp_path / "ckpt", resume=True)
    fresh = train(data, [], tiny_config(max_steps=1, learning_rate=1e-4), tmp_path / "out", tmp_path / "ckpt")
    assert fresh.report["resumed_from_step"] is None


def test_out_of_memory_retries_with_half_micro_batches_and_the_same_update(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    config = tiny_config(max_steps=2, precision="fp32")
    config.lora.dropout = 0.0
    data = varied_samples(16)
    plain = train(data, [], config, tmp_path / "plain", tmp_path / "ckpt-plain")

    real, calls = recipe.token_loss_sum, []

    def flaky(model: torch.nn.Module, batch: dict[str, torch.Tensor], *args: object) -> torch.Tensor:
        calls.append(len(batch["input_ids"]))
        if len(calls) == 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(model, batch, *args)

    monkeypatch.setattr(recipe, "token_loss_sum", flaky)
    retried = train(data, [], config, tmp_path / "oom", tmp_path / "ckpt-oom")
    events = [r for r in ckpt.read_state(tmp_path / "ckpt-oom" / "step-00000002").history if "event" in r]
    assert events == [{"step": 1, "event": "out of memory: retrying the step", "micro_batch": 2, "accumulation": 4}]
    assert calls[:2] == [4, 4] and set(calls[2:]) == {2}
    assert retried.report["oom_retries"] == 1
    assert retried.final_train_loss == pytest.approx(plain.final_train_loss, rel=1e-5)


@pytest.mark.parametrize("average", ["token", "sample"])
def test_gradient_accumulation_gives_the_same_update_as_one_big_batch(average: str, tmp_path: Path) -> None:
    data = varied_samples(8, long_answers=True)
    runs = {}
    for batch, accumulation in ((8, 1), (2, 4)):
        config = tiny_config(max_steps=1, batch_size=batch, gradient_accumulation=accumulation, precision="fp32",
                             warmup_ratio=0.0, lr_scheduler="constant", loss_average=average)
        config.lora.dropout = 0.0
        runs[batch] = train(data, [], config, tmp_path / f"out{batch}", tmp_path / f"ckpt{batch}")
    assert runs[8].final_train_loss == pytest.approx(runs[2].final_train_loss, rel=1e-5)
    one, many = (load_file(runs[b].weights_dir / "adapter_model.safetensors") for b in (8, 2))
    # Adam's first step moves each weight by about lr = 1e-3, whatever its gradient's size, so a
    # weight whose gradient is near float noise moves by up to ~1 % of lr between summation orders
    # (1.04e-5 with the causal attention kernel); a wrong loss weighting moves weights by ~lr.
    assert all(torch.allclose(one[k], many[k], atol=2e-5) for k in one)


def test_early_stopping_after_patience_exports_the_best_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scores = iter([3.0, 2.0, 2.5, 2.6, 1.0])
    monkeypatch.setattr(recipe, "evaluate", lambda *args: next(scores))
    config = tiny_config(max_steps=10, eval_steps=1, save_steps=1, save_total_limit=2, early_stopping_patience=2)
    result = train(varied_samples(40), varied_samples(4, seed=1), config, tmp_path / "out", tmp_path / "ckpt")
    assert result.stopped_early and result.steps == 4 and result.best_step == 2 and result.best_val_loss == 2.0
    assert [p.name for p in ckpt.complete_checkpoints(tmp_path / "ckpt")] == ["step-00000003", "step-00000004"]
    best = load_file(tmp_path / "ckpt" / "best" / ckpt.WEIGHTS)
    exported = load_file(result.weights_dir / "adapter_model.safetensors")
    assert all(torch.equal(v, best[k.replace(".weight", ".default.weight")]) for k, v in exported.items())
    assert ckpt.read_state(tmp_path / "ckpt" / "best").step == 2


def test_pretraining_then_sft_and_merge(tmp_path: Path) -> None:
    documents = ["公司2023年营业收入为1,505.60亿元，同比增长18.04%。" * 8, "净利润747.34亿元。" * 5]
    pre = train(documents, [], tiny_config(max_steps=2, batch_size=2, gradient_accumulation=1), tmp_path / "pre",
                tmp_path / "ckpt-pre", max_length=32)
    assert pre.report["kind"] == "pretrain" and pre.steps == 2 and pre.report["data"]["train_examples"] > 2
    sft = train(varied_samples(8), [], tiny_config(max_steps=1, precision="fp32"), tmp_path / "sft",
                tmp_path / "ckpt-sft", start_from=pre.weights_dir, merge=True)
    assert sft.merged_dir == tmp_path / "sft" / "merged"
    tokenizer = load_tokenizer(str(sft.merged_dir))
    ids = tokenizer("查询余额", return_tensors="pt").input_ids
    with torch.no_grad():
        merged = load_model(str(sft.merged_dir))(ids).logits
        adapted = PeftModel.from_pretrained(load_model("embedded:tiny-qwen3"), str(sft.weights_dir))(ids).logits
    assert torch.allclose(merged, adapted, atol=1e-4)


def test_full_fine_tuning_saves_a_whole_model(tmp_path: Path) -> None:
    result = train(varied_samples(8), [], tiny_config(max_steps=1, method="full"), tmp_path / "out", tmp_path / "ckpt")
    assert result.weights_dir.name == "model" and result.report["parameters"]["trainable"] == result.report["parameters"]["total"]
    assert load_model(str(result.weights_dir)).dtype == torch.float32


def test_gradient_checkpointing_changes_memory_not_the_update(tmp_path: Path) -> None:
    runs = {}
    for checkpointing in (False, True):
        config = tiny_config(max_steps=1, precision="fp32", gradient_checkpointing=checkpointing)
        config.lora.dropout = 0.0
        runs[checkpointing] = train(varied_samples(8), [], config, tmp_path / f"out{checkpointing}", tmp_path / f"c{checkpointing}")
    assert runs[True].final_train_loss == pytest.approx(runs[False].final_train_loss, rel=1e-6)
    plain, recomputed = (load_file(runs[c].weights_dir / "adapter_model.safetensors") for c in (False, True))
    assert all(torch.allclose(plain[k], recomputed[k], atol=1e-6) for k in plain)


def test_frozen_matmuls_stored_in_bf16_give_the_same_loss_and_gradients() -> None:
    from vertune.train.data import collate, encode
    from vertune.train.model import build_model

    def loss_and_grads(cast: bool) -> tuple[torch.Tensor, dict[str, torch.Tensor], int]:
        torch.manual_seed(0)
        model, tokenizer = build_model(tiny_config(), precision="bf16")
        model.eval()  # no dropout: the two runs must see the same computation
        done = recipe.store_frozen_matmuls_in_autocast_dtype(model, "bf16") if cast else 0
        batch = collate(encode(varied_samples(4), tokenizer, 512).examples, tokenizer.pad_token_id)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = recipe.token_loss_sum(model, batch)
        loss.backward()
        grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
        dtypes = {n: p.dtype for n, p in model.named_parameters()}
        assert all(dtypes[n] == torch.float32 for n in grads)  # trainable weights stay fp32
        assert all(d == torch.float32 for n, d in dtypes.items() if "embed" in n or "norm" in n)
        return loss.detach(), grads, done

    plain_loss, plain_grads, _ = loss_and_grads(cast=False)
    cast_loss, cast_grads, cast = loss_and_grads(cast=True)
    assert cast > 0
    assert torch.equal(plain_loss, cast_loss)
    assert all(torch.equal(plain_grads[n], cast_grads[n]) for n in plain_grads)
    assert recipe.store_frozen_matmuls_in_autocast_dtype(build_model(tiny_config(), precision="no")[0], "no") == 0


def test_a_right_padded_batch_gives_the_same_loss_and_gradients_without_its_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    from vertune.train.data import collate, encode
    from vertune.train.model import build_model

    model, tokenizer = build_model(tiny_config(), precision="no")
    model.eval()  # no dropout
    batch = collate(encode(varied_samples(6), tokenizer, 512).examples, tokenizer.pad_token_id)
    assert (batch["attention_mask"] == 0).any()  # the batch really has pads

    def loss_and_grads(mask_dropped: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        seen = []
        monkeypatch.setattr(recipe, "right_padded", lambda mask: seen.append(mask_dropped) or mask_dropped)
        model.zero_grad()
        loss = recipe.token_loss_sum(model, batch)
        loss.backward()
        assert seen == [mask_dropped]
        return loss.detach(), [p.grad.clone() for p in model.parameters() if p.requires_grad]

    masked, dropped = loss_and_grads(False), loss_and_grads(True)
    assert torch.allclose(masked[0], dropped[0], rtol=1e-5)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(masked[1], dropped[1], strict=True))


@pytest.mark.parametrize("with_head", [True, False])
def test_the_loss_scores_exactly_the_labelled_tokens(with_head: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from vertune.train.data import IGNORE, collate, encode
    from vertune.train.model import build_model

    model, tokenizer = build_model(tiny_config(), precision="no")
    model.eval()
    batch = collate(encode(varied_samples(6, long_answers=True), tokenizer, 512).examples, tokenizer.pad_token_id)
    labels = batch["labels"][:, 1:]
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        per_token = torch.nn.functional.cross_entropy(logits[:, :-1].transpose(1, 2), labels, ignore_index=IGNORE,
                                                      reduction="none")
        counts = (labels != IGNORE).sum(dim=1)
        assert len(set(counts.tolist())) > 1  # answers of different lengths, so the two averages differ
        if not with_head:  # a model without an output-embedding accessor scores every kept position
            monkeypatch.setattr(type(model.get_base_model()), "get_output_embeddings", lambda self: None)
        assert torch.allclose(recipe.token_loss_sum(model, batch), per_token.sum(), rtol=1e-5)
        row_means = per_token.sum(dim=1) / counts
        assert torch.allclose(recipe.token_loss_sum(model, batch, per_sample=True), row_means.sum(), rtol=1e-5)
    assert recipe._targets(batch) == int(counts.sum()) and recipe._targets(batch, per_sample=True) == len(counts)


def test_the_sample_average_reaches_the_step_as_the_mean_of_per_sample_means(tmp_path: Path) -> None:
    from vertune.train.data import IGNORE, collate, encode

    data = varied_samples(8, long_answers=True)
    runs = {}
    for average in ("token", "sample"):
        config = tiny_config(max_steps=1, batch_size=8, gradient_accumulation=1, precision="fp32", warmup_ratio=0.0,
                             lr_scheduler="constant", loss_average=average)
        config.lora.dropout = 0.0
        runs[average] = train(data, [], config, tmp_path / average, tmp_path / f"ckpt-{average}")
    # The first step's loss is the untouched base's (LoRA starts as a no-op): compute both by hand.
    model = load_model("embedded:tiny-qwen3", dtype=torch.float32).eval()
    tokenizer = load_tokenizer("embedded:tiny-qwen3")
    batch = collate(encode(data, tokenizer, 512).examples, tokenizer.pad_token_id)
    labels = batch["labels"][:, 1:]
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
    per_token = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, ignore_index=IGNORE, reduction="none")
    counts = (labels != IGNORE).sum(dim=1)
    assert runs["token"].final_train_loss == pytest.approx(float(per_token.sum() / counts.sum()), rel=1e-4)
    assert runs["sample"].final_train_loss == pytest.approx(float((per_token.sum(dim=1) / counts).mean()), rel=1e-4)
    token, sample = (load_file(runs[a].weights_dir / "adapter_model.safetensors") for a in ("token", "sample"))
    assert any(not torch.allclose(token[k], sample[k], atol=1e-6) for k in token)  # and the update differs
