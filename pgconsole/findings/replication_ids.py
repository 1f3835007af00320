"""The ids of the replication, WAL and vacuum-horizon checks (findings/replication_checks.py),
apart so model.py can list them without importing the checks."""

REPLICATION_CHECK_IDS = (
    "inactive_replication_slot", "replication_lag", "standby_not_streaming", "archive_failing",
    "xmin_horizon_held", "checkpoints_too_frequent", "autovacuum_falling_behind",
)
