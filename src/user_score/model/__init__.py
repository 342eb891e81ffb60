"""The model: one artifact with preprocessing, weighted components, novelty intervals, metadata.

Training saves one :class:`UserScoreModel`; scoring loads it and calls
:meth:`UserScoreModel.predict` on :func:`user_score.features.build_features`
output and nothing else, so training and scoring can never disagree on
features (the training/inference binding idea of kedro-mlflow).

Every statistic learned from data (vocabularies, target encodings, the
linear model's text vocabulary, the interval widths) lives in
:class:`FeaturePreprocessor`, :class:`LinearTextModel` or the model and is
fitted on the rows passed to ``fit`` only: cross-validation fits a fresh
model per fold.

The point prediction is a weighted sum of components that read the same
input features: the critic-score line (:class:`CriticLine`), LightGBM on the
preprocessed matrix (interactions, non-linear year/platform effects; on the
target or on the critic line's residual) and :class:`LinearTextModel`, a ridge
on developer/genre/platform tokens and splines of meta_score and release year
(optionally title words). Which combination is deployed is chosen by the
training pipeline's selection rule (docs/model_card.md).

Import from here (``from user_score.model import UserScoreModel``); the
submodules are the package's inside:

* :mod:`.artifact` - :class:`UserScoreModel`, the versioned artifact
  (:data:`ARTIFACT_FORMAT`, :data:`COMPONENTS`), its metadata helpers;
* :mod:`.critic` - :class:`CriticLine`, the critic-score line;
* :mod:`.encoding` - :class:`FeaturePreprocessor`: features -> LightGBM matrix
  (categorical codes, genre multi-hot, critic-adjusted target encodings);
* :mod:`.history` - the time-aware track record of franchises and developers;
* :mod:`.linear` - :class:`LinearTextModel`, the ridge on words, tokens and splines;
* :mod:`.novelty` - :class:`NoveltyProfile`: studio / franchise / critic-score novelty;
* :mod:`.conformal` - :class:`NoveltyIntervals`: conformal intervals per novelty cell,
  with :class:`ResidualQuantiles` (conformalized quantile regression);
* :mod:`.distinct` - per-distinct-value evaluation shared by all of them.

Pickled artifacts name their classes by this package's path,
``user_score.model.<Class>``, whichever submodule defines them (set below):
artifacts pickled by the single-module ``model.py`` load unchanged, artifacts
pickled by this code load in that older code too, and the layout inside the
package can change without breaking any artifact.
"""

from .artifact import (
    ARTIFACT_FORMAT,
    COMPONENTS,
    DEFAULT_LGBM,
    UserScoreModel,
    data_fingerprint,
    library_versions,
    predict_threads,
)
from .conformal import (
    QUANTILE_FEATURES,
    NoveltyIntervals,
    ResidualQuantiles,
    conformal_offsets,
    quantile_inputs,
)
from .critic import CriticLine
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
from .novelty import NOVELTY_FLAGS, NoveltyProfile, novelty_cell

#: The classes a pickled artifact refers to; each is pickled as ``user_score.model.<name>``.
PICKLED_CLASSES: tuple[type, ...] = (
    UserScoreModel,
    FeaturePreprocessor,
    LinearTextModel,
    CriticLine,
    NoveltyProfile,
    NoveltyIntervals,
    ResidualQuantiles,
)
for _pickled in PICKLED_CLASSES:
    _pickled.__module__ = __name__
del _pickled

__all__ = [
    "ARTIFACT_FORMAT",
    "CATEGORICAL_FEATURES",
    "COMPONENTS",
    "DEFAULT_LGBM",
    "DEFAULT_LINEAR",
    "DEFAULT_PREPROCESSING",
    "HISTORY_COLUMNS",
    "HISTORY_KINDS",
    "INPUT_FEATURES",
    "LINEAR_TOKEN_SOURCES",
    "NOVELTY_FLAGS",
    "NUMERIC_FEATURES",
    "PICKLED_CLASSES",
    "QUANTILE_FEATURES",
    "UNSEEN",
    "CriticLine",
    "FeaturePreprocessor",
    "LinearTextModel",
    "NoveltyIntervals",
    "NoveltyProfile",
    "ResidualQuantiles",
    "UserScoreModel",
    "conformal_offsets",
    "critic_baseline",
    "data_fingerprint",
    "library_versions",
    "novelty_cell",
    "predict_threads",
    "quantile_inputs",
    "release_time",
]
