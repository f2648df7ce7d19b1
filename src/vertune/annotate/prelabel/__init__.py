"""Pre-labellers: rules, lexicons, known answers and a model draft labels for annotators.

Each labeller is ``(spec, doc) -> Annotation | None`` (the model labeller works in batches);
every pre-label names its labeller as ``annotator`` and ``meta["source"]`` and carries a
``confidence`` in [0, 1]. ``labellers.prelabel_documents`` runs the ones a task type uses.
"""
