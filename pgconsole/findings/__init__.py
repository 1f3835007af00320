"""Findings: measured problems with their evidence and a remedy (see model.py, engine.py)."""

from .engine import CATALOG_CHECKS, CHECKS, SNAPSHOT_CHECKS, collect, count, evaluate, merge
from .model import CHECK_IDS, SEVERITIES, CheckStatus, Finding, FindingCounts, FindingsResult, Thresholds

__all__ = ["CATALOG_CHECKS", "CHECKS", "CHECK_IDS", "SEVERITIES", "SNAPSHOT_CHECKS", "CheckStatus", "Finding",
           "FindingCounts", "FindingsResult", "Thresholds", "merge", "collect", "count", "evaluate"]
