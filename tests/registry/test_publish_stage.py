"""The publish stage: the chosen variant behind the eval gate, with lineage, on both backends."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from vertune.cli import app
from vertune.config import load_config, parse_config
from vertune.pipeline import run_stage
from vertune.registry import Registry
from vertune.registry.registry import RegistryError
from vertune.registry.store import StaleWrite
from vertune.registry.publish import GateRefused
from vertune.stages import stage_named
from vertune.workspace import Workspace

TASKS = {"fraud": ("macro_f1", 0.80), "entities": ("span_f1", 0.50)}


def _manifest(folder: Path, stage: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"stage": stage, "fingerprint": f"fp-{stage}"}), encoding="utf-8")


def _workspace(root: Path, scores: dict[str, float] | None = None, weights: bytes = b"int8 weights",
               passes: bool = True) -> Workspace:
    """A workspace after compress: an eval report with the tuned model's figures and a chosen variant."""
    scores = scores or {task: value for task, (_, value) in TASKS.items()}
    domain = {task: {"primary": metric, "metrics": {"base": {metric: 0.0}, "tuned": {metric: scores[task]}}}
              for task, (metric, _) in TASKS.items()}
    (root / "eval").mkdir(parents=True, exist_ok=True)
    (root / "eval" / "report.json").write_text(json.dumps({"domain": domain}), encoding="utf-8")
    variant = root / "compress" / "variants" / "int8"
    variant.mkdir(parents=True, exist_ok=True)
    (variant / "model.safetensors").write_bytes(weights)
    (variant / "config.json").write_text("{}", encoding="utf-8")
    report = {"selected": "int8", "why": "the smallest variant on disk within the tolerance",
              "variants": {"int8": {"folder": "variants/int8", "passes": passes, "quality": {"fraud": 0.8},
                                    "reasons": [] if passes else ["fraud: 0.7000 vs 0.8000"]}},
              "evaluation": {"big": "left out of the lineage"}}
    (root / "compress" / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (root / "train").mkdir(parents=True, exist_ok=True)
    (root / "train" / "training_report.json").write_text(
        json.dumps({"base_model_hash": "sha256:abc", "data": {"train_hash": "t1"}}), encoding="utf-8")
    for stage in ("prepare", "train", "eval", "compress"):
        _manifest(root / stage, stage)
    return Workspace(root)


def _config(root: Path, url: str, options: dict[str, Any]) -> Any:
    return parse_config(json.dumps({"project": "fin", "workspace": str(root),
                                    "registry": {"url": url, "storage_options": options}}))


def _publish(config: Any, workspace: Workspace, **options: Any) -> dict[str, Any]:
    run_stage(stage_named("publish"), config, workspace, options=options or None)
    return json.loads((workspace.stage_dir("publish") / "published.json").read_text(encoding="utf-8"))


def test_publish_versions_the_variant_with_lineage_and_moves_production(
        tmp_path: Path, registry_location: tuple[str, dict[str, Any]]) -> None:
    url, options = registry_location
    config = _config(tmp_path / "ws", url, options)
    record = _publish(config, _workspace(tmp_path / "ws"))
    assert (record["ref"], record["new"], record["variant"], record["parent"]) == ("fin@1", True, "int8", None)
    registry = Registry(url, options)
    version = registry.resolve("fin@production")
    assert version.number == 1 and {f["path"] for f in version.files} == {"model.safetensors", "config.json"}
    lineage = version.manifest["lineage"]
    assert lineage["eval"] == {"fraud": {"metric": "macro_f1", "value": 0.8}, "entities": {"metric": "span_f1", "value": 0.5}}
    assert lineage["stages"]["compress"] == "fp-compress" and lineage["stages"]["train"] == "fp-train"
    assert lineage["base_model"] == {"spec": "embedded:tiny-qwen3", "weights": "sha256:abc"}
    assert lineage["data"] == {"train_hash": "t1"} and "evaluation" not in lineage["compress"]
    assert lineage["variant_quality"] == {"fraud": 0.8}
    assert lineage["config"]["project"] == "fin" and lineage["versions"]["vertune"]
    assert registry.verify("fin@1") == []


def test_the_gate_refuses_a_worse_model_and_an_override_is_recorded(tmp_path: Path) -> None:
    config = _config(tmp_path / "ws", str(tmp_path / "registry"), {})
    _publish(config, _workspace(tmp_path / "ws"))
    worse = _workspace(tmp_path / "ws", scores={"fraud": 0.70, "entities": 0.505}, weights=b"v2 weights")
    with pytest.raises(GateRefused, match=r"fraud: 0.7000 vs 0.8000") as refused:
        _publish(config, worse)
    assert "entities" not in str(refused.value)  # within max_drop (it even rose)
    registry = Registry(str(tmp_path / "registry"))
    assert [v.number for v in registry.versions("fin")] == [1] and registry.alias("fin", "production")["version"] == 1

    record = _publish(config, worse, override_gate=True)
    assert record["ref"] == "fin@2" and record["parent"] == "fin@1" and record["gate"]["overridden"]
    assert registry.version("fin", 2).manifest["lineage"]["gate"]["failures"][0].startswith("fraud")
    assert registry.alias("fin", "production")["version"] == 2

    better = _workspace(tmp_path / "ws", scores={"fraud": 0.71, "entities": 0.6}, weights=b"v3 weights")
    assert _publish(config, better)["ref"] == "fin@3"  # measured against fin@2 now: passes
    assert _publish(config, better)["new"] is False  # the same content: the same version

    again = _publish(config, _workspace(tmp_path / "ws"), override_gate=True)  # fin@1's content once more
    assert (again["ref"], again["new"], again["alias_moved"]) == ("fin@1", False, False)
    assert registry.alias("fin", "production")["version"] == 3  # publishing old content promotes nothing


def test_a_variant_outside_the_compress_tolerance_needs_the_override(tmp_path: Path) -> None:
    config = _config(tmp_path / "ws", str(tmp_path / "registry"), {})
    with pytest.raises(GateRefused, match=r"int8 variant is outside compress's tolerance .*fraud: 0.7000"):
        _publish(config, _workspace(tmp_path / "ws", passes=False))
    record = _publish(config, _workspace(tmp_path / "ws", passes=False), override_gate=True)
    assert record["gate"]["overridden"] and record["ref"] == "fin@1"


def test_without_an_alias_the_gate_compares_with_the_newest_version(tmp_path: Path) -> None:
    registry_url = str(tmp_path / "registry")
    config = parse_config(json.dumps({"project": "fin", "workspace": str(tmp_path / "ws"),
                                      "registry": {"url": registry_url, "alias": None}}))
    assert _publish(config, _workspace(tmp_path / "ws"))["alias_moved"] is False
    with pytest.raises(GateRefused, match=r"worse than fin@1: fraud"):
        _publish(config, _workspace(tmp_path / "ws", scores={"fraud": 0.5, "entities": 0.5}, weights=b"v2"))
    assert Registry(registry_url).aliases("fin") == []


def test_a_parent_without_figures_or_a_dangling_alias_is_refused_with_the_way_out(tmp_path: Path) -> None:
    registry = Registry(str(tmp_path / "registry"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "model.safetensors").write_bytes(b"hand-published")
    registry.set_alias("fin", "production", registry.publish("fin", outside)[0].number, expected=None)
    config = _config(tmp_path / "ws", str(tmp_path / "registry"), {})
    with pytest.raises(GateRefused, match="fin@1 has no recorded evaluation"):
        _publish(config, _workspace(tmp_path / "ws"))
    registry.store.delete("fin/versions/000001.json")  # production now points nowhere
    with pytest.raises(RegistryError, match="points to version 1, which is not in"):
        _publish(config, _workspace(tmp_path / "ws"))


def test_a_rival_moving_the_alias_meanwhile_is_reported_not_overwritten(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path / "ws", str(tmp_path / "registry"), {})

    def rival(self: Registry, name: str, alias: str, number: int, expected: object = "current") -> None:
        raise StaleWrite(f"{name}@{alias} points to 7, not {expected}")

    monkeypatch.setattr(Registry, "set_alias", rival)
    with pytest.raises(RegistryError, match=r"fin@1 is published, but fin@production moved meanwhile"):
        _publish(config, _workspace(tmp_path / "ws"))


def test_without_an_evaluation_nothing_is_published(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path / "ws")
    (tmp_path / "ws" / "eval" / "manifest.json").unlink()
    with pytest.raises(GateRefused, match="no evaluation"):
        _publish(_config(tmp_path / "ws", str(tmp_path / "registry"), {}), workspace)
    assert not (tmp_path / "registry").exists() or not Registry(str(tmp_path / "registry")).names()


def test_credentials_from_the_environment_never_reach_a_manifest_or_the_output(
        tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    import boto3

    key, secret = f"KEY{uuid.uuid4().hex}", f"SECRET{uuid.uuid4().hex}"
    monkeypatch.setenv("REG_KEY", key)
    monkeypatch.setenv("REG_SECRET", secret)
    bucket = f"sec-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id=key,
                      aws_secret_access_key=secret)
    s3.create_bucket(Bucket=bucket)
    root = tmp_path / "ws"
    _workspace(root)
    (tmp_path / "vertune.yaml").write_text(
        f"project: fin\nworkspace: {root}\nregistry:\n  url: s3://{bucket}/models\n  storage_options:\n"
        f"    key: ${{REG_KEY}}\n    secret: ${{REG_SECRET}}\n"
        f"    client_kwargs: {{endpoint_url: '{s3_endpoint}', region_name: us-east-1}}\n", encoding="utf-8")
    config_path = str(tmp_path / "vertune.yaml")
    assert _publish(load_config(config_path), Workspace(root))["ref"] == "fin@1"
    printed = capsys.readouterr()
    logged = caplog.text

    runner = CliRunner()
    outputs = [runner.invoke(app, ["registry", "show", "fin@production", "-c", config_path]),
               runner.invoke(app, ["config", "show", config_path])]
    assert [r.exit_code for r in outputs] == [0, 0], [r.output for r in outputs]
    assert '"lineage"' in outputs[0].output
    stored = [s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
              for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    written = [p.read_bytes() for p in root.rglob("*") if p.is_file()]
    assert any(b'"lineage"' in body for body in stored)  # the version manifest is among them
    for blob in [*stored, *written, *(r.output.encode() for r in outputs), *(t.encode() for t in (*printed, logged))]:
        assert key.encode() not in blob and secret.encode() not in blob


def test_the_cli_says_where_the_alias_moved_and_not_when_it_stayed(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from vertune.cli import _published

    workspace = _workspace(tmp_path / "ws")
    config = _config(tmp_path / "ws", str(tmp_path / "registry"), {})
    printed = []
    for _ in range(2):
        _publish(config, workspace)
        capsys.readouterr()
        _published(workspace)
        printed.append(" ".join(capsys.readouterr().out.split()))
    assert "fin@1 (int8) published" in printed[0] and "fin@production → 1" in printed[0]
    assert "already published" in printed[1] and "→" not in printed[1]
