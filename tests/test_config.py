import json
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vertune.cli import app
from vertune.config import MASK, Config, ConfigError, dump_config, load_config, parse_config, public_dump

MINIMAL = "project: demo\n"


def test_defaults_follow_the_accepted_recipe() -> None:
    config = parse_config(MINIMAL)
    assert config.training.learning_rate == 3e-5
    assert config.training.batch_size == 8
    assert config.training.epochs == 3
    assert config.training.gradient_accumulation == 4
    assert config.training.save_steps == 500
    assert config.training.early_stopping_patience == 2
    assert (config.lora.r, config.lora.alpha, config.lora.dropout) == (16, 32, 0.1)
    assert config.lora.target_modules == ["q_proj", "v_proj"]
    assert config.training.max_length == 512  # the sample bound; pieces leave room for prompt + answer
    assert config.preprocess.max_tokens == 384
    assert config.model.base == "embedded:tiny-qwen3"


def test_misspelt_key_names_file_line_path_and_suggestion() -> None:
    text = "project: demo\ntraining:\n  epochs: 4\n  learing_rate: 1e-4\n"
    with pytest.raises(ConfigError) as err:
        parse_config(text, filename="vertune.yaml")
    message = str(err.value)
    assert "vertune.yaml:4" in message
    assert "training.learing_rate" in message
    assert "did you mean 'learning_rate'" in message


def test_misspelt_key_in_a_list_item() -> None:
    text = "project: demo\nsources:\n  - name: a\n    path: x.pdf\n    encodng: gbk\n"
    with pytest.raises(ConfigError, match=r"<string>:5: unknown key 'sources\[0\]\.encodng'; did you mean 'encoding'"):
        parse_config(text)


def test_bad_value_names_key_and_value() -> None:
    with pytest.raises(ConfigError, match=r":3: bad value for 'lora.r'.*greater than or equal to 1.*got 0"):
        parse_config("project: demo\nlora:\n  r: 0\n")


def test_every_problem_is_reported_in_line_order() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config("project: demo\nlora:\n  rank: 8\ntraining:\n  epochs: zero\n")
    assert [p.split(":")[1] for p in err.value.problems] == ["3", "5"]


def test_missing_required_key() -> None:
    with pytest.raises(ConfigError, match="missing required key 'project'"):
        parse_config("seed: 1\n")


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"f.yaml:4: not valid YAML: .*flow sequence started at line 3"):
        parse_config("project: demo\nlora:\n  r: [1, 2\n", filename="f.yaml")


def test_source_needs_exactly_one_origin() -> None:
    with pytest.raises(ConfigError, match="exactly one of 'path' or 'synthetic'"):
        parse_config("project: demo\nsources:\n  - name: a\n")


def test_split_ratios_must_sum_to_one() -> None:
    with pytest.raises(ConfigError, match="must be 1.0"):
        parse_config("project: demo\nprepare:\n  split: {train: 0.9, val: 0.2, test: 0.1}\n")


def test_split_ratios_live_under_prepare_and_the_old_place_says_where_they_went() -> None:
    assert parse_config("project: demo\nprepare:\n  split: {train: 0.7, val: 0.1, test: 0.2}\n").prepare.split.test == 0.2
    with pytest.raises(ConfigError, match=r":3: unknown key 'preprocess.split'; it moved to 'prepare.split'"):
        parse_config("project: demo\npreprocess:\n  split: {train: 0.7, val: 0.1, test: 0.2}\n")


def test_environment_interpolation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VT_KEY", "s3cret")
    monkeypatch.delenv("VT_MISSING", raising=False)
    config = parse_config("project: demo\nserving:\n  api_keys: ['${VT_KEY}']\n  port: ${VT_MISSING:-9001}\n")
    assert [key.get_secret_value() for key in config.serving.api_keys] == ["s3cret"]
    assert config.serving.port == 9001
    with pytest.raises(ConfigError, match=r":3: environment variable \$\{VT_MISSING\} is not set"):
        parse_config("project: demo\nregistry:\n  url: ${VT_MISSING}\n")


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    file = tmp_path / "proj" / "vertune.yaml"
    file.write_text("project: demo\nworkspace: ws\n", encoding="utf-8")
    config = load_config(file)
    assert config.workspace_dir == tmp_path / "proj" / "ws"


def test_show_round_trips_to_the_same_config() -> None:
    config = parse_config("project: demo\nlora: {r: 8}\n")
    assert Config.model_validate(parse_config(dump_config(config)).model_dump()) == config


def test_cli_validate_fails_on_misspelt_key(tmp_path: Path) -> None:
    file = tmp_path / "vertune.yaml"
    file.write_text("project: demo\nlora:\n  alpah: 16\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "validate", str(file)])
    assert result.exit_code == 2
    assert f"{file}:3" in result.output
    assert "lora.alpah" in result.output and "did you mean 'alpha'" in result.output


def test_cli_validate_and_show_accept_the_example() -> None:
    example = Path(__file__).resolve().parents[1] / "examples/finance/vertune.yaml"
    runner = CliRunner()
    assert runner.invoke(app, ["config", "validate", str(example)]).exit_code == 0
    shown = runner.invoke(app, ["config", "show", str(example)])
    assert shown.exit_code == 0
    assert "learning_rate: 0.005" in shown.output and "target_modules: all-linear" in shown.output  # set by the example
    assert "gradient_accumulation: 1" in shown.output  # set by the example
    assert "batch_size: 8" in shown.output and "alpha: 32" in shown.output  # defaults resolved



def test_a_duplicate_key_is_refused_naming_both_lines() -> None:
    text = "project: demo\ntraining:\n  epochs: 4\nlora: {r: 8}\ntraining:\n  epochs: 1\n"
    with pytest.raises(ConfigError, match=r"^f.yaml:5: duplicate key 'training' \(first at line 2\)"):
        parse_config(text, filename="f.yaml")
    nested = "project: demo\nsources:\n  - name: a\n    path: x\n    path: y\n"
    with pytest.raises(ConfigError, match=r":5: duplicate key 'sources\[0\]\.path' \(first at line 4\)"):
        parse_config(nested)


def test_an_alias_bomb_fails_fast_instead_of_expanding() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]  # 10^8 leaves
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=r"^bomb.yaml: more than [\d,]+ nodes once aliases are expanded"):
        parse_config("project: demo\n" + "\n".join(levels) + "\n", filename="bomb.yaml")
    assert time.perf_counter() - started < 5


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(ConfigError, match="more than 64 levels once aliases are expanded"):
        parse_config("project: demo\nloop: &l {ab_test: *l}\n")


def test_ordinary_aliases_and_merge_keys_still_work() -> None:
    text = "project: demo\nsources:\n  - &common {name: a, path: x, kind: news}\n  - {<<: *common, name: b}\n"
    assert [(s.name, s.kind) for s in parse_config(text).sources] == [("a", "news"), ("b", "news")]


def test_absurdly_deep_nesting_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"^deep.yaml: nested more than \d+ levels"):
        parse_config("project: demo\nloop: " + "[" * 5000 + "]" * 5000 + "\n", filename="deep.yaml")


def test_a_relative_model_folder_resolves_against_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "models" / "m").mkdir(parents=True)
    (tmp_path / "proj" / "tuned").mkdir()
    file = tmp_path / "proj" / "vertune.yaml"
    file.write_text("project: demo\nmodel: {base: ../models/m}\nannotation: {pre_label_model: tuned}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "models")  # another directory: the config's folder still decides
    config = load_config(file)
    assert config.model.base == str(tmp_path / "models" / "m")
    assert config.annotation.pre_label_model == str(tmp_path / "proj" / "tuned")  # an existing folder wins
    missing = parse_config("project: demo\nmodel: {base: ./not-there}\n", base_dir=tmp_path / "proj")
    assert missing.model.base == str(tmp_path / "proj" / "not-there")  # still a folder: the loader says so


def test_hub_ids_and_embedded_specs_are_left_as_written(tmp_path: Path) -> None:
    for spec in ("Qwen/Qwen3-0.6B", "gpt2", "embedded:tiny-qwen3"):
        assert parse_config(f"project: demo\nmodel: {{base: '{spec}'}}\n", base_dir=tmp_path).model.base == spec


SECRETS = {"VT_LS_KEY": "ls-3f9a1c", "VT_API": "api-77b2e0", "VT_S3": "s3-c0ffee", "VT_TOKEN": "tok-5e5e5e"}
SECRET_CONFIG = """project: demo
sources:
  - {name: feed, synthetic: trades, params: {fraud_rate: 0.1, auth_header: "Bearer ${secret:VT_TOKEN}"}}
annotation:
  label_studio: {url: http://127.0.0.1:8080, api_key: "${VT_LS_KEY}"}
registry:
  url: s3://bucket/models
  storage_options: {key: AKIAEXAMPLE, secret: "${VT_S3}", client_kwargs: {aws_session_token: t-9d9d}, anon: false}
serving:
  api_keys: ["${VT_API}"]
"""


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return {**SECRETS, "key": "AKIAEXAMPLE", "session": "t-9d9d"}


def test_secrets_are_usable_but_masked_in_every_dump(secret_env: dict[str, str]) -> None:
    config = parse_config(SECRET_CONFIG)
    assert config.annotation.label_studio.api_key.get_secret_value() == "ls-3f9a1c"
    assert config.serving.api_keys[0].get_secret_value() == "api-77b2e0"
    assert config.registry.storage_options["secret"].get_secret_value() == "s3-c0ffee"
    assert config.sources[0].params["auth_header"] == "Bearer tok-5e5e5e"  # ${secret:VAR} in a plain field
    shown = dump_config(config) + json.dumps(public_dump(config)) + repr(config.annotation) + repr(config.registry)
    for value in secret_env.values():
        assert value not in shown
    public = public_dump(config)
    assert public["annotation"]["label_studio"] == {"url": "http://127.0.0.1:8080", "api_key": MASK}
    assert public["registry"]["storage_options"]["anon"] is False  # only credentials are masked
    assert public["sources"][0]["params"] == {"fraud_rate": 0.1, "auth_header": MASK}
    assert public_dump(config, "registry.storage_options")["client_kwargs"] == {"aws_session_token": MASK}


def test_a_password_in_the_registry_url_is_masked_in_dumps_and_store_messages(tmp_path: Path) -> None:
    from vertune.config import masked_url
    from vertune.registry.store import Store

    config = parse_config("project: p\nregistry:\n  url: sftp://bob:hunter2@files.example/models\n")
    assert config.registry.url == "sftp://bob:hunter2@files.example/models"  # usable as given
    assert public_dump(config)["registry"]["url"] == f"sftp://bob:{MASK}@files.example/models"
    assert "hunter2" not in dump_config(config)
    assert masked_url("s3://bucket/models") == "s3://bucket/models" and masked_url(str(tmp_path)) == str(tmp_path)
    assert Store("memory://alice:pw1@bucket/m").url == f"memory://alice:{MASK}@bucket/m"


def test_cli_config_show_masks_secrets(secret_env: dict[str, str], tmp_path: Path) -> None:
    file = tmp_path / "vertune.yaml"
    file.write_text(SECRET_CONFIG, encoding="utf-8")
    shown = CliRunner().invoke(app, ["config", "show", str(file)])
    assert shown.exit_code == 0, shown.output
    assert f"api_key: '{MASK}'" in shown.output and "url: http://127.0.0.1:8080" in shown.output
    for value in secret_env.values():
        assert value not in shown.output


def test_a_bad_secret_value_is_not_echoed_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VT_PORT", "hunter2")
    with pytest.raises(ConfigError) as err:
        parse_config("project: demo\nserving: {port: '${secret:VT_PORT}'}\nannotation: {label_studio: {api_key: 8675309}}\n")
    assert "serving.port" in str(err.value) and "annotation.label_studio.api_key" in str(err.value)
    assert "hunter2" not in str(err.value) and "8675309" not in str(err.value)


@pytest.mark.parametrize(("compression", "needs"), [
    ("{publish: int8, quantize: none}", "quantize: int8"),
    ("{publish: pruned, prune_ratio: 0.0}", "prune_ratio > 0"),
    ("{publish: pruned_int8, quantize: none}", "quantize: int8 and prune_ratio > 0"),
    ("{publish: student}", "distill.student"),
])
def test_a_published_variant_the_settings_do_not_build_fails_at_load_time(compression: str, needs: str) -> None:
    with pytest.raises(ConfigError, match=f"it needs {re.escape(needs)}"):
        parse_config(f"project: x\ncompression: {compression}\n")
    assert parse_config("project: x\ncompression: {publish: pruned}\n").compression.publish == "pruned"
