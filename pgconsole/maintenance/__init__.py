"""Maintenance actions: VACUUM / ANALYZE with progress and before/after figures.

The console's Bloat pane and `pgconsole vacuum` share this API (see vacuum.VacuumRun).
"""

from .stats import LockHolder, TableVacuumStats, VacuumProgress
from .vacuum import (APP_NAME, TableStarted, VacuumEvent, VacuumMessage, VacuumOptions, VacuumReport, VacuumRun,
                     VacuumTableResult, command_sql, run_vacuum)

__all__ = [
    "APP_NAME", "LockHolder", "TableStarted", "TableVacuumStats", "VacuumEvent", "VacuumMessage",
    "VacuumOptions", "VacuumProgress", "VacuumReport", "VacuumRun", "VacuumTableResult", "command_sql",
    "run_vacuum",
]
