"""Seeded general-purpose instruction items: the everyday skills a real base model brings.

The embedded base model is built from these (see ``vertune.train.base_model``) so that, like a
pretrained Qwen3, it already reads a passage and copies an answer from it, does small sums,
picks one label out of a given set, and answers in JSON when asked. Domain fine-tuning then has
something to adapt, and "tuned vs base" compares two models that both answer.

Nothing here is finance: people, places, foods, animals and shop prices. Items are generated
from small word lists with a seeded RNG, so the evaluation suites' hand-written items (in
``evaluate/data``) never appear verbatim. Every item is a plain dict:

``kind``, ``language``, ``task_type`` (a prompt template's type, or ``general``), ``text``,
``question``, ``labels``, ``instruction`` (``general`` only) and ``answer``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "person": ("小林", "小王", "小红", "老张", "李明", "王芳", "陈静", "赵磊", "刘洋", "周婷", "孙浩", "吴敏"),
        "place": ("图书馆", "公园", "超市", "医院", "学校", "车站", "博物馆", "体育馆", "电影院", "菜市场"),
        "city": ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆"),
        "vehicle": ("地铁", "公交车", "自行车", "出租车", "火车", "电动车"),
        "food": ("牛肉面", "饺子", "米饭", "包子", "馄饨", "炒饭", "面包", "粥"),
        "fruit": ("苹果", "香蕉", "橙子", "葡萄", "西瓜", "草莓", "桃子", "梨"),
        "animal": ("小猫", "小狗", "兔子", "熊猫", "老虎", "大象", "猴子", "鹦鹉"),
        "color": ("红色", "蓝色", "绿色", "黄色", "白色", "黑色"),
        "item": ("笔记本", "铅笔", "苹果", "面包", "杯子", "气球", "贴纸", "橡皮"),
        "weekday": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    },
    "en": {
        "person": ("Maria", "Tom", "Anna", "David", "Lucy", "Peter", "Emma", "James", "Sofia", "Ben", "Clara", "Omar"),
        "place": ("library", "park", "market", "hospital", "school", "station", "museum", "gym", "cinema", "bakery"),
        "city": ("London", "Paris", "Berlin", "Madrid", "Rome", "Tokyo", "Sydney", "Toronto", "Dublin", "Oslo"),
        "vehicle": ("bus", "train", "bike", "taxi", "tram", "car"),
        "food": ("soup", "pasta", "rice", "salad", "bread", "pizza", "noodles", "eggs"),
        "fruit": ("apple", "banana", "orange", "grape", "melon", "peach", "pear", "cherry"),
        "animal": ("cat", "dog", "rabbit", "panda", "tiger", "horse", "monkey", "parrot"),
        "color": ("red", "blue", "green", "yellow", "white", "black"),
        "item": ("notebook", "pencil", "apple", "cup", "balloon", "sticker", "eraser", "ticket"),
        "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    },
}
# Topic sentences for classification: the label is the topic, the sentence names one of its words.
TOPICS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "zh": {
        "水果": ("fruit", ("{person}在超市买了几个{w}。", "这个季节的{w}又甜又便宜。", "{person}最爱吃{w}。")),
        "动物": ("animal", ("动物园里新来了一只{w}。", "{person}家养了一只{w}。", "那只{w}正在树下睡觉。")),
        "交通": ("vehicle", ("{person}每天坐{w}去上班。", "早高峰的{w}特别拥挤。", "{person}换乘{w}回家。")),
        "城市": ("city", ("{person}下个月要去{w}出差。", "{w}今天最高气温二十八度。", "{w}新开了一座图书馆。")),
    },
    "en": {
        "fruit": ("fruit", ("{person} bought some {w}s at the market.", "This {w} is sweet and cheap.",
                            "{person} likes to eat a {w} after lunch.")),
        "animal": ("animal", ("A new {w} arrived at the zoo.", "{person} has a {w} at home.",
                              "The {w} is sleeping under the tree.")),
        "transport": ("vehicle", ("{person} takes the {w} to work.", "The {w} was crowded this morning.",
                                  "{person} went home by {w}.")),
        "city": ("city", ("{person} will travel to {w} next month.", "It was sunny in {w} today.",
                          "{w} opened a new library.")),
    },
}
ENTITY_LABELS: dict[str, dict[str, str]] = {
    "zh": {"person": "人名", "city": "地点", "fruit": "水果"},
    "en": {"person": "person", "city": "place", "fruit": "fruit"},
}
MOODS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {"positive": ("太好了，{person}今天很开心。", "{person}说这家店的{food}真好吃，服务也很好。", "{person}考试得了满分，非常高兴。"),
           "negative": ("{person}等了一个小时，非常生气。", "这家店的{food}太难吃了，{person}很失望。", "{person}的手机又坏了，真烦人。"),
           "neutral": ("{person}明天去{place}。", "{place}早上八点开门。", "{person}中午吃了{food}。")},
    "en": {"positive": ("{person} loved the {food}; the service was great.", "{person} is very happy today.",
                        "{person} got full marks and is delighted."),
           "negative": ("{person} waited an hour and was very angry.", "The {food} was awful; {person} was disappointed.",
                        "{person}'s phone broke again, how annoying."),
           "neutral": ("{person} will go to the {place} tomorrow.", "The {place} opens at eight.",
                       "{person} had {food} for lunch.")},
}


def generate_instructions(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` items cycling through the kinds and the two languages; seeded."""
    rng = random.Random(seed)
    makers = list(MAKERS.items())
    items = []
    for index in range(count):
        kind, make = makers[index % len(makers)]
        language = "zh" if (index // len(makers)) % 2 == 0 else "en"
        items.append({"kind": kind, "language": language, "text": "", "question": "", "labels": [],
                      "instruction": "", **make(rng, language)})
    return items


def _pick(rng: random.Random, language: str) -> dict[str, str]:
    return {slot: rng.choice(values) for slot, values in WORDS[language].items()}


def _reading(rng: random.Random, language: str) -> dict[str, Any]:
    w = _pick(rng, language)
    hour = rng.randint(6, 9)
    if language == "zh":
        text = (f"{w['person']}每天早上{hour}点出门，先坐{w['vehicle']}到{w['place']}，"
                f"中午最喜欢吃{w['food']}。周末他常去{w['city']}看朋友。")
        question, answer = rng.choice([(f"{w['person']}先坐什么交通工具？", w["vehicle"]),
                                       (f"{w['person']}中午最喜欢吃什么？", w["food"]),
                                       (f"{w['person']}周末常去哪个城市？", w["city"]),
                                       (f"{w['person']}先坐车到哪里？", w["place"])])
    else:
        text = (f"{w['person']} leaves home at {hour} every morning and takes the {w['vehicle']} to the "
                f"{w['place']}. For lunch {w['person']} likes {w['food']}. At weekends {w['person']} visits {w['city']}.")
        question, answer = rng.choice([(f"How does {w['person']} get to the {w['place']}?", f"the {w['vehicle']}"),
                                       (f"What does {w['person']} like for lunch?", w["food"]),
                                       (f"Which city does {w['person']} visit at weekends?", w["city"]),
                                       (f"Where does {w['person']} go in the morning?", f"the {w['place']}")])
    return {"task_type": "qa", "text": text, "question": question, "answer": answer}


def _arithmetic(rng: random.Random, language: str) -> dict[str, Any]:
    w = _pick(rng, language)
    price, count = rng.randint(2, 9), rng.randint(2, 15)
    op = rng.choice(("times", "plus", "minus"))
    if op == "times":
        answer = price * count
        zh = f"一个{w['item']}{price}元，{w['person']}买了{count}个，一共花了多少元？只回答最终的数字。"
        en = f"A {w['item']} costs {price} dollars. How many dollars do {count} of them cost? Answer with the final number only."
    elif op == "plus":
        a, b = rng.randint(10, 300), rng.randint(1, 99)
        answer = a + b
        zh = f"{w['person']}有{a}张{w['item']}，又得到{b}张，现在一共有多少张？只回答最终的数字。"
        en = f"{w['person']} has {a} {w['item']}s and gets {b} more. How many now? Answer with the final number only."
    else:
        a, b = rng.randint(50, 300), rng.randint(1, 49)
        answer = a - b
        zh = f"{w['place']}里原来有{a}人，走了{b}人，还剩多少人？只回答最终的数字。"
        en = f"There were {a} people in the {w['place']}; {b} left. How many are still there? Answer with the final number only."
    return {"task_type": "general", "instruction": zh if language == "zh" else en, "answer": str(answer)}


def _choice(rng: random.Random, language: str) -> dict[str, Any]:
    words = WORDS[language]
    category = rng.choice(("fruit", "animal", "vehicle", "city", "color"))
    right = rng.choice(words[category])
    others = [rng.choice(words[c]) for c in rng.sample([c for c in ("fruit", "animal", "vehicle", "city", "color")
                                                       if c != category], 3)]
    options = [right, *others]
    rng.shuffle(options)
    letter = "ABCD"[options.index(right)]
    names = {"zh": {"fruit": "水果", "animal": "动物", "vehicle": "交通工具", "city": "城市", "color": "颜色"},
             "en": {"fruit": "a fruit", "animal": "an animal", "vehicle": "a means of transport", "city": "a city",
                    "color": "a colour"}}[language][category]
    lines = "\n".join(f"{'ABCD'[i]}. {option}" for i, option in enumerate(options))
    if language == "zh":
        instruction = f"单项选择题：下面哪一个是{names}？\n{lines}\n只回答选项字母。"
    else:
        instruction = f"Multiple choice: Which of these is {names}?\n{lines}\nAnswer with the letter only."
    return {"task_type": "general", "instruction": instruction, "answer": letter}


def _topic(rng: random.Random, language: str) -> dict[str, Any]:
    topics = TOPICS[language]
    labels = list(topics)
    label = rng.choice(labels)
    slot, sentences = topics[label]
    w = _pick(rng, language)
    text = rng.choice(sentences).format(person=w["person"], w=rng.choice(WORDS[language][slot]))
    rng.shuffle(labels)
    return {"task_type": "classification", "text": text, "labels": labels, "answer": label}


def _mood(rng: random.Random, language: str) -> dict[str, Any]:
    mood = rng.choice(("positive", "negative", "neutral"))
    text = rng.choice(MOODS[language][mood]).format(**_pick(rng, language))
    return {"task_type": "sentiment", "text": text, "labels": ["positive", "neutral", "negative"], "answer": mood}


def _entities(rng: random.Random, language: str) -> dict[str, Any]:
    w = _pick(rng, language)
    labels = ENTITY_LABELS[language]
    if language == "zh":
        text = rng.choice([f"{w['person']}在{w['city']}买了{w['fruit']}。", f"{w['person']}上周去了{w['city']}。",
                           f"今天{w['person']}吃了两个{w['fruit']}。", "明天可能会下雨。"])
    else:
        text = rng.choice([f"{w['person']} bought a {w['fruit']} in {w['city']}.", f"{w['person']} went to {w['city']}.",
                           f"Today {w['person']} ate a {w['fruit']}.", "It may rain tomorrow."])
    found = [{"text": w[slot], "label": label} for slot, label in labels.items() if w[slot] in text]
    found.sort(key=lambda e: text.index(e["text"]))
    return {"task_type": "entities", "text": text, "labels": list(labels.values()),
            "answer": json.dumps(found, ensure_ascii=False)}


def _copy_figures(rng: random.Random, language: str) -> dict[str, Any]:
    """Figures copied as written into the extraction JSON: the skill the report task builds on."""
    w = _pick(rng, language)
    price = f"{rng.randint(1, 999):,}.{rng.randint(0, 99):02d}"
    weight = str(rng.randint(1, 40))
    if language == "zh":
        text = f"{w['weekday']}{w['person']}在{w['place']}买{w['item']}花了{price}元，包裹重{weight}千克。"
        found = [{"name": "价格", "period": w["weekday"], "value": price, "unit": "元"},
                 {"name": "重量", "period": w["weekday"], "value": weight, "unit": "千克"}]
    else:
        text = f"On {w['weekday']} {w['person']} paid {price} dollars for a {w['item']}; the parcel weighed {weight} kg."
        found = [{"name": "price", "period": w["weekday"], "value": price, "unit": "dollars"},
                 {"name": "weight", "period": w["weekday"], "value": weight, "unit": "kg"}]
    return {"task_type": "extraction", "text": text, "answer": json.dumps(found, ensure_ascii=False)}


def _summary(rng: random.Random, language: str) -> dict[str, Any]:
    w = _pick(rng, language)
    if language == "zh":
        lead = f"{w['city']}的{w['place']}{w['weekday']}起延长开放时间。"
        text = lead + f"工作人员表示，这是为了方便上班族。{w['person']}说这个消息让人很高兴。"
    else:
        lead = f"The {w['place']} in {w['city']} will open longer from {w['weekday']}."
        text = lead + f" Staff said the change helps people who work. {w['person']} welcomed the news."
    return {"task_type": "summary", "text": text, "answer": lead}


def _filler(rng: random.Random, language: str, count: int) -> list[str]:
    """Neutral sentences that carry no topic or mood: the haystack for the long items."""
    return [rng.choice(MOODS[language]["neutral"]).format(**_pick(rng, language)) for _ in range(count)]


def _hidden(rng: random.Random, language: str, needle: str) -> str:
    """``needle`` among 3-8 neutral sentences, at a random place: the answer depends on one
    sentence of a long text, as a label often does on one clause of a long document."""
    sentences = _filler(rng, language, rng.randint(3, 8))
    sentences.insert(rng.randint(0, len(sentences)), needle)
    return ("" if language == "zh" else " ").join(sentences)


def _topic_long(rng: random.Random, language: str) -> dict[str, Any]:
    item = _topic(rng, language)
    return {**item, "text": _hidden(rng, language, item["text"])}


def _mood_long(rng: random.Random, language: str) -> dict[str, Any]:
    item = _mood(rng, language)
    return {**item, "text": _hidden(rng, language, item["text"]) if item["answer"] != "neutral"
            else ("" if language == "zh" else " ").join(_filler(rng, language, rng.randint(4, 9)))}


MAKERS: dict[str, Callable[[random.Random, str], dict[str, Any]]] = {
    "reading": _reading, "arithmetic": _arithmetic, "choice": _choice, "topic": _topic, "mood": _mood,
    "entities": _entities, "figures": _copy_figures, "summary": _summary, "topic_long": _topic_long,
    "mood_long": _mood_long,
}
