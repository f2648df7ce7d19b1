import json
from pathlib import Path

import jinja2
import yaml
from eval_examples import TASKS, domain_test_samples

from vertune.evaluate import suites
from vertune.evaluate.lm_eval_export import export_lm_eval, task_name


def test_task_names_are_lm_eval_friendly() -> None:
    assert task_name("domain", "report_elements") == "vertune_domain_report_elements"
    assert task_name("robustness", "Fraud Check", "typos") == "vertune_robustness_fraud_check_typos"
    chinese = task_name("domain", "欺诈识别")
    assert chinese.startswith("vertune_domain_") and chinese.isascii() and chinese != task_name("domain", "情感")


def test_every_suite_exports_as_well_formed_lm_eval_tasks(tmp_path: Path) -> None:
    items = suites.build_suites(["domain", "general", "robustness"], domain_test_samples(), TASKS, 32, limit=6)
    final = tmp_path / "published"
    groups = export_lm_eval(items, tmp_path / "lm_eval", final_folder=final)
    assert {p.name for p in groups} == {"vertune_domain.yaml", "vertune_general.yaml", "vertune_robustness.yaml"}
    exported = 0
    for group_file in groups:
        group = yaml.safe_load(group_file.read_text(encoding="utf-8"))
        assert group["group"] == group_file.stem and group["task"]
        assert "lm_eval --model local-chat-completions" in group_file.read_text(encoding="utf-8")
        for name in group["task"]:
            task = yaml.safe_load((tmp_path / "lm_eval" / f"{name}.yaml").read_text(encoding="utf-8"))
            assert task["task"] == name and task["dataset_path"] == "json"
            assert task["output_type"] == "generate_until" and task["test_split"] == "test"
            assert task["metric_list"][0]["metric"] == "exact_match"
            assert task["generation_kwargs"]["until"] and task["generation_kwargs"]["max_gen_toks"] > 0
            data = Path(task["dataset_kwargs"]["data_files"]["test"])
            assert data.is_absolute() and data.parent == final.resolve() / "data"
            rows = [json.loads(line) for line in (tmp_path / "lm_eval" / "data" / data.name).read_text("utf-8").splitlines()]
            assert rows and all(set(row) == {"id", "prompt", "answer"} for row in rows)
            for row in rows:
                assert jinja2.Template(task["doc_to_text"]).render(**row) == row["prompt"]
                assert isinstance(row["answer"], str)
            # The answer field by name: a template ('{{answer}}') renders a JSON-array answer, which
            # lm-eval then parses into a list and cannot score (test_eval_lm_eval_run.py runs it).
            assert task["doc_to_target"] == "answer"
            exported += len(rows)
    assert exported == len(items)
