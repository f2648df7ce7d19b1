"""Write an evaluation: ``report.json``, ``predictions.jsonl`` and a self-contained ``report.html``.

The HTML page needs nothing but a browser: styles are inline and the charts are PNGs embedded
as base64. It shows, in order: the models, the domain tasks (every metric per model and the
delta against the reference), the worst examples per task, general-ability retention and the
robustness drop per perturbation.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.table import Table

from vertune.atomic import atomic_open, atomic_write_json, atomic_write_text
from vertune.evaluate.baselines import MARGIN, beats_baselines, best_baseline
from vertune.evaluate.charts import grouped_bars
from vertune.evaluate.evaluation import Evaluation

REPORT_JSON, REPORT_HTML, PREDICTIONS = "report.json", "report.html", "predictions.jsonl"

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.text { text-align: left; }
td.text { white-space: pre-wrap; max-width: 30rem; font-family: ui-monospace, monospace; font-size: 0.8rem; }
.up { color: #17803d; } .down { color: #b42318; }
img { max-width: 100%; }
"""


def write_report(evaluation: Evaluation, out_dir: Path, title: str = "vertune evaluation") -> Path:
    """Write the three files into ``out_dir``; returns the HTML page's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out_dir / REPORT_JSON, evaluation.summary)
    with atomic_open(out_dir / PREDICTIONS, "w") as handle:
        for record in evaluation.predictions:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    page = out_dir / REPORT_HTML
    atomic_write_text(page, render_html(evaluation.summary, title))
    return page


def format_metric(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _delta(value: float | None, lower_is_better: bool = False) -> str:
    if value is None:
        return "<td>—</td>"
    better = value < 0 if lower_is_better else value > 0
    css = "" if value == 0 else ("up" if better else "down")
    return f'<td class="{css}">{value:+.4f}</td>'


def html_table(header: Iterable[str], rows: Iterable[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _chart(groups: Mapping[str, Mapping[str, float | None]], title: str, ylabel: str) -> str:
    if not groups:
        return ""
    return f'<img alt="{html.escape(title)}" src="data:image/png;base64,{grouped_bars(groups, title, ylabel)}">'


def _task_tables(tasks: Mapping[str, Any], models: list[str], reference: str) -> str:
    """One row per (task, metric): the value per model, the trivial baselines, each other model's delta."""
    others = [m for m in models if m != reference]
    trivial = list(dict.fromkeys(name for summary in tasks.values() for name in summary.get("baselines", {})))
    rows = []
    for task, summary in tasks.items():
        for metric in summary["metrics"][reference]:
            values = "".join(f"<td>{format_metric(summary['metrics'][m].get(metric))}</td>" for m in models)
            floors = "".join(f"<td>{format_metric(summary.get('baselines', {}).get(b, {}).get(metric))}</td>" for b in trivial)
            deltas = "".join(_delta(summary["delta"].get(m, {}).get(metric), metric == "perplexity") for m in others)
            mark = " ★" if metric == summary["primary"] else ""
            rows.append(f"<tr><td>{html.escape(task)}</td><td>{html.escape(summary['type'])}</td>"
                        f"<td>{summary['n']}</td><td>{html.escape(metric)}{mark}</td>{values}{floors}{deltas}</tr>")
    header = ["task", "type", "n", "metric", *models, *(f"trivial: {b}" for b in trivial), *(f"Δ {m}" for m in others)]
    return html_table(header, rows)


def _worst_examples(tasks: Mapping[str, Any], models: list[str]) -> str:
    blocks = []
    for task, summary in tasks.items():
        rows = []
        for example in summary["worst"]:
            replies = "".join(
                f'<td class="text">{html.escape(example["replies"][m])}'
                f'{html.escape(" [" + example["errors"][m] + "]") if m in example["errors"] else ""}'
                f'<br>score {format_metric(example["scores"][m])}</td>' for m in models)
            rows.append(f'<tr><td class="text">{html.escape(example["prompt"])}</td>'
                        f'<td class="text">{html.escape(example["gold"])}</td>{replies}</tr>')
        blocks.append(f"<details><summary>{html.escape(task)}</summary>"
                      f"{html_table(['prompt (end)', 'gold', *models], rows)}</details>")
    return "".join(blocks)


def _primary(tasks: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    return {task: {m: v[t["primary"]] for m, v in t["metrics"].items()} for task, t in tasks.items()}


def results_table(summary: Mapping[str, Any]) -> Table:
    """The terminal view of an evaluation: per task, the headline metric of every model beside the
    best trivial baseline, so a model that only matches a constant answer shows at a glance."""
    models = list(summary["models"])
    table = Table(title="evaluation: headline metric per task (trivial = best of constant / empty / lead; "
                        f"beats = more than {MARGIN:g} above it)")
    for column in ("suite", "task", "metric", *models, "trivial", "beats trivial"):
        table.add_column(column, justify="left" if column in ("suite", "task", "metric") else "right")
    tasks = [("domain", t, s) for t, s in summary.get("domain", {}).items()]
    tasks += [("general", t, s) for t, s in summary.get("general", {}).get("tasks", {}).items()]
    last = models[-1]
    for suite, name, task in tasks:
        primary = task["primary"]
        trivial, floor = best_baseline(task)
        beats = beats_baselines(task, last, MARGIN)
        table.add_row(suite, name, primary, *(f"{task['metrics'][m][primary]:.3f}" for m in models),
                      f"{floor:.3f} {trivial}", "[green]yes[/]" if beats else "[red]no[/]")
    return table


def render_html(summary: Mapping[str, Any], title: str) -> str:
    """The whole report page (see the module doc)."""
    models = list(summary["models"])
    reference = summary["reference"]
    parts = [f"<h1>{html.escape(title)}</h1>", "<h2>Models</h2>",
             html_table(["label", "model", "seconds", "failed requests"],
                    (f"<tr><td>{html.escape(name)}</td><td class=\"text\">{html.escape(m['spec'])}</td>"
                     f"<td>{m['seconds']}</td><td>{m['failures']}</td></tr>" for name, m in summary["models"].items())),
             f"<p>Deltas are against <b>{html.escape(reference)}</b>; ★ marks each task's headline metric. "
             "The trivial columns score answers that need no model: the most frequent gold answer for every "
             "item (constant), <code>[]</code> (empty) and the passage's first sentence (lead); a model is "
             "only good where it beats them. "
             "BLEU is on a 0–100 scale, every other metric on 0–1 (perplexity: lower is better).</p>"]
    if "domain" in summary:
        tasks = summary["domain"]
        parts += ["<h2>Domain tasks</h2>", _chart(_primary(tasks), "Domain: headline metric per task", "score"),
                  _task_tables(tasks, models, reference), "<h3>Worst examples</h3>", _worst_examples(tasks, models)]
    if "general" in summary:
        general = summary["general"]
        retention = ", ".join(f"{html.escape(m)}: {'—' if r is None else f'{r:.1%}'}"
                              for m, r in general["retention"].items())
        parts += ["<h2>General ability</h2>",
                  f"<p>Score (mean headline metric over the general tasks): "
                  f"{', '.join(f'{html.escape(m)} {v:.4f}' for m, v in general['score'].items())}. "
                  f"Retention against {html.escape(reference)}: {retention or '—'}.</p>",
                  _chart(_primary(general["tasks"]), "General: headline metric per task", "score"),
                  _task_tables(general["tasks"], models, reference)]
    if "robustness" in summary:
        robust = summary["robustness"]
        rows = (f"<tr><td>{html.escape(name)}</td><td>{p['n']}</td>"
                + "".join(f"<td>{format_metric(p['original'][m])}</td><td>{format_metric(p['perturbed'][m])}</td>"
                          f"<td>{format_metric(p['drop'][m])}</td>" for m in models) + "</tr>"
                for name, p in robust["perturbations"].items())
        header = ["perturbation", "n", *(f"{m} {col}" for m in models for col in ("original", "perturbed", "drop"))]
        parts += ["<h2>Robustness</h2>",
                  f"<p>{robust['originals']} original domain items; drop = mean item score on the originals minus "
                  "on their perturbed copies (positive: worse when perturbed).</p>",
                  _chart({n: p["drop"] for n, p in robust["perturbations"].items()},
                         "Robustness: drop per perturbation", "score drop"),
                  html_table(header, rows)]
    return html_page(title, "\n".join(parts))


def html_page(title: str, body: str) -> str:
    """A self-contained page: ``body`` (HTML) under ``title``, with the reports' inline styles."""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>\n")
