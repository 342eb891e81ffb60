"""The reliability layer: what keeps a run's outputs whole, exclusive and free of secrets.

Kedro reaches it through thin hooks (:mod:`user_score.hooks`) and the
project's dataset types (:mod:`user_score.datasets`); ``docs/reliability.md``
states each guarantee, its mechanism, its limits and its tests.

* :mod:`.atomic` / :mod:`.atomic_s3` -- atomic writes for the project's
  datasets (local temp file + rename; S3 upload completed only on success).
* :mod:`.locks` -- host-local run locks (``filelock``).
* :mod:`.guards` -- which outputs a run guards, and the guard it holds.
* :mod:`.redaction` -- secret values kept out of logs and errors.
* :mod:`.storage` -- the ``s3`` environment's settings, access check and
  storage errors that name endpoint, bucket and operation.
"""
