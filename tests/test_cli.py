from pathlib import Path

from typer.testing import CliRunner

from vertune.cli import app

runner = CliRunner()


def _config(tmp_path: Path, extra: str = "") -> Path:
    file = tmp_path / "vertune.yaml"
    file.write_text(f"project: cli\nworkspace: ws\n{extra}", encoding="utf-8")
    return file


def test_a_stage_not_built_yet_says_so_and_exits_non_zero(tmp_path: Path) -> None:
    result = runner.invoke(app, ["loop", "-c", str(_config(tmp_path))])
    assert result.exit_code == 4
    assert "not built yet" in result.output
    assert not (tmp_path / "ws").exists(), "nothing may run"


def test_bad_config_exits_2_before_anything_runs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "-c", str(_config(tmp_path, "sorces: []\n"))])
    assert result.exit_code == 2
    assert "did you mean 'sources'" in result.output


def test_status_lists_every_stage(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "-c", str(_config(tmp_path))])
    assert result.exit_code == 0
    for stage in ("ingest", "preprocess", "annotate", "train", "serve", "loop"):
        assert stage in result.output
    assert "never run" in result.output and "not built" in result.output


def test_config_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VERTUNE_CONFIG", str(_config(tmp_path)))
    assert runner.invoke(app, ["status"]).exit_code == 0


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "-c", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such config file" in result.output


def test_run_until_an_unknown_stage_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--until", "ingset", "-c", str(_config(tmp_path))])
    assert result.exit_code == 2
    assert "unknown stage 'ingset'" in result.output


def test_train_print_launch_shows_the_accelerate_command_for_zero3(tmp_path: Path) -> None:
    plain = runner.invoke(app, ["train", "--print-launch", "-c", str(_config(tmp_path))])
    assert plain.exit_code == 0 and "-m vertune.train --config" in plain.output
    zero3 = runner.invoke(app, ["train", "--print-launch", "-c", str(_config(tmp_path, "training: {distributed: zero3}\n"))])
    assert zero3.exit_code == 0
    assert "accelerate launch --config_file" in zero3.output and "zero3.yaml" in zero3.output
    assert "ds_zero3.json" in zero3.output


def test_a_config_path_that_is_a_folder_is_one_clear_line(tmp_path: Path) -> None:
    for command in (["config", "validate", str(tmp_path)], ["status", "-c", str(tmp_path)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.output.strip() == f"error {tmp_path}: is a folder, not a config file"


def test_a_workspace_path_that_is_a_file_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "ws").write_text("not a folder", encoding="utf-8")
    for command in ("status", "run", "ingest"):
        result = runner.invoke(app, [command, "-c", str(_config(tmp_path))])
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.output.strip() == f"error workspace {tmp_path / 'ws'} is a file, not a folder"


def test_a_model_folder_that_does_not_exist_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preprocess", "-c", str(_config(tmp_path, "model: {base: ../models/missing}\n"))])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"error model {tmp_path.parent / 'models' / 'missing'}: the folder" in result.output
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_an_error_on_line_100_is_not_turned_into_an_emoji(tmp_path: Path) -> None:
    config = tmp_path / "vertune.yaml"
    config.write_text("project: p\n" + "# filler\n" * 98 + "training: {learing_rate: 1}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "validate", str(config)])
    assert result.exit_code != 0
    assert "vertune.yaml:100:" in result.output and "💯" not in result.output


def test_validate_fails_on_a_source_that_matches_nothing_and_names_an_empty_optional_one(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("年度报告", encoding="utf-8")
    sources = ("sources:\n  - {name: docs, path: docs, kind: news}\n"
               "  - {name: later, path: 'inbox/*.pdf', kind: news, optional: true}\n")
    ok = runner.invoke(app, ["config", "validate", str(_config(tmp_path, sources))])
    assert ok.exit_code == 0, ok.output
    assert "source 'later' (optional): path 'inbox/*.pdf' matches no readable file" in ok.output
    assert "2 sources, 1 file)" in ok.output
    missing = runner.invoke(app, ["config", "validate", str(_config(tmp_path, sources + "  - {name: typo, path: dcos, kind: news}\n"))])
    assert missing.exit_code == 2, missing.output
    assert "source 'typo': path 'dcos' matches no file" in missing.output and "is valid" not in missing.output


def test_validate_names_a_source_whose_only_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    result = runner.invoke(app, ["config", "validate", str(_config(tmp_path, "sources:\n  - {name: docs, path: docs, kind: news}\n"))])
    assert "source 'docs':" in result.output and "dangling.txt" in result.output, result.output
    assert "matches no readable file" in result.output
