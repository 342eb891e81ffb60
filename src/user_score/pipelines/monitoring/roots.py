"""Root causes: every monitored feature belongs to the raw column it is derived from.

One change upstream moves several features at once (a new platform moves
``platform``, ``platform_launch_year`` and ``years_since_platform_launch``), so
the status gives one reason per *root* and lists the drifted features under it.
"""

from __future__ import annotations

from .drift import PREDICTION

#: Raw column -> the monitored features derived from it.
ROOT_FEATURES: dict[str, tuple[str, ...]] = {
    "meta_score": ("meta_score", "meta_score_missing"),
    "date": ("release_year", "release_month", "release_quarter", "date_tba"),
    "platform": ("platform", "platform_launch_year", "years_since_platform_launch"),
    "esrb_rating": ("esrb_rating",),
    "genres": ("genres", "n_genres"),
    "developers": ("developers", "n_developers", "is_first_party"),
    "title": (
        "is_dlc",
        "is_port",
        "is_sequel",
        "has_subtitle",
        "title_length",
        "franchise",
        "base_title",
    ),
    PREDICTION: (PREDICTION,),
}

_ROOT_OF = {feature: root for root, features in ROOT_FEATURES.items() for feature in features}


def root_of(feature: str) -> str:
    """The raw column a feature comes from (the feature itself when unknown)."""
    return _ROOT_OF.get(feature, feature)
