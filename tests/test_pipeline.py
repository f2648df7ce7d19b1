"""The pipeline's contract: skip what is up to date, survive a kill, never publish half."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from vertune.config import parse_config
from vertune.pipeline import Stage, StageFailed, run_pipeline, run_stage, stage_state
from vertune.records import Rejection
from vertune.stages import stage_named
from vertune.workspace import Workspace

# A two-stage pipeline run in a child process, so the test can kill it with SIGKILL.
SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from vertune.config import parse_config
    from vertune.pipeline import Stage, run_pipeline

    log = Path(sys.argv[2])

    def first(ctx):
        log.open("a").write("first\\n")
        (ctx.out / "a.txt").write_text("done")
        ctx.counts.update({"in": 3, "out": 3})

    def second(ctx):
        log.open("a").write("second\\n")
        with (ctx.out / "b.jsonl").open("w") as f:
            for i in range(100):
                f.write(f'{{"i": {i}}}\\n'); f.flush()
                time.sleep(float(os.environ.get("DELAY", "0")))
        ctx.counts.update({"in": 100, "out": 100})

    stages = (Stage("first", "", target="__main__:first"), Stage("second", "", after=("first",), target="__main__:second"))
    config = parse_config(f"project: t\\nworkspace: {sys.argv[1]}\\n")
    run_pipeline(config, stages)
""")


def _start(script: Path, workspace: Path, log: Path, delay: str) -> subprocess.Popen:
    env = {**os.environ, "DELAY": delay}
    return subprocess.Popen([sys.executable, str(script), str(workspace), str(log)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_a_run_killed_mid_stage_resumes_without_redoing_completed_stages(tmp_path: Path) -> None:
    script, workspace, log = tmp_path / "pipe.py", tmp_path / "ws", tmp_path / "log.txt"
    script.write_text(SCRIPT)
    child = _start(script, workspace, log, delay="0.05")
    deadline = time.monotonic() + 60
    while not list(workspace.glob(".second.*.tmp/b.jsonl")):
        assert child.poll() is None, child.stderr.read()
        assert time.monotonic() < deadline, "the second stage never started"
        time.sleep(0.02)
    time.sleep(0.2)
    child.send_signal(signal.SIGKILL)
    child.wait()

    assert (workspace / "first" / "manifest.json").exists()
    assert not (workspace / "second").exists(), "a killed stage must not look complete"
    first_manifest = (workspace / "first" / "manifest.json").read_text()

    rerun = _start(script, workspace, log, delay="0")
    assert rerun.wait(timeout=60) == 0, rerun.stderr.read()
    assert log.read_text().split() == ["first", "second", "second"]
    assert (workspace / "first" / "manifest.json").read_text() == first_manifest
    lines = (workspace / "second" / "b.jsonl").read_text().splitlines()
    assert [json.loads(line)["i"] for line in lines] == list(range(100))
    manifest = json.loads((workspace / "second" / "manifest.json").read_text())
    assert manifest["counts"] == {"in": 100, "out": 100, "rejected": 0}
    assert not [p for p in workspace.iterdir() if p.name.endswith(".tmp")]


def _stages(calls: list[str], params: dict) -> tuple[Stage, ...]:
    def first(ctx):
        calls.append("first")
        ctx.counts.update({"in": 2, "out": 1})
        ctx.reject(Rejection(stage="first", item="x:2", reason="empty", detail="no text"))

    def second(ctx):
        calls.append("second")

    import types
    module = types.ModuleType("fake_stages")
    module.first, module.second = first, second
    sys.modules["fake_stages"] = module
    return (Stage("first", "", target="fake_stages:first", params=lambda c: params),
            Stage("second", "", after=("first",), target="fake_stages:second"),
            Stage("third", "", after=("second",)))


def test_up_to_date_stages_are_skipped_and_changes_propagate(tmp_path: Path) -> None:
    config = parse_config(f"project: t\nworkspace: {tmp_path}\n")
    calls: list[str] = []
    params = {"v": 1}
    stages = _stages(calls, params)
    outcomes = run_pipeline(config, stages)
    assert [o.action for o in outcomes] == ["ran", "ran", "not built"]
    assert calls == ["first", "second"]

    assert [o.action for o in run_pipeline(config, stages)][:2] == ["skipped", "skipped"]
    assert calls == ["first", "second"]

    params["v"] = 2  # a parameter of the first stage changes: both re-run
    assert stage_state(stages[0], config, Workspace(tmp_path)) == "out of date"
    run_pipeline(config, stages)
    assert calls == ["first", "second", "first", "second"]

    run_pipeline(config, stages, force=["second"])
    assert calls[-1] == "second" and len(calls) == 5


def test_manifest_records_counts_reasons_and_versions(tmp_path: Path) -> None:
    config = parse_config(f"project: t\nworkspace: {tmp_path}\n")
    run_pipeline(config, _stages([], {"v": 1}), wanted=["first"])
    manifest = Workspace(tmp_path).manifest("first")
    assert manifest["counts"] == {"in": 2, "out": 1, "rejected": 1}
    assert manifest["rejected_reasons"] == {"empty": 1}
    assert manifest["params"] == {"v": 1}
    assert {"python", "vertune", "torch", "pydantic"} <= set(manifest["versions"])
    rejected = (tmp_path / "first" / "rejected.jsonl").read_text().splitlines()
    assert json.loads(rejected[0])["item"] == "x:2"


def test_a_stage_that_loses_items_fails_and_publishes_nothing(tmp_path: Path) -> None:
    def lossy(ctx):
        ctx.counts.update({"in": 5, "out": 4})

    import types
    sys.modules["lossy_stage"] = types.SimpleNamespace(lossy=lossy)
    config = parse_config(f"project: t\nworkspace: {tmp_path}\n")
    with pytest.raises(StageFailed, match="lost items: in=5"):
        run_pipeline(config, (Stage("lossy", "", target="lossy_stage:lossy"),))
    assert not (tmp_path / "lossy").exists()


def _params(stage: str, text: str) -> object:
    return stage_named(stage).params(parse_config("project: t\n" + text))


@pytest.mark.parametrize(("stage", "one", "other"), [
    ("eval", "evaluation: {concurrency: 4}", "evaluation: {concurrency: 32}"),
    ("train", "training: {save_steps: 500, save_total_limit: 3}", "training: {save_steps: 20, save_total_limit: 1}"),
    ("annotate", "annotation: {label_studio: {url: 'http://a:8080'}}", "annotation: {label_studio: {url: 'http://b:8080'}}"),
    ("ingest", "ingest: {workers: 1}", "ingest: {workers: 4}"),
])
def test_a_knob_that_cannot_change_the_output_does_not_rerun_the_stage(stage: str, one: str, other: str) -> None:
    assert _params(stage, one) == _params(stage, other)


def test_split_ratios_rerun_prepare_but_not_preprocess_or_annotate() -> None:
    one, other = "prepare: {split: {train: 0.8, val: 0.1, test: 0.1}}", "prepare: {split: {train: 0.6, val: 0.2, test: 0.2}}"
    for stage in ("ingest", "preprocess", "annotate"):
        assert _params(stage, one) == _params(stage, other), stage
    assert _params("prepare", one) != _params("prepare", other)


def test_what_shapes_the_output_still_reruns() -> None:
    assert _params("eval", "evaluation: {max_new_tokens: 8}") != _params("eval", "evaluation: {max_new_tokens: 9}")
    assert _params("train", "training: {eval_steps: 10}") != _params("train", "training: {eval_steps: 11}")
    assert _params("prepare", "training: {max_length: 512}") != _params("prepare", "training: {max_length: 256}")


def test_retrained_embedded_weights_rerun_prepare_and_train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A release that ships new embedded weights keeps the spec ``embedded:tiny-qwen3``."""
    from vertune import stages

    before = {stage: _params(stage, "") for stage in ("prepare", "train")}
    package = tmp_path / "model"
    (package / "weights").mkdir(parents=True)
    (package / "weights" / "tiny-qwen3.safetensors").write_bytes(b"retrained")
    monkeypatch.setattr(stages.resources, "files", lambda name: package)
    for stage, params in before.items():
        assert _params(stage, "") != params, stage
    assert "@" not in str(_params("prepare", "model: {base: Qwen/Qwen3-0.6B}"))


def test_secrets_never_reach_a_stage_manifest_or_fingerprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = textwrap.dedent(f"""\
        project: t
        workspace: {tmp_path / 'ws'}
        annotation:
          label_studio: {{url: 'http://127.0.0.1:8080', api_key: '${{VT_LS_KEY}}'}}
          tasks: [{{name: fraud, tier: 2, type: classification, labels: [正常, 欺诈]}}]
        registry: {{storage_options: {{secret: '${{VT_S3}}'}}}}
        """)
    workspace = Workspace(tmp_path / "ws")
    preprocess = workspace.stage_dir("preprocess")
    preprocess.mkdir(parents=True)
    (preprocess / "documents.jsonl").write_text("", encoding="utf-8")
    (preprocess / "manifest.json").write_text('{"fingerprint": "p"}', encoding="utf-8")
    fingerprints = set()
    for key in ("ls-3f9a1c", "ls-other"):
        monkeypatch.setenv("VT_LS_KEY", key)
        monkeypatch.setenv("VT_S3", "s3-c0ffee")
        config = parse_config(text)
        manifest = run_stage(stage_named("annotate"), config, workspace)
        fingerprints.add(manifest["fingerprint"])
        written = "".join(p.read_text(encoding="utf-8") for p in workspace.root.rglob("*") if p.is_file())
        assert key not in written and "s3-c0ffee" not in written
        assert "s3-c0ffee" not in json.dumps(stage_named("publish").params(config))
    assert len(fingerprints) == 1, "a secret changed the fingerprint"
