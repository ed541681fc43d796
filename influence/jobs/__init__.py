"""The job layer: each job of the engine exists once, and every adapter calls it.

* :mod:`.load`: load a source (checkpoints, bulk path, keyword topics, identities,
  self-interaction policy, quarantine, the accounting);
* :mod:`.recompute`: recompute everything derived from the interactions (scores and their
  dated snapshot, topic scores, topic and people communities).

The CLI (``influence.cli``), the notebook client (``influence.client``), the GraphQL API's
mutations and the evaluations (``influence.evaluation``, whose own entry points are in
``influence.evaluation.run``) all call these functions; long jobs report through a
:class:`~influence.jobs.progress.Progress`. The sources a load reads are one table,
:data:`influence.jobs.sources.SOURCES`.
"""
