"""`pgconsole snapshot`'s text form of pane 7's views: replication, WAL and checkpoints,
the xmin horizon, autovacuum, pg_stat_io. Every cell is a Text (server strings through
`_srv`, never parsed as markup)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from .. import fmt
from ..replication_snapshots import Autovacuum, Horizon, Io, Replication, Wal
from ..snapshots import Unavailable
from ..untrusted import visible


def _srv(value: object, width: int | None = None) -> Text:
    """The one way these tables show server text."""
    if value is None:
        return Text("")
    return Text(visible(fmt.one_line(str(value), width) if width else str(value)))


def _table(title: str, *cols: str) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold", expand=False, pad_edge=False)
    for c in cols:
        t.add_column(c, no_wrap=True, overflow="ellipsis")
    return t


def _t(s: str) -> Text:
    return Text(s)


def _replication(r: Replication, top: int) -> list[RenderableType]:
    st = r.status
    out: list[RenderableType] = []
    if st.is_standby:
        head = Text("Replication: standby of ", style="bold")
        head.append_text(_srv(f"{st.sender_host}:{st.sender_port}" if st.sender_host else "(no WAL receiver)"))
        head.append(f" · receiver {st.receiver_status or 'not running'} · replayed "
                    f"{st.replay_lsn} of {st.receive_lsn} ({fmt.bytes_(st.replay_pending_bytes)} to replay) · "
                    + ("caught up (a growing replay age means an idle primary)" if r.caught_up else
                       f"last replayed transaction {fmt.duration(st.replay_age_s)} old")
                    + f" · replay {st.replay_pause_state}")
        out.append(head)
    else:
        out.append(Text(f"Replication: primary at {st.current_lsn}, {len(r.standbys)} standby(s), "
                        f"{len(r.slots)} slot(s), {len(r.subscriptions)} subscription(s)", style="bold"))
    if r.standbys:
        t = _table("Standbys", "name", "state", "sync", "replay behind", "replay lag", "xmin age", "slot", "client")
        for s in r.standbys[:top]:
            t.add_row(_srv(s.application_name), _srv(s.state), _srv(s.sync_state), _t(fmt.bytes_(s.replay_lag_bytes)),
                      _t(fmt.duration(s.replay_lag_s) if s.replay_lag_s is not None else "idle"),
                      _t(fmt.num(s.xmin_age)), _srv(s.slot_name), _srv(s.client_addr or "local"))
        out.append(t)
    if r.slots:
        t = _table("Replication slots", "slot", "type", "active", "WAL kept", "wal_status", "xmin age",
                   "catalog xmin age", "inactive for")
        for s in r.slots[:top]:
            t.add_row(_srv(s.slot_name), _srv(s.slot_type + (f" {s.plugin}" if s.plugin else "")),
                      _t("yes" if s.active else "NO"), _t(fmt.bytes_(s.retained_bytes)), _srv(s.wal_status),
                      _t(fmt.num(s.xmin_age)), _t(fmt.num(s.catalog_xmin_age)), _t(fmt.duration(s.inactive_s)))
        out.append(t)
    if r.conflicts:
        out.append(Text("Recovery conflicts: " + ", ".join(f"{visible(c.datname)} {c.total}" for c in r.conflicts)))
    if r.limited:
        out.append(Text(r.limited, style="yellow"))
    return out


def _wal(w: Wal) -> list[RenderableType]:
    r = w.row
    t = Table.grid(padding=(0, 2))
    t.add_row(Text("WAL and checkpoints", style="bold"),
              Text(f"{'replayed' if r.is_standby else 'written'} {fmt.bytes_(w.wal_bytes_per_s)}/s"),
              Text(f"records/s {fmt.num(w.records_per_s, 1)}, FPI/s {fmt.num(w.fpi_per_s, 1)}"))
    t.add_row(Text(f"checkpoints timed {r.checkpoints_timed:,} / requested {r.checkpoints_requested:,}"),
              Text(f"write {fmt.ms(r.checkpoint_write_ms)}, sync {fmt.ms(r.checkpoint_sync_ms)}"),
              Text(f"max_wal_size {fmt.bytes_(r.max_wal_size_bytes)}, "
                   f"checkpoint_timeout {fmt.duration(r.checkpoint_timeout_s)}"))
    arch = Text(f"archiver ({r.archive_mode}): {r.archived_count:,} archived, {r.failed_count:,} failed"
                + (", FAILING" if w.archive_failing else ""), style="red" if w.archive_failing else "")
    last = Text(f"last failure {fmt.duration(r.last_failed_age_s)} ago on ") + _srv(r.last_failed_wal or "-")
    t.add_row(arch, last, Text(f"last success {fmt.duration(r.last_archived_age_s)} ago"
                               if r.last_archived_age_s is not None else "never archived"))
    return [t]


def _horizon(h: Horizon, top: int) -> list[RenderableType]:
    if not h.holders:
        return [Text(f"xmin horizon: nothing holds {h.database}'s horizon back", style="green")]
    affecting = h.affecting()
    t = _table("xmin horizon: who holds it (oldest first)", "holder", "name", "xmin age", "held", "state", "db",
               "affects this db", "detail")
    for x in h.holders[:top]:
        t.add_row(_t(x.kind), _srv(x.holder), _t(fmt.num(x.xmin_age)), _t(fmt.duration(x.held_s)), _srv(x.state),
                  _srv(x.database), _t("yes" if x in affecting else "no"),
                  _srv(("catalogs only " if x.catalog_only else "") + (x.detail or ""), 50))
    return [t]


def _autovacuum(av: Autovacuum, top: int) -> list[RenderableType]:
    s = av.settings
    head = Text(f"Autovacuum: {'on' if s.autovacuum else 'OFF'}, workers {s.workers_busy}/{s.max_workers} busy, "
                f"naptime {fmt.duration(s.naptime_s)}", style="bold")
    out: list[RenderableType] = [head]
    if av.workers:
        t = _table("Workers", "pid", "database", "table", "phase", "progress", "running", "wraparound")
        for w in av.workers:
            t.add_row(_t(str(w.pid)), _srv(w.database), _srv(w.target), _srv(w.phase), _t(fmt.pct(w.progress, 0)),
                      _t(fmt.duration(w.running_s)), _t("yes" if w.wraparound else ""))
        out.append(t)
    t = _table("Tables next in line (their own thresholds)", "table", "dead", "threshold", "inserted",
               "ins. threshold", "due", "due for", "last vacuum")
    for n in av.tables[:top]:
        x = n.table
        t.add_row(_srv(f"{x.schemaname}.{x.relname}"), _t(fmt.num(x.n_dead_tup)), _t(fmt.num(x.vacuum_threshold)),
                  _t(fmt.num(x.n_ins_since_vacuum)), _t(fmt.num(x.insert_threshold)),
                  _t(x.due or ("autovacuum off" if not x.enabled else "")), _t(fmt.duration(n.over_s)),
                  _t(fmt.duration(x.since_vacuum_s) if x.since_vacuum_s is not None else "never"))
    out.append(t)
    return out


def _io(io: Io, top: int) -> list[RenderableType]:
    t = _table(f"I/O (pg_stat_io{', per second' if io.interval_s else ', totals'})", "backend", "object",
               "context", "reads", "writes", "extends", "hits", "evictions", "fsyncs")
    per_s = io.interval_s is not None
    for s in io.rows[:top]:
        r = s.row
        vals = ((s.reads_per_s, r.reads), (s.writes_per_s, r.writes), (s.extends_per_s, r.extends),
                (s.hits_per_s, r.hits), (s.evictions_per_s, r.evictions), (s.fsyncs_per_s, r.fsyncs))
        t.add_row(_srv(r.backend_type), _srv(r.object), _srv(r.context),
                  *(_t(fmt.num(a if per_s else b, 1 if per_s else 0)) for a, b in vals))
    return [t]


def render_replication(frame, top: int) -> list[RenderableType]:
    """Renderables for the five views, each followed by a blank line; Unavailable says why."""
    out: list[RenderableType] = []
    parts = (("replication", Replication, lambda v: _replication(v, top)), ("wal", Wal, _wal),
             ("horizon", Horizon, lambda v: _horizon(v, top)), ("autovacuum", Autovacuum, lambda v: _autovacuum(v, top)),
             ("io", Io, lambda v: _io(v, top)))
    for name, cls, fn in parts:
        v = getattr(frame, name, None)
        if isinstance(v, cls):
            out.extend(fn(v))
        elif isinstance(v, Unavailable):
            out.append(Text(f"{name}: ", style="yellow") + _srv(v.line()))
        else:
            out.append(Text(f"{name}: not collected", style="dim"))
        out.append(Text(""))
    return out

