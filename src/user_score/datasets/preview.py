"""kedro-viz previews that kedro-datasets cannot produce for this project's tables.

``pandas.ParquetDataset.preview`` returns the cells as pandas gives them: list
columns (``genres``, ``developers``) arrive as numpy arrays, which kedro-viz
cannot serialise, so ``kedro viz build --include-previews`` fails and
``kedro viz run`` shows no preview. This subclass of the project's atomic
``ParquetDataset`` only changes ``preview``: loading and saving are unchanged.
"""

import math
from typing import Any

import numpy as np
import pandas as pd
from kedro_datasets._typing import TablePreview

from .pandas import ParquetDataset


def _preview_cell(value: Any) -> Any:
    """One table cell as a JSON value (lists shown as ``a, b``; missing as null)."""
    if isinstance(value, np.ndarray | list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp | np.datetime64):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


class PreviewParquetDataset(ParquetDataset):
    """Atomic ``pandas.ParquetDataset`` whose kedro-viz table preview shows list columns."""

    def preview(self, nrows: int = 5) -> TablePreview:
        """The first ``nrows`` rows in kedro-viz's split format, every cell JSON-ready."""
        table = super().preview(nrows=nrows)
        table["data"] = [[_preview_cell(cell) for cell in row] for row in table["data"]]
        return TablePreview(table)
