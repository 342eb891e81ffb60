"""Scoring throughput benchmark: one day of N raw-format batch rows, end to end.

    .venv/bin/python benchmarks/bench_scoring.py --rows 1000000 --model M --project P

The day (``--day``):

* ``realistic`` (default): every row a distinct game. Rows are drawn from a
  pool of ``--pool`` distinct demo games (dates, platforms, developer and genre
  lists repeat as they naturally do) and every title is made distinct by an
  invented word, so per-distinct-value caching cannot hide per-title costs.
* ``pooled``: rows drawn with replacement from the pool, titles included (a
  1M-row day holds ~36,000 distinct titles): the figure of earlier benchmarks.

Three figures:

1. **End to end** (with ``--project``, a project copy holding a trained model):
   the day is written as the project's ``batch_input`` CSV and
   ``python -m kedro run --pipelines scoring`` runs on it in a child process
   (start-up, load, validate, score, save): wall time, the child's peak RSS,
   and the node time the ``NodeTimingHook`` logs (sum over the nodes). The
   child logs plain lines (``tests/logging_plain.yml``).
2. **In-process nodes**, on the in-memory frame typed exactly as
   ``batch_input`` loads it (every column text):

1. the file contract (``BatchInput``, what the catalog validator runs on load),
2. ``validate_batch_input`` (row contract ``BatchInputRow`` + quarantine),
3. ``build_scoring_features`` (parsing + stateless features),
4. ``predict_batch`` (the model's preprocessing, LightGBM, 80 % interval,
   ``features_hash``, unseen-category counts; ``chunk_size`` rows at a time),
5. ``build_scoring_quarantine`` + ``summarise_scoring``,
6. the day's data-quality report (``profile_batch_input`` on the valid and
   rejected rows, ``report_quality``: HTML page and column table), in the
   order Kedro runs it (after the features, while the valid rows are alive).

   CSV/Parquet reading and writing are not included (they are the catalog's).
3. **The floor**: on the same feature frame, the bare ``model.predict``.

The pool's games come from ``user_score.demo_data`` (about 1 % of them
spoiled so quarantine has work); every row gets a unique id. The distinct
titles, dates and list strings of the day are printed.

The model is the project's artifact when ``--model PATH`` is given (a
``model.pkl`` written by training), else one fitted here on the embedded demo
catalog with the model's default parameters.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import pickle
import platform
import re
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from user_score.contracts import BatchInput
from user_score.demo_data import generate_games, to_batch_input
from user_score.model import INPUT_FEATURES, NoveltyIntervals, UserScoreModel
from user_score.params import RunDate
from user_score.pipelines.data_engineering.nodes import (
    clean_games,
    create_model_input_table,
    split_raw_games,
)
from user_score.pipelines.scoring.nodes import (
    build_scoring_features,
    build_scoring_quarantine,
    predict_batch,
    summarise_scoring,
    validate_batch_input,
)
from user_score.pipelines.scoring.params import ScoringParams
from user_score.pipelines.simulation.nodes import spoil_rows
from user_score.quality.nodes import profile_batch_input, report_quality

ROOT = Path(__file__).resolve().parents[1]
DEMO_CATALOG = ROOT / "data" / "01_raw" / "games_catalog.csv"
SCORING_PARAMETERS = ROOT / "conf" / "base" / "parameters_scoring.yml"
PLAIN_LOGGING = ROOT / "tests" / "logging_plain.yml"
DEFAULT_INSTALL = ROOT / "tests" / "default_install"
logger = logging.getLogger("bench_scoring")


def rss_mb() -> float:
    """Current resident set size of this process, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (Linux: ru_maxrss is in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def demo_model() -> UserScoreModel:
    """The default blend (LightGBM + ridge) fitted on the embedded demo catalog.

    Stand-in residuals calibrate its interval per critic-score group (training
    uses out-of-fold residuals; the cost of scoring does not depend on them).
    """
    valid, _, _ = split_raw_games(pd.read_csv(DEMO_CATALOG, dtype=str))
    games, _ = clean_games(valid)
    table = create_model_input_table(games)
    labelled = table[table["is_labelled"]].reset_index(drop=True)
    residuals = np.random.default_rng(0).normal(0.0, 0.6, len(labelled))
    model = UserScoreModel.fit(
        labelled[INPUT_FEATURES],
        labelled["user_score"],
        components={"lightgbm": {}, "linear": {}},
        weights={"lightgbm": 0.5, "linear": 0.5},
        metadata={"model_version": "bench-demo"},
    )
    flags = model.novelty_flags(labelled)
    return model.with_intervals(NoveltyIntervals.calibrate(residuals, flags, ["meta"], 0.8, 30))


def batch_pool(n_games: int, seed: int) -> pd.DataFrame:
    """``n_games`` distinct demo games as raw batch rows, read back as ``batch_input`` reads."""
    parts, made, k = [], 0, 0
    while made < n_games:
        size = min(2000, n_games - made)
        games = generate_games(size, seed=seed + k, end="2021-03-01")
        parts.append(to_batch_input(games, id_prefix=f"p{k}"))
        made += size
        k += 1
    pool = spoil_rows(pd.concat(parts, ignore_index=True), 0.01, np.random.default_rng(seed))
    buffer = io.StringIO()
    pool.to_csv(buffer, index=False)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=str, keep_default_na=True)


def make_batch(pool: pd.DataFrame, n_rows: int, seed: int, start: int = 0) -> pd.DataFrame:
    """``n_rows`` rows drawn from ``pool`` with unique ids (spoiled duplicate ids kept);
    ``start``: the first row's number in the day (ids ``b<start>``, ...)."""
    picks = np.random.default_rng(seed).integers(0, len(pool), size=n_rows)
    batch = pool.take(picks).reset_index(drop=True)
    ids = pd.Series([f"b{i:09d}" for i in range(start, start + n_rows)], dtype=batch["id"].dtype)
    spoiled_id = batch["id"].isna()
    batch["id"] = ids.where(~spoiled_id, None)
    return batch


#: Syllables of the invented words that make every title of a realistic day distinct.
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def invented_words(n_words: int, start: int = 0) -> list[str]:
    """``n_words`` distinct capitalised invented words (``Baba``, ``Babe``, ...), from the
    ``start``-th on."""
    base = len(SYLLABLES)
    words = []
    for i in range(start, start + n_words):
        parts, k = [], i
        for _ in range(2):
            parts.append(SYLLABLES[k % base])
            k //= base
        while k:
            parts.append(SYLLABLES[k % base])
            k //= base
        words.append("".join(parts).capitalize())
    return words


def realistic_batch(pool: pd.DataFrame, n_rows: int, seed: int, start: int = 0) -> pd.DataFrame:
    """``n_rows`` rows of distinct games: pooled rows whose titles get a distinct word each.

    A spoiled title (missing, too long) stays as it is, so quarantine keeps its work.
    """
    batch = make_batch(pool, n_rows, seed, start)
    words = pd.Series(invented_words(n_rows, start), dtype=batch["title"].dtype)
    title = batch["title"]
    batch["title"] = (title + " " + words).where(title.notna(), title)
    return batch


#: Rows generated and written at a time (a 10M-row day is written in 10 pieces).
PIECE_ROWS = 1_000_000


def write_day(target: Path, pool: pd.DataFrame, make, n_rows: int, seed: int) -> None:
    """The day's CSV, ``PIECE_ROWS`` rows at a time (piece ``k`` drawn with ``seed + k``;
    a day of at most ``PIECE_ROWS`` rows is ``make(pool, n_rows, seed)`` as it is)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        for k, start in enumerate(range(0, n_rows, PIECE_ROWS)):
            piece = make(pool, min(PIECE_ROWS, n_rows - start), seed + k, start)
            piece.to_csv(handle, index=False, header=k == 0)


def pipeline_args(mode: str) -> list[str]:
    """The ``kedro run`` arguments of ``mode`` (scoring, chunked, dask)."""
    return {
        "scoring": ["--pipelines", "scoring"],
        "chunked": ["--pipelines", "scoring_chunked"],
        "dask": ["--env", "dask", "--pipelines", "scoring_dask"],
    }[mode]


def run_kedro_scoring(
    project: Path, run_date: str, mode: str = "scoring", install: str = "default"
) -> dict[str, float]:
    """Time ``kedro run --pipelines scoring`` on the project's batch_input of ``run_date``
    (``mode``: ``chunked``: ``--pipelines scoring_chunked``; ``dask``:
    ``--env dask --pipelines scoring_dask``, docs/dask.md).

    ``install``: ``default`` runs the child as the deployed image installs the project
    (``pip install .``: no ``tracking``, ``dask`` or ``dev`` extra), through the test
    suite's default-install shim (``tests/default_install``) in this environment;
    ``dev`` as this environment is (MLflow's imports and its run in the child's start).

    Returns wall seconds, the child's peak RSS (MB: with Dask's worker processes, the
    largest single process) and the node seconds the ``NodeTimingHook`` logged
    (``node <name> took <s> s``).
    """
    log = project / "bench_scoring_run.log"
    command = [
        sys.executable,
        "-m",
        "kedro",
        "run",
        *pipeline_args(mode),
        "--params",
        f"run_date={run_date}",
    ]
    # Plain, unwrapped log lines (Rich wraps them when not on a terminal), so every
    # "node <name> took <s> s" line of the timing hook can be read back.
    env = {
        **os.environ,
        "KEDRO_DISABLE_TELEMETRY": "1",
        "DO_NOT_TRACK": "1",
        "KEDRO_LOGGING_CONFIG": str(PLAIN_LOGGING),
    }
    if install == "default":
        env["PYTHONPATH"] = os.pathsep.join(
            [str(DEFAULT_INSTALL), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    started = time.perf_counter()
    with log.open("w") as handle:
        child = subprocess.Popen(
            command, cwd=project, stdout=handle, stderr=subprocess.STDOUT, env=env
        )
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    text = log.read_text()
    if status != 0:
        raise RuntimeError(f"kedro run failed ({status}); log: {log}\n{text[-3000:]}")
    nodes = {
        name: float(seconds) for name, seconds in re.findall(r"node (\S+) took ([0-9.]+) s", text)
    }
    return {"wall": wall, "peak_rss_mb": usage.ru_maxrss / 1024, "nodes": nodes}


def timed(label: str, timings: dict[str, float], func, *args):
    started = time.perf_counter()
    result = func(*args)
    timings[label] = time.perf_counter() - started
    logger.info(
        "%-26s %8.2f s   (RSS %6.0f MB, peak %6.0f MB)",
        label,
        timings[label],
        rss_mb(),
        peak_rss_mb(),
    )
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--day", choices=["realistic", "pooled"], default="realistic")
    parser.add_argument("--pool", type=int, default=40_000, help="distinct games drawn from")
    parser.add_argument(
        "--project", type=Path, default=None, help="project copy with a trained model: end to end"
    )
    parser.add_argument("--no-in-process", action="store_true", help="end to end only")
    parser.add_argument(
        "--dask",
        action="store_true",
        help="end to end on Dask: kedro run --env dask --pipelines scoring_dask (LocalCluster)",
    )
    parser.add_argument(
        "--chunked",
        action="store_true",
        help="end to end block by block: kedro run --pipelines scoring_chunked",
    )
    parser.add_argument(
        "--install",
        choices=["default", "dev"],
        default=None,
        help="the end-to-end child's install: default (as deployed, no MLflow; the default "
        "without --dask) or dev (this environment; the default with --dask)",
    )
    parser.add_argument("--chunk-size", type=int, default=200_000)
    parser.add_argument("--model", type=Path, default=None, help="model.pkl from training")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    warnings.simplefilter("ignore")

    if args.model:
        with args.model.open("rb") as handle:
            model = pickle.load(handle)
    else:
        model = demo_model()
    pool = batch_pool(args.pool, args.seed)
    make = realistic_batch if args.day == "realistic" else make_batch
    end_to_end = None
    if args.project is not None:
        install = args.install or ("dev" if args.dask else "default")
        if args.dask and install == "default":
            parser.error("--dask needs the dask extra: --install dev")
        mode = "dask" if args.dask else "chunked" if args.chunked else "scoring"
        target = args.project / "data" / "prod" / "input" / "dt=2021-03-01" / "input.csv"
        write_day(target, pool, make, args.rows, args.seed)
        end_to_end = run_kedro_scoring(args.project, "2021-03-01", mode=mode, install=install)
        node_seconds = sum(end_to_end["nodes"].values())
        logger.info(
            "end to end (%s install): kedro run %s %.2f s (%.0f rows/s), peak RSS %.0f MB; "
            "nodes %.2f s (%.0f rows/s): %s",
            install,
            " ".join(pipeline_args(mode)),
            end_to_end["wall"],
            args.rows / end_to_end["wall"],
            end_to_end["peak_rss_mb"],
            node_seconds,
            args.rows / node_seconds,
            {name: round(seconds, 2) for name, seconds in end_to_end["nodes"].items()},
        )
        if args.no_in_process:
            return {"rows": args.rows, "end_to_end": end_to_end}
    batch = make(pool, args.rows, args.seed)
    del pool
    run_date, params = RunDate("2021-03-01"), ScoringParams(chunk_size=args.chunk_size)
    quality = yaml.safe_load(SCORING_PARAMETERS.read_text())["scoring"]["quality"]
    distinct = {c: int(batch[c].nunique()) for c in ("title", "date", "developers", "genres")}
    rss_before = rss_mb()
    logger.info(
        "%s day: rows %d, distinct values %s, model %s, input frame ready (RSS %.0f MB)",
        args.day,
        len(batch),
        distinct,
        model.model_version,
        rss_before,
    )

    t: dict[str, float] = {}
    # Like Kedro's runner, drop each input once its last consumer has run (the
    # loaded batch after validation, the valid rows after the features).
    timed("file contract (BatchInput)", t, lambda b: BatchInput.validate(b, lazy=True), batch)
    valid, rejected, intake = timed(
        "validate_batch_input", t, validate_batch_input, batch, run_date
    )
    del batch
    features = timed("build_scoring_features", t, build_scoring_features, valid)
    profile = timed(
        "profile_batch_input", t, profile_batch_input, valid, rejected, intake, {}, quality
    )
    del valid
    predictions, scored, report = timed(
        "predict_batch", t, predict_batch, features, model, run_date, params
    )
    timed("report_quality", t, report_quality, profile)
    quarantine = timed("build_scoring_quarantine", t, build_scoring_quarantine, rejected, report)
    summary = timed("summarise_scoring", t, summarise_scoring, intake, rejected, report)
    pipeline_seconds = sum(t.values())
    quality_seconds = t["profile_batch_input"] + t["report_quality"]
    assert profile["rows"] == args.rows
    pipeline_peak = peak_rss_mb()
    assert summary["rows_scored"] + summary["rows_quarantined"] == args.rows
    assert len(quarantine) == summary["rows_quarantined"]
    del rejected, predictions, quarantine

    started = time.perf_counter()
    for start in range(0, len(scored), args.chunk_size):
        model.predict(scored.iloc[start : start + args.chunk_size].loc[:, INPUT_FEATURES])
    bare = time.perf_counter() - started

    result = {
        "rows": args.rows,
        "rows_scored": summary["rows_scored"],
        "rows_quarantined": summary["rows_quarantined"],
        "pipeline_seconds": pipeline_seconds,
        "rows_per_second": args.rows / pipeline_seconds,
        "quality_report_seconds": quality_seconds,
        "quality_report_share": quality_seconds / pipeline_seconds,
        "bare_predict_seconds": bare,
        "pipeline_over_bare_predict": pipeline_seconds / bare,
        "input_rss_mb": rss_before,
        "peak_rss_mb": pipeline_peak,
        "end_to_end": end_to_end,
    }
    logger.info("-" * 72)
    logger.info(
        "machine: %s, %s cores, Python %s", platform.platform(), _cores(), platform.python_version()
    )
    logger.info(
        "rows %d (scored %d, quarantined %d)",
        args.rows,
        summary["rows_scored"],
        summary["rows_quarantined"],
    )
    logger.info(
        "pipeline %.2f s = %.0f rows/s; bare model.predict %.2f s; pipeline / bare %.2fx",
        pipeline_seconds,
        result["rows_per_second"],
        bare,
        result["pipeline_over_bare_predict"],
    )
    logger.info(
        "data-quality report (profile + page) %.2f s = %.1f %% of the pipeline",
        quality_seconds,
        100 * result["quality_report_share"],
    )
    logger.info(
        "peak RSS %.0f MB during the pipeline (input frame alone: %.0f MB RSS before it)",
        pipeline_peak,
        rss_before,
    )
    return result


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
