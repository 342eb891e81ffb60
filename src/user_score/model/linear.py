"""The linear component: ridge on categorical tokens, splines and (optionally) title words.

:class:`LinearTextModel` is a candidate on its own (``linear``) and the smooth
part of the blends (studio and genre signals from tokens; with
``title_words``, franchise and series signals from the title's words). It reads
the same ``build_features`` columns as the LightGBM part; its TF-IDF rows are
computed once per distinct title and token document (:mod:`.distinct`), a token
document's counts summed from its parts' (each distinct part counted once).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.preprocessing import SplineTransformer

from .distinct import map_names, name_codes, unique_rows

#: :class:`LinearTextModel` parameters (``training.linear`` in parameters_training.yml).
DEFAULT_LINEAR: dict[str, Any] = {
    "alpha": 3.0,
    "spline_knots": 5,
    "numeric_weight": 3.0,
    "min_df": 2,
    "title_words": True,
}

_NON_WORD = re.compile(r"[^a-z0-9]+")


def _tokens(prefix: str, names: tuple) -> str:
    return " ".join(f"{prefix}{_NON_WORD.sub('_', name.lower())}" for name in names)


#: Token prefixes of :class:`LinearTextModel` and the input feature each one reads.
LINEAR_TOKEN_SOURCES: dict[str, str] = {
    "dev_": "developers",
    "gen_": "genres",
    "plat_": "platform",
    "esrb_": "esrb_rating",
    "miss_": "meta_score_missing",
    "era_": "release_year",
}


# Pickled as user_score.model.LinearTextModel: see the package's __init__.
class LinearTextModel:
    """Ridge regression on categorical tokens, numeric splines and optional title words.

    The linear candidate, and the smooth half of the blends. Columns:

    * with ``title_words`` only: TF-IDF of the title's words and word pairs
      (franchise and series signals: ``pokemon``, ``mario party``, ``pack``...);
    * one token per developer, genre, platform and ESRB rating, plus
      ``missing critic score x platform`` and ``platform x 3-year era`` tokens;
    * cubic splines of meta_score (median-imputed) and release_year, and the
      meta_score_missing flag.

    Every vocabulary, the imputation median and the spline knots are fitted on
    the rows passed to :meth:`fit` only.
    """

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.params = {**DEFAULT_LINEAR, **(params or {})}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Artifacts of format 1 predate the switch: they always read title words.
        self.__dict__.update(state)
        self.params.setdefault("title_words", True)

    @property
    def title_words(self) -> bool:
        """Whether the title's words are columns of the ridge."""
        return bool(self.params["title_words"])

    @staticmethod
    def _era_year(features: pd.DataFrame) -> pd.Series:
        """The release year as the ``era_`` token reads it (``year // 3``; missing -> 0)."""
        return features["release_year"].fillna(0).astype("int64")

    @staticmethod
    def _token_parts(features: pd.DataFrame) -> list[pd.Series]:
        """The six parts of each row's token document (developers, genres, platform, ESRB,
        missing critic score x platform, platform x era), each a string of tokens."""
        year = LinearTextModel._era_year(features)
        platform = features["platform"].astype(str).str.lower()
        missing = features["meta_score_missing"].astype(bool).map({True: "yes", False: "no"})
        return [
            pd.Series(
                map_names(features["developers"], lambda n: _tokens("dev_", n)),
                index=features.index,
                dtype=object,
            ),
            pd.Series(
                map_names(features["genres"], lambda n: _tokens("gen_", n)),
                index=features.index,
                dtype=object,
            ),
            "plat_" + platform,
            "esrb_" + features["esrb_rating"].astype(str).str.lower().str.replace("+", "p"),
            "miss_" + missing + "_" + platform,
            "era_" + platform + "_" + (year // 3).astype(str),
        ]

    @staticmethod
    def _token_docs(features: pd.DataFrame) -> pd.Series:
        """Each row's token document: its parts joined by spaces."""
        parts = LinearTextModel._token_parts(features)
        docs = parts[0].astype(str)
        for part in parts[1:]:
            docs = docs + " " + part.astype(str)
        return docs

    def _token_tfidf(self, features: pd.DataFrame) -> sparse.csr_matrix:
        """``token_vectorizer_.transform(_token_docs(features))``, from each part's counts.

        A document's tokens are its parts' tokens (the parts are joined by spaces), so its
        term counts are the sum of its parts' counts: each distinct part is counted once
        (a few thousand instead of a document per row), the counts are summed by row, and
        the vectorizer's own TF-IDF step weights and normalises them as ``transform`` does
        (``_tfidf``, the step ``TfidfVectorizer.transform`` applies to its counts; a test
        compares the two bit for bit).
        """
        counts = None
        for part in self._token_parts(features):
            codes, distinct = pd.factorize(part.astype(str), use_na_sentinel=False)
            rows = CountVectorizer.transform(self.token_vectorizer_, distinct)[codes]
            counts = rows if counts is None else counts + rows
        counts.sort_indices()
        return self.token_vectorizer_._tfidf.transform(counts, copy=False)

    def _numeric(self, features: pd.DataFrame) -> np.ndarray:
        values = np.column_stack(
            [
                features["meta_score"].astype("float64").fillna(self.meta_median_).to_numpy(),
                features["release_year"].astype("float64").fillna(self.year_median_).to_numpy(),
            ]
        )
        splines = self.splines_.transform(values)
        missing = features["meta_score_missing"].astype("float64").to_numpy()[:, None]
        return np.hstack([splines, missing]) * float(self.params["numeric_weight"])

    def fit(self, features: pd.DataFrame, y: pd.Series | np.ndarray) -> LinearTextModel:
        """Fit vocabularies, splines and the ridge on these rows only."""
        target = np.asarray(y, dtype="float64")
        meta = features["meta_score"].astype("float64")
        year = features["release_year"].astype("float64")
        self.meta_median_ = float(meta.median()) if meta.notna().any() else 70.0
        self.year_median_ = float(year.median()) if year.notna().any() else 2010.0
        knots = int(self.params["spline_knots"])
        self.splines_ = SplineTransformer(n_knots=knots, degree=3).fit(
            np.column_stack(
                [meta.fillna(self.meta_median_).to_numpy(), year.fillna(self.year_median_)]
            )
        )
        min_df = int(self.params["min_df"]) if len(features) >= 50 else 1
        titles = self._titles(features)
        self.words_ = None
        if self.title_words:
            self.words_ = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True)
            self.words_.fit(titles)
        self.token_vectorizer_ = TfidfVectorizer(
            min_df=min_df, token_pattern=r"\S+", lowercase=False
        ).fit(self._token_docs(features))
        self.intercept_ = float(target.mean())
        self.ridge_ = Ridge(alpha=float(self.params["alpha"]))
        self.ridge_.fit(self._matrix_from(features, titles), target - self.intercept_)
        return self

    @staticmethod
    def _titles(features: pd.DataFrame) -> pd.Series:
        # build_features has no raw title column; base_title is the lower-cased
        # title without edition words, which is what the words should read.
        return features["base_title"].astype(str)

    def _matrix_from(self, features: pd.DataFrame, titles: pd.Series | None) -> sparse.csr_matrix:
        # TF-IDF rows depend only on their own document: vectorise each distinct
        # title and each distinct token-document input once, then take the rows.
        blocks = []
        if self.words_ is not None:
            title_codes, distinct_titles = pd.factorize(titles)
            blocks.append(self.words_.transform(distinct_titles)[title_codes])
        token_codes, token_first = unique_rows(
            name_codes(features["developers"])[0],
            name_codes(features["genres"])[0],
            features["platform"].to_numpy(dtype=object),
            features["esrb_rating"].to_numpy(dtype=object),
            features["meta_score_missing"].astype(bool).to_numpy(),
            # the token document reads the year only through its era
            (self._era_year(features) // 3).to_numpy(),
        )
        blocks += [
            self._token_tfidf(features.iloc[token_first])[token_codes],
            sparse.csr_matrix(self._numeric(features)),
        ]
        return sparse.hstack(blocks).tocsr()

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Predicted user scores (not clipped)."""
        titles = self._titles(features) if self.words_ is not None else None
        matrix = self._matrix_from(features, titles)
        return self.ridge_.predict(matrix) + self.intercept_

    def feature_sources(self) -> list[str]:
        """The input feature each ridge column reads (for driver attribution)."""
        sources = ["base_title"] * (len(self.words_.vocabulary_) if self.words_ is not None else 0)
        tokens = self.token_vectorizer_.get_feature_names_out()
        for token in tokens:
            prefix = token.split("_", 1)[0] + "_"
            sources.append(LINEAR_TOKEN_SOURCES.get(prefix, "other"))
        n_spline = self.splines_.n_features_out_ // 2
        sources += ["meta_score"] * n_spline + ["release_year"] * n_spline
        sources.append("meta_score_missing")
        return sources

    def contributions(self, features: pd.DataFrame, reference: np.ndarray) -> pd.DataFrame:
        """Per-row contribution of each input feature: ``coef * (x - reference)``.

        Args:
            features: Rows to explain.
            reference: Mean of the training matrix columns (the "average game").
        """
        matrix = self._matrix_from(features, self._titles(features))
        centred = matrix.toarray() - reference
        parts = centred * self.ridge_.coef_
        frame = pd.DataFrame(parts, index=features.index)
        frame.columns = self.feature_sources()
        return frame.T.groupby(level=0).sum().T

    def column_means(self, features: pd.DataFrame) -> np.ndarray:
        """Column means of the ridge matrix on ``features`` (reference for contributions)."""
        matrix = self._matrix_from(features, self._titles(features))
        return np.asarray(matrix.mean(axis=0)).ravel()
