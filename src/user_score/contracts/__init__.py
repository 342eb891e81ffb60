"""Data contracts: one pandera ``DataFrameModel`` per table that crosses a boundary.

Two kinds of contract live in this package:

* **File contracts** are attached to catalog datasets with the Kedro 1.7
  ``validator:`` key (``conf/base/catalog_*.yml``). A failure stops the run
  before any node consumes the data, with an error naming the dataset, its
  file, the column and the rule (see :mod:`user_score.catalog`).
* **Row contracts** (``*Row`` models) are applied by nodes with
  :func:`split_by_contract`: rows that break a rule are moved to a quarantine
  table with a ``reason`` instead of failing the whole file, so nothing is lost
  and ``rows_in = rows_out + rows_quarantined`` holds.

One module per pipeline holds its contracts (:mod:`.data_engineering`,
:mod:`.scoring`, :mod:`.monitoring`), on top of the shared rules in
:mod:`.checks`; :mod:`.quarantine` holds :func:`split_by_contract`. Import
every name from here (``from user_score.contracts import Predictions``); the
catalog's ``validator:`` keys name them the same way
(``user_score.contracts.Predictions``).

``docs/data_contract.md`` is generated from these models by
:mod:`user_score.contracts.docs` (``python -m user_score.contracts --write``,
``make contract-docs``); runtime code never imports that module, and a test
keeps the document in step.
"""

from user_score.contracts.checks import (
    MAX_LIST_STRING_LENGTH,
    MAX_TITLE_LENGTH,
    MIN_NUMERIC_SHARE,
    is_iso_date,
    is_list_string,
    is_number_in_range,
    is_numeric_column,
)
from user_score.contracts.data_engineering import (
    LINK_PATTERN,
    RAW_COLUMNS,
    GamesClean,
    GamesQuarantine,
    ModelInputTable,
    RawGameRow,
    RawGames,
)
from user_score.contracts.monitoring import (
    MONITORING_FLAGS,
    Actuals,
    DriftReport,
    MonitoredPredictions,
    MonitoringHistory,
    PerformanceReport,
)
from user_score.contracts.quarantine import row_failures, split_by_contract
from user_score.contracts.scoring import (
    BATCH_COLUMNS,
    MAX_ID_LENGTH,
    BatchInput,
    BatchInputRow,
    Predictions,
)

__all__ = [
    "BATCH_COLUMNS",
    "LINK_PATTERN",
    "MAX_ID_LENGTH",
    "MAX_LIST_STRING_LENGTH",
    "MAX_TITLE_LENGTH",
    "MIN_NUMERIC_SHARE",
    "MONITORING_FLAGS",
    "RAW_COLUMNS",
    "Actuals",
    "BatchInput",
    "BatchInputRow",
    "DriftReport",
    "GamesClean",
    "GamesQuarantine",
    "ModelInputTable",
    "MonitoredPredictions",
    "MonitoringHistory",
    "PerformanceReport",
    "Predictions",
    "RawGameRow",
    "RawGames",
    "is_iso_date",
    "is_list_string",
    "is_number_in_range",
    "is_numeric_column",
    "row_failures",
    "split_by_contract",
]
