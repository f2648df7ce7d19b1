"""Quiet the libraries' output that tells a vertune user nothing: one place, called by the CLI.

vertune draws one progress view per long stage (the pipeline's stage line, ingest's bar, the
training monitor). transformers adds a tqdm bar of its own to every ``from_pretrained`` and
``save_pretrained``, "Loading weights" (a tick per tensor) and "Writing model shards", for work
that takes milliseconds on the models a run loads from disk; a demo run printed a dozen of them.
Those are turned off. huggingface_hub's download bars are left as they were: a hub download is
long and has no other view.

Known-harmless warnings are filtered one by one, by message and category, each with the reason
it cannot be fixed in vertune; never a blanket filter, and transformers' logger keeps its level,
since its warnings (weights not initialised, a missing pad token) are worth reading.
"""

from __future__ import annotations

import logging
import warnings

# (message regex, category, why it is harmless and not ours to fix)
HARMLESS_WARNINGS: list[tuple[str, type[Warning], str]] = [
    ("`is_gradient_checkpointing` is deprecated", FutureWarning,
     "peft's PeftModel.__init__ reads the old attribute name (peft 0.21, transformers 5); vertune "
     "itself calls activation_checkpointing_enable"),
    ("torch.quantize_per_tensor, torch.quantize_per_channel", UserWarning,
     "compress.quantize builds PyTorch's dynamic int8 linear from stored int8 weights, the fast CPU "
     "kernel; the creation functions it needs are marked deprecated (torch 2.13) with no replacement yet"),
]
# (logger, message start, why): log lines of libraries, dropped by message, the logger's level kept.
HARMLESS_LOG_LINES: list[tuple[str, str, str]] = [
    ("torchao", "Failed to load", "torchao ships CUDA kernels (mxfp8, cutlass) that cannot load on a CPU machine; "
     "the int8 path does not use them"),
    ("torch.utils._pytree", "<enum", "torchao 0.18 registers its enums with torch 2.13's deprecated register_constant"),
]


class _DropMessages(logging.Filter):
    def __init__(self, starts: tuple[str, ...]) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.starts)


def quiet_libraries() -> None:
    """Turn off transformers' per-load/save progress bars and the known-harmless warnings.

    Idempotent: a second call changes nothing. The hub's own progress-bar setting (including
    ``HF_HUB_DISABLE_PROGRESS_BARS``) is kept.
    """
    import huggingface_hub.utils
    from transformers.utils import logging as transformers_logging

    hub_bars = not huggingface_hub.utils.are_progress_bars_disabled()
    transformers_logging.disable_progress_bar()  # also turns off the hub's, hence the next line
    if hub_bars:
        huggingface_hub.utils.enable_progress_bars()
    for message, category, _why in HARMLESS_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    drop_harmless_log_lines()


def drop_harmless_log_lines() -> None:
    """Filter ``HARMLESS_LOG_LINES`` (standard logging only, so ``import vertune`` can call it before
    transformers imports torchao). Idempotent."""
    for name in {name for name, _start, _why in HARMLESS_LOG_LINES}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropMessages) for f in logger.filters):
            logger.addFilter(_DropMessages(tuple(start for n, start, _why in HARMLESS_LOG_LINES if n == name)))
