"""Wall and CPU time of the training pipeline on the real file (target: < 60 s wall).

    .venv/bin/python -m benchmarks.training_time [--runs 2]     # from the project root

Runs data_engineering on ../shared/data/nintendo_games.csv, then ``training``,
in a throw-away copy of the project, and logs each training run's times.
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

from tests.conftest import REAL_DATA, copy_project, run_session

logger = logging.getLogger("benchmarks.training_time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        run_session(project, "data_engineering", {"raw_games_path": str(REAL_DATA)})
        for run in range(args.runs):
            cpu_before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
            started = time.perf_counter()
            run_session(project, "training")
            wall = time.perf_counter() - started
            cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu_before
            logger.info("training run %d: wall %.1f s, CPU %.1f s", run + 1, wall, cpu)


if __name__ == "__main__":
    main()
