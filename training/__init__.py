"""Training and evaluation of spam models."""

from training.data import DataError, LabelledComment, read_comments, read_many
from training.evaluate import HeldOut, evaluate_model, quality_metrics, reliability_table
from training.protocols import ProtocolError, cross_validate, group_cross_validate
from training.train import TrainingError, train_model

__all__ = [
    "DataError",
    "HeldOut",
    "LabelledComment",
    "ProtocolError",
    "TrainingError",
    "cross_validate",
    "evaluate_model",
    "group_cross_validate",
    "quality_metrics",
    "read_comments",
    "read_many",
    "reliability_table",
    "train_model",
]
