"""Findings: measured problems with their evidence and a remedy (see model.py, engine.py)."""

from .engine import CATALOG_CHECKS, CHECKS, SNAPSHOT_CHECKS, collect, evaluate, merge
from .model import CHECK_IDS, SEVERITIES, CheckStatus, Finding, FindingsResult, Thresholds

__all__ = ["CATALOG_CHECKS", "CHECKS", "CHECK_IDS", "SEVERITIES", "SNAPSHOT_CHECKS", "CheckStatus", "Finding", "FindingsResult",
           "Thresholds", "merge", "collect", "evaluate"]
