"""The model: one artifact with preprocessing, the LightGBM/ridge blend, interval and metadata.

Training saves one :class:`UserScoreModel`; scoring loads it and calls
:meth:`UserScoreModel.predict` on :func:`user_score.features.build_features`
output and nothing else, so training and scoring can never disagree on
features (the training/inference binding idea of kedro-mlflow).

Every statistic learned from data (vocabularies, target encodings, the
linear model's text vocabulary, the interval widths) lives in
:class:`FeaturePreprocessor`, :class:`LinearTextModel` or the model and is
fitted on the rows passed to ``fit`` only: cross-validation fits a fresh
model per fold.

The point prediction is a blend of two models that see the same input
features: LightGBM on the preprocessed matrix (interactions, non-linear
year/platform effects) and :class:`LinearTextModel`, a ridge regression on
title words, developers, genres and splines of meta_score and release year
(smooth, well-regularised franchise and studio signals). On ~800 labelled
games the blend is more accurate than either part (see docs/model_card.md).

Import from here (``from user_score.model import UserScoreModel``); the
submodules are the package's inside:

* :mod:`.artifact` - :class:`UserScoreModel`, the versioned artifact
  (:data:`ARTIFACT_FORMAT`), its metadata helpers;
* :mod:`.encoding` - :class:`FeaturePreprocessor`: features -> LightGBM matrix
  (categorical codes, genre multi-hot, critic-adjusted target encodings);
* :mod:`.history` - the time-aware track record of franchises and developers;
* :mod:`.linear` - :class:`LinearTextModel`, the ridge on words, tokens and splines;
* :mod:`.conformal` - split-conformal prediction intervals per interval group;
* :mod:`.distinct` - per-distinct-value evaluation shared by all of them.

Pickled artifacts name their classes by this package's path,
``user_score.model.<Class>``, whichever submodule defines them (set below):
artifacts pickled by the single-module ``model.py`` load unchanged, artifacts
pickled by this code load in that older code too, and the layout inside the
package can change without breaking any artifact.
"""

from .artifact import (
    ARTIFACT_FORMAT,
    DEFAULT_LGBM,
    UserScoreModel,
    data_fingerprint,
    library_versions,
    predict_threads,
)
from .conformal import (
    INTERVAL_GROUP_COLUMN,
    MIN_GROUP_RESIDUALS,
    conformal_offsets,
    interval_group,
)
from .encoding import (
    CATEGORICAL_FEATURES,
    DEFAULT_PREPROCESSING,
    INPUT_FEATURES,
    NUMERIC_FEATURES,
    UNSEEN,
    FeaturePreprocessor,
    critic_baseline,
)
from .history import HISTORY_COLUMNS, HISTORY_KINDS, release_time
from .linear import DEFAULT_LINEAR, LINEAR_TOKEN_SOURCES, LinearTextModel

#: The classes a pickled artifact refers to; each is pickled as ``user_score.model.<name>``.
PICKLED_CLASSES: tuple[type, ...] = (UserScoreModel, FeaturePreprocessor, LinearTextModel)
for _pickled in PICKLED_CLASSES:
    _pickled.__module__ = __name__
del _pickled

__all__ = [
    "ARTIFACT_FORMAT",
    "CATEGORICAL_FEATURES",
    "DEFAULT_LGBM",
    "DEFAULT_LINEAR",
    "DEFAULT_PREPROCESSING",
    "HISTORY_COLUMNS",
    "HISTORY_KINDS",
    "INPUT_FEATURES",
    "INTERVAL_GROUP_COLUMN",
    "LINEAR_TOKEN_SOURCES",
    "MIN_GROUP_RESIDUALS",
    "NUMERIC_FEATURES",
    "PICKLED_CLASSES",
    "UNSEEN",
    "FeaturePreprocessor",
    "LinearTextModel",
    "UserScoreModel",
    "conformal_offsets",
    "critic_baseline",
    "data_fingerprint",
    "interval_group",
    "library_versions",
    "predict_threads",
    "release_time",
]
