"""Findings: measured problems with their evidence and a remedy (see model.py, engine.py)."""

from .engine import CHECKS, SNAPSHOT_CHECKS, collect, evaluate
from .model import CHECK_IDS, SEVERITIES, CheckStatus, Finding, FindingsResult, Thresholds

__all__ = ["CHECKS", "CHECK_IDS", "SEVERITIES", "SNAPSHOT_CHECKS", "CheckStatus", "Finding", "FindingsResult",
           "Thresholds", "collect", "evaluate"]
