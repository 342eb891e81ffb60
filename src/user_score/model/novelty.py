"""How new a game is to the model: studio, franchise and critic score, relative to training.

Every evaluation protocol and every scored row is described by three flags:

* ``studio``: ``known`` if any of its developers made a training game, else ``unseen``;
* ``franchise``: ``known`` if its franchise key occurs in training, else ``new``;
* ``meta``: ``present`` or ``missing`` critic score.

The prediction intervals are calibrated per novelty cell (Mondrian conformal,
:mod:`.conformal`), the model card reports every protocol per flag, and
monitoring compares each day with the accuracy expected for its mix of cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .distinct import as_tuples, map_names

#: The flags and their values (the first value is the familiar one).
NOVELTY_FLAGS: dict[str, tuple[str, str]] = {
    "studio": ("known", "unseen"),
    "franchise": ("known", "new"),
    "meta": ("present", "missing"),
}


# Pickled as user_score.model.NoveltyProfile: see the package's __init__.
@dataclass
class NoveltyProfile:
    """The studios and franchises of the training games."""

    developers: frozenset[str] = field(default_factory=frozenset)
    franchises: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def fit(cls, features: pd.DataFrame) -> NoveltyProfile:
        """Remember the developers and franchise keys of these (training) rows."""
        developers = as_tuples(features["developers"]).explode().dropna().astype(str)
        return cls(frozenset(developers), frozenset(features["franchise"].astype(str)))

    def flags(self, features: pd.DataFrame) -> pd.DataFrame:
        """``studio``, ``franchise`` and ``meta`` flags of each row (see :data:`NOVELTY_FLAGS`)."""
        known = self.developers
        studio_known = map_names(
            features["developers"], lambda names: any(n in known for n in names), bool
        )
        franchise_known = features["franchise"].astype(str).isin(self.franchises).to_numpy()
        meta_missing = features["meta_score"].isna().to_numpy()
        return pd.DataFrame(
            {
                "studio": np.where(studio_known.astype(bool), "known", "unseen"),
                "franchise": np.where(franchise_known, "known", "new"),
                "meta": np.where(meta_missing, "missing", "present"),
            },
            index=features.index,
        )


def novelty_cell(flags: pd.DataFrame, groups: list[str] | tuple[str, ...]) -> pd.Series:
    """Cell key of each row over ``groups`` (``meta=present|franchise=new``); ``all`` if none."""
    if not groups:
        return pd.Series("all", index=flags.index, dtype=object)
    key = flags[groups[0]].radd(f"{groups[0]}=")
    for name in groups[1:]:
        key = key + f"|{name}=" + flags[name]
    return key.astype(object)
