"""The compress report: each variant's cost and quality beside the tuned model, and the choice.

A variant *passes* when, against the tuned model (the eval stage's candidate): no domain task's
primary metric falls by more than ``compression.max_quality_drop`` (0.01, one point on the
0–1 scale) in a way its items show, and the held-out perplexity (of the gold answers of the same
domain items) rises by at most ``compression.max_perplexity_increase`` (2 %). "Its items show":
the variant scores lower than the tuned model on significantly more items than it scores higher
(one-sided sign test on the per-item scores, p < 0.05). On the demo's 10 items per task one
item that flips moves a metric by 5-10 points, which no sample that small can tell from chance;
the perplexity, averaged over every gold token, is the fine-grained check there. With the
default 200 items a consistent one-point loss is caught. ``compression.publish: auto`` picks the
passing variant smallest on disk; ``merged`` (the tuned model itself, in bf16) is the fallback
when none passes. Naming a variant picks it whatever its quality, and the report says so.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.table import Table

from vertune.atomic import atomic_write_json, atomic_write_text
from vertune.compress.distill import STUDENT_ALONE
from vertune.compress.variants import MERGED
from vertune.evaluate.report import format_metric, html_page, html_table

REPORT_JSON, REPORT_HTML = "report.json", "report.html"
TUNED = "tuned"
# Measured to compare with, never published: the tuned model itself, and the student trained
# without its teacher (what distillation must beat).
REFERENCES = (TUNED, STUDENT_ALONE)


SIGNIFICANCE = 0.05


def sign_test(worse: int, better: int) -> float:
    """One-sided p-value of ``worse`` items scoring lower and ``better`` higher, were both equally likely."""
    n = worse + better
    return sum(math.comb(n, k) for k in range(worse, n + 1)) / 2**n


def verdict(quality: Mapping[str, float], perplexity: float | None, reference: Mapping[str, Any],
            max_drop: float, max_increase: float,
            changed: Mapping[str, tuple[int, int]] | None = None) -> list[str]:
    """Why a variant fails the tolerance against ``reference`` (empty: it passes). ``changed``:
    per task, on how many items the variant scored lower and higher than the reference; without
    it any drop beyond ``max_drop`` fails."""
    reasons = []
    for task, value in reference["quality"].items():
        if task not in quality:
            reasons.append(f"{task}: not scored (was {value:.4f})")
            continue
        drop = value - quality[task]
        if drop <= max_drop + 1e-12:
            continue
        worse, better = (changed or {}).get(task, (0, 0))
        p = sign_test(worse, better) if changed is not None else 0.0
        if p < SIGNIFICANCE:
            shown = f"; lower on {worse} items, higher on {better}, p = {p:.3f}" if changed is not None else ""
            reasons.append(f"{task}: {quality[task]:.4f} vs {value:.4f} (drop {drop:.4f} > {max_drop}{shown})")
    base = reference.get("perplexity")
    if base and perplexity is not None and perplexity > base * (1 + max_increase) + 1e-12:
        reasons.append(f"perplexity {perplexity:.4f} vs {base:.4f} (+{perplexity / base - 1:.1%} > {max_increase:.0%})")
    return reasons


def choose(variants: Mapping[str, Mapping[str, Any]], choice: str) -> tuple[str, str]:
    """(the variant to publish, why), given each variant's ``passes`` and ``cost``."""
    if choice != "auto":
        if choice not in variants or choice in REFERENCES:
            raise ValueError(f"compression.publish: {choice!r} was not built (built: {', '.join(variants)})")
        passes = variants[choice]["passes"]
        return choice, "named by compression.publish" + ("" if passes else ", although it is outside the tolerance")
    passing = [name for name, v in variants.items() if v["passes"] and name not in REFERENCES]
    if not passing:
        return MERGED, "no variant is within the tolerance: the tuned model itself (merged)"
    best = min(passing, key=lambda name: variants[name]["cost"]["disk_bytes"])
    return best, "the smallest variant on disk within the tolerance"


def write_report(report: Mapping[str, Any], out_dir: Path) -> Path:
    """``report.json`` and ``report.html`` in ``out_dir``; returns the page."""
    atomic_write_json(out_dir / REPORT_JSON, report)
    page = out_dir / REPORT_HTML
    atomic_write_text(page, render_html(report))
    return page


def _rows(report: Mapping[str, Any], short: bool) -> list[list[str]]:
    """One row of cells per variant: size, speed (and ratios against merged, the bf16 model),
    perplexity and the verdict (``short``: only the failing tasks' names)."""
    reference = report["variants"].get(MERGED, {}).get("cost", {})
    rows = []
    for name, v in report["variants"].items():
        cost = v["cost"]

        def ratio(key: str) -> str:
            return f"{cost[key] / reference[key]:.2f}" if reference.get(key) else "—"

        reasons = [r.split(":")[0].split(" ")[0] for r in v["reasons"]] if short else v["reasons"]
        verdict_cell = {TUNED: "reference", STUDENT_ALONE: "comparison (never published)"}.get(name) or (
            "yes" if v["passes"] else "no: " + "; ".join(reasons))
        rows.append([name + (" (published)" if name == report["selected"] else ""), f"{cost['parameters']:,}",
                     f"{cost['disk_bytes'] / 2**20:.2f}", ratio("disk_bytes"), f"{cost['tensor_bytes'] / 2**20:.2f}",
                     f"{cost['tokens_per_second']:.0f}", ratio("tokens_per_second"),
                     *(format_metric(v["quality"].get(t)) for t in _tasks(report)), format_metric(v["perplexity"]),
                     verdict_cell])
    return rows


COLUMNS = ["variant", "parameters", "disk MB", "disk vs bf16", "tensors MB", "tokens/s", "tokens/s vs bf16"]


def _tasks(report: Mapping[str, Any]) -> list[str]:
    return list(report["variants"][TUNED]["quality"]) if TUNED in report["variants"] else []


TERMINAL = ("variant", "disk MB", "disk vs bf16", "tokens/s", "tokens/s vs bf16", "perplexity", "within tolerance")


def _header(report: Mapping[str, Any]) -> list[str]:
    return [*COLUMNS, *_tasks(report), "perplexity", "within tolerance"]


def results_table(report: Mapping[str, Any]) -> Table:
    """The terminal view: size, speed and verdict per variant (per-task figures are in the page)."""
    table = Table(title=f"compression (quality on {report['items']} domain items)")
    header = _header(report)
    for column in TERMINAL:
        table.add_column(column)
    for row in _rows(report, short=True):
        cells = dict(zip(header, row))
        table.add_row(*(cells[column] for column in TERMINAL))
    return table


def render_html(report: Mapping[str, Any]) -> str:
    """The page: every figure per variant, with the rule that chose the published one."""
    header = _header(report)
    rows = ["<tr>" + "".join(f'<td{" class=text" if k == len(row) - 1 else ""}>{html.escape(cell)}</td>'
                             for k, cell in enumerate(row)) + "</tr>" for row in _rows(report, short=False)]
    body = (f"<h1>{html.escape(report['title'])}</h1>"
            f"<p>Published variant: <b>{html.escape(report['selected'])}</b> ({html.escape(report['why'])}). "
            f"Tolerance against the tuned model: each task's primary metric may drop by {report['tolerance']['quality']}, "
            f"perplexity may rise by {report['tolerance']['perplexity']:.0%}. Quality is measured on "
            f"{report['items']} domain test items ({html.escape(report['items_note'])}); perplexity is that of "
            "their gold answers. Disk: weight files; tensors: bytes of the loaded tensors (int8 data and scales); "
            "tokens/s: greedy generation on this machine; ratios are against merged (the tuned model in bf16). "
            "The tuned row is the adapter on its base as the eval stage loads it (the quality reference).</p>"
            + html_table(header, rows))
    return html_page(report["title"], body)
