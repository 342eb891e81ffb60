"""PSI and reference profiles on distributions whose answer is known by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from user_score.pipelines.monitoring.drift import (
    MISSING,
    NONE,
    OTHER,
    UNSEEN,
    bucket_counts,
    categorical_profile,
    compare,
    multilabel_profile,
    numeric_profile,
    profile_column,
    psi,
    psi_noise_floor,
)

#: (0.40-0.25)ln(0.40/0.25) + (0.30-0.25)ln(0.30/0.25) + (0.20-0.25)ln(0.20/0.25)
#: + (0.10-0.25)ln(0.10/0.25), computed by hand.
HAND_PSI = 0.15 * math.log(1.6) + 0.05 * math.log(1.2) - 0.05 * math.log(0.8) - 0.15 * math.log(0.4)


def test_identical_distributions_have_zero_psi():
    values = pd.Series(np.random.default_rng(0).normal(70, 10, 5000))
    profile = numeric_profile(values, n_bins=10)
    value, _ = compare(profile, values, epsilon=1e-4)
    assert value == pytest.approx(0.0, abs=1e-12)


def test_a_known_shift_gives_the_hand_computed_psi():
    assert psi([0.25] * 4, [0.40, 0.30, 0.20, 0.10]) == pytest.approx(HAND_PSI, rel=1e-12)
    assert pytest.approx(0.2282, abs=1e-4) == HAND_PSI
    # The same through quartile bins of a reference 1..100 and a current sample
    # with 40 / 30 / 20 / 10 % in those quartiles.
    reference = pd.Series(np.arange(1, 101), dtype="float64")
    profile = numeric_profile(reference, n_bins=4)
    current = pd.Series([10.0] * 40 + [40.0] * 30 + [60.0] * 20 + [90.0] * 10)
    value, table = compare(profile, current, epsilon=1e-4)
    assert table["reference_share"].tolist() == pytest.approx([0.25, 0.25, 0.25, 0.25, 0.0])
    assert value == pytest.approx(HAND_PSI, rel=1e-9)  # the empty missing bin adds 0


def test_outer_bins_are_open_and_nothing_is_lost():
    profile = numeric_profile(pd.Series(np.arange(0, 100, dtype="float64")), n_bins=10)
    assert profile["buckets"][0].startswith("(-inf") and profile["buckets"][-2].endswith("inf)")
    current = pd.Series([-1e9, -5.0, 50.0, 1e9, np.nan])
    counts = bucket_counts(profile, current)
    assert counts.sum() == len(current)
    assert counts[0] == 2 and counts[-2] == 1 and counts[-1] == 1  # below, above, missing


def test_missing_values_have_their_own_bucket_and_epsilon_keeps_psi_finite():
    reference = pd.Series([1.0, 2.0, 3.0, 4.0] * 25)  # no missing values at all
    profile = numeric_profile(reference, n_bins=4)
    assert profile["buckets"][-1] == MISSING and profile["shares"][-1] == 0.0
    current = pd.Series([1.0, 2.0, 3.0, 4.0] * 20 + [np.nan] * 20)  # 20 % missing
    value, table = compare(profile, current, epsilon=1e-4)
    assert table.set_index("bucket").loc[MISSING, "current_share"] == pytest.approx(0.2)
    expected = 4 * (0.2 - 0.25) * math.log(0.2 / 0.25) + (0.2 - 1e-4) * math.log(0.2 / 1e-4)
    assert value == pytest.approx(expected, rel=1e-9)
    assert math.isfinite(value)


def test_unseen_categories_land_in_their_bucket_with_a_good_turing_reference_share():
    reference = pd.Series(["WII"] * 50 + ["DS"] * 45 + ["N64", "GC", "GBA", "GBA", "GC"])
    profile = categorical_profile(reference)
    # Singletons N64 (1 of 100 values): P(next value is new) = 1 %.
    assert profile["unseen_share"] == pytest.approx(0.01)
    shares = dict(zip(profile["buckets"], profile["shares"], strict=True))
    assert shares[UNSEEN] == pytest.approx(0.01)
    assert sum(profile["shares"]) == pytest.approx(1.0)
    current = pd.Series(["PS5"] * 30 + ["WII"] * 70)
    value, table = compare(profile, current, epsilon=1e-4)
    assert table.set_index("bucket").loc[UNSEEN, "current_share"] == pytest.approx(0.3)
    assert value > 0.25  # 30 % of a never-seen platform is critical drift


def test_multilabel_genres_and_top_n_developers():
    reference = pd.Series(
        [["Action", "2D"], ["Action"], ["Puzzle"], [], ["Action", "Puzzle", "Rare"]] * 20
    )
    profile = multilabel_profile(reference, top_n=2)
    assert profile["buckets"] == ["Action", "Puzzle", OTHER, UNSEEN, NONE]
    current = pd.Series([np.array(["Action", "Brand New"]), None, "['2D', 'Puzzle']"])
    counts = dict(zip(profile["buckets"], bucket_counts(profile, current), strict=True))
    assert counts == {"Action": 1, "Puzzle": 1, OTHER: 1, UNSEEN: 1, NONE: 1}


def test_profile_column_picks_the_kind_and_handles_booleans():
    assert profile_column(pd.Series([1.5, 2.5, None]), 10)["kind"] == "numeric"
    assert profile_column(pd.Series(["E", "T", None]), 10)["kind"] == "categorical"
    assert profile_column(pd.Series([["a"], []]), 10)["kind"] == "multilabel"
    flags = profile_column(pd.Series([True, False, False, False]), 10)
    assert flags["boolean"] and flags["categories"] == ["False", "True"]
    value, _ = compare(flags, pd.Series([True, False, False, False] * 3), 1e-4)
    assert value == pytest.approx(0.0, abs=1e-12)


def test_noise_floor_is_the_expected_psi_without_drift():
    assert psi_noise_floor(11, 1000, 500) == pytest.approx(10 * (1 / 1000 + 1 / 500))
    rng = np.random.default_rng(1)
    reference = pd.Series(rng.normal(size=20_000))
    profile = numeric_profile(reference, n_bins=10)
    values = [compare(profile, pd.Series(rng.normal(size=500)), 1e-4)[0] for _ in range(200)]
    floor = psi_noise_floor(len(profile["buckets"]) - 1, 20_000, 500)  # missing bin stays empty
    assert np.mean(values) == pytest.approx(floor, rel=0.25)
