"""Tests of the synthetic demo-data generator (determinism, realism, drift, formats)."""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from user_score.demo_data import (
    DEFAULT_SEED,
    DEVELOPER_COUNTS,
    RAW_COLUMNS,
    TAIL_DEVELOPERS,
    catalog_universe,
    generate_catalog,
    generate_games,
    to_batch_input,
    to_raw_catalog,
    write_catalog,
)

REPO_ROOT = Path(__file__).parents[1]
COMMITTED_CATALOG = REPO_ROOT / "data" / "01_raw" / "games_catalog.csv"
REAL_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "nintendo_games.csv"

REAL_PLATFORMS = {"3DS", "DS", "WII", "Switch", "WIIU", "GBA", "GC", "N64", "iOS"}
DATE_RE = r"^(?:[A-Z][a-z]{2} [1-9]\d?, (?:19|20)\d{2}|TBA|Canceled|TBA (?:19|20)\d{2}|Q[1-4] (?:19|20)\d{2})$"  # noqa: E501
LIST_RE = r"""^\[(?:'[^']*'|"[^"]*")(?:, (?:'[^']*'|"[^"]*"))*\]$"""
LINK_RE = r"^/game/[a-z0-9\-]+/[a-z0-9+!\-]+$"


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    """The generated catalog as it reads back from CSV."""
    if COMMITTED_CATALOG.exists():
        return pd.read_csv(COMMITTED_CATALOG)
    return pd.read_csv(io.StringIO(generate_catalog().to_csv(index=False)))


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    if not REAL_FILE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real reference file missing in CI: {REAL_FILE}")
        pytest.skip(f"real reference file absent: {REAL_FILE}")
    return pd.read_csv(REAL_FILE)


def _year(df: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(df["date"], format="%b %d, %Y", errors="coerce").dt.year


# ----------------------------------------------------------------------------- (a)
def test_generate_games_is_deterministic() -> None:
    a = generate_games(400, seed=11)
    b = generate_games(400, seed=11)
    pd.testing.assert_frame_equal(a, b)
    c = generate_games(400, seed=12)
    assert not a["title"].equals(c["title"])


def test_raw_catalog_is_deterministic() -> None:
    pd.testing.assert_frame_equal(generate_catalog(500, seed=3), generate_catalog(500, seed=3))


def test_write_reproduces_committed_file(tmp_path: Path) -> None:
    assert COMMITTED_CATALOG.exists(), "run: python -m user_score.demo_data (see module doc)"
    out = write_catalog(tmp_path / "catalog.csv", n_rows=2000, seed=DEFAULT_SEED)
    assert out.read_bytes() == COMMITTED_CATALOG.read_bytes()


# ----------------------------------------------------------------------------- (b)
@pytest.mark.real_data
def test_same_columns_as_real(catalog: pd.DataFrame, real: pd.DataFrame) -> None:
    assert list(catalog.columns) == list(real.columns) == RAW_COLUMNS


@pytest.mark.real_data
def test_value_formats_match_real(catalog: pd.DataFrame, real: pd.DataFrame) -> None:
    for df in (real, catalog):  # the regexes must describe the real file too
        assert df["date"].str.fullmatch(DATE_RE).all()
        for col in ("developers", "genres"):
            assert df[col].dropna().str.fullmatch(LIST_RE).all(), col
        assert df["link"].str.fullmatch(LINK_RE).all()
        meta = df["meta_score"].dropna()
        assert (meta == meta.round()).all()
        user = df["user_score"].dropna()
        assert np.allclose(user, user.round(1))
        assert set(df["esrb_rating"].dropna()) <= {"E", "E10+", "T", "M", "RP"}
    assert set(catalog["platform"]) >= REAL_PLATFORMS
    assert set(catalog["date"]) >= {"TBA", "Canceled"}
    # split company suffixes / leading spaces and repeated genres exist, as in the real file
    devs = catalog["developers"].dropna().map(ast.literal_eval)
    assert devs.map(lambda items: any(x.startswith(" ") for x in items[1:])).any()
    assert devs.map(lambda items: any(x.strip() in {"Ltd.", "Inc."} for x in items)).any()
    genres = catalog["genres"].dropna().map(ast.literal_eval)
    dup_rate = genres.map(lambda g: len(g) != len(set(g))).mean()
    assert 0.25 < dup_rate < 0.55
    # scrape-error platforms keep the true platform in the link slug
    errors = catalog[~catalog["platform"].isin(REAL_PLATFORMS)]
    assert len(errors) >= 1
    assert errors["platform"].str.endswith(")").all()
    slugs = errors["link"].str.split("/").str[2]
    assert slugs.isin(
        [
            "3ds",
            "ds",
            "wii",
            "switch",
            "wii-u",
            "game-boy-advance",
            "gamecube",
            "nintendo-64",
            "ios",
        ]
    ).all()
    assert catalog["link"].duplicated().sum() >= 2


@pytest.mark.real_data
@pytest.mark.parametrize("column", ["meta_score", "user_score", "esrb_rating"])
def test_missing_rates_close_to_real(
    catalog: pd.DataFrame, real: pd.DataFrame, column: str
) -> None:
    gen_rate, real_rate = catalog[column].isna().mean(), real[column].isna().mean()
    assert abs(gen_rate - real_rate) <= 0.05, (column, gen_rate, real_rate)


@pytest.mark.real_data
def test_score_relationship_close_to_real(catalog: pd.DataFrame, real: pd.DataFrame) -> None:
    gen_corr = catalog["meta_score"].corr(catalog["user_score"])
    real_corr = real["meta_score"].corr(real["user_score"])
    assert abs(gen_corr - real_corr) <= 0.1, (gen_corr, real_corr)
    assert abs(catalog["user_score"].mean() - real["user_score"].mean()) <= 0.3
    assert abs(catalog["user_score"].std() - real["user_score"].std()) <= 0.3
    assert abs(catalog["meta_score"].mean() - real["meta_score"].mean()) <= 3


@pytest.mark.real_data
def test_yearly_trend_declines_like_real(catalog: pd.DataFrame, real: pd.DataFrame) -> None:
    for df in (real, catalog):
        year = _year(df)
        early = df.loc[year <= 2005, "user_score"].mean()
        late = df.loc[year >= 2015, "user_score"].mean()
        assert late < early - 0.4, (early, late)
        ok = year.notna() & df["user_score"].notna()
        slope = np.polyfit(year[ok], df.loc[ok, "user_score"], 1)[0]
        assert slope < 0


# ----------------------------------------------------------------------------- (c)
@pytest.mark.real_data
def test_no_generated_link_equals_a_real_link(catalog: pd.DataFrame, real: pd.DataFrame) -> None:
    real_links = set(real["link"])
    real_titles = set(real["title"])
    assert not real_links & set(catalog["link"])
    assert not real_titles & set(catalog["title"])
    # also for a differently seeded and drifted draw
    other = generate_games(3000, seed=99, drift={"new_platforms": ["Switch"]})
    assert not real_links & set(other["link"])


# ----------------------------------------------------------------------------- (d)
def test_drift_meta_score_shift_shifts_mean() -> None:
    base = generate_games(1500, seed=5)
    shifted = generate_games(1500, seed=5, drift={"meta_score_shift": 8.0})
    delta = shifted["meta_score"].mean() - base["meta_score"].mean()
    assert delta == pytest.approx(8.0, abs=0.5)


def test_drift_new_platforms_and_genres_appear() -> None:
    games = generate_games(
        1500,
        seed=5,
        drift={
            "new_platforms": ["Switch 2"],
            "new_platform_rate": 0.2,
            "new_genres": ["Deckbuilder"],
            "new_genre_rate": 0.25,
        },
    )
    share_platform = (games["platform"] == "Switch 2").mean()
    assert 0.1 < share_platform < 0.3
    assert (
        games.loc[games["platform"] == "Switch 2", "link"].str.startswith("/game/switch-2/").all()
    )
    share_genre = games["genres"].map(lambda g: "Deckbuilder" in g).mean()
    assert 0.15 < share_genre < 0.35
    baseline = generate_games(1500, seed=5)
    assert "Switch 2" not in set(baseline["platform"])
    assert not baseline["genres"].map(lambda g: "Deckbuilder" in g).any()


def test_drift_platform_mix_changes_shares() -> None:
    base = generate_games(2000, seed=8)
    mixed = generate_games(2000, seed=8, drift={"platform_mix": {"Switch": 8, "3DS": 2}})
    assert (base["platform"] == "Switch").mean() < 0.25
    assert (mixed["platform"] == "Switch").mean() > 0.6
    assert not set(mixed.loc[mixed["kind"] == "base", "platform"]) - {"Switch", "3DS"}


def test_unknown_drift_key_rejected() -> None:
    with pytest.raises(ValueError, match="unknown drift"):
        generate_games(50, seed=1, drift={"meta_shift": 3})


# ----------------------------------------------------------------------------- universe
def _lead_developer(games: pd.DataFrame) -> pd.Series:
    return games["developers"].map(lambda devs: devs[0] if devs else "")


def test_catalog_universe_is_the_committed_catalogs() -> None:
    universe = catalog_universe()
    assert catalog_universe(DEFAULT_SEED, 2000) is universe  # cached, shared
    catalog_games = generate_games(2000 - 5, DEFAULT_SEED)  # what generate_catalog draws
    assert set(catalog_games["franchise"]) <= set(universe.names)
    assert universe.released.sum() == (catalog_games["kind"] == "base").sum()
    assert set(catalog_games["title"]) <= universe.titles
    assert universe.weights.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="read-only"):
        universe.weights[0] = 1.0


def test_new_games_continue_the_catalogs_franchises_and_studios() -> None:
    universe = catalog_universe()
    catalog_games = generate_games(2000 - 5, DEFAULT_SEED)
    day = generate_games(
        1500, seed=77, universe=universe, new_franchise_rate=0.1, new_developer_rate=0.05
    )
    again = generate_games(
        1500, seed=77, universe=universe, new_franchise_rate=0.1, new_developer_rate=0.05
    )
    pd.testing.assert_frame_equal(day, again)
    base = day[day["kind"] == "base"]
    assert 0.85 < base["franchise"].isin(universe.names).mean() < 0.95
    assert not base["title"].isin(universe.titles).any()  # new releases, new titles
    known = set(DEVELOPER_COUNTS) | set(TAIL_DEVELOPERS) | {""}
    assert 0.02 < (~_lead_developer(base).isin(known)).mean() < 0.09
    # Franchise quality carries over from the catalog to its new releases.
    means = pd.concat(
        {
            "catalog": catalog_games.groupby("franchise")["user_score"].agg(["mean", "count"]),
            "day": day.groupby("franchise")["user_score"].agg(["mean", "count"]),
        },
        axis=1,
    ).dropna()
    big = means[(means[("catalog", "count")] >= 4) & (means[("day", "count")] >= 4)]
    assert len(big) > 20
    assert big[("catalog", "mean")].corr(big[("day", "mean")]) > 0.5

    # Without the universe, a new seed invents other franchises and another studio mix.
    fresh = generate_games(1500, seed=77)
    assert fresh["franchise"].isin(universe.names).mean() < 0.2

    def distance(games: pd.DataFrame) -> float:
        ours = _lead_developer(games).value_counts(normalize=True)
        theirs = _lead_developer(catalog_games).value_counts(normalize=True)
        return 0.5 * ours.sub(theirs, fill_value=0).abs().sum()

    assert distance(day) < distance(fresh) - 0.05


# ----------------------------------------------------------------------------- (e)
def test_batch_input_ids_and_iso_dates() -> None:
    games = generate_games(800, seed=21)
    batch = to_batch_input(games, id_prefix="2021-03-02")
    assert list(batch.columns) == [
        "id",
        "title",
        "platform",
        "date",
        "meta_score",
        "esrb_rating",
        "developers",
        "genres",
    ]
    assert batch["id"].is_unique
    assert batch["id"].str.startswith("2021-03-02-").all()
    assert batch["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}|TBA").all()
    dated = batch["date"] != "TBA"
    parsed = pd.to_datetime(batch.loc[dated, "date"], format="%Y-%m-%d")
    assert parsed.notna().all()
    assert (batch["date"] == "TBA").sum() == games["release_date"].isna().sum()
    assert batch["developers"].dropna().str.fullmatch(LIST_RE).all()
    assert "user_score" not in batch.columns


# ----------------------------------------------------------------------------- latent model
def test_latent_games_are_typed_and_learnable() -> None:
    games = generate_games(1500, seed=4)
    assert pd.api.types.is_datetime64_any_dtype(games["release_date"])
    assert games["developers"].map(lambda d: isinstance(d, list)).all()
    assert games["genres"].map(lambda g: all(x == x.strip() for x in g)).all()
    assert games[["title", "platform"]].duplicated().sum() == 0
    labelled = games.dropna(subset=["meta_score", "user_score"])
    assert labelled["meta_score"].corr(labelled["user_score"]) > 0.45
    assert games["user_score"].dropna().between(0, 10).all()
    # DLC rows rarely carry scores; franchises share a quality effect
    dlc = games[games["kind"] == "dlc"]
    assert dlc["user_score"].isna().mean() > 0.8
    per_franchise = games.groupby("franchise")["user_score"].agg(["mean", "count"])
    big = per_franchise[per_franchise["count"] >= 5]
    assert big["mean"].std() > 0.2


def test_raw_catalog_of_given_games_has_raw_columns() -> None:
    games = generate_games(400, seed=2)
    raw = to_raw_catalog(games, seed=2)
    assert list(raw.columns) == RAW_COLUMNS
    assert len(raw) == len(games) + 5
    assert raw.duplicated().sum() >= 1
