"""Report sections about what the database holds: indexes, bloat, sequences, sizes, findings."""

from __future__ import annotations

from ..findings.index_checks import stats_window
from ..findings.inputs import CheckInputs
from ..findings.model import CheckUnavailable, SEVERITIES, display_name
from ..snapshots import Bloat, Overview, TableBloatRow, Unavailable
from .data import ReportData, when
from .model import Fact, Row, Section, col, table

TOP = 15


def _window(d: ReportData) -> tuple[str, float | None]:
    try:
        start, what, days = stats_window(CheckInputs(d.frame, d.catalog, d.caps, d.frame.sampled_at))
    except CheckUnavailable as exc:
        return exc.reason, None
    return f"since {when(start)} ({what})", days


def indexes(d: ReportData) -> Section:
    idx, tabs = d.rows("index_usage"), d.rows("table_usage")
    window, days = _window(d)
    th = d.findings.thresholds
    scans = sum(t.seq_scan + t.idx_scan for t in tabs)
    facts = [Fact("indexes", "indexes", len(idx), "int"),
             Fact("index_bytes", "their total size", sum(i.size_bytes for i in idx), "bytes"),
             Fact("index_scan_share", "share of table scans that used an index", 
                  sum(t.idx_scan for t in tabs) / scans if scans else None, "ratio"),
             Fact("stats_days", "days the scan counters cover", days, "num")]
    coverage = sorted((t for t in tabs if t.relkind in ("r", "m")), key=lambda t: -t.total_bytes)
    tables = [
        table("coverage", "Index coverage of the largest tables",
              [col("table"), col("rows", kind="int"), col("seq_scan", "seq scans", "int"),
               col("idx_scan", "index scans", "int"), col("index_share", "by index", "ratio"),
               col("seq_tup_read", "rows read by seq scans", "int")],
              [(display_name(t.schemaname, t.relname), t.n_live_tup, t.seq_scan, t.idx_scan,
                t.idx_scan / t.scans if t.scans else None, t.seq_tup_read) for t in coverage], TOP),
        table("no_scans", "Indexes never scanned (largest first; not all are findings, see the note)",
              [col("index"), col("table"), col("size_bytes", "size", "bytes"), col("enforces"),
               col("serves_fk", "serves foreign key")],
              [(display_name(i.schemaname, i.indexrelname), display_name(i.schemaname, i.relname), i.size_bytes,
                i.constraint_name or ("unique" if i.is_unique else None), i.supports_fk)
               for i in idx if i.idx_scan == 0 and i.is_valid], TOP,
              note=(f"counters {window}; an index is called unused only after {th.unused_index_min_days:g} days, "
                    f"from {th.unused_index_min_bytes / 1048576:g} MB, and when it enforces nothing")),
        table("duplicates", "Duplicate and covered indexes",
              [col("table"), col("kind"), col("index"), col("covered_by", "covered by"), col("size_bytes", "size", "bytes")],
              [(display_name(p.schemaname, p.relname), p.kind, p.a_name, p.b_name, p.a_bytes)
               for p in d.rows("duplicate_indexes")], TOP),
        table("invalid", "Invalid indexes",
              [col("index"), col("being_built", "being built", "bool"), col("definition", kind="code")],
              [(display_name(i.schemaname, i.indexrelname), i.being_built, i.definition)
               for i in idx if not i.is_valid], TOP),
        table("fk_without_index", "Foreign keys without an index",
              [col("table"), col("constraint"), col("columns", kind="list"), col("references"),
               col("rows", kind="int")],
              [(display_name(f.schemaname, f.relname), f.conname, f.columns,
                display_name(f.ref_schemaname, f.ref_relname), f.table_rows) for f in d.rows("fk_without_index")], TOP),
    ]
    return Section("indexes", "Indexes", d.catalog.sampled_at,
                   f"pg_index, pg_constraint and pg_stat_user_indexes/tables read at {when(d.catalog.sampled_at)}; "
                   f"scan counters {window}; scans on standbys are not counted on a primary",
                   tuple(facts), tuple(tables), (),
                   tuple(d.refused("index_usage", "table_usage", "duplicate_indexes", "fk_without_index")),
                   ("unused_index", "duplicate_index", "invalid_index", "fk_without_index", "seq_scan_heavy",
                    "table_without_primary_key"))


def _total(over_all: float | None, over_rows: float) -> float:
    """The query's total over every object when it gave one (a canned frame may not)."""
    return over_all if over_all is not None else over_rows


def bloat(d: ReportData) -> Section:
    b = d.frame.bloat
    facts, tables = [], []
    unavailable: tuple[str, ...] = ()
    if isinstance(b, Bloat):
        # totals over every table and index (the query's window sums), not the rows kept
        t0 = b.tables[0] if b.tables else None
        i0 = b.indexes[0] if b.indexes else None
        facts += [Fact("tables_estimated", "tables with an estimate",
                       _total(t0.all_estimated if t0 else None, sum(1 for t in b.tables if t.est_bloat_bytes is not None)), "int"),
                  Fact("est_table_bloat_bytes", "estimated empty space in tables",
                       _total(t0.all_est_bloat_bytes if t0 else None, sum(t.est_bloat_bytes or 0 for t in b.tables)), "bytes"),
                  Fact("est_index_bloat_bytes", "estimated empty space in B-tree indexes",
                       _total(i0.all_est_bloat_bytes if i0 else None, sum(i.est_bloat_bytes or 0 for i in b.indexes)), "bytes"),
                  Fact("dead_rows", "dead rows awaiting vacuum",
                       _total(t0.all_dead_rows if t0 else None, sum(t.n_dead_tup for t in b.tables)), "int")]
        tcols = [col("table"), col("size_bytes", "size", "bytes"), col("est_bloat_bytes", "est. bloat", "bytes"),
                 col("est_bloat_pct", "bloat", "pct"), col("n_live_tup", "live rows", "int"),
                 col("n_dead_tup", "dead rows", "int"), col("last_vacuum", "last vacuum", "ts"),
                 col("stats_age_s", "analyzed", "s"), col("note")]
        def trow(t: TableBloatRow) -> Row:
            return (display_name(t.schemaname, t.relname), t.size_bytes, t.est_bloat_bytes, t.est_bloat_pct,
                    t.n_live_tup, t.n_dead_tup, max(filter(None, (t.last_vacuum, t.last_autovacuum)), default=None),
                    t.stats_age_s, ("no estimate: " + t.no_estimate_reason) if t.no_estimate_reason else None)
        tables.append(table("tables", "Tables by estimated bloat", tcols, [trow(t) for t in b.tables], TOP))
        tables.append(table("vacuum", "Tables by dead rows (vacuum state)", tcols,
                            [trow(t) for t in sorted(b.tables, key=lambda t: -t.n_dead_tup) if t.n_dead_tup], TOP))
        tables.append(table(
            "indexes", "B-tree indexes by estimated bloat",
            [col("index"), col("table"), col("size_bytes", "size", "bytes"), col("est_bloat_bytes", "est. bloat", "bytes"),
             col("est_bloat_pct", "bloat", "pct"), col("note")],
            [(display_name(i.schemaname, i.indexrelname), display_name(i.schemaname, i.relname), i.size_bytes,
              i.est_bloat_bytes, i.est_bloat_pct,
              ("no estimate: " + i.no_estimate_reason) if i.no_estimate_reason else None) for i in b.indexes], TOP))
        method = b.method
    else:
        method = "catalog estimate"
        unavailable = (b.line(),) if isinstance(b, Unavailable) else ("not collected",)
    ctx = d.catalog.context()
    if ctx is not None:
        facts.append(Fact("autovacuum", "autovacuum", ctx.autovacuum, "bool"))
    return Section("bloat", "Bloat and vacuum", d.frame.sampled_at,
                   f"{method}; vacuum and analyze state from pg_stat_all_tables at {when(d.frame.sampled_at)}. "
                   "Exact figures: pgstattuple on one table (reads all of it)",
                   tuple(facts), tuple(tables), (), unavailable,
                   ("table_bloat", "index_bloat", "dead_tuples", "stale_statistics"))


def sequences(d: ReportData) -> Section:
    seqs = sorted(d.rows("sequence_usage"), key=lambda s: -(s.used() or 0))
    dbs, oldest = d.rows("database_ages"), d.rows("table_ages")
    ctx = d.catalog.context()
    cur = next((x for x in dbs if x.is_current), None)
    facts = [Fact("sequences", "sequences", len(seqs), "int")]
    if cur is not None:
        facts += [Fact("xid_age", "oldest unfrozen XID age (this database)", cur.xid_age, "int"),
                  Fact("mxid_age", "oldest multixact age", cur.mxid_age, "int"),
                  Fact("xid_share", "of the way to the wraparound stop (2^31)",
                       max(cur.xid_age, cur.mxid_age) / 2 ** 31, "ratio")]
    if ctx is not None:
        facts.append(Fact("autovacuum_freeze_max_age", "autovacuum_freeze_max_age", ctx.autovacuum_freeze_max_age, "int"))
    tables = [
        table("sequences", "Sequences by share of their range used",
              [col("sequence"), col("data_type", "type"), col("last_value", "last value", "int"),
               col("limit", kind="int"), col("used", kind="ratio"), col("feeds", kind="list")],
              [(display_name(s.schemaname, s.sequencename), s.data_type, s.last_value,
                s.limits()[1] if s.increment_by >= 0 else s.limits()[0], s.used(),
                [f"{display_name(sc, t)}.{display_name(None, c)} {ty}" for sc, t, c, ty in s.columns()])
               for s in seqs], TOP),
        table("databases", "Databases by transaction ID age",
              [col("database"), col("xid_age", "XID age", "int"), col("mxid_age", "multixact age", "int")],
              [(x.datname, x.xid_age, x.mxid_age) for x in dbs]),
        table("oldest_tables", "Relations holding this database's XID age back",
              [col("table"), col("xid_age", "XID age", "int"), col("size_bytes", "size", "bytes"),
               col("last_vacuum", "last vacuum", "ts")],
              [(display_name(t.schemaname, t.relname), t.xid_age, t.total_bytes, t.last_vacuum) for t in oldest]),
    ]
    return Section("sequences", "Sequences and wraparound", d.catalog.sampled_at,
                   f"pg_sequence with pg_sequence_last_value() and the columns each feeds (serial, identity, "
                   f"defaults); age(datfrozenxid) and age(relfrozenxid); read at {when(d.catalog.sampled_at)}",
                   tuple(facts), tuple(tables), (),
                   tuple(d.refused("sequence_usage", "database_ages", "table_ages")),
                   ("sequence_near_limit", "xid_wraparound_risk"))


def capacity(d: ReportData) -> Section:
    ov = d.frame.overview
    tabs, idx = d.rows("table_usage"), d.rows("index_usage")
    facts = [Fact("tables", "tables", len(tabs), "int"),
             Fact("table_bytes", "tables (with TOAST)", sum(t.table_bytes for t in tabs), "bytes"),
             Fact("index_bytes", "indexes", sum(t.index_bytes for t in tabs), "bytes")]
    tables = []
    if isinstance(ov, Overview):
        mine = next((x for x in ov.databases if x.datname == d.caps.current_database), None)
        if mine is not None:
            facts.insert(0, Fact("database_bytes", "this database", mine.size_bytes, "bytes"))
        tables.append(table("databases", "Databases",
                            [col("database"), col("size_bytes", "size", "bytes"), col("connections", kind="int")],
                            [(x.datname, x.size_bytes, x.numbackends)
                             for x in sorted(ov.databases, key=lambda x: -(x.size_bytes or 0))]))
    tables.append(table("largest_tables", "Largest tables",
                        [col("table"), col("total_bytes", "total", "bytes"), col("table_bytes", "table", "bytes"),
                         col("index_bytes", "indexes", "bytes"), col("rows", kind="int")],
                        [(display_name(t.schemaname, t.relname), t.total_bytes, t.table_bytes, t.index_bytes,
                          max(t.n_live_tup, int(t.reltuples))) for t in tabs], TOP))
    tables.append(table("largest_indexes", "Largest indexes",
                        [col("index"), col("table"), col("size_bytes", "size", "bytes"), col("method")],
                        [(display_name(i.schemaname, i.indexrelname), display_name(i.schemaname, i.relname),
                          i.size_bytes, i.method) for i in idx], TOP))
    return Section("capacity", "Capacity", d.catalog.sampled_at,
                   f"pg_database_size() and pg_total_relation_size() at {when(d.catalog.sampled_at)} "
                   f"(database sizes from the first sample, {when(d.first.sampled_at)})",
                   tuple(facts), tuple(tables), (), tuple(d.refused("table_usage", "index_usage")))


def findings(d: ReportData) -> Section:
    r = d.findings
    facts = [Fact(f"{s}_count", f"{s} findings", len(r.by_severity(s)), "int") for s in reversed(SEVERITIES)]
    facts.append(Fact("checks_run", "checks run", sum(1 for s in r.checks if s.ran), "int"))
    facts.append(Fact("checks_unavailable", "checks unavailable", sum(1 for s in r.checks if not s.ran), "int"))
    facts.append(Fact("checks_blind", "checks refused some or all of what they check (no finding there proves "
                                      "nothing)", len(r.blind()), "int"))
    tables = (
        table("checks", "Checks",
              [col("check"), col("reads"), col("status"), col("ran", kind="bool"), col("findings", kind="int"),
               col("note")],
              [(s.check, s.source, s.state, s.ran, s.count if s.ran else None,
                (s.reason or "") + (f" — {s.hint}" if s.hint else "") or None) for s in r.checks],
              note="partial: it ran on what this role can see and says what it could not; not run: why, and the fix"),
        table("thresholds", "Thresholds used",
              [col("name"), col("value", kind="num"), col("unit"), col("meaning")],
              [(name, value, unit, doc) for name, value, unit, doc in r.thresholds.describe()],
              note="change any with --threshold NAME=VALUE"),
    )
    return Section("findings", "Findings", r.evaluated_at,
                   "every check over the figures above, evaluated once at "
                   f"{when(r.evaluated_at)}; each finding carries its evidence and a remedy",
                   tuple(facts), tables)
