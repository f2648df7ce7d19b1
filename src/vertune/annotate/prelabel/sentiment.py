"""Lexicon sentiment labeller: count polar words, flip those just after a negator ("不满意").

A word inside a longer matched word does not count twice; no polar word at all gives a
low-confidence ``neutral``. Without a lexicon (no polar words known) there is no pre-label.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from vertune.annotate.prelabel.base import draft
from vertune.annotate.prelabel.lexicon import Lexicon, alternation
from vertune.records import Annotation, Document

if TYPE_CHECKING:
    from vertune.annotate.tasks import TaskSpec

SOURCE = "rules:sentiment_lexicon"
NEGATION_WINDOW = 3  # a negator ending at most this many characters before the word flips it
NO_EVIDENCE_CONFIDENCE = 0.4


@functools.cache
def _patterns(lexicon: Lexicon) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(alternation(lexicon.positive + lexicon.negative)), re.compile(alternation(lexicon.negators))


def sentiment_score(text: str, lexicon: Lexicon) -> tuple[int, int]:
    """(positive − negative score, number of polar words) of ``text``."""
    words, negators = _patterns(lexicon)
    score = hits = 0
    for match in words.finditer(text):
        polarity = 1 if match.group() in lexicon.positive else -1
        window = text[max(0, match.start() - NEGATION_WINDOW) : match.start()]
        if negators.search(window):
            polarity = -polarity
        score, hits = score + polarity, hits + 1
    return score, hits


def label_sentiment(spec: TaskSpec, doc: Document) -> Annotation | None:
    if spec.lexicon is None or not spec.lexicon.positive + spec.lexicon.negative:
        return None
    score, hits = sentiment_score(doc.text, spec.lexicon)
    polarity = "positive" if score > 0 else "negative" if score < 0 else "neutral"
    label = spec.polarity_label(polarity)
    if label is None:
        return None
    confidence = min(0.9, 0.5 + 0.15 * abs(score)) if hits else NO_EVIDENCE_CONFIDENCE
    return draft(spec, doc, SOURCE, confidence, sentiment=label)
