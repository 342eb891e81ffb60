"""Project datasets and file-system helpers (only what kedro-datasets cannot do)."""

from .field_count_csv import FIELD_COUNT_ERROR, FieldCountCSVDataset
from .model_artifact import ModelArtifactDataset, ModelIntegrityError

__all__ = [
    "FIELD_COUNT_ERROR",
    "FieldCountCSVDataset",
    "ModelArtifactDataset",
    "ModelIntegrityError",
]
