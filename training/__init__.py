"""Training and evaluation of spam models."""

from spamschutz.training.data import DataError, LabelledComment, read_comments, read_many
from spamschutz.training.evaluate import HeldOut, evaluate_model, quality_metrics, reliability_table
from spamschutz.training.protocols import ProtocolError, cross_validate, group_cross_validate
from spamschutz.training.train import TrainingError, train_model

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
