"""Compression of a tuned model: structured pruning and INT8 weights (the stage, distillation and the report are to come)."""
