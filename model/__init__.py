"""The spam classifier: text normalisation, features, pipeline, explanations, artefacts."""

from spamschutz.model.explain import Reason, explain, score_with_reasons
from spamschutz.model.pipeline import Comment, SpamModel, Thresholds, build_pipeline
from spamschutz.model.registry import (
    EVALUATION_FILE,
    REPORT_FILE,
    ActiveModel,
    ModelIntegrityError,
    ModelRegistry,
    ModelStore,
    StoredModel,
    file_sha256,
    new_version,
)
from spamschutz.model.text import normalise

__all__ = [
    "EVALUATION_FILE",
    "REPORT_FILE",
    "ActiveModel",
    "Comment",
    "ModelIntegrityError",
    "ModelRegistry",
    "ModelStore",
    "Reason",
    "SpamModel",
    "StoredModel",
    "Thresholds",
    "build_pipeline",
    "explain",
    "file_sha256",
    "new_version",
    "normalise",
    "score_with_reasons",
]
