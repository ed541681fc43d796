"""Evaluations: what the scores, topics, communities and keyword topics are worth on real data.

An application of the engine, not part of it: each evaluation loads a dataset into a scratch
database through the job layer, runs the engine, and compares it with simple baselines
(docs/EVALUATION.md). Run them with ``influence evaluate ...`` or the client's ``evaluate``.
"""
