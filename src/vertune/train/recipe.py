"""The training recipe: samples in, a tuned adapter out, in one loop you can read top to bottom.

1. Set up: an ``Accelerator`` (device, mixed precision, processes), the model with its
   trainable weights, the examples, AdamW and the learning-rate schedule.
2. Resume from the last checkpoint of this same run when there is one.
3. For every optimizer step: run its micro-batches (forward, backward; gradients accumulate),
   clip, step, log. Out of memory? Halve the micro-batches, double the accumulation, retry.
4. Every ``eval_steps``: validation loss, best weights kept, early stopping after ``patience``
   evaluations without improvement. Every ``save_steps``: a checkpoint.
5. Save the best weights as a PEFT adapter (or full model), the curves and the report.

The loss of a step is the mean over *all* answer tokens of the step, whatever micro-batch they
fell in (not a mean of per-micro-batch means), so accumulation, the OOM split and the number of
processes never change the gradient. With ``training.loss_average: sample`` it is the mean over the
step's samples of each sample's mean token loss instead: every sample weighs the same whatever the
length of its answer, so a one-token label is not outweighed by a long JSON answer.

Distillation (``distill``) is the same loop with a frozen teacher: each labelled token's loss is
``(1 - alpha) * cross-entropy + alpha * T² * KL(teacher_T || student_T)`` on logits softened by the
temperature ``T`` (Hinton et al. 2015; the T² keeps the soft term's gradient on the hard term's
scale), so checkpoints, resume, curves and early stopping (on the plain validation loss) are
the ones of every run.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.state import AcceleratorState, PartialState
from accelerate.utils import DistributedType, set_seed
from rich.console import Console
from transformers import get_scheduler

from vertune.atomic import atomic_write_json
from vertune.config import Config, public_dump
from vertune.records import Sample, content_id
from vertune.train import checkpoints as ckpt
from vertune.train.data import (IGNORE, Example, Step, TrainItem, collate, data_hash, encode, plan_epoch, right_padded,
                                split_micro_batches)
from vertune.train.device import cpu_cores, is_out_of_memory, release_memory, resolve_precision
from vertune.train.model import build_model, count_parameters
from vertune.train.monitor import CURVE, Monitor
from vertune.train.outputs import ADAPTER, FULL_MODEL, MERGED, REPORT, base_model_hash, export_weights, merge_adapter

MAX_GRAD_NORM = 1.0


@dataclass(frozen=True)
class Distillation:
    """A frozen teacher with the same tokenizer, and how much of the loss is its soft targets."""

    teacher: torch.nn.Module
    teacher_id: str  # what the run's fingerprint knows the teacher by (e.g. its folder's content hash)
    temperature: float = 2.0
    alpha: float = 0.5


@dataclass
class TrainResult:
    """Where the outputs are and how the run went (the same figures as ``training_report.json``)."""

    output_dir: Path
    weights_dir: Path  # adapter/ (LoRA, QLoRA) or model/ (full fine-tuning)
    merged_dir: Path | None
    steps: int
    best_step: int | None
    best_val_loss: float | None
    final_train_loss: float | None
    stopped_early: bool
    tokens_per_second: float
    seconds: float
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (item id, reason) of unusable items
    report: dict[str, Any] = field(default_factory=dict)


def train(
    train_items: Sequence[TrainItem],
    val_items: Sequence[TrainItem],
    config: Config,
    output_dir: str | Path,
    checkpoint_dir: str | Path,
    *,
    resume: bool | None = None,
    start_from: Path | None = None,
    merge: bool = False,
    max_length: int | None = None,
    console: Console | None = None,
    live: bool = False,
    on_step: Callable[[ckpt.TrainState], None] | None = None,
    distill: Distillation | None = None,
) -> TrainResult:
    """Fine-tune ``config.model.base`` on ``train_items``; validate on ``val_items``.

    Samples train the chat answers (SFT); documents or strings train every token (continued
    pretraining). ``resume``: None continues a compatible checkpoint if there is one and starts
    afresh otherwise, True insists on continuing, False always starts afresh. ``start_from``
    continues the weights of an earlier run (its adapter or model folder). ``on_step`` is called
    after every optimizer step (tests use it to interrupt a run). ``distill`` trains the model as
    the student of a teacher (see the module doc).
    """
    t = config.training
    output_dir, checkpoint_dir = Path(output_dir), Path(checkpoint_dir)
    console = console or Console(stderr=True)
    clock = time.perf_counter()

    # 1. Set up ---------------------------------------------------------------------------------
    accelerator = _make_accelerator(t.precision, t.gradient_accumulation)
    set_seed(t.seed)
    model, tokenizer = build_model(config, accelerator.mixed_precision, start_from)
    if t.method == "lora" and t.distributed == "none":
        store_frozen_matmuls_in_autocast_dtype(model, accelerator.mixed_precision)
    context = getattr(model.config, "max_position_embeddings", None) or t.max_length
    max_length = max_length or min(t.max_length, context)
    train_data = encode(train_items, tokenizer, max_length)
    val_data = encode(val_items, tokenizer, max_length)
    if not train_data.examples:
        raise ValueError("no usable training example: every item was dropped (see TrainResult.dropped)")
    examples, val_examples = train_data.examples, val_data.examples
    sft = any(isinstance(item, Sample) for item in train_items)
    keep_order = sft and config.prepare.curriculum
    lengths = [len(e) for e in examples]
    per_step = t.gradient_accumulation * accelerator.num_processes  # micro-batches per optimizer step
    steps_per_epoch = len(plan_epoch(lengths, t.batch_size, per_step, t.seed, 0, keep_order))
    total_steps = min(t.max_steps or t.epochs * steps_per_epoch, t.epochs * steps_per_epoch)
    base_hash = base_model_hash(config.model.base, getattr(model.config, "_commit_hash", None))
    fingerprint = content_id(config.model.model_dump(), config.lora.model_dump(), t.model_dump(), keep_order,
                             base_hash, data_hash(train_items), data_hash(val_items), max_length, str(start_from),
                             (distill.teacher_id, distill.temperature, distill.alpha) if distill else None)

    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=t.learning_rate,
                                  weight_decay=t.weight_decay)
    schedule = "constant_with_warmup" if t.lr_scheduler == "constant" else t.lr_scheduler
    scheduler = get_scheduler(schedule, optimizer, num_warmup_steps=math.ceil(t.warmup_ratio * total_steps),
                              num_training_steps=total_steps)
    _configure_distributed(accelerator, model, t.batch_size)
    model, optimizer = accelerator.prepare(model, optimizer)
    model.train()

    # 2. Resume ---------------------------------------------------------------------------------
    state = ckpt.TrainState(fingerprint)
    resume_from = _resume_point(accelerator, checkpoint_dir, fingerprint, resume)
    if resume_from is not None:
        state = ckpt.load_checkpoint(accelerator, model, optimizer, scheduler, resume_from)
        console.print(f"resuming from {resume_from} (step {state.step} of {total_steps})")
    resumed_at = state.step
    monitor = Monitor(output_dir, total_steps, state.history, console, live=live, enabled=accelerator.is_main_process,
                      per_sample=t.loss_average == "sample")

    # 3-4. Train --------------------------------------------------------------------------------
    if distill is not None:
        distill.teacher.to(accelerator.device).eval().requires_grad_(False)
    run = _Run(accelerator, model, optimizer, scheduler, examples, tokenizer.pad_token_id, monitor, state,
               per_sample=t.loss_average == "sample", distill=distill)
    plan: list[Step] = []
    try:
        while state.step < total_steps and not state.stopped_early:
            epoch, index = divmod(state.step, steps_per_epoch)
            if index == 0 or not plan:
                plan = plan_epoch(lengths, t.batch_size, per_step, t.seed, epoch, keep_order)
            started = time.perf_counter()
            loss, grad_norm, lr, tokens = run.optimizer_step(plan[index])
            seconds = time.perf_counter() - started
            state.step += 1
            state.tokens += tokens
            state.train_seconds += seconds
            monitor.log({"step": state.step, "epoch": round(state.step / steps_per_epoch, 3), "loss": loss,
                         "lr": lr, "grad_norm": grad_norm, "tokens": tokens,
                         "tokens_per_s": tokens / seconds})
            if val_examples and state.step % t.eval_steps == 0:
                _evaluate_and_track(run, val_examples, t.batch_size, t.early_stopping_patience, checkpoint_dir)
            if state.step % t.save_steps == 0:
                ckpt.save_checkpoint(accelerator, model, optimizer, scheduler, state, checkpoint_dir, t.save_total_limit)
            if on_step is not None:
                on_step(state)

        # 5. Outputs ----------------------------------------------------------------------------
        final_eval = bool(val_examples) and not _evaluated_at(state, state.step)
        if final_eval:
            _evaluate_and_track(run, val_examples, t.batch_size, t.early_stopping_patience, checkpoint_dir)
        if final_eval or not (ckpt.step_dir(checkpoint_dir, state.step) / ckpt.STATE).is_file():
            ckpt.save_checkpoint(accelerator, model, optimizer, scheduler, state, checkpoint_dir, t.save_total_limit)
        # The exported weights are the best validated ones (the current ones without validation).
        weights = ckpt.best_weights(checkpoint_dir) if state.best_step is not None else None
        weights = weights if weights is not None else ckpt.trainable_weights(accelerator, model)
        weights_dir = output_dir / (FULL_MODEL if t.method == "full" else ADAPTER)
        merged_dir = None
        if accelerator.is_main_process:
            export_weights(accelerator.unwrap_model(model), weights, tokenizer, output_dir)
            if merge and t.method != "full":
                merged_dir = merge_adapter(config.model.base, weights_dir, output_dir / MERGED,
                                           config.model.trust_remote_code)
            monitor.plot()
        accelerator.wait_for_everyone()
    finally:
        monitor.close()

    train_losses = [r["loss"] for r in state.history if "loss" in r]
    trainable, total = count_parameters(accelerator.unwrap_model(model))
    result = TrainResult(
        output_dir=output_dir, weights_dir=weights_dir, merged_dir=merged_dir, steps=state.step,
        best_step=state.best_step, best_val_loss=state.best_val_loss,
        final_train_loss=train_losses[-1] if train_losses else None, stopped_early=state.stopped_early,
        tokens_per_second=state.tokens / state.train_seconds if state.train_seconds else 0.0,
        seconds=time.perf_counter() - clock, dropped=train_data.dropped + val_data.dropped)
    result.report = {
        "kind": "sft" if sft else "pretrain",
        "base_model": config.model.base,
        "base_model_hash": base_hash,
        "data": {"train_hash": data_hash(train_items), "val_hash": data_hash(val_items),
                 "train_examples": len(examples), "val_examples": len(val_examples),
                 "dropped": len(result.dropped), "truncated": train_data.truncated + val_data.truncated,
                 "max_length": max_length, "curriculum_order": keep_order},
        "config": {section: public_dump(config, section) for section in ("model", "lora", "training")},
        "parameters": {"trainable": trainable, "total": total},
        "steps": state.step, "planned_steps": total_steps, "steps_per_epoch": steps_per_epoch,
        "resumed_from_step": resumed_at or None, "best_step": state.best_step, "best_val_loss": state.best_val_loss,
        "final_train_loss": result.final_train_loss, "stopped_early": state.stopped_early,
        "oom_retries": state.oom_retries, "tokens": state.tokens,
        "tokens_per_second": round(result.tokens_per_second, 1),
        "train_seconds": round(state.train_seconds, 2), "seconds": round(result.seconds, 2),
        "precision": accelerator.mixed_precision, "device": str(accelerator.device),
        "processes": accelerator.num_processes, "distributed": t.distributed,
        "outputs": {"weights": weights_dir.name, "merged": MERGED if merged_dir else None, "curve": CURVE},
    }
    if accelerator.is_main_process:
        atomic_write_json(output_dir / REPORT, result.report)
    return result


@dataclass
class _Run:
    """The objects one optimizer step needs, so the loop above stays short."""

    accelerator: Accelerator
    model: torch.nn.Module
    optimizer: Any
    scheduler: Any
    examples: list[Example]
    pad_id: int
    monitor: Monitor
    state: ckpt.TrainState
    per_sample: bool = False  # training.loss_average == "sample"
    distill: Distillation | None = None

    def optimizer_step(self, step: Step) -> tuple[float, float, float, int]:
        """Accumulate the step's micro-batches and update; on OOM retry with halved micro-batches.

        Returns the step's loss, gradient norm (before clipping), learning rate and real tokens.
        """
        while True:
            micro = split_micro_batches(step, self.state.micro_split)
            try:
                return self._accumulate(micro)
            except Exception as error:  # noqa: BLE001 - only out-of-memory is handled, the rest re-raised
                if not is_out_of_memory(error) or max(len(b) for b in micro) == 1:
                    raise
            self.optimizer.zero_grad(set_to_none=True)
            release_memory()
            self.state.micro_split *= 2
            self.state.oom_retries += 1
            size = max(len(b) for b in split_micro_batches(step, self.state.micro_split))
            self.monitor.log({"step": self.state.step + 1, "event": "out of memory: retrying the step",
                              "micro_batch": size, "accumulation": len(step) * self.state.micro_split})

    def _accumulate(self, micro: Step) -> tuple[float, float, float, int]:
        accelerator = self.accelerator
        mine = _shard(micro, accelerator)
        batches = [(collate([self.examples[i] for i in batch], self.pad_id), weight) for batch, weight in mine]
        counted = torch.tensor([sum(_targets(b, self.per_sample) * w for b, w in batches)], device=accelerator.device)
        targets = accelerator.reduce(counted, "sum").item()
        # accelerate divides by the accumulation steps and DDP averages over processes: undo both,
        # so the gradient is that of (sum of token losses of the whole step) / (its token count)
        # (per sample: of the sum of per-sample mean losses / the step's sample count).
        scale = accelerator.gradient_accumulation_steps * accelerator.num_processes / max(targets, 1)
        loss_sum = torch.zeros((), device=accelerator.device)
        tokens = 0
        for i, (batch, weight) in enumerate(batches):
            last = i == len(batches) - 1
            accelerator.sync_gradients = last
            with contextlib.nullcontext() if last else accelerator.no_sync(self.model):
                step_loss = token_loss_sum(self.model, batch, self.per_sample, self.distill) * weight
                accelerator.backward(step_loss * scale)
            loss_sum += step_loss.detach()
            tokens += int(batch["attention_mask"].sum()) * weight
        grad_norm = accelerator.clip_grad_norm_(self.model.parameters(), MAX_GRAD_NORM)
        lr = self.optimizer.param_groups[0]["lr"]
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        loss = accelerator.reduce(loss_sum.reshape(1), "sum").item() / max(targets, 1)
        tokens = int(accelerator.reduce(torch.tensor([tokens], device=accelerator.device), "sum").item())
        return loss, float(grad_norm) if grad_norm is not None else math.nan, lr, tokens


def store_frozen_matmuls_in_autocast_dtype(model: torch.nn.Module, precision: str) -> int:
    """Keep the frozen base's linear weights in the autocast dtype; returns how many were cast.

    Autocast caches its casts only for weights that require gradients, so every forward would
    otherwise cast each frozen fp32 weight to bf16 again. Storing them cast once gives the same
    numbers (autocast casts the input and runs the same bf16 matmul) for half the memory and
    no per-step cast. Norms, embeddings and an output projection tied to the embedding keep their
    dtype, so everything outside the matmuls computes exactly as before; nothing frozen is saved.
    """
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    if dtype is None:
        return 0
    tied = {id(m.weight) for m in model.modules() if isinstance(m, torch.nn.Embedding)}
    cast = 0
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if (isinstance(module, torch.nn.Linear) and isinstance(weight, torch.nn.Parameter) and not weight.requires_grad
                and weight.dtype == torch.float32 and id(weight) not in tied):
            weight.data = weight.data.to(dtype)
            cast += 1
    return cast


def token_loss_sum(model: torch.nn.Module, batch: dict[str, torch.Tensor], per_sample: bool = False,
                   distill: Distillation | None = None) -> torch.Tensor:
    """Summed next-token cross-entropy over the labelled tokens of a micro-batch.

    ``per_sample``: each row's tokens weigh 1 / (its labelled-token count), so the sum is that of
    the rows' mean losses (divide by the row count, not the token count, for the mean).
    ``distill``: each token's loss mixes in the teacher's soft targets (see the module doc).
    """
    logits, targets, labelled = labelled_logits(model, batch)
    logits = logits.float()  # once: the cross-entropy and the soft term both read it
    losses = F.cross_entropy(logits, targets, reduction="none")  # over the model's whole output width
    if distill is not None:
        with torch.no_grad():
            teacher = labelled_logits(distill.teacher, batch)[0].float()
        width = min(logits.shape[-1], teacher.shape[-1])  # one tokenizer, embeddings padded to other sizes
        logits, teacher = logits[..., :width], teacher[..., :width]
        t = distill.temperature
        soft = F.kl_div(F.log_softmax(logits / t, dim=-1), F.log_softmax(teacher / t, dim=-1),
                        log_target=True, reduction="none").sum(dim=-1) * t * t
        losses = (1 - distill.alpha) * losses + distill.alpha * soft
    if per_sample:  # losses are in row-major order of the labelled positions
        counts = labelled.sum(dim=1, keepdim=True).expand_as(labelled)[labelled]
        losses = losses / counts
    return losses.sum()


def labelled_logits(model: torch.nn.Module, batch: dict[str, torch.Tensor],
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The logits at the labelled positions (row-major), their target tokens, and the mask of
    labelled (row, kept position) pairs.

    The output projection runs on the labelled tokens only: in SFT most positions are prompt,
    and the projection is a large share of the compute (a quarter of Qwen3-0.6B's matmul
    weights; 40 % of the embedded tiny model's). ``logits_to_keep`` first drops the positions
    where no row has a target, then a hook on the output projection keeps only the (row,
    position) pairs that have one, so whatever the model does after the projection
    (soft-capping, scaling) still applies. A right-padded batch runs without its padding mask
    (see ``right_padded``): the causal attention kernel is faster, the loss the same.
    """
    targets = F.pad(batch["labels"][:, 1:], (0, 1), value=IGNORE)  # position i predicts token i + 1
    keep = (targets != IGNORE).any(dim=0).nonzero().squeeze(1)
    targets = targets[:, keep]
    labelled = targets != IGNORE
    mask = batch["attention_mask"]
    head = getattr(model, "module", model).get_output_embeddings()  # under DDP the model is wrapped
    hook = head.register_forward_pre_hook(lambda _, args: (args[0][labelled],)) if head is not None else None
    try:
        logits = model(input_ids=batch["input_ids"], attention_mask=None if right_padded(mask) else mask,
                       use_cache=False, logits_to_keep=keep).logits
    finally:
        if hook is not None:
            hook.remove()
    if hook is None:  # a model without an output-embedding accessor: every kept position is scored
        logits = logits[labelled]
    return logits, targets[labelled], labelled


@torch.no_grad()
def evaluate(accelerator: Accelerator, model: torch.nn.Module, examples: Sequence[Example], batch_size: int,
             pad_id: int) -> float:
    """Mean loss per labelled token over ``examples`` (length-sorted batches, nothing shuffled)."""
    model.eval()
    order = sorted(range(len(examples)), key=lambda i: -len(examples[i]))
    micro = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    total = torch.zeros(2, device=accelerator.device)  # (loss sum, target count)
    for indices, weight in _shard(micro, accelerator):
        batch = collate([examples[i] for i in indices], pad_id)
        total += torch.stack([token_loss_sum(model, batch).float() * weight,
                              torch.tensor(float(_targets(batch) * weight), device=accelerator.device)])
    model.train()
    loss_sum, targets = accelerator.reduce(total, "sum").tolist()
    return loss_sum / max(targets, 1.0)


def _evaluate_and_track(run: _Run, val_examples: list[Example], batch_size: int, patience: int,
                        checkpoint_dir: Path) -> int:
    """Evaluate; keep the best weights; count evaluations without improvement for early stopping."""
    state = run.state
    val_loss = evaluate(run.accelerator, run.model, val_examples, batch_size, run.pad_id)
    improved = state.best_val_loss is None or val_loss < state.best_val_loss
    if improved:
        state.best_val_loss, state.best_step, state.bad_evals = val_loss, state.step, 0
        ckpt.save_best(run.accelerator, run.model, state, checkpoint_dir)
    else:
        state.bad_evals += 1
        state.stopped_early = state.bad_evals >= patience
    run.monitor.log({"step": state.step, "val_loss": val_loss, "best": improved})
    if state.stopped_early:
        run.monitor.log({"step": state.step, "event": f"early stop: no improvement in {patience} evaluations"})
    return state.step


def _evaluated_at(state: ckpt.TrainState, step: int) -> bool:
    return any(r["step"] == step and "val_loss" in r for r in state.history)


def _shard(micro: Step, accelerator: Accelerator) -> list[tuple[list[int], int]]:
    """This process's micro-batches, each with weight 1; a process left without one runs a
    copy with weight 0 so that every process joins the collective operations."""
    world, rank = accelerator.num_processes, accelerator.process_index
    mine = [(batch, 1) for batch in micro[rank::world]]
    return mine or [(micro[0], 0)]


def _targets(batch: dict[str, torch.Tensor], per_sample: bool = False) -> int:
    """The step loss's divisor: labelled tokens, or per sample the rows that have one."""
    labelled = batch["labels"][:, 1:] != IGNORE
    return int(labelled.any(dim=1).sum()) if per_sample else int(labelled.sum())


def _make_accelerator(precision: str, accumulation: int) -> Accelerator:
    """The run's accelerator; CPU runs use every core this process may use.

    accelerate keeps one state per process. Under ``accelerate launch`` it is set once; in a
    single process (tests, notebooks, pretraining then SFT) each run may want another precision,
    so the previous run's state is dropped first.
    """
    cuda = torch.cuda.is_available()
    if PartialState().num_processes == 1:
        AcceleratorState._reset_state()
    if not cuda:
        torch.set_num_threads(cpu_cores())
    return Accelerator(mixed_precision=resolve_precision(precision, cuda), gradient_accumulation_steps=accumulation,
                       cpu=not cuda)


def _resume_point(accelerator: Accelerator, root: Path, fingerprint: str, resume: bool | None) -> Path | None:
    """The checkpoint to continue, or None after clearing whatever cannot be continued."""
    found = ckpt.complete_checkpoints(root)
    latest = found[-1] if found else None
    compatible = latest is not None and ckpt.read_state(latest).fingerprint == fingerprint
    if resume and not compatible:
        why = "no checkpoint" if latest is None else f"the checkpoint {latest.name} is of another run (config, data or base model differ)"
        raise ckpt.ResumeError(f"cannot resume from {root}: {why}")
    if compatible and resume is not False:
        return latest
    if accelerator.is_main_process:
        ckpt.clear(root)
    accelerator.wait_for_everyone()
    return None


def _configure_distributed(accelerator: Accelerator, model: torch.nn.Module, batch_size: int) -> None:
    """Tell DeepSpeed the micro-batch size (we pass no DataLoader) and FSDP how to wrap adapters."""
    if accelerator.distributed_type == DistributedType.DEEPSPEED:
        accelerator.state.deepspeed_plugin.deepspeed_config["train_micro_batch_size_per_gpu"] = batch_size
    if accelerator.distributed_type == DistributedType.FSDP and hasattr(model, "peft_config"):
        from peft.utils.other import fsdp_auto_wrap_policy

        accelerator.state.fsdp_plugin.auto_wrap_policy = fsdp_auto_wrap_policy(model)

