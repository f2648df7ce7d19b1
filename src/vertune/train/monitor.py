"""How a run shows itself: the terminal, TensorBoard, ``metrics.jsonl`` and ``loss_curve.png``.

Every record is a dict with a ``step``: a training step (loss, lr, grad_norm, tokens_per_s), an
evaluation (val_loss) or an event (e.g. an out-of-memory retry). The history lives in the
checkpoint, so a resumed run replays it into fresh files and its curves have no gap.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from vertune.atomic import atomic_open

METRICS, CURVE, TENSORBOARD = "metrics.jsonl", "loss_curve.png", "tensorboard"
LINES_PER_RUN = 20  # without a live terminal, print about this many progress lines per run


class Monitor:
    """Fan each record out to every sink; only the main process should have ``enabled`` on."""

    def __init__(self, output_dir: Path, total_steps: int, history: list[dict[str, Any]], console: Console,
                 live: bool, enabled: bool = True, per_sample: bool = False) -> None:
        self.output_dir, self.total_steps, self.history = output_dir, total_steps, history
        self.per_sample = per_sample  # training.loss_average: sample (the curve says how each loss is averaged)
        self.console, self.enabled = console, enabled
        self.print_every = max(1, total_steps // LINES_PER_RUN)
        self._jsonl: IO[str] | None = None
        self._writer: Any = None
        self._progress: Progress | None = None
        if not enabled:
            return
        from torch.utils.tensorboard import SummaryWriter  # imported here: it is slow and main-only

        output_dir.mkdir(parents=True, exist_ok=True)
        self._jsonl = (output_dir / METRICS).open("w", encoding="utf-8")
        self._writer = SummaryWriter(str(output_dir / TENSORBOARD))
        for record in history:
            self._write(record)
        if live and console.is_terminal:
            self._progress = Progress(TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                      console=console)
            self._task = self._progress.add_task("train", total=total_steps, completed=self._last_step(),
                                                 stats="")
            self._progress.start()

    def log(self, record: dict[str, Any]) -> None:
        """Record one training step, evaluation or event."""
        self.history.append(record)
        if not self.enabled:
            return
        self._write(record)
        line = _describe(record)
        if self._progress is not None:
            if "loss" in record:
                self._progress.update(self._task, completed=record["step"], stats=line)
            else:
                self._progress.console.print(f"step {record['step']}: {line}", highlight=False)
        elif "loss" not in record or record["step"] % self.print_every == 0 or record["step"] == self.total_steps:
            self.console.print(f"step {record['step']}/{self.total_steps}: {line}", highlight=False)
        if "val_loss" in record:
            self.plot()

    def plot(self) -> None:
        """Redraw ``loss_curve.png`` (train loss per step, validation loss per evaluation)."""
        if not self.enabled:
            return
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        train = [(r["step"], r["loss"]) for r in self.history if "loss" in r]
        val = [(r["step"], r["val_loss"]) for r in self.history if "val_loss" in r]
        figure, axes = plt.subplots(figsize=(7, 4), dpi=100)
        if train:
            how = "mean per sample of its answer tokens' mean" if self.per_sample else "mean over answer tokens"
            axes.plot(*zip(*train, strict=True), label=f"train ({how})", linewidth=1, alpha=0.8)
        if val:
            axes.plot(*zip(*val, strict=True), "o-", label="validation (mean over answer tokens)", linewidth=2)
        axes.set_xlabel("optimizer step")
        axes.set_ylabel("loss")
        axes.grid(alpha=0.3)
        axes.legend()
        figure.tight_layout()
        with atomic_open(self.output_dir / CURVE, "wb") as handle:
            figure.savefig(handle, format="png")
        plt.close(figure)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        if self._jsonl is not None:
            self._jsonl.close()
        if self._writer is not None:
            self._writer.close()

    def _write(self, record: dict[str, Any]) -> None:
        assert self._jsonl is not None
        self._jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._jsonl.flush()
        for key, value in record.items():
            if key != "step" and isinstance(value, int | float) and not isinstance(value, bool):
                self._writer.add_scalar(_TAGS.get(key, f"train/{key}"), value, record["step"])

    def _last_step(self) -> int:
        return self.history[-1]["step"] if self.history else 0


_TAGS = {"val_loss": "val/loss", "loss": "train/loss"}


def _describe(record: dict[str, Any]) -> str:
    if "loss" in record:
        return (f"loss {record['loss']:.4f}  lr {record['lr']:.2e}  |g| {record['grad_norm']:.3f}  "
                f"{record['tokens_per_s']:,.0f} tok/s")
    if "val_loss" in record:
        best = "  (best)" if record.get("best") else ""
        return f"val_loss {record['val_loss']:.4f}{best}"
    return ", ".join(f"{k} {v}" for k, v in record.items() if k != "step")
