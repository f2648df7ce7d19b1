"""Fixtures of the annotate tests: documents for every task and the example's config."""

from __future__ import annotations

import pytest
from annotation_samples import EXAMPLE_TASKS, FINANCE_LEXICON_FILE, MakeDoc, build_finance_docs, make_doc

from vertune.config import AnnotationConfig
from vertune.records import Document


@pytest.fixture
def doc() -> MakeDoc:
    return make_doc


@pytest.fixture(scope="session")
def finance_docs() -> list[Document]:
    return build_finance_docs()


@pytest.fixture
def finance_config() -> AnnotationConfig:
    """The example project's annotation tasks, simulated with generous error rates."""
    return AnnotationConfig(tasks=EXAMPLE_TASKS, lexicon=FINANCE_LEXICON_FILE, simulate={"enabled": True, "error_rates": [0.2, 0.3], "seed": 1})
