import json
from pathlib import Path

import pytest
from eval_examples import TASKS, domain_test_samples
from openai_server import ChatServer
from peft import LoraConfig, get_peft_model

from vertune.config import parse_config
from vertune.evaluate.stage import compare_cli, tuned_spec
from vertune.model.loading import load_model
from vertune.pipeline import run_stage
from vertune.records import write_jsonl
from vertune.stages import stage_named
from vertune.workspace import Workspace

CONFIG = """
project: eval-test
workspace: {workspace}
evaluation: {{max_items_per_task: 2, max_new_tokens: 6, batch_size: 8}}
"""


def _fake_manifest(folder: Path, stage: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"stage": stage, "fingerprint": "test"}), encoding="utf-8")


def _workspace(root: Path) -> Workspace:
    """A workspace after prepare and train: the example test split and a fresh LoRA adapter."""
    write_jsonl(root / "prepare" / "test.jsonl", domain_test_samples())
    (root / "prepare" / "tasks.json").write_text(json.dumps(TASKS, ensure_ascii=False), encoding="utf-8")
    _fake_manifest(root / "prepare", "prepare")
    model = get_peft_model(load_model("embedded:tiny-qwen3"), LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    model.save_pretrained(root / "train" / "adapter")
    _fake_manifest(root / "train", "train")
    return Workspace(root)


def test_tuned_spec_prefers_the_endpoint_then_the_adapter(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    config = parse_config(CONFIG.format(workspace=tmp_path))
    with pytest.raises(FileNotFoundError, match="run the train stage"):
        tuned_spec(config, workspace)
    (tmp_path / "train" / "model").mkdir(parents=True)
    assert tuned_spec(config, workspace) == str(tmp_path / "train" / "model")
    (tmp_path / "train" / "adapter").mkdir()
    assert tuned_spec(config, workspace) == "adapter:" + str(tmp_path / "train" / "adapter")
    served = CONFIG.replace("batch_size: 8", "batch_size: 8, endpoint: 'http://127.0.0.1:9/v1'")
    assert tuned_spec(parse_config(served.format(workspace=tmp_path)), workspace) == "http://127.0.0.1:9/v1"


@pytest.mark.slow
def test_the_eval_stage_writes_the_report_and_headline_stats(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    workspace = _workspace(root)
    config = parse_config(CONFIG.format(workspace=root))
    manifest = run_stage(stage_named("eval"), config, workspace)

    out = root / "eval"
    assert {"report.json", "report.html", "predictions.jsonl", "lm_eval", "manifest.json"} <= {p.name for p in out.iterdir()}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert list(report["models"]) == ["base", "tuned"]
    assert report["models"]["tuned"]["spec"].startswith("adapter:")
    assert set(report["domain"]) == set(TASKS)
    assert all(task["n"] <= 2 for task in report["domain"].values())
    assert "perplexity" in report["domain"]["fraud"]["metrics"]["tuned"]
    assert report["robustness"]["perturbations"]
    stats = manifest["stats"]
    assert set(stats["domain"]) == set(TASKS) and "general_score" in stats and "robustness_mean_drop" in stats
    assert stats["items"]["general"] == 12
    assert manifest["counts"]["in"] == len(domain_test_samples())
    group = (out / "lm_eval" / "vertune_domain.yaml").read_text(encoding="utf-8")
    assert str(out / "lm_eval") in group  # the published folder, not the temporary one


@pytest.mark.slow
def test_compare_cli_compares_a_local_model_with_an_endpoint(tmp_path: Path) -> None:
    config = parse_config(CONFIG.format(workspace=tmp_path / "ws"))
    with ChatServer(delay=0.0) as server:
        page = compare_cli("embedded:tiny-qwen3", server.url + "#served", config)
        assert server.requests and server.requests[0]["model"] == "served"
    report = json.loads((page.parent / "report.json").read_text(encoding="utf-8"))
    assert page.name == "report.html" and page.parent.parent == tmp_path / "ws" / "compare"
    assert report["models"]["b"]["spec"] == server.url + "#served"
    assert "general" in report and "domain" not in report  # no prepare stage in this workspace
