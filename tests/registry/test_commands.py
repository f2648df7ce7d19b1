from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from vertune.cli import app
from vertune.registry import Registry

runner = CliRunner()


def _project(tmp_path: Path) -> Path:
    config = tmp_path / "vertune.yaml"
    config.write_text("project: cli\nworkspace: ws\nregistry: {url: store}\n", encoding="utf-8")
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"w" * 64)
    (model / "config.json").write_text("{}", encoding="utf-8")
    return config


def _vertune(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_publish_alias_list_show_rollback_from_the_shell(tmp_path: Path) -> None:
    config = str(_project(tmp_path))
    assert _vertune("registry", "publish", str(tmp_path / "model"), "--name", "fin", "--alias", "production", "-c", config)[0] == 0
    (tmp_path / "model" / "model.safetensors").write_bytes(b"v2" * 64)
    code, output = _vertune("registry", "publish", str(tmp_path / "model"), "--name", "fin", "-c", config)
    assert code == 0 and "fin@2 published" in output
    assert "already published" in _vertune("registry", "publish", str(tmp_path / "model"), "--name", "fin", "-c", config)[1]
    assert _vertune("registry", "alias", "fin", "production", "2", "--expect", "1", "-c", config) == (0, "fin@production → 2\n")
    code, output = _vertune("registry", "alias", "fin", "production", "1", "--expect", "1", "-c", config)
    assert code == 1 and "points to 2, not 1" in output  # a stale move is refused
    code, output = _vertune("registry", "list", "fin", "-c", config)
    assert code == 0 and "production" in output and "2" in output
    code, output = _vertune("registry", "show", "fin@production", "-c", config)
    assert code == 0 and '"version": 2' in output and "model.safetensors" in output
    assert _vertune("registry", "rollback", "fin", "-c", config) == (0, "fin@production → 1\n")
    assert (tmp_path / "store" / "fin" / "versions").is_dir()  # registry.url is relative to the config file


def test_verify_and_pull_refuse_a_corrupted_file(tmp_path: Path) -> None:
    config = str(_project(tmp_path))
    _vertune("registry", "publish", str(tmp_path / "model"), "--name", "fin", "-c", config)
    assert _vertune("registry", "verify", "fin@1", "-c", config)[0] == 0
    registry = Registry(str(tmp_path / "store"))
    weights = next(f for f in registry.version("fin", 1).files if f["path"] == "model.safetensors")
    (tmp_path / "store" / "fin" / "blobs" / weights["sha256"]).write_bytes(b"x" + b"w" * 63)
    code, output = _vertune("registry", "verify", "fin@1", "-c", config)
    assert code == 1 and "corrupted model.safetensors" in " ".join(output.split())
    code, output = _vertune("registry", "pull", "fin@1", "--to", str(tmp_path / "cache"), "-c", config)
    assert code == 1 and "model.safetensors does not match its checksum" in " ".join(output.split())


def test_an_unknown_version_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, output = _vertune("registry", "show", "fin@3", "-c", str(_project(tmp_path)))
    assert code == 1 and "fin@3 is not published" in output and "Traceback" not in output
