"""vertune: turn a base LLM into a domain expert and keep it improving."""

from vertune.quiet import drop_harmless_log_lines

__version__ = "0.1.0"

drop_harmless_log_lines()  # before anything imports transformers, which imports torchao when installed
