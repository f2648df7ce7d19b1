"""One validated config for the whole life cycle: ``vertune.yaml`` → pydantic models.

Every section has the field's accepted defaults, so a config names only what differs. A wrong
key or value fails at load time with the file, the line, the key path and, for a misspelt key,
the closest valid one. ``${VAR}`` and ``${VAR:-default}`` in string values read the
environment, so secrets stay out of the file.

A secret never leaves memory unmasked: typed secret fields (``SecretStr``: Label Studio's and
the server's API keys), credentials in ``registry.storage_options`` (by key name) and any value
read with ``${secret:VAR}`` dump as ``MASK``. ``public_dump`` is the one way a config is written
out: stage fingerprints and manifests, ``vertune config show``.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
import urllib.parse
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, field_validator, model_validator

from vertune.model.spec import resolve_spec

# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, defaults are validated too."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


MASK = "**********"
"""What a secret dumps as (pydantic's ``SecretStr`` mask)."""
_CREDENTIAL = re.compile(r"key|secret|token|password|passwd|credential|connection_string", re.IGNORECASE)


def _credentials_secret(value: Any, key: str = "") -> Any:
    """Strings under a credential-looking key (``key``, ``secret``, ``aws_session_token``…) as ``SecretStr``."""
    if isinstance(value, dict):
        return {k: _credentials_secret(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_credentials_secret(v, key) for v in value]
    return SecretStr(value) if isinstance(value, str) and _CREDENTIAL.search(key) else value


class ModelConfig(Section):
    """The base model: a hub id, a local folder (relative to the config file) or ``embedded:<name>``."""

    base: str = "embedded:tiny-qwen3"
    revision: str | None = None
    trust_remote_code: bool = False
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    device_map: str | None = "auto"


class SourceConfig(Section):
    """One input source: files (a file, folder or glob) or a seeded synthetic generator."""

    name: str
    path: str | None = None
    synthetic: str | None = None
    kind: str = "document"
    format: Literal["auto", "pdf", "html", "forum", "table", "text", "dialogue"] = "auto"
    encoding: str = "auto"
    mapping: dict[str, str] = Field(default_factory=dict)
    label_columns: list[str] | dict[str, str] = Field(default_factory=list)
    """Columns that hold answers: kept out of the text, stored in meta (renamed when a mapping)."""
    count: int = Field(default=1000, ge=1)
    seed: int = 0
    params: dict[str, Any] = Field(default_factory=dict)
    optional: bool = False
    """A path that matches no file is a warning, not an error (e.g. a folder filled later)."""
    allow_outside: bool = False
    """Read files outside the project folder (the config file's); refused unless set."""

    @model_validator(mode="after")
    def _one_origin(self) -> SourceConfig:
        if (self.path is None) == (self.synthetic is None):
            raise ValueError("a source needs exactly one of 'path' or 'synthetic'")
        return self


class IngestConfig(Section):
    workers: int = Field(default=1, ge=1)


class DedupConfig(Section):
    exact: bool = True
    near: bool = True
    threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    # A copy holding this share of another's shingles is a near duplicate (one that lost a
    # sentence); null turns the containment test off.
    containment: float | None = Field(default=0.9, gt=0.0, le=1.0)
    num_perm: int = Field(default=128, ge=16)
    ngram: int = Field(default=5, ge=1)
    semantic: bool = False
    semantic_model: str | None = None  # default: the configured base model
    semantic_threshold: float = Field(default=0.95, gt=0.0, le=1.0)


class SplitConfig(Section):
    """Shares of the prepared samples; under ``prepare``, which makes them, so changing them re-runs only that."""

    train: float = Field(default=0.8, ge=0.0, le=1.0)
    val: float = Field(default=0.1, ge=0.0, le=1.0)
    test: float = Field(default=0.1, ge=0.0, le=1.0)
    seed: int = 42

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitConfig:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + val + test must be 1.0, got {total:g}")
        return self


class PreprocessConfig(Section):
    max_tokens: int = Field(default=384, ge=16)
    """Tokens per document piece. Below ``training.max_length`` (512) on purpose: a sample is the
    piece plus its prompt and answer, and it is the sample that must fit."""
    overlap_sentences: int = Field(default=0, ge=0)
    min_chars: int = Field(default=10, ge=0)
    keep_symbols: list[str] = Field(default_factory=list)
    dedup: DedupConfig = Field(default_factory=DedupConfig)


TaskType = Literal["entities", "relations", "intent", "sentiment", "classification", "qa", "summary", "extraction"]


class AnnotationTask(Section):
    """One labelling task of one tier, with its label set and guideline."""

    name: str
    tier: Literal[1, 2, 3]
    type: TaskType
    labels: list[str] = Field(default_factory=list)
    guideline: str | None = None
    sources: list[str] = Field(default_factory=list)


class SimulationConfig(Section):
    """Two simulated annotators derived from known answers, so the flow runs offline."""

    enabled: bool = False
    error_rates: list[float] = Field(default_factory=lambda: [0.05, 0.1])
    seed: int = 0


class LabelStudioConfig(Section):
    url: str | None = None
    api_key: SecretStr | None = None


class AnnotationConfig(Section):
    tasks: list[AnnotationTask] = Field(default_factory=list)
    annotators: list[str] = Field(default_factory=lambda: ["annotator_a", "annotator_b"])
    per_item: int = Field(default=2, ge=1)
    pre_label: bool = True
    pre_label_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    pre_label_model: str | None = None
    lexicon: str | None = None
    """The rule pre-labellers' domain vocabulary (YAML, relative to the config's folder); without
    one, entity/relation/sentiment/intent rules give no pre-labels."""
    simulate: SimulationConfig = Field(default_factory=SimulationConfig)
    label_studio: LabelStudioConfig = Field(default_factory=LabelStudioConfig)


class AugmentConfig(Section):
    synonyms: bool = False
    synonym_ratio: float = Field(default=0.1, ge=0.0, le=1.0)
    synonyms_file: str | None = None
    """The domain's synonym groups (one per line, relative to the config's folder)."""
    back_translation: bool = False

    @model_validator(mode="after")
    def _synonyms_need_a_file(self) -> AugmentConfig:
        if self.synonyms and self.synonyms_file is None:
            raise ValueError("synonym augmentation needs 'synonyms_file': the domain's synonym list")
        return self


class PrepareConfig(Section):
    """Annotations → chat samples."""

    language: Literal["zh", "en"] = "zh"
    general_ratio: float = Field(default=0.1, ge=0.0, le=1.0)
    curriculum: bool = True
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)


class LoraConfig(Section):
    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.1, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = Field(default_factory=lambda: ["q_proj", "v_proj"])
    bias: Literal["none", "all", "lora_only"] = "none"


class TrainingConfig(Section):
    method: Literal["lora", "qlora", "full"] = "lora"
    mode: Literal["sft", "pretrain"] = "sft"
    learning_rate: float = Field(default=3e-5, gt=0.0)
    batch_size: int = Field(default=8, ge=1)
    epochs: int = Field(default=3, ge=1)
    gradient_accumulation: int = Field(default=4, ge=1)
    max_length: int = Field(default=512, ge=16)
    """Tokens per training sample (prompt + answer), by the model's tokenizer: prepare rejects longer
    samples with the reason, train truncates (and counts) any that a different tokenizer makes longer."""
    max_steps: int | None = Field(default=None, ge=1)
    loss_average: Literal["token", "sample"] = "token"
    """How a step's loss averages: over its answer tokens (the field's default), or over its samples,
    each sample's tokens averaged first, so that in a multi-task mix a one-token label answer weighs
    as much as a 200-token JSON answer (train only; validation loss stays per token)."""
    warmup_ratio: float = Field(default=0.03, ge=0.0, lt=1.0)
    weight_decay: float = Field(default=0.0, ge=0.0)
    lr_scheduler: Literal["cosine", "linear", "constant"] = "cosine"
    save_steps: int = Field(default=500, ge=1)
    eval_steps: int = Field(default=100, ge=1)
    save_total_limit: int = Field(default=3, ge=1)
    early_stopping_patience: int = Field(default=2, ge=1)
    gradient_checkpointing: bool = False
    hidden_dropout: float | None = Field(default=None, ge=0.0, lt=1.0)
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    distributed: Literal["none", "zero2", "zero3", "fsdp"] = "none"
    merge: bool = False  # also write merged/: base + adapter as one ordinary model folder
    seed: int = 42


Suite = Literal["domain", "general", "robustness"]


class EvaluationConfig(Section):
    suites: list[Suite] = Field(default_factory=lambda: ["domain", "general", "robustness"])
    batch_size: int = Field(default=16, ge=1)
    max_new_tokens: int = Field(default=256, ge=1)
    """The ceiling of every answer's token budget (lm-eval's default ``max_gen_toks``); a domain task's
    own budget fits its longest training answer (see ``evaluate.scoring.answer_budget``)."""
    max_items_per_task: int | None = Field(default=200, ge=1)
    compare_base: bool = True
    endpoint: str | None = None
    concurrency: int = Field(default=4, ge=1)


class DistillConfig(Section):
    """A smaller student trained on the training samples with the tuned model as teacher."""

    student: str | None = None
    """Any causal LM spec with the teacher's tokenizer (``embedded:tiny-qwen3-student``); None: no student."""
    temperature: float = Field(default=2.0, gt=0.0)
    alpha: float = Field(default=0.5, ge=0.0, le=1.0)
    """The weight of the teacher's soft targets in the loss (1 - alpha: the gold answers')."""
    learning_rate: float | None = Field(default=None, gt=0.0)
    """The student's learning rate (every weight trains); None: ``training.learning_rate``."""
    max_steps: int | None = Field(default=None, ge=1)
    """The student's optimizer steps; None: ``training.max_steps`` (or its epochs)."""


class CompressionConfig(Section):
    """Compression always starts from the merged model (LoRA folded into its base); merging is
    not a switch here (``training.merge`` only decides whether train also writes ``merged/``)."""

    quantize: Literal["none", "int8"] = "int8"
    prune_ratio: float = Field(default=0.2, ge=0.0, lt=1.0)
    """Share of every MLP block's neurons removed (0: no pruned variants)."""
    recovery_steps: int = Field(default=0, ge=0)
    """Full fine-tuning steps of the pruned model on the training samples before it is measured (0: none)."""
    recovery_learning_rate: float = Field(default=1e-4, gt=0.0)
    distill: DistillConfig = Field(default_factory=DistillConfig)
    publish: Literal["auto", "merged", "int8", "pruned", "pruned_int8", "student"] = "auto"
    """The variant the publish stage versions; ``auto``: the smallest on disk within the tolerance."""
    max_quality_drop: float = Field(default=0.01, ge=0.0, le=1.0)
    """Tolerance: how far a domain task's primary metric (0-1) may fall below the tuned model's."""
    max_perplexity_increase: float = Field(default=0.02, ge=0.0)
    """Tolerance: relative rise of the gold answers' perplexity over the tuned model's."""
    max_items_per_task: int | None = Field(default=None, ge=1)
    """Domain test items per task that measure each variant (None: ``evaluation.max_items_per_task``)."""

    @model_validator(mode="after")
    def _published_variant_is_built(self) -> CompressionConfig:
        """A named variant must be one the settings build: said at load time, not after minutes of work."""
        builds = {"merged": True, "int8": self.quantize == "int8", "pruned": self.prune_ratio > 0,
                  "pruned_int8": self.quantize == "int8" and self.prune_ratio > 0,
                  "student": self.distill.student is not None}
        if self.publish != "auto" and not builds[self.publish]:
            needs = {"int8": "quantize: int8", "pruned": "prune_ratio > 0", "pruned_int8": "quantize: int8 and "
                     "prune_ratio > 0", "student": "distill.student"}[self.publish]
            raise ValueError(f"publish: {self.publish!r} is a variant these settings do not build (it needs {needs})")
        return self


class GateConfig(Section):
    max_drop: float = Field(default=0.01, ge=0.0, le=1.0)
    """How far a domain task's primary metric (0-1) may fall below the version being replaced."""


class RegistryConfig(Section):
    """Where versions live: a local folder, or any fsspec URL (``s3://bucket/prefix``); what the
    publish stage names the model, which alias it moves and the gate it must pass first."""

    url: str = "registry"
    name: str | None = None
    """The model's name in the registry (default: ``project``)."""
    alias: str | None = "production"
    """The alias publish moves to the new version once the gate passes (None: move none)."""
    gate: GateConfig = Field(default_factory=GateConfig)
    storage_options: dict[str, Any] = Field(default_factory=dict)
    """fsspec options; credentials among them (``key``, ``secret``, ``token``…) are ``SecretStr``."""

    @field_validator("storage_options")
    @classmethod
    def _credentials_are_secret(cls, options: dict[str, Any]) -> dict[str, Any]:
        return _credentials_secret(options)


class ReplicaConfig(Section):
    min: int = Field(default=1, ge=0)
    max: int = Field(default=1, ge=1)
    target_ongoing_requests: int = Field(default=4, ge=1)


class AlertConfig(Section):
    p95_latency_ms: float = Field(default=2000.0, gt=0.0)
    error_rate: float = Field(default=0.05, ge=0.0, le=1.0)


class ServingConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    max_batch_size: int = Field(default=8, ge=1)
    batch_timeout_ms: float = Field(default=10.0, ge=0.0)
    max_new_tokens: int = Field(default=128, ge=1)
    api_keys: list[SecretStr] = Field(default_factory=list)
    rate_limit_per_minute: int | None = Field(default=None, ge=1)
    replicas: ReplicaConfig = Field(default_factory=ReplicaConfig)
    alerts: AlertConfig = Field(default_factory=AlertConfig)


class ABTestConfig(Section):
    traffic: float = Field(default=0.1, ge=0.0, le=1.0)
    min_requests: int = Field(default=200, ge=1)


class LoopConfig(Section):
    log_requests: bool = True
    redact_pii: bool = True
    min_error_samples: int = Field(default=50, ge=1)
    retrain_every: str | None = None
    ab_test: ABTestConfig = Field(default_factory=ABTestConfig)


class Config(Section):
    """The whole ``vertune.yaml``."""

    project: str
    workspace: str = "workspace"
    seed: int = 42
    model: ModelConfig = Field(default_factory=ModelConfig)
    sources: list[SourceConfig] = Field(default_factory=list)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    preprocess: PreprocessConfig = Field(default_factory=PreprocessConfig)
    annotation: AnnotationConfig = Field(default_factory=AnnotationConfig)
    prepare: PrepareConfig = Field(default_factory=PrepareConfig)
    lora: LoraConfig = Field(default_factory=LoraConfig)
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    compression: CompressionConfig = Field(default_factory=CompressionConfig)
    registry: RegistryConfig = Field(default_factory=RegistryConfig)
    serving: ServingConfig = Field(default_factory=ServingConfig)
    loop: LoopConfig = Field(default_factory=LoopConfig)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _secret_paths: set[tuple[str | int, ...]] = PrivateAttr(default_factory=set)

    @field_validator("sources")
    @classmethod
    def _unique_source_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in sources]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"source names must be unique; repeated: {', '.join(repeated)}")
        return sources

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the config are resolved against (the config's own)."""
        return self._base_dir

    def resolve(self, path: str | Path) -> Path:
        """A config path made absolute against the config file's folder."""
        candidate = Path(os.path.expanduser(str(path)))
        return candidate if candidate.is_absolute() else (self._base_dir / candidate).resolve()

    @property
    def workspace_dir(self) -> Path:
        return self.resolve(self.workspace)


# --------------------------------------------------------------------------------------------
# Loading, with file/line/key-path errors
# --------------------------------------------------------------------------------------------


class ConfigError(ValueError):
    """A config that cannot be used; the message names the file, line and key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


KeyPath = tuple[str | int, ...]
_ENV = re.compile(r"\$\{(secret:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_MOVED = {("preprocess", "split"): "prepare.split"}


MAX_NODES, MAX_DEPTH = 100_000, 64
"""A config has hundreds of nodes a few levels deep; far more is an alias bomb or a recursive alias."""


def _compose(text: str, filename: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse YAML into plain data plus the line of every key path (for error messages).

    The node tree is walked once before anything is built from it: that walk refuses a key
    given twice in one mapping (YAML would silently keep the second) and stops counting at
    ``MAX_NODES`` nodes or ``MAX_DEPTH`` levels, so an alias bomb or a recursive alias fails
    at once instead of expanding.
    """
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as err:
            raise ConfigError([_yaml_problem(err, filename)]) from None
        except RecursionError:
            raise ConfigError([f"{filename}: nested more than {MAX_DEPTH} levels deep; refusing to load it"]) from None
        lines = _key_lines(root, filename)
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, lines


def _yaml_problem(err: yaml.YAMLError, filename: str) -> str:
    mark = getattr(err, "problem_mark", None)
    where = f"{filename}:{mark.line + 1}" if mark else filename
    context, start = getattr(err, "context", None), getattr(err, "context_mark", None)
    hint = f" ({context} started at line {start.line + 1})" if context and start else ""
    return f"{where}: not valid YAML: {getattr(err, 'problem', err)}{hint}"


def _key_lines(root: yaml.Node | None, filename: str) -> dict[KeyPath, int]:
    """The line of every key path; duplicate keys and oversized expansions are errors."""
    lines: dict[KeyPath, int] = {}
    duplicates: list[str] = []
    visited = 0
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        visited += 1
        if visited > MAX_NODES or len(path) > MAX_DEPTH:
            limit = f"{MAX_NODES:,} nodes" if visited > MAX_NODES else f"{MAX_DEPTH} levels"
            raise ConfigError([f"{filename}: more than {limit} once aliases are expanded "
                               "(an alias bomb or a recursive alias?); refusing to load it"])
        children: list[tuple[yaml.Node, KeyPath]] = []
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key, value in node.value:
                name, line = key.value, key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode) and name != "<<":
                    if name in first:
                        duplicates.append(f"{filename}:{line}: duplicate key '{_dotted((*path, name))}' "
                                          f"(first at line {first[name]}); give each key once")
                    first.setdefault(name, line)
                lines.setdefault((*path, name), line)
                children.append((value, (*path, name)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                children.append((item, (*path, index)))
        stack.extend(reversed(children))
    if duplicates:
        raise ConfigError(duplicates)
    return lines


def _interpolate(value: Any, path: KeyPath, problems: list[str], where: Any, secrets: set[KeyPath]) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string value from the environment.

    The key path of a value that read ``${secret:VAR}`` goes into ``secrets``.
    """
    if isinstance(value, dict):
        return {k: _interpolate(v, (*path, k), problems, where, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*path, i), problems, where, secrets) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        marked, name, default = match.group(1), match.group(2), match.group(3)
        if marked:
            secrets.add(path)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        problems.append(f"{where(path)}: environment variable ${{{name}}} is not set (key '{_dotted(path)}')")
        return ""

    return _ENV.sub(substitute, value)


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _section_at(path: KeyPath) -> type[BaseModel] | None:
    """The config model class that owns the mapping at ``path`` (to suggest valid keys)."""
    model: type[BaseModel] = Config
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        nested = _model_in(field.annotation)
        if nested is None:
            return None
        model = nested
    return model


def _model_in(annotation: Any, base: type = BaseModel) -> type | None:
    """The first class in ``annotation`` (through lists and unions) that is a ``base``."""
    if isinstance(annotation, type) and issubclass(annotation, base):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg, base)
            if found is not None:
                return found
    return None


def _is_secret(path: KeyPath, secrets: set[KeyPath]) -> bool:
    """Whether the value at ``path`` is a secret: read with ``${secret:VAR}`` or in a secret field."""
    if any(path[:end] in secrets for end in range(1, len(path) + 1)):
        return True
    keys = [i for i, part in enumerate(path) if isinstance(part, str)]
    if not keys:
        return False
    section = _section_at(path[:keys[-1]])
    field = section.model_fields.get(str(path[keys[-1]])) if section else None
    return field is not None and _model_in(field.annotation, SecretStr) is not None


def _describe(error: dict[str, Any], where: Any, secrets: set[KeyPath]) -> str:
    path: KeyPath = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        key = str(path[-1])
        message = f"{where(path)}: unknown key '{_dotted(path)}'"
        section = _section_at(path[:-1])
        if path in _MOVED:
            message += f"; it moved to '{_MOVED[path]}'"
        elif section is not None:
            close = difflib.get_close_matches(key, list(section.model_fields), n=1, cutoff=0.6)
            if close:
                message += f"; did you mean '{close[0]}'?"
        return message
    if error["type"] == "missing":
        return f"{where(path)}: missing required key '{_dotted(path)}'"
    plain = not isinstance(error.get("input"), dict | list) and not _is_secret(path, secrets)
    shown = f" (got {error['input']!r})" if plain else ""
    label = f"'{_dotted(path)}'" if path else "the config"
    return f"{where(path)}: bad value for {label}: {error['msg']}{shown}"


def parse_config(text: str, filename: str = "<string>", base_dir: Path | None = None) -> Config:
    """Validate YAML text into a ``Config``; raise ``ConfigError`` listing every problem."""
    data, lines = _compose(text, filename)

    def line_of(path: KeyPath) -> int:
        for end in range(len(path), 0, -1):
            if path[:end] in lines:
                return lines[path[:end]]
        return 0

    def where(path: KeyPath) -> str:
        line = line_of(path)
        return f"{filename}:{line}" if line else filename

    if not isinstance(data, dict):
        raise ConfigError([f"{filename}: the config must be a mapping of sections (got {type(data).__name__})"])
    problems: list[str] = []
    secrets: set[KeyPath] = set()
    data = _interpolate(data, (), problems, where, secrets)
    if problems:
        raise ConfigError(problems)
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        errors = sorted(err.errors(), key=lambda e: line_of(tuple(e["loc"])))
        raise ConfigError([_describe(e, where, secrets) for e in errors]) from None
    config._base_dir = (base_dir or Path.cwd()).resolve()
    config._secret_paths = secrets
    _resolve_model_folders(config)
    return config


def _resolve_model_folders(config: Config) -> None:
    """Make every relative model folder absolute against the config's folder, as sources are."""
    config.model.base = resolve_spec(config.model.base, config.base_dir)
    for section, key in ((config.preprocess.dedup, "semantic_model"), (config.annotation, "pre_label_model"),
                         (config.compression.distill, "student")):
        spec = getattr(section, key)
        if spec is not None:
            setattr(section, key, resolve_spec(spec, config.base_dir))


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a ``vertune.yaml``; relative paths in it resolve against its folder."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{file}: no such config file"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{file}: is a folder, not a config file"]) from None
    except OSError as err:
        raise ConfigError([f"{file}: cannot read the config: {err.strerror or err}"]) from None
    except UnicodeDecodeError as err:
        raise ConfigError([f"{file}: not UTF-8 text ({err.reason} at byte {err.start})"]) from None
    return parse_config(text, filename=str(file), base_dir=file.resolve().parent)


def public_dump(config: Config, section: str | None = None) -> Any:
    """The config, or one dotted section of it (``"registry.storage_options"``), as JSON data with
    every secret masked: what fingerprints, manifests and ``config show`` are made of."""
    data = config.model_dump(mode="json")
    for path in config._secret_paths:
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = MASK
    data["registry"]["url"] = masked_url(data["registry"]["url"])
    for part in section.split(".") if section else ():
        data = data[part]
    return data


def masked_url(url: str) -> str:
    """``url`` with the password of its user info masked (``sftp://bob:…@host/models``)."""
    try:
        parts = urllib.parse.urlsplit(url)
        password = parts.password
    except ValueError:  # unparseable (e.g. an unclosed IPv6 bracket): show nothing that might be secret
        return MASK
    if password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{host}"))


def dump_config(config: Config) -> str:
    """The fully resolved config (defaults included) as YAML, secrets masked."""
    return yaml.safe_dump(public_dump(config), allow_unicode=True, sort_keys=False)
