"""Project datasets and file-system helpers (only what kedro-datasets cannot do)."""

from .model_artifact import ModelArtifactDataset, ModelIntegrityError

__all__ = ["ModelArtifactDataset", "ModelIntegrityError"]
