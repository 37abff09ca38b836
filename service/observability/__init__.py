"""Operators' view of the service: Prometheus metrics and structured, privacy-masked logs."""

from service.observability.logs import (
    JsonFormatter,
    MaskPersonalData,
    RequestContext,
    init_request_logging,
    logging_config,
    mask_personal_data,
)
from service.observability.metrics import (
    init_metrics,
    record_challenge_outcome,
    record_verdict,
    scoring_timer,
)

__all__ = [
    "JsonFormatter",
    "MaskPersonalData",
    "RequestContext",
    "init_metrics",
    "init_request_logging",
    "logging_config",
    "mask_personal_data",
    "record_challenge_outcome",
    "record_verdict",
    "scoring_timer",
]
