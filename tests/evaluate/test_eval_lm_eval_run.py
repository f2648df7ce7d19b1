"""lm-evaluation-harness itself runs the export, in chat and completions mode, offline.

The YAML checks in test_eval_lm_eval_export.py cannot see how lm-eval reads a task (it once
parsed ``doc_to_target: '{{answer}}'`` of a JSON-array answer into a list of dicts and crashed
in ``exact_match``), so lm-eval's ``simple_evaluate`` runs the exported folder here, against a
local OpenAI-compatible server that knows the domain and robustness answers and not the general
ones. It runs in a subprocess that gets the Hugging Face offline switches and a socket guard
that refuses, and records, any connection not to 127.0.0.1. It uses the Python API, not the
CLI, only because the CLI indexes lm-eval's thousands of built-in tasks first (~20 s here);
``include_defaults=False`` skips them and reads the same YAMLs the same way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eval_examples import TASKS, domain_test_samples
from openai_server import ChatServer

from vertune.evaluate import suites
from vertune.evaluate.lm_eval_export import export_lm_eval

LIMIT = 2  # docs per task: enough to score each task, few enough to stay quick
SOCKET_GUARD = '''
import os, socket
_connect = socket.socket.connect
def _loopback_only(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
        with open(os.environ["VERTUNE_TEST_NETWORK_LOG"], "a") as log:
            log.write(repr(address) + "\\n")
        raise OSError("test: network access refused")
    return _connect(self, address)
socket.socket.connect = _loopback_only
'''
RUN_LM_EVAL = '''
import json, sys
import lm_eval
from lm_eval.tasks import TaskManager
args = json.loads(sys.argv[1])
tasks = TaskManager(include_path=args.pop("include_path"), include_defaults=False)
out = lm_eval.simple_evaluate(task_manager=tasks, bootstrap_iters=0, **args)
print(json.dumps(out["results"]))
'''
MODES = {  # mode: (endpoint, simple_evaluate arguments); no tokenizer, so nothing to download
    "chat": ("/v1/chat/completions", {"model": "local-chat-completions", "apply_chat_template": True,
                                      "model_args": "model=tuned,base_url={url}/v1/chat/completions"}),
    "completions": ("/v1/completions", {"model": "local-completions", "model_args":
                                        "model=tuned,base_url={url}/v1/completions,tokenizer_backend=None,"
                                        "tokenized_requests=False"}),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_lm_eval_scores_every_exported_task(tmp_path: Path, mode: str) -> None:
    # One perturbation of the robustness suite: the other six export the same way, and each
    # task costs lm-eval a dataset build (all 55 would double the run time).
    items = [item for item in suites.build_suites(["domain", "general", "robustness"], domain_test_samples(), TASKS,
                                                  32, limit=LIMIT) if item.variant in ("", "typos")]
    folder = tmp_path / "lm_eval"
    groups = [path.stem for path in export_lm_eval(items, folder)]
    replies = {item.request.messages[-1]["content"]: "不知道" if item.suite == "general" else item.gold
               for item in items}
    endpoint, arguments = MODES[mode]
    with ChatServer(delay=0.0, answers=replies) as server:
        args = {**arguments, "model_args": arguments["model_args"].format(url=server.url),
                "include_path": str(folder), "tasks": groups, "limit": LIMIT}
        results = _run_offline(tmp_path, RUN_LM_EVAL, json.dumps(args))
    exported = {path.stem for path in folder.glob("vertune_*.yaml")} - set(groups)
    assert exported and exported | set(groups) == set(results)
    for task in exported:
        expected = 0.0 if task.startswith("vertune_general_") else 1.0
        assert results[task]["exact_match,none"] == expected, task
    assert {request["path"] for request in server.requests} == {endpoint}


def _run_offline(tmp_path: Path, script: str, *argv: str) -> dict:
    """Run ``script`` in a fresh interpreter with no way out but 127.0.0.1; its stdout's last line as JSON."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SOCKET_GUARD, encoding="utf-8")
    network_log = tmp_path / "network.log"
    python_path = os.pathsep.join(filter(None, [str(guard), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_HOME": str(tmp_path / "hf"), "PYTHONPATH": python_path, "VERTUNE_TEST_NETWORK_LOG": str(network_log)}
    run = subprocess.run([sys.executable, "-c", script, *argv], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not network_log.exists(), network_log.read_text(encoding="utf-8")
    return json.loads(run.stdout.splitlines()[-1])
