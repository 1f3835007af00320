"""Checks over the table catalog: sequential-scan hot spots, keys, sequences, XID age."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from ..fmt import duration
from ..quoting import qualified, quote_ident, quote_literal
from .catalog_rows import DatabaseAge, SequenceUsage, TableAge, TableUsage
from .index_checks import stats_window
from .inputs import CheckInputs
from .model import Finding, LazyFinding, Thresholds, Words, display_name, remedy

XID_HARD_LIMIT = 2 ** 31  # the server refuses new XIDs a few million before this age
INT8_MAX = 2 ** 63 - 1


def _like_literal(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return quote_literal(f"%{escaped}%")


def _maybe_seq_heavy(r: TableUsage, th: Thresholds) -> bool:
    """What seq_scan_heavy judges further (by its counts and the statistics' window)."""
    return (r.relkind in ("r", "m") and r.n_live_tup >= th.seq_scan_min_rows
            and r.seq_scan / max(r.scans, 1) >= th.seq_scan_share)


def _without_key(r: TableUsage) -> bool:
    return r.relkind in ("r", "p") and not r.is_partition and not r.has_primary_key


def table_rows_judged(th: Thresholds) -> Callable[[TableUsage], bool]:
    """The table_usage rows a check of these thresholds may find something in (seq_scan_heavy,
    table_without_primary_key): the console keeps only those (gather.py)."""
    return lambda r: _without_key(r) or _maybe_seq_heavy(r, th)


def seq_scan_heavy(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    rows: tuple[TableUsage, ...] = inp.rows("table_usage")
    start, what, days = stats_window(inp)
    secs = max(days * 86400, 1.0)
    span = duration(secs)
    out = []
    for r in rows:
        if not _maybe_seq_heavy(r, th):
            continue
        share = r.seq_scan / max(r.scans, 1)
        full_reads = r.seq_tup_read / max(r.n_live_tup, 1)
        per_s = r.seq_tup_read / secs
        # often scanned, or much read: a few dozen full reads of a big table in a short window
        # weigh as much as hundreds of scans
        by_count = r.seq_scan >= th.seq_scan_min_count
        by_rows = (r.seq_tup_read >= th.seq_scan_min_rows_read and full_reads >= th.seq_scan_min_full_reads
                   and per_s >= th.seq_scan_min_rows_per_s)
        if not (by_count or by_rows):
            continue
        name = display_name(r.schemaname, r.relname)
        per_scan = r.seq_tup_read / r.seq_scan if r.seq_scan else 0
        evidence = {"relid": r.relid, "seq_scan": r.seq_scan, "idx_scan": r.idx_scan, "seq_share": round(share, 4),
                    "seq_tup_read": r.seq_tup_read, "rows_read_per_s": round(per_s, 1),
                    "full_table_reads": round(full_reads, 1), "rows_read_per_seq_scan": round(per_scan),
                    "n_live_tup": r.n_live_tup, "table_mb": round(r.table_bytes / 1048576, 1),
                    "last_seq_scan": r.last_seq_scan.isoformat() if r.last_seq_scan else None,
                    "window": f"pg_stat_user_tables counters since {what} at {start:%Y-%m-%d %H:%M %Z} ({span})",
                    "assumed": "rows read per second are averaged over that whole window; the live row count "
                               "is today's (n_live_tup)"}
        reads = (f"{r.seq_scan:,} sequential scans" if by_count else
                 f"{r.seq_tup_read:,} rows read by sequential scans ({full_reads:,.0f} times its size, "
                 f"{per_s:,.0f} rows/s over {span})")
        then = f"then CREATE INDEX CONCURRENTLY ON {qualified(r.schemaname, r.relname)} (<the columns they filter on>);"
        if inp.caps.pgss_schema:
            fix = remedy(f"SELECT query, calls, rows FROM {quote_ident(inp.caps.pgss_schema)}.pg_stat_statements "
                         f"WHERE query ILIKE {_like_literal(r.relname)} ORDER BY calls DESC LIMIT 20;",
                         note="the statements that read it; " + then)
        else:
            fix = {"remedy": "find the statements that read it (pg_stat_statements, or the server log); " + then}
        out.append(Finding(
            "seq_scan_heavy", "warning", name,
            f"{name} ({r.n_live_tup:,} rows) is read mostly in full: {reads}, against {r.idx_scan:,} index scans "
            f"({share:.0%} sequential, ~{per_scan:,.0f} rows each): a missing index candidate",
            evidence, **fix))
    return out


def _sequence_remedy(s: SequenceUsage) -> dict[str, Any]:
    steps = []
    for schema, table, column, ctype in s.columns():
        if ctype in ("smallint", "integer"):
            steps.append(f"ALTER TABLE {qualified(schema, table)} ALTER COLUMN {quote_ident(column)} TYPE bigint;")
    bound = "NO MINVALUE" if s.increment_by < 0 else "NO MAXVALUE"
    steps.append(f"ALTER SEQUENCE {qualified(s.schemaname, s.sequencename)} AS bigint {bound};")
    note = ("ALTER COLUMN ... TYPE rewrites the table under an ACCESS EXCLUSIVE lock: plan a window"
            if len(steps) > 1 else None)
    return remedy(*steps, note=note)


def sequence_near_limit(inp: CheckInputs, th: Thresholds) -> tuple[list[Finding], str | None]:
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
            evidence, **_sequence_remedy(s)))
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
        tail = ("and end what holds the xmin horizon back: long transactions, prepared transactions "
                "(pg_prepared_xacts), stale replication slots (pg_replication_slots)")
        if d.is_current and oldest:
            evidence["oldest_tables"] = [{"table": display_name(t.schemaname, t.relname), "xid_age": t.xid_age,
                                          "mxid_age": t.mxid_age} for t in oldest[:5]]
            first = qualified(oldest[0].schemaname, oldest[0].relname)
            fix = remedy(f"VACUUM (FREEZE, VERBOSE) {first};",
                         note="the oldest first (see evidence), or the whole database: VACUUM (FREEZE, VERBOSE); "
                              + tail)
        elif d.is_current:
            fix = remedy("VACUUM (FREEZE, VERBOSE);", note=tail)
        else:
            fix = {"remedy": f"connected to database {quote_ident(d.datname)}: VACUUM (FREEZE, VERBOSE);  -- " + tail}
        out.append(Finding(
            "xid_wraparound_risk", severity, d.datname,
            f"database {d.datname}'s oldest unfrozen {what} is {age:,} old ({age / XID_HARD_LIMIT:.1%} of the way "
            "to the wraparound stop)",
            evidence, **fix))
    return out


def _without_key_words(r: TableUsage) -> Words:
    """table_without_primary_key's message, evidence and remedy for one table (made when read)."""
    rows_now = max(r.n_live_tup, int(r.reltuples))
    changes = r.n_tup_upd + r.n_tup_del
    name = display_name(r.schemaname, r.relname)
    q = qualified(r.schemaname, r.relname)
    fix: dict[str, Any]
    if r.unique_not_null_index:
        fix = remedy(f"ALTER TABLE {q} ADD PRIMARY KEY USING INDEX {quote_ident(r.unique_not_null_index)};")
    else:
        fix = {"remedy": f"ALTER TABLE {q} ADD PRIMARY KEY (<columns that identify a row>);  -- or: ALTER TABLE "
                         f"{q} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;", "sql": ()}
    why = ("its rows are updated or deleted: logical replication cannot replicate that without a key, "
           "and duplicates cannot be told apart") if changes else "nothing stops duplicate rows"
    return (f"{name} ({rows_now:,} rows) has no primary key; {why}",
            {"relid": r.relid, "rows": rows_now, "updates_deletes": changes,
             "unique_not_null_index": r.unique_not_null_index, "replica_identity": r.replica_identity,
             "partitioned": r.relkind == "p"},
            fix["remedy"], fix["sql"])


def table_without_primary_key(inp: CheckInputs, th: Thresholds) -> Iterator[Finding]:
    """One by one (a generator): 10,000 tables without a key are 10,000 findings, which a
    count of them (engine.count) need not hold at once; each holds its row, its words are
    made when read (LazyFinding)."""
    rows: tuple[TableUsage, ...] = inp.rows("table_usage")
    for r in rows:
        if not _without_key(r):
            continue
        rows_now = max(r.n_live_tup, int(r.reltuples))
        changes = r.n_tup_upd + r.n_tup_del
        warn = rows_now >= th.pk_min_rows and changes > 0 and r.unique_not_null_index is None
        yield LazyFinding("table_without_primary_key", "warning" if warn else "info",
                          display_name(r.schemaname, r.relname), _without_key_words, r)
