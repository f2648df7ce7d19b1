"""Compression of a tuned model: merge, structured pruning (and, to come, INT8 and distillation)."""
