"""Wall time of ``generate_games(n)`` for growing n (does the demo generator scale linearly?).

    .venv/bin/python benchmarks/demo_data_scaling.py --sizes 2000 4000 8000 16000 20000

Each size runs in its own child process (fresh interpreter, imports not timed) and is
stopped after ``--timeout`` seconds, so a size that never finishes is reported as such
instead of hanging the benchmark. ``--universe`` draws the games as new releases of the
committed catalog's universe (as the simulation does) instead of a universe of their own.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys

logger = logging.getLogger("benchmarks.demo_data_scaling")

CHILD = """
import sys, time
from user_score.demo_data import catalog_universe, generate_games
n, seed, with_universe = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
universe = catalog_universe() if with_universe else None
t0 = time.perf_counter()
games = generate_games(n, seed=seed, universe=universe)
print(f"{time.perf_counter() - t0:.3f} {len(games)}")
"""


def time_size(n: int, seed: int, timeout: float, universe: bool) -> str:
    """Seconds ``generate_games(n, seed)`` took in a child process, or why it did not finish."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), str(seed), "1" if universe else "0"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return f"not finished after {timeout:g} s"
    seconds, rows = done.stdout.split()
    return f"{float(seconds):.2f} s ({rows} rows)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 8000, 16000, 20000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--universe", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for n in args.sizes:
        logger.info(
            "generate_games(%d, seed=%d): %s",
            n,
            args.seed,
            time_size(n, args.seed, args.timeout, args.universe),
        )


if __name__ == "__main__":
    main()
