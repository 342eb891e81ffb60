"""Data-quality profile of the files users hand in (raw catalog, scoring days); issue 17.

One module for both pipelines: :func:`build_profile` (per-column profile,
contract rules, duplicates, target, comparison with the previous profile),
:func:`render_html` / :func:`columns_table` (the page and the kedro-viz
table) and the node functions in :mod:`user_score.quality.nodes`.
"""

from .compare import PROFILE_VERSION, compare_profiles
from .params import ChangeThresholds, QualityParams
from .profile import build_profile
from .report import columns_table, render_html
from .rules import contract_rules, rule_results

__all__ = [
    "PROFILE_VERSION",
    "ChangeThresholds",
    "QualityParams",
    "build_profile",
    "columns_table",
    "compare_profiles",
    "contract_rules",
    "render_html",
    "rule_results",
]
