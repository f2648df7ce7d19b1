"""Structured pruning of MLP neurons: a genuinely smaller model that loads like any other.

An MLP neuron ``j`` of a Llama/Qwen-style layer is row ``j`` of ``gate_proj`` and ``up_proj`` and
column ``j`` of ``down_proj``. Removing the same number of neurons from every layer leaves a
model whose only change is a smaller ``intermediate_size``, so ``from_pretrained`` (and vLLM)
load the saved folder unchanged; unstructured sparsity would keep every shape and save nothing.

Which neurons go is decided by their contribution on calibration text, the structured form of
Wanda (Sun et al. 2023, "A Simple and Effective Pruning Approach for LLMs"): neuron ``j``
scores ``||down_proj.weight[:, j]||_2 * ||x_j||_2``, where ``x_j`` is its activation
(``act(gate) * up``, the input of ``down_proj``) over every calibration token. A neuron that
rarely fires, or whose output weights are small, adds little to the residual stream. Weight
magnitude alone ignores how often a neuron fires; the tests compare both against random choice.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

MLP_NAMES = ("gate_proj", "up_proj", "down_proj")


def mlp_layers(model: nn.Module) -> list[nn.Module]:
    """Every gated MLP block (a module with gate_proj, up_proj and down_proj), in model order."""
    return [m for m in model.modules() if all(isinstance(getattr(m, n, None), nn.Linear) for n in MLP_NAMES)]


@torch.no_grad()
def neuron_importance(model: nn.Module, batches: Iterable[dict[str, torch.Tensor]]) -> list[torch.Tensor]:
    """Per MLP block, the Wanda score of each neuron on ``batches`` (``input_ids`` and
    ``attention_mask``, padded positions excluded)."""
    layers = mlp_layers(model)
    squares = [torch.zeros(layer.down_proj.in_features, dtype=torch.float64) for layer in layers]
    mask: list[torch.Tensor] = []

    def hook(index: int):  # noqa: ANN202 - a forward pre-hook factory
        def collect(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
            activation = args[0].float()[mask[0].bool()]  # (real tokens, neurons)
            squares[index] += activation.pow(2).sum(dim=0).double().cpu()
        return collect

    handles = [layer.down_proj.register_forward_pre_hook(hook(k)) for k, layer in enumerate(layers)]
    was_training = model.training
    model.eval()
    try:
        for batch in batches:
            mask[:] = [batch["attention_mask"]]
            model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], use_cache=False)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return [layer.down_proj.weight.float().norm(dim=0).cpu() * s.sqrt().float() for layer, s in zip(layers, squares)]


def magnitude_importance(model: nn.Module) -> list[torch.Tensor]:
    """The data-free score: the norm of each neuron's output weights (a baseline for the tests)."""
    return [layer.down_proj.weight.float().norm(dim=0) for layer in mlp_layers(model)]


@torch.no_grad()
def prune_mlp(model: nn.Module, ratio: float, importance: list[torch.Tensor]) -> int:
    """Remove the ``ratio`` least important neurons of every MLP block, in place; returns the
    new ``intermediate_size`` (the same in every layer, and written to ``model.config``)."""
    layers = mlp_layers(model)
    if not layers:
        raise ValueError("no gated MLP block (gate_proj/up_proj/down_proj) to prune in this model")
    if len(importance) != len(layers):
        raise ValueError(f"{len(importance)} importance vectors for {len(layers)} MLP blocks")
    widths = {layer.down_proj.in_features for layer in layers}
    if len(widths) != 1 or getattr(getattr(model, "config", None), "intermediate_size", None) not in (None, *widths):
        raise ValueError(f"MLP widths {sorted(widths)} are not one intermediate_size: pruning keeps one width per model")
    width = widths.pop()
    keep = max(1, round(width * (1.0 - ratio)))
    for layer, score in zip(layers, importance):
        kept = torch.topk(score, keep).indices.sort().values
        layer.gate_proj = _rows(layer.gate_proj, kept)
        layer.up_proj = _rows(layer.up_proj, kept)
        layer.down_proj = _columns(layer.down_proj, kept)
    if hasattr(model, "config"):
        model.config.intermediate_size = keep
    return keep


def _rows(linear: nn.Linear, kept: torch.Tensor) -> nn.Linear:
    smaller = nn.Linear(linear.in_features, len(kept), bias=linear.bias is not None,
                        device=linear.weight.device, dtype=linear.weight.dtype)
    smaller.weight.copy_(linear.weight[kept])
    if linear.bias is not None:
        smaller.bias.copy_(linear.bias[kept])
    return smaller


def _columns(linear: nn.Linear, kept: torch.Tensor) -> nn.Linear:
    smaller = nn.Linear(len(kept), linear.out_features, bias=linear.bias is not None,
                        device=linear.weight.device, dtype=linear.weight.dtype)
    smaller.weight.copy_(linear.weight[:, kept])
    if linear.bias is not None:
        smaller.bias.copy_(linear.bias)
    return smaller
