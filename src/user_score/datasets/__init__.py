"""The project's dataset types: every file-writing catalog entry uses one of them.

``user_score.datasets.<module>.<Name>`` mirrors kedro-datasets'
``<module>.<Name>`` (``pandas.CSVDataset`` -> ``user_score.datasets.pandas.CSVDataset``)
with atomic saves (:mod:`user_score.reliability.atomic`): a save leaves the
previous complete file or none. Besides those: :class:`ModelArtifactDataset`
(a checksummed pickle), ``preview.PreviewParquetDataset`` (list columns in
kedro-viz previews) and ``partitions.OptionalPartitionedDataset``.
"""

from .field_count_csv import FIELD_COUNT_ERROR, FieldCountCSVDataset
from .model_artifact import ModelArtifactDataset, ModelIntegrityError

__all__ = [
    "FIELD_COUNT_ERROR",
    "FieldCountCSVDataset",
    "ModelArtifactDataset",
    "ModelIntegrityError",
]
