"""Task specs: default labels, intents from the data, shipped and overriding guidelines."""

from __future__ import annotations

from pathlib import Path

import pytest
from annotation_samples import FINANCE_LEXICON, MakeDoc

from vertune.annotate.tasks import guideline_with_labels, resolve_task, resolve_tasks
from vertune.config import AnnotationConfig, AnnotationTask, TaskType

TYPES: tuple[TaskType, ...] = ("entities", "relations", "intent", "sentiment", "classification", "qa", "summary", "extraction")


@pytest.mark.parametrize("task_type", TYPES)
def test_every_type_ships_a_chinese_guideline(task_type: TaskType) -> None:
    labels = ["甲", "乙"] if task_type == "classification" else []
    spec = resolve_task(AnnotationTask(name="t", tier=1, type=task_type, labels=labels), [], lexicon=FINANCE_LEXICON)
    assert spec.guideline.startswith("# ") and "示例" in spec.guideline and "易错" in spec.guideline


def test_intent_labels_come_from_the_known_answers_of_selected_docs(doc: MakeDoc) -> None:
    docs = [doc("service", "挂失", intent="挂失补卡"), doc("service", "余额", intent="查询余额"),
            doc("other", "x", intent="不该出现")]
    spec = resolve_task(AnnotationTask(name="intent", tier=2, type="intent", sources=["service"]), docs)
    assert spec.labels == ("挂失补卡", "查询余额")


def test_default_label_sets_come_from_the_lexicon() -> None:
    entities = resolve_task(AnnotationTask(name="e", tier=1, type="entities"), [], lexicon=FINANCE_LEXICON)
    relations = resolve_task(AnnotationTask(name="r", tier=1, type="relations"), [], lexicon=FINANCE_LEXICON)
    assert {"公司", "金额", "日期", "百分比", "股票代码", "财务指标"} <= set(entities.labels)
    assert relations.labels == ("发布", "控股") and "公司" in relations.entity_labels
    assert resolve_task(AnnotationTask(name="s", tier=2, type="sentiment"), []).labels == ("positive", "neutral", "negative")


def test_choice_task_without_labels_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="'fraud' .*at least two labels"):
        resolve_task(AnnotationTask(name="fraud", tier=2, type="classification"), [])


def test_config_guideline_overrides_relative_to_base_dir(tmp_path: Path) -> None:
    (tmp_path / "g.md").write_text("# 我们自己的规范\n", encoding="utf-8")
    spec = resolve_task(AnnotationTask(name="s", tier=2, type="sentiment", guideline="g.md"), [], base_dir=tmp_path)
    assert spec.guideline == "# 我们自己的规范\n"
    assert "- positive" in guideline_with_labels(spec)
    with pytest.raises(FileNotFoundError, match="'s': guideline file .*missing.md"):
        resolve_task(AnnotationTask(name="s", tier=2, type="sentiment", guideline="missing.md"), [], base_dir=tmp_path)


def test_selection_by_source_name_or_all(doc: MakeDoc) -> None:
    news, forum = doc("news", "新闻"), doc("forum", "帖子")
    spec = resolve_task(AnnotationTask(name="s", tier=2, type="sentiment", sources=["news"]), [])
    assert spec.selects(news) and not spec.selects(forum)
    every = resolve_task(AnnotationTask(name="e", tier=1, type="entities", labels=["公司"]), [])
    assert every.selects(news) and every.selects(forum)


def test_task_names_must_be_unique() -> None:
    task = AnnotationTask(name="dup", tier=1, type="entities")
    with pytest.raises(ValueError, match="repeated: dup"):
        resolve_tasks(AnnotationConfig(tasks=[task, task]), [])


@pytest.mark.parametrize(("task", "named"), [
    (AnnotationTask(name="e", tier=1, type="entities"), "'e' \\(entities\\) has no labels: set 'labels:' or 'annotation.lexicon'"),
    (AnnotationTask(name="r", tier=1, type="relations", labels=["发布"]), "'r' \\(relations\\) links entity spans.*annotation.lexicon"),
    (AnnotationTask(name="i", tier=2, type="intent"), "'i' \\(intent\\) needs at least two labels"),
])
def test_without_a_lexicon_the_package_supplies_no_domain_labels(task: AnnotationTask, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        resolve_task(task, [])


def test_the_lexicon_path_is_resolved_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "lexicon").mkdir()
    (tmp_path / "lexicon" / "med.yaml").write_text("entity_labels: {company: 医院}\n", encoding="utf-8")
    config = AnnotationConfig(lexicon="lexicon/med.yaml", tasks=[AnnotationTask(name="e", tier=1, type="entities")])
    (spec,) = resolve_tasks(config, [], base_dir=tmp_path)
    assert spec.labels == ("医院",) and spec.lexicon is not None
    with pytest.raises(FileNotFoundError, match="annotation.lexicon: lexicon file .*med.yaml does not exist"):
        resolve_tasks(config, [], base_dir=tmp_path / "elsewhere")
