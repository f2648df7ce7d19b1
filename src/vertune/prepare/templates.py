"""Prompt templates per task type and language, kept as data in one place.

Every task type has a system prompt and a user instruction. The instruction's placeholders:
``{text}`` (the annotated passage), ``{question}`` (qa only) and ``{label_set}``, which is the
template's ``label_set`` sentence filled with the task's labels, or empty when the task has no
fixed label set. The wording is domain-neutral on purpose: the domain lives in the config's
label sets and in the data, not in the prompts.

Answers to the extraction types are JSON arrays with English keys in both languages, so one
parser reads every model's answers (see ``answers.py``).
"""

from __future__ import annotations

from typing import Literal, TypedDict

Language = Literal["zh", "en"]


class Template(TypedDict):
    system: str
    instruction: str
    label_set: str


LABEL_SEPARATOR: dict[Language, str] = {"zh": "、", "en": ", "}

GENERAL_SYSTEM: dict[Language, str] = {
    "zh": "你是一个乐于助人的助手，回答准确、简洁。",
    "en": "You are a helpful assistant. Answer accurately and concisely.",
}

TEMPLATES: dict[Language, dict[str, Template]] = {
    "zh": {
        "entities": {
            "system": "你是严谨的信息抽取助手，只输出 JSON。",
            "instruction": (
                "找出下面文本中的命名实体。{label_set}\n"
                '以 JSON 数组回答，每个元素形如 {{"text": "实体原文", "label": "类型"}}；'
                "没有实体时回答 []。\n\n"
                "文本：{text}"
            ),
            "label_set": "实体类型只能是：{labels}。",
        },
        "relations": {
            "system": "你是严谨的信息抽取助手，只输出 JSON。",
            "instruction": (
                "找出下面文本中实体之间的关系。{label_set}\n"
                '以 JSON 数组回答，每个元素形如 {{"head": "头实体", "relation": "关系", "tail": "尾实体"}}；'
                "没有关系时回答 []。\n\n"
                "文本：{text}"
            ),
            "label_set": "关系类型只能是：{labels}。",
        },
        "extraction": {
            "system": "你是严谨的信息抽取助手，只输出 JSON。",
            "instruction": (
                "从下面的文本中抽取数据要素。{label_set}\n"
                "以 JSON 数组回答，每个元素形如 "
                '{{"name": "指标名称", "period": "期间", "value": "数值", "unit": "单位"}}；'
                "数值照原文书写，没有可抽取的要素时回答 []。\n\n"
                "文本：{text}"
            ),
            "label_set": "要素只限于：{labels}。",
        },
        "intent": {
            "system": "你是意图识别助手，只回答一个意图标签。",
            "instruction": "判断下面这段话的意图。{label_set}只回答标签本身。\n\n文本：{text}",
            "label_set": "从以下标签中选择一个：{labels}。",
        },
        "sentiment": {
            "system": "你是情感分析助手，只回答一个情感标签。",
            "instruction": "判断下面文本的情感倾向。{label_set}只回答标签本身。\n\n文本：{text}",
            "label_set": "从以下标签中选择一个：{labels}。",
        },
        "classification": {
            "system": "你是文本分类助手，只回答一个类别。",
            "instruction": "判断下面内容所属的类别。{label_set}只回答类别名称。\n\n内容：{text}",
            "label_set": "从以下类别中选择一个：{labels}。",
        },
        "qa": {
            "system": "你是问答助手，依据给定材料准确、简洁地回答问题。",
            "instruction": "阅读材料并回答问题。\n\n材料：{text}\n\n问题：{question}",
            "label_set": "",
        },
        "summary": {
            "system": "你是摘要助手，用简洁的语言概括要点，不添加原文没有的信息。",
            "instruction": "概括下面文本的要点。\n\n文本：{text}",
            "label_set": "",
        },
    },
    "en": {
        "entities": {
            "system": "You are a careful information-extraction assistant. Reply with JSON only.",
            "instruction": (
                "Find the named entities in the text below.{label_set}\n"
                'Answer with a JSON array of objects like {{"text": "entity as written", "label": "type"}}; '
                "answer [] when there are none.\n\n"
                "Text: {text}"
            ),
            "label_set": " Entity types must be one of: {labels}.",
        },
        "relations": {
            "system": "You are a careful information-extraction assistant. Reply with JSON only.",
            "instruction": (
                "Find the relations between entities in the text below.{label_set}\n"
                'Answer with a JSON array of objects like {{"head": "head entity", "relation": "relation", '
                '"tail": "tail entity"}}; answer [] when there are none.\n\n'
                "Text: {text}"
            ),
            "label_set": " Relation types must be one of: {labels}.",
        },
        "extraction": {
            "system": "You are a careful information-extraction assistant. Reply with JSON only.",
            "instruction": (
                "Extract the data elements from the text below.{label_set}\n"
                'Answer with a JSON array of objects like {{"name": "metric", "period": "period", "value": "value", '
                '"unit": "unit"}}; copy values as written and answer [] when there are none.\n\n'
                "Text: {text}"
            ),
            "label_set": " Only extract these elements: {labels}.",
        },
        "intent": {
            "system": "You are an intent-recognition assistant. Reply with one intent label only.",
            "instruction": "What is the intent of the message below? {label_set}Reply with the label only.\n\nText: {text}",
            "label_set": "Choose one of: {labels}. ",
        },
        "sentiment": {
            "system": "You are a sentiment-analysis assistant. Reply with one sentiment label only.",
            "instruction": "What is the sentiment of the text below? {label_set}Reply with the label only.\n\nText: {text}",
            "label_set": "Choose one of: {labels}. ",
        },
        "classification": {
            "system": "You are a text-classification assistant. Reply with one category only.",
            "instruction": "Which category does the item below belong to? {label_set}Reply with the category only.\n\nItem: {text}",
            "label_set": "Choose one of: {labels}. ",
        },
        "qa": {
            "system": "You are a question-answering assistant. Answer from the given material, accurately and concisely.",
            "instruction": "Read the material and answer the question.\n\nMaterial: {text}\n\nQuestion: {question}",
            "label_set": "",
        },
        "summary": {
            "system": "You are a summarisation assistant. Summarise the key points briefly and add nothing the text does not say.",
            "instruction": "Summarise the key points of the text below.\n\nText: {text}",
            "label_set": "",
        },
    },
}


def render_prompt(
    task_type: str, language: Language, text: str, labels: tuple[str, ...] = (), question: str = ""
) -> tuple[str, str]:
    """(system prompt, user message) for one item of a task type."""
    template = TEMPLATES[language][task_type]
    label_set = template["label_set"].format(labels=LABEL_SEPARATOR[language].join(labels)) if labels else ""
    user = template["instruction"].format(label_set=label_set, text=text, question=question)
    return template["system"], user
