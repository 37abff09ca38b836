"""Training and evaluation of spam models."""

from training.data import DataError, LabelledComment, read_comments, read_many
from training.evaluate import evaluate_model, quality_metrics, reliability_table
from training.train import TrainingError, train_model

__all__ = [
    "DataError",
    "LabelledComment",
    "TrainingError",
    "evaluate_model",
    "quality_metrics",
    "read_comments",
    "read_many",
    "reliability_table",
    "train_model",
]
