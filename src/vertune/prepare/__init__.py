"""The prepare stage: gold annotations → chat samples, augmentation, general data, curriculum,
splits and exports. ``prepare_samples`` is the library entry; ``stage.prepare_stage`` the glue."""

from vertune.prepare.answers import parse_answer
from vertune.prepare.build import PreparedSamples, prepare_samples

__all__ = ["PreparedSamples", "parse_answer", "prepare_samples"]
