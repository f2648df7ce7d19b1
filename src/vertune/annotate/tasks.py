"""A configured annotation task made concrete: its label set, its guideline, its documents.

``AnnotationTask`` in the config may leave ``labels`` empty and ``guideline`` unset; a
``TaskSpec`` fills both (default labels per task type, intents from the data's known answers,
the shipped guideline for the type) so every later step works from one complete description.
It also carries the project's lexicon (``annotation.lexicon``), which the rule pre-labellers
read and which supplies the default entity, relation and intent labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from vertune.annotate.answers import CHOICE_FIELD
from vertune.annotate.prelabel.lexicon import Lexicon, load_lexicon
from vertune.config import AnnotationConfig, AnnotationTask, TaskType
from vertune.records import Document

# The polarity order of sentiment labels: a custom 3-label set (正面, 中性, 负面) maps by position.
POLARITIES = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class TaskSpec:
    """Everything about one task that labelling, agreement and export need."""

    name: str
    tier: int
    type: TaskType
    labels: tuple[str, ...]
    guideline: str
    sources: tuple[str, ...] = ()
    entity_labels: tuple[str, ...] = ()  # the span labels a relations task draws its arrows between
    lexicon: Lexicon | None = field(default=None, compare=False, repr=False)

    def selects(self, doc: Document) -> bool:
        return in_sources(doc, self.sources)

    def polarity_label(self, polarity: str) -> str | None:
        """The task's label for ``positive``/``neutral``/``negative`` (sentiment tasks)."""
        if polarity in self.labels:
            return polarity
        if polarity in POLARITIES and len(self.labels) == len(POLARITIES):
            return self.labels[POLARITIES.index(polarity)]
        return None


def in_sources(doc: Document, sources: Sequence[str]) -> bool:
    """Whether ``doc`` belongs to a task with these sources: its config source is listed, or none are."""
    return not sources or doc.meta.get("source_name", doc.source) in sources


def resolve_tasks(config: AnnotationConfig, docs: Sequence[Document], base_dir: Path | None = None) -> list[TaskSpec]:
    """Every configured task as a ``TaskSpec``; ``docs`` supply the known intent labels."""
    names = [task.name for task in config.tasks]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"annotation task names must be unique; repeated: {', '.join(repeated)}")
    lexicon = load_lexicon(_project_path(config.lexicon, base_dir)) if config.lexicon else None
    return [resolve_task(task, docs, base_dir, lexicon) for task in config.tasks]


def resolve_task(task: AnnotationTask, docs: Iterable[Document], base_dir: Path | None = None,
                 lexicon: Lexicon | None = None) -> TaskSpec:
    sources = tuple(task.sources)
    labels = tuple(task.labels) or default_labels(task, [doc for doc in docs if in_sources(doc, sources)], lexicon)
    if task.type in CHOICE_FIELD and len(labels) < 2:
        raise ValueError(f"annotation task '{task.name}' ({task.type}) needs at least two labels: set 'labels:' in the config")
    if task.type in ("entities", "relations") and not labels:
        raise ValueError(f"annotation task '{task.name}' ({task.type}) has no labels: set 'labels:' or 'annotation.lexicon'")
    entity_labels = ()
    if task.type == "relations":
        entity_labels = tuple(lexicon.entity_labels.values()) if lexicon is not None else ()
        if not entity_labels:
            raise ValueError(f"annotation task '{task.name}' (relations) links entity spans whose labels come from "
                             "the lexicon's entity_labels: set 'annotation.lexicon'")
    guideline = load_guideline(task, base_dir)
    return TaskSpec(task.name, task.tier, task.type, labels, guideline, sources, entity_labels, lexicon)


def default_labels(task: AnnotationTask, docs: Iterable[Document], lexicon: Lexicon | None = None) -> tuple[str, ...]:
    """The label set of a task whose config names none (entity, relation and intent labels from the lexicon)."""
    if task.type == "entities":
        return tuple(lexicon.entity_labels.values()) if lexicon is not None else ()
    if task.type == "relations":
        return tuple(lexicon.relation_labels.values()) if lexicon is not None else ()
    if task.type == "sentiment":
        return POLARITIES
    if task.type == "intent":
        known = sorted({doc.meta["intent"] for doc in docs if isinstance(doc.meta.get("intent"), str)})
        return tuple(known) or (tuple(lexicon.intents) if lexicon is not None else ())
    if task.type == "classification":
        return tuple(sorted({str(doc.meta[task.name]) for doc in docs if doc.meta.get(task.name) is not None}))
    return ()


def load_guideline(task: AnnotationTask, base_dir: Path | None = None) -> str:
    """The task's guideline markdown: the config's ``guideline:`` file, else the shipped one."""
    if task.guideline is None:
        return resources.files("vertune.annotate").joinpath("guidelines").joinpath(f"{task.type}.md").read_text(encoding="utf-8")
    path = _project_path(task.guideline, base_dir)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"annotation task '{task.name}': guideline file {path} does not exist") from None


def _project_path(name: str, base_dir: Path | None) -> Path:
    """A path from the config, relative to its folder (``base_dir``) unless absolute."""
    path = Path(name).expanduser()
    return base_dir / path if not path.is_absolute() and base_dir is not None else path


def guideline_with_labels(spec: TaskSpec) -> str:
    """The guideline followed by this task's own label set, as annotators should see it."""
    lines = [spec.guideline.rstrip(), "", f"## 本任务（{spec.name}，第{spec.tier}层）的标签", ""]
    lines += [f"- {label}" for label in spec.labels] or ["- （本任务无固定标签，按上文格式填写）"]
    if spec.entity_labels:
        lines += ["", "实体类型：" + "、".join(spec.entity_labels)]
    return "\n".join(lines) + "\n"
