"""Export the suites as lm-evaluation-harness tasks, to run lm-eval against any served model.

Every task of every suite (each robustness perturbation being a task of its own) becomes a
JSONL file of ``{"id", "prompt", "answer"}`` rows and a task YAML that reads it with
``dataset_path: json``; a group YAML per suite lists its tasks. Typical use, against an
OpenAI-compatible server:

    lm_eval --model local-chat-completions --apply_chat_template \\
        --model_args model=NAME,base_url=http://HOST:8000/v1/chat/completions \\
        --include_path FOLDER --tasks vertune_domain,vertune_general

or, against a completions endpoint, ``--model local-completions`` with ``model_args``
``model=NAME,base_url=http://HOST:8000/v1/completions,tokenizer_backend=None,tokenized_requests=False``
(no tokenizer to download). Both run offline: the data are local JSONL files. lm-eval 0.4.13
runs every exported task in both modes (tests/evaluate/test_eval_lm_eval_run.py).

The task's system prompt goes into ``description``. lm-eval's ``exact_match`` compares the
raw answer (case and edge whitespace aside), so it is stricter than vertune's own lenient
scoring of JSON and label answers: compare the two only with that in mind.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from vertune.atomic import atomic_open, atomic_write_text
from vertune.evaluate.suites import EvalItem
from vertune.records import content_id

PREFIX = "vertune"
DEFAULT_UNTIL = ["<|im_end|>"]
_RUN_HINT = (
    "# Run with lm-evaluation-harness against an OpenAI-compatible server, e.g.\n"
    "#   lm_eval --model local-chat-completions --apply_chat_template \\\n"
    "#     --model_args model=NAME,base_url=http://HOST:8000/v1/chat/completions \\\n"
    "#     --include_path {folder} --tasks {group}\n"
)


def task_name(*parts: str) -> str:
    """An lm-eval task name: ``vertune_<parts>`` in [a-z0-9_] (a hash for non-Latin names)."""
    names = []
    for part in parts:
        slug = re.sub(r"[^0-9a-z]+", "_", part.lower()).strip("_")
        names.append(slug or content_id(part)[:8])
    return "_".join([PREFIX, *names])


def task_config(name: str, data_file: Path, items: Sequence[EvalItem]) -> dict[str, Any]:
    """The lm-eval task YAML (as a dict) of items that share one task and system prompt."""
    first = items[0].request
    system = "".join(m["content"] for m in first.messages[:-1] if m["role"] == "system")
    config: dict[str, Any] = {
        "task": name,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(data_file)}},
        "test_split": "test",
        "output_type": "generate_until",
        "doc_to_text": "{{prompt}}",
        # The field by name, not the template '{{answer}}': lm-eval literal-evals a rendered
        # template, so a JSON-array answer became a list of dicts that exact_match cannot score.
        "doc_to_target": "answer",
        "generation_kwargs": {"until": list(first.stop) or DEFAULT_UNTIL, "max_gen_toks": first.max_new_tokens,
                              "do_sample": False, "temperature": 0.0},
        "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True,
                         "ignore_case": True, "ignore_punctuation": False, "regexes_to_ignore": [r"^\s+", r"\s+$"]}],
        "metadata": {"version": 1.0},
    }
    if system:
        config["description"] = system + "\n\n"
    return config


def export_lm_eval(items: Sequence[EvalItem], folder: Path, final_folder: Path | None = None) -> list[Path]:
    """Write the data files, task YAMLs and one group YAML per suite; returns the group YAMLs.

    The YAMLs name their data files by absolute path (lm-eval resolves relative ones against
    its working directory), under ``final_folder`` when ``folder`` is to be moved there.
    """
    final = (final_folder or folder).resolve()
    groups: dict[tuple[str, str], list[EvalItem]] = defaultdict(list)
    for item in items:
        groups[(item.suite, task_name(item.suite, item.task, *([item.variant] if item.variant else [])))].append(item)
    by_suite: dict[str, list[str]] = defaultdict(list)
    for (suite, name), task_items in sorted(groups.items()):
        data_file = folder / "data" / f"{name}.jsonl"
        with atomic_open(data_file, "w") as handle:
            for item in task_items:
                row = {"id": item.id, "prompt": item.request.messages[-1]["content"], "answer": item.gold}
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        config = task_config(name, final / "data" / data_file.name, task_items)
        atomic_write_text(folder / f"{name}.yaml", _yaml(config))
        by_suite[suite].append(name)
    written = []
    for suite, names in by_suite.items():
        group = task_name(suite)
        config = {"group": group, "task": names,
                  "aggregate_metric_list": [{"metric": "exact_match", "aggregation": "mean", "weight_by_size": True}],
                  "metadata": {"version": 1.0}}
        path = folder / f"{group}.yaml"
        atomic_write_text(path, _RUN_HINT.format(folder=final, group=group) + _yaml(config))
        written.append(path)
    return written


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
