"""vertune: turn a base LLM into a domain expert and keep it improving."""

__version__ = "0.1.0"
