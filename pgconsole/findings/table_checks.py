"""Checks over the table catalog: sequential-scan hot spots, keys, sequences, XID age."""

from __future__ import annotations

from ..quoting import qualified, quote_ident
from .catalog_rows import DatabaseAge, SequenceUsage, TableAge, TableUsage
from .inputs import CheckInputs
from .model import Finding, Thresholds, display_name

XID_HARD_LIMIT = 2 ** 31  # the server refuses new XIDs a few million before this age
INT8_MAX = 2 ** 63 - 1


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def seq_scan_heavy(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    rows: tuple[TableUsage, ...] = inp.rows("table_usage")
    out = []
    for r in rows:
        if r.relkind not in ("r", "m") or r.n_live_tup < th.seq_scan_min_rows or r.seq_scan < th.seq_scan_min_count:
            continue
        share = r.seq_scan / max(r.scans, 1)
        if share < th.seq_scan_share:
            continue
        name = display_name(r.schemaname, r.relname)
        per_scan = r.seq_tup_read / r.seq_scan if r.seq_scan else 0
        evidence = {"relid": r.relid, "seq_scan": r.seq_scan, "idx_scan": r.idx_scan, "seq_share": round(share, 4),
                    "seq_tup_read": r.seq_tup_read, "rows_read_per_seq_scan": round(per_scan),
                    "n_live_tup": r.n_live_tup, "table_mb": round(r.table_bytes / 1048576, 1),
                    "last_seq_scan": r.last_seq_scan.isoformat() if r.last_seq_scan else None,
                    "measured": "pg_stat_user_tables counters since the statistics were last reset"}
        out.append(Finding(
            "seq_scan_heavy", "warning", name,
            f"{name} ({r.n_live_tup:,} rows) was read by {r.seq_scan:,} sequential scans and {r.idx_scan:,} "
            f"index scans ({share:.0%} sequential, ~{per_scan:,.0f} rows each): a missing index candidate",
            evidence,
            "find the statements that scan it: SELECT query, calls, rows FROM pg_stat_statements WHERE query "
            f"ILIKE {_literal('%' + r.relname + '%')} ORDER BY calls DESC; then CREATE INDEX CONCURRENTLY "
            f"ON {qualified(r.schemaname, r.relname)} (<the columns they filter on>);"))
    return out


def _sequence_remedy(s: SequenceUsage) -> str:
    steps = []
    for schema, table, column, ctype in s.columns():
        if ctype in ("smallint", "integer"):
            steps.append(f"ALTER TABLE {qualified(schema, table)} ALTER COLUMN {quote_ident(column)} TYPE bigint;")
    bound = "NO MINVALUE" if s.increment_by < 0 else "NO MAXVALUE"
    steps.append(f"ALTER SEQUENCE {qualified(s.schemaname, s.sequencename)} AS bigint {bound};")
    if len(steps) > 1:
        steps.append("-- ALTER COLUMN ... TYPE rewrites the table under an ACCESS EXCLUSIVE lock: plan a window")
    return "  ".join(steps)


def sequence_near_limit(inp: CheckInputs, th: Thresholds):
    rows: tuple[SequenceUsage, ...] = inp.rows("sequence_usage")
    out = []
    unreadable = 0
    for s in rows:
        used = s.used()
        if used is None:
            unreadable += 1
            continue
        if s.cycle or used < th.sequence_warn:
            continue  # a CYCLE sequence wraps by design
        lo, hi = s.limits()
        name = display_name(s.schemaname, s.sequencename)
        cols = [f"{display_name(sc, t)}.{display_name(None, c)} {ty}" for sc, t, c, ty in s.columns()]
        limited_by = "column type" if (s.column_max is not None and s.column_max < s.max_value
                                       and s.increment_by >= 0) else "sequence"
        evidence = {"seqid": s.seqid, "last_value": s.last_value, "limit": hi if s.increment_by >= 0 else lo,
                    "limited_by": limited_by, "data_type": s.data_type, "used": round(used, 6),
                    "remaining": s.remaining(), "increment_by": s.increment_by, "columns": cols,
                    "identity": s.is_identity}
        feeds = f" ({'identity of' if s.is_identity else 'feeds'} {', '.join(cols)})" if cols else ""
        out.append(Finding(
            "sequence_near_limit", "critical" if used >= th.sequence_critical else "warning", name,
            f"sequence {name}{feeds} has used {used:.1%} of its range: {s.remaining():,} values left before "
            f"{evidence['limit']:,}, the {limited_by}'s limit",
            evidence, _sequence_remedy(s)))
    note = f"{unreadable} sequence(s) never used or not readable by this role" if unreadable else None
    return out, note


def xid_wraparound_risk(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    dbs: tuple[DatabaseAge, ...] = inp.rows("database_ages")
    tables = inp.catalog.get("table_ages") if inp.catalog is not None else None
    ctx = inp.catalog.context() if inp.catalog is not None else None
    oldest: list[TableAge] = list(tables) if isinstance(tables, tuple) else []
    out = []
    for d in dbs:
        age = max(d.xid_age, d.mxid_age)
        # this database from the warning age; others on the server only once critical, since a
        # report is about one database but a wraparound stop takes the whole server down
        limit = th.xid_age_warn if d.is_current else th.xid_age_critical
        if age < limit:
            continue
        severity = "critical" if age >= th.xid_age_critical else "warning"
        what = "multixact" if d.mxid_age > d.xid_age else "transaction ID"
        evidence = {"datname": d.datname, "xid_age": d.xid_age, "mxid_age": d.mxid_age,
                    "share_of_hard_limit": round(age / XID_HARD_LIMIT, 4),
                    "autovacuum_freeze_max_age": ctx.autovacuum_freeze_max_age if ctx else None}
        if d.is_current and oldest:
            evidence["oldest_tables"] = [{"table": display_name(t.schemaname, t.relname), "xid_age": t.xid_age,
                                          "mxid_age": t.mxid_age} for t in oldest[:5]]
            first = qualified(oldest[0].schemaname, oldest[0].relname)
            remedy = (f"VACUUM (FREEZE, VERBOSE) {first};  -- the oldest first (see evidence), "
                      "or the whole database: VACUUM (FREEZE, VERBOSE);")
        else:
            remedy = f"in database {d.datname}: VACUUM (FREEZE, VERBOSE);"
        remedy += ("  -- and end what holds the xmin horizon back: long transactions, prepared transactions "
                   "(pg_prepared_xacts), stale replication slots (pg_replication_slots)")
        out.append(Finding(
            "xid_wraparound_risk", severity, d.datname,
            f"database {d.datname}'s oldest unfrozen {what} is {age:,} old ({age / XID_HARD_LIMIT:.1%} of the way "
            "to the wraparound stop)",
            evidence, remedy))
    return out


def table_without_primary_key(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    rows: tuple[TableUsage, ...] = inp.rows("table_usage")
    out = []
    for r in rows:
        if r.relkind not in ("r", "p") or r.is_partition or r.has_primary_key:
            continue
        rows_now = max(r.n_live_tup, int(r.reltuples))
        changes = r.n_tup_upd + r.n_tup_del
        warn = rows_now >= th.pk_min_rows and changes > 0 and r.unique_not_null_index is None
        name = display_name(r.schemaname, r.relname)
        q = qualified(r.schemaname, r.relname)
        if r.unique_not_null_index:
            remedy = f"ALTER TABLE {q} ADD PRIMARY KEY USING INDEX {quote_ident(r.unique_not_null_index)};"
        else:
            remedy = (f"ALTER TABLE {q} ADD PRIMARY KEY (<columns that identify a row>);  -- or: ALTER TABLE {q} "
                      "ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;")
        why = ("its rows are updated or deleted: logical replication cannot replicate that without a key, "
               "and duplicates cannot be told apart") if changes else "nothing stops duplicate rows"
        out.append(Finding(
            "table_without_primary_key", "warning" if warn else "info", name,
            f"{name} ({rows_now:,} rows) has no primary key; {why}",
            {"relid": r.relid, "rows": rows_now, "updates_deletes": changes,
             "unique_not_null_index": r.unique_not_null_index, "replica_identity": r.replica_identity,
             "partitioned": r.relkind == "p"},
            remedy))
    return out
