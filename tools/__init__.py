"""Developer tooling kept out of the runtime package (``user_score``).

* :mod:`tools.local_s3` -- a throw-away local S3 server (SeaweedFS) for
  ``make s3-demo`` and the S3 tests (``tests/s3``).
"""
