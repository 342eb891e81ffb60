"""Per-distinct-value evaluation: a row-wise function computed once per distinct input.

Scoring batches repeat their values (a handful of platforms, shared genre
and developer lists, re-released titles). Every part of the model is a
row-wise function of its inputs, so the encoders, the linear model and
:meth:`~user_score.model.UserScoreModel.features_hash` group the rows by
their distinct inputs here, evaluate once per group and take the results back
by row: bit-identical to evaluating every row, several times faster (see
docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def as_tuples(series: pd.Series) -> pd.Series:
    """Lists/arrays of names as hashable tuples (None -> empty tuple)."""
    return series.map(lambda names: tuple(names) if names is not None else ())


def name_codes(series: pd.Series) -> tuple[np.ndarray, list[tuple]]:
    """Codes of a column of name lists, and its distinct lists as tuples (None -> ``()``).

    ``uniques[codes[i]] == as_tuples(series)[i]``, at a per-row cost of one
    ``id()`` call: rows are first grouped by list *object* (``build_features``
    shares one list between the rows of a distinct raw string), then the
    distinct objects by content, so equal lists in different objects still
    get one code.
    """
    values = series.to_numpy(dtype=object)
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp), []
    ids = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    object_codes, object_ids = pd.factorize(ids)
    first = np.empty(len(object_ids), dtype=np.intp)
    first[object_codes[::-1]] = np.arange(len(values) - 1, -1, -1)
    tuples = np.empty(len(first), dtype=object)
    for i, names in enumerate(values[first]):
        tuples[i] = tuple(names) if names is not None else ()
    content_codes, uniques = pd.factorize(tuples)
    return content_codes[object_codes], list(uniques)


def map_names(series: pd.Series, func: Any, dtype: Any = object) -> np.ndarray:
    """``func`` of each row's names tuple, once per distinct list (see :func:`name_codes`)."""
    codes, uniques = name_codes(series)
    results = np.empty(len(uniques), dtype=dtype)
    for i, names in enumerate(uniques):
        results[i] = func(names)
    return results[codes]


def unique_rows(*keys: np.ndarray | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Group rows that are equal in every key (missing values, None or NaN, equal each other).

    Only used on keys whose missing values all give the same result (pandas
    ``astype(str)`` keeps None and NaN both missing).

    Returns:
        ``(codes, first)``: a group code per row, and the position of the first
        row of each group. A row-wise function evaluated on the ``first`` rows
        and taken by ``codes`` equals the function evaluated on every row.
    """
    n_rows = len(keys[0])
    combined = np.zeros(n_rows, dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(np.asarray(key), use_na_sentinel=False)
        # combined < n_rows and codes < len(uniques) <= n_rows: no int64 overflow.
        combined, _ = pd.factorize(combined * len(uniques) + codes)
    n_groups = int(combined.max()) + 1 if n_rows else 0
    first = np.empty(n_groups, dtype=np.intp)
    first[combined[::-1]] = np.arange(n_rows - 1, -1, -1)
    return combined.astype(np.intp), first


def category_codes(series: pd.Series, vocabulary: list[str]) -> np.ndarray:
    """Code of each row in ``[*vocabulary, <unseen>]`` (``astype(str)`` per distinct value).

    Missing values and values outside the vocabulary get the unseen code,
    ``len(vocabulary)``, exactly as ``series.astype(str).isin(vocabulary)`` decides.
    """
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))  # missing -> -1
    position = {name: i for i, name in enumerate(vocabulary)}
    text = pd.Series(uniques, dtype=object).astype(str)
    unique_codes = np.array(
        [
            position.get(name, len(vocabulary)) if isinstance(name, str) else len(vocabulary)
            for name in text.tolist()
        ]
        + [len(vocabulary)],
        dtype=np.int64,
    )
    return unique_codes[codes]
