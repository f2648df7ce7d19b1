"""The eval stage: domain, general and robustness suites; base vs tuned (or any two models).

``evaluate_models`` is the library entry, ``stage.eval_stage`` the pipeline glue and
``stage.compare_cli`` the ``vertune eval --compare A B`` entry.
"""

from vertune.evaluate.evaluation import Evaluation, evaluate_models

__all__ = ["Evaluation", "evaluate_models"]
