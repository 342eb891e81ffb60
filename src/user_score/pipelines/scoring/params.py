"""Typed ``params:scoring`` (``conf/base/parameters_scoring.yml``), validated by Kedro 1.7.

The day to score is the top-level ``params:run_date`` (:class:`user_score.params.RunDate`).
"""

from __future__ import annotations

from pydantic import Field

from user_score.params import StrictParams
from user_score.quality import QualityParams


class ScoringParams(StrictParams):
    """``params:scoring``."""

    #: Rows per model call: bounds the working memory of a large day.
    chunk_size: int = Field(ge=1)
    #: The day's data-quality report (``batch_input_quality_*``; user_score.quality).
    quality: QualityParams = Field(default_factory=QualityParams)
