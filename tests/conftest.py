"""Test helpers shared by several test folders live beside this file (``eval_examples.py``):
pytest puts this folder on ``sys.path`` because this conftest is here."""
