"""Operators' view of the service: Prometheus metrics and structured, privacy-masked logs."""

from spamschutz.service.observability.logs import (
    JsonFormatter,
    MaskPersonalData,
    RequestContext,
    init_request_logging,
    logging_config,
    mask_personal_data,
)
from spamschutz.service.observability.metrics import (
    init_metrics,
    observe_scoring,
    record_challenge_outcome,
    record_verdict,
)

__all__ = [
    "JsonFormatter",
    "MaskPersonalData",
    "RequestContext",
    "init_metrics",
    "init_request_logging",
    "logging_config",
    "mask_personal_data",
    "observe_scoring",
    "record_challenge_outcome",
    "record_verdict",
]
