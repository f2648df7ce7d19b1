"""The vocabulary of the rule pre-labellers, read from a YAML file so the domain stays data.

The shipped ``zh_finance.yaml`` serves the Chinese-finance example; another domain swaps the
file, not the code.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DEFAULT_LEXICON = "zh_finance.yaml"


@dataclass(frozen=True, eq=False)  # hashed by identity, so compiled patterns can be cached per lexicon
class Lexicon:
    entity_labels: dict[str, str]
    relation_labels: dict[str, str]
    companies: tuple[str, ...]
    company_suffixes: tuple[str, ...]
    company_generic_prefixes: tuple[str, ...]
    company_cut_words: tuple[str, ...]
    indicators: tuple[str, ...]
    control: dict[str, tuple[str, ...]]
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    negators: tuple[str, ...]
    intents: dict[str, tuple[str, ...]]

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Lexicon:
        return cls(
            entity_labels=dict(data["entity_labels"]),
            relation_labels=dict(data["relation_labels"]),
            companies=_words(data["companies"]),
            company_suffixes=_words(data["company_suffixes"]),
            company_generic_prefixes=_words(data["company_generic_prefixes"]),
            company_cut_words=_words(data["company_cut_words"]),
            indicators=_words(data["indicators"]),
            control={key: _words(words) for key, words in data["control"].items()},
            positive=_words(data["sentiment"]["positive"]),
            negative=_words(data["sentiment"]["negative"]),
            negators=_words(data["sentiment"]["negators"]),
            intents={str(intent): _words(words) for intent, words in data["intents"].items()},
        )


def _words(values: list[Any]) -> tuple[str, ...]:
    """YAML reads 12378 as a number; every lexicon entry is text."""
    return tuple(str(value) for value in values)


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Read a lexicon file; without ``path`` the shipped Chinese-finance one."""
    if path is None:
        text = resources.files("vertune.annotate.prelabel").joinpath(DEFAULT_LEXICON).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return Lexicon.from_mapping(yaml.safe_load(text))


@functools.cache
def default_lexicon() -> Lexicon:
    return load_lexicon()


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regex matching any of ``words``, longest first so "净利润率" beats "净利润"."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))
