"""Typed parameters of the data-quality profile (``data_engineering.quality``, ``scoring.quality``).

Kedro 1.7 validates a node's ``params:`` input against the pydantic model
its argument is annotated with: a wrong key or an out-of-range threshold
stops the run before any node runs, naming the parameter.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ChangeThresholds(BaseModel):
    """When a change since the previous profile of the same dataset becomes a warning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    row_count_change: float = Field(
        0.5, ge=0, description="Relative change in the number of rows (0.5: +-50 %)."
    )
    missing_rate_jump: float = Field(
        0.05, ge=0, le=1, description="Rise of a column's missing share (0.05: 5 points)."
    )
    new_category_share: float = Field(
        0.01, ge=0, le=1, description="Share of rows holding categories the previous file lacked."
    )
    rule_failure_jump: float = Field(
        0.02, ge=0, le=1, description="Rise of the share of rows failing one contract rule."
    )
    median_shift_iqr: float = Field(
        0.5, ge=0, description="Shift of a numeric column's median, in previous IQRs."
    )


class QualityParams(BaseModel):
    """How a file is profiled, and which findings are warnings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    top_values: int = Field(5, ge=1, le=100, description="Most frequent values kept per column.")
    max_categories: int = Field(
        50, ge=1, description="At most this many distinct values: a category column (all kept)."
    )
    example_rows: int = Field(10, ge=0, le=1000, description="Row numbers listed per finding.")
    iqr_multiplier: float = Field(1.5, gt=0, description="Outlier fences: Q1/Q3 -+ k * IQR.")
    target_bins: int = Field(10, ge=1, le=200, description="Bins of the target histogram.")
    missing_rate_warning: float = Field(
        0.5, ge=0, le=1, description="A column at least this share missing is a warning."
    )
    rule_failure_warning: float = Field(
        0.05, ge=0, le=1, description="A rule failed by at least this share of rows is a warning."
    )
    changes: ChangeThresholds = Field(default_factory=ChangeThresholds)
