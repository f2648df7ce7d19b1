"""The vocabulary of the rule pre-labellers, read from a YAML file so the domain stays data.

A lexicon belongs to a project, not to the package: the config names it
(``annotation.lexicon: lexicon/zh_finance.yaml``, resolved against the config's folder), and
the finance example ships ``examples/finance/lexicon/zh_finance.yaml``. Every section is
optional, so a medical lexicon names only what its rules need (say ``entity_labels``,
``companies`` for hospitals, ``company_suffixes`` such as 医院, ``indicators`` for lab tests).

Without a lexicon the rules that need one stay silent: no entity, relation, sentiment or
intent pre-labels, summaries from the lead sentences only, QA without a company name unless
the document's metadata gives one. Entity kinds that ``entity_labels`` does not name are not
labelled, so a lexicon also chooses which of the generic patterns (amounts, dates,
percentages, tickers) count.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONTROL_KEYS = ("verbs", "parent_phrases", "child_phrases", "copulas", "passive")
COREFERENCE_KEYS = ("own", "previous", "bare", "joiners")


@dataclass(frozen=True, eq=False)  # hashed by identity, so compiled patterns can be cached per lexicon
class Lexicon:
    entity_labels: dict[str, str]
    relation_labels: dict[str, str]
    companies: tuple[str, ...]
    company_suffixes: tuple[str, ...]
    company_generic_prefixes: tuple[str, ...]
    company_cut_words: tuple[str, ...]
    company_suffix_continuations: tuple[str, ...]
    company_alias_markers: tuple[str, ...]
    indicators: tuple[str, ...]
    person_titles: tuple[str, ...]
    surnames: tuple[str, ...]
    person_cut_words: tuple[str, ...]
    product_lead_ins: tuple[str, ...]
    product_joiners: tuple[str, ...]
    product_list_ends: tuple[str, ...]
    control: dict[str, tuple[str, ...]]
    coreference: dict[str, tuple[str, ...]]
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    negators: tuple[str, ...]
    intents: dict[str, tuple[str, ...]]

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Lexicon:
        sentiment = data.get("sentiment") or {}
        control = data.get("control") or {}
        coreference = data.get("coreference") or {}
        return cls(
            entity_labels={str(kind): str(label) for kind, label in (data.get("entity_labels") or {}).items()},
            relation_labels={str(kind): str(label) for kind, label in (data.get("relation_labels") or {}).items()},
            companies=_words(data.get("companies")),
            company_suffixes=_words(data.get("company_suffixes")),
            company_generic_prefixes=_words(data.get("company_generic_prefixes")),
            company_cut_words=_words(data.get("company_cut_words")),
            company_suffix_continuations=_words(data.get("company_suffix_continuations")),
            company_alias_markers=_words(data.get("company_alias_markers")),
            indicators=_words(data.get("indicators")),
            person_titles=_words(data.get("person_titles")),
            surnames=_surnames(data.get("surnames")),
            person_cut_words=_words(data.get("person_cut_words")),
            product_lead_ins=_words(data.get("product_lead_ins")),
            product_joiners=_words(data.get("product_joiners")),
            product_list_ends=_words(data.get("product_list_ends")),
            control={key: _words(control.get(key)) for key in CONTROL_KEYS},
            coreference={key: _words(coreference.get(key)) for key in COREFERENCE_KEYS},
            positive=_words(sentiment.get("positive")),
            negative=_words(sentiment.get("negative")),
            negators=_words(sentiment.get("negators")),
            intents={str(intent): _words(words) for intent, words in (data.get("intents") or {}).items()},
        )


def _words(values: list[Any] | None) -> tuple[str, ...]:
    """YAML reads 12378 as a number; every lexicon entry is text."""
    return tuple(str(value) for value in values or ())


def _surnames(values: list[Any] | str | None) -> tuple[str, ...]:
    """Surnames as a list, or as one string of single-character ones ("王李张刘…")."""
    if isinstance(values, str):
        return tuple(ch for ch in values if not ch.isspace() and ch not in ",，、;；")
    return _words(values)


def load_lexicon(path: str | Path) -> Lexicon:
    """Read a lexicon file; the same content gives the same ``Lexicon`` (its compiled patterns stay cached)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"annotation.lexicon: lexicon file {path} does not exist") from None
    return _parse(text, str(path))


@functools.lru_cache(maxsize=8)
def _parse(text: str, where: str) -> Lexicon:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{where}: a lexicon is a mapping of sections (entity_labels, companies, …)")
    return Lexicon.from_mapping(data)


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regex matching any of ``words``, longest first so "净利润率" beats "净利润"; matches
    nothing when ``words`` is empty (an empty alternation would match everywhere)."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True)) or r"(?!)"
