"""Training-set augmentation: domain synonym replacement and back-translation.

The synonym list is the project's (``prepare.augment.synonyms_file``; the finance example's is
``examples/finance/lexicon/synonyms_zh_finance.txt``): the package ships none.

Both work on a gold annotation's text and return a new annotation (same id, so lineage still
points at the original), which is then turned into samples exactly like the original. That
keeps answers consistent with the changed text: entity offsets are moved along, and nothing
the answer quotes is ever replaced.

Synonym replacement scans the text for dictionary words, longest match first (no word
segmenter needed for Chinese), skips every protected stretch and replaces a ``ratio`` share
of the remaining occurrences (at least one), each by another word of its group. Protected:
runs of Latin letters, digits and number punctuation (amounts, percentages, dates, tickers
such as 600519.SH, codes), labelled entity spans, and every occurrence of a string the answer
quotes (entity texts, extraction fields, qa answers). The random choices are seeded by the
seed and the annotation id, so a variant does not depend on what else is in the data set.

Back-translation sends the text through any translation function, source → pivot → source.
It is used only for task types whose answer does not quote the text (labels, qa, summaries):
span answers would not survive the rewording.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from vertune.records import Annotation, Entity

# (text, target language code) -> translated text, e.g. a wrapper around an MT model or API.
Translate = Callable[[str, str], str]

BACK_TRANSLATABLE = frozenset({"intent", "sentiment", "classification", "qa", "summary"})

_PROTECTED_RUN = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ][0-9A-Za-z０-９Ａ-Ｚａ-ｚ.,:/\-%％‰．，]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class Synonyms:
    """A synonym dictionary: each word's alternatives, and one regex that finds any word."""

    def __init__(self, groups: list[list[str]]) -> None:
        self.alternatives: dict[str, tuple[str, ...]] = {}
        for group in groups:
            for word in group:
                if word in self.alternatives:
                    raise ValueError(f"synonym '{word}' is in more than one group")
                self.alternatives[word] = tuple(other for other in group if other != word)
        longest_first = sorted(self.alternatives, key=lambda w: (-len(w), w))
        self.pattern = re.compile("|".join(map(re.escape, longest_first)) or r"(?!)")


def load_synonyms(path: str | Path) -> Synonyms:
    """Read a synonym file: one group per line, words separated by spaces, ``#`` comments."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"prepare.augment.synonyms_file: synonym file {path} does not exist") from None
    return _parse_synonyms(text)


@lru_cache(maxsize=4)
def _parse_synonyms(text: str) -> Synonyms:
    groups = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) > 1:
            groups.append(words)
    return Synonyms(groups)


def quoted_strings(annotation: Annotation) -> list[str]:
    """Strings an answer copies from the text; replacing them would break the answer."""
    quoted = [entity.text or annotation.text[entity.start : entity.end] for entity in annotation.entities]
    quoted += [pair.answer for pair in annotation.qa]
    quoted += [part for field in annotation.fields for part in (field.name, field.period, field.value, field.unit)]
    return [text for text in quoted if text.strip()]


def protected_spans(annotation: Annotation) -> list[tuple[int, int]]:
    """Character spans of the text that augmentation must leave exactly as they are."""
    text = annotation.text
    spans = [match.span() for match in _PROTECTED_RUN.finditer(text)]
    spans += [(entity.start, entity.end) for entity in annotation.entities]
    for quoted in quoted_strings(annotation):
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(quoted), text)]
    return spans


def synonym_variant(annotation: Annotation, synonyms: Synonyms, ratio: float, seed: int) -> Annotation | None:
    """The annotation with a ``ratio`` share of its replaceable words swapped; None if none are."""
    text = annotation.text
    protected = protected_spans(annotation)
    candidates = [
        match for match in synonyms.pattern.finditer(text)
        if not any(match.start() < end and start < match.end() for start, end in protected)
    ]
    if not candidates:
        return None
    rng = random.Random(f"{seed}:{annotation.id}")
    chosen = sorted(rng.sample(candidates, max(1, round(ratio * len(candidates)))), key=lambda m: m.start())
    pieces, shifts, cursor = [], [], 0
    for match in chosen:
        replacement = rng.choice(synonyms.alternatives[match.group()])
        pieces += [text[cursor : match.start()], replacement]
        shifts.append((match.end(), len(replacement) - len(match.group())))
        cursor = match.end()
    new_text = "".join(pieces) + text[cursor:]

    def moved(entity: Entity) -> Entity:
        delta = sum(shift for end, shift in shifts if end <= entity.start)
        return entity.model_copy(update={"start": entity.start + delta, "end": entity.end + delta})

    return annotation.model_copy(update={"text": new_text, "entities": [moved(e) for e in annotation.entities]})


def text_language(text: str) -> str:
    """'zh' when the text has any CJK ideograph, else 'en': enough to pick a pivot."""
    return "zh" if _CJK.search(text) else "en"


def back_translation_variant(annotation: Annotation, task_type: str, translate: Translate) -> Annotation | None:
    """The annotation with its text reworded by a round trip through a pivot language."""
    if task_type not in BACK_TRANSLATABLE:
        return None
    source = text_language(annotation.text)
    pivot = "en" if source == "zh" else "zh"
    reworded = translate(translate(annotation.text, pivot), source).strip()
    if not reworded or reworded == annotation.text.strip():
        return None
    return annotation.model_copy(update={"text": reworded})
