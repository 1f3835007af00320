"""Rows and cells of pane 7, one builder per view (replication links, xmin horizon,
autovacuum, WAL and checkpoints, I/O), as plain functions of the snapshots.

Every string the server sent (names, queries, addresses, settings) reaches the screen
through `srv()`: control characters made visible, never parsed as markup. It is the one
place to hand that text to the project's display boundary for untrusted text.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ... import fmt
from ...untrusted import visible
from ...replication_snapshots import (
    Autovacuum, AutovacuumNext, AutovacuumWorker, DatabaseConflicts, Horizon, HorizonHolder, Io, IoStat,
    Replication, Slot, Standby, Subscription, Wal,
)

def srv(value: object, style: str = "", width: int | None = None) -> Text:
    """Server text as a Text, control and bidi characters shown as escapes; with `width`, a
    query or a setting folded to one line (its whitespace runs, newlines too, as one space) and cut."""
    if value is None:
        return Text("", style=style)
    text = fmt.one_line(str(value), width) if width else str(value)
    return Text(visible(text), style=style)


def dim(text: str) -> Text:
    return Text(text, style="dim")


def num(v: float | int | None, style: str = "") -> Text:
    return Text(fmt.num(v), style=style if v is not None else "dim")


def nbytes(v: float | int | None, warn: float | None = None, bad: float | None = None) -> Text:
    if v is None:
        return dim("-")
    style = "bold red" if bad is not None and v >= bad else "yellow" if warn is not None and v >= warn else ""
    return Text(fmt.bytes_(v), style=style)


def age(v: float | None, warn: float | None = None) -> Text:
    if v is None:
        return dim("-")
    return Text(fmt.duration(v), style="yellow" if warn is not None and v >= warn else "")


def rate(v: float | None, unit: str = "/s") -> Text:
    return dim("-") if v is None else Text(f"{fmt.num(v, 1 if v < 10 else 0)}{unit}")


# -- replication links ------------------------------------------------------------------
MB = 1024 * 1024


def link_rows(r: Replication) -> list[tuple[str, Any]]:
    st = r.status
    rows: list[tuple[str, Any]] = []
    if st.is_standby:
        rows.append(("receiver", ("receiver", r)))
        rows.append(("replay", ("replay", r)))
        rows += [(f"conflicts:{c.datname}", c) for c in r.conflicts if c.total]
    rows += [(f"standby:{s.pid}", s) for s in r.standbys]
    rows += [(f"slot:{s.slot_name}", s) for s in r.slots]
    rows += [(f"sub:{s.subname}", s) for s in r.subscriptions]
    return rows


def replay_delay(r: Replication) -> Text:
    """The standby's replay delay, said plainly when nothing is waiting to be replayed."""
    st = r.status
    if r.caught_up:
        return Text("caught up", style="green")
    return age(st.replay_age_s, warn=60)


def link_cells(obj: Any) -> dict:
    if isinstance(obj, Standby):
        return {"what": Text("subscr." if obj.logical else "standby"),
                "name": srv(obj.application_name or obj.pid),
                "state": srv(obj.state, style="" if obj.state == "streaming" else "yellow"),
                "behind": nbytes(obj.replay_lag_bytes, warn=16 * MB, bad=1024 * MB),
                "lag": age(obj.replay_lag_s, warn=60) if obj.replay_lag_s is not None else dim("idle"),
                "xmin": num(obj.xmin_age),
                "note": srv(" ".join(x for x in (obj.sync_state, obj.client_addr or "local",
                                                 f"slot {obj.slot_name}" if obj.slot_name else "") if x))}
    if isinstance(obj, Slot):
        bad = obj.wal_status in ("unreserved", "lost")
        state = "active" if obj.active else "inactive"
        return {"what": Text("slot"), "name": srv(obj.slot_name),
                "state": Text(state, style="" if obj.active else "bold yellow"),
                "behind": nbytes(obj.retained_bytes, warn=None if obj.active else 16 * MB, bad=10240 * MB),
                "lag": age(obj.inactive_s, warn=300) if obj.inactive_s is not None else dim("-"),
                "xmin": num(obj.xmin_age if obj.xmin_age is not None else obj.catalog_xmin_age),
                "note": srv(" ".join(x for x in (obj.slot_type, obj.plugin or "", obj.database or "",
                                                 f"wal {obj.wal_status}" if obj.wal_status else "") if x),
                            style="bold red" if bad else "")}
    if isinstance(obj, Subscription):
        return {"what": Text("sub"), "name": srv(obj.subname),
                "state": Text("running" if obj.pid else ("stopped" if obj.enabled else "disabled"),
                              style="" if obj.pid else "yellow"),
                "behind": dim("-"), "lag": age(obj.last_msg_age_s, warn=60), "xmin": dim("-"),
                "note": srv(obj.database)}
    if isinstance(obj, DatabaseConflicts):
        return {"what": Text("conflict"), "name": srv(obj.datname), "state": Text(f"{obj.total:,}", style="yellow"),
                "behind": dim("-"), "lag": dim("-"), "xmin": dim("-"),
                "note": Text(f"snapshot {obj.snapshot} lock {obj.lock} pin {obj.bufferpin} "
                             f"deadlock {obj.deadlock}")}
    kind, r = obj
    st = r.status
    if kind == "receiver":
        streaming = st.receiver_status == "streaming"
        archive_only = st.primary_conninfo_set is False and not st.receiver_status
        return {"what": Text("receiver"),
                "name": srv(f"{st.sender_host}:{st.sender_port}" if st.sender_host else
                            "(none: WAL from restore_command)" if archive_only else "(no WAL receiver)"),
                "state": srv(st.receiver_status or ("archive only" if archive_only else "not running"),
                             style="" if streaming or archive_only else "bold red"),
                "behind": dim("-"), "lag": age(st.receiver_last_msg_age_s, warn=30), "xmin": dim("-"),
                "note": srv(f"slot {st.receiver_slot}" if st.receiver_slot else "",
                            style="") + (Text(f"  down {fmt.duration(r.not_streaming_s)}", style="bold red")
                                         if r.not_streaming_s is not None else Text(""))}
    paused = st.replay_pause_state not in (None, "not paused")
    return {"what": Text("replay"), "name": srv(f"{st.replay_lsn or '-'} of {st.receive_lsn or '-'}"),
            "state": Text(st.replay_pause_state or "-", style="bold yellow" if paused else ""),
            "behind": nbytes(st.replay_pending_bytes, warn=16 * MB, bad=1024 * MB), "lag": replay_delay(r),
            "xmin": dim("-"),
            "note": Text("feedback on" if st.hot_standby_feedback else "feedback off", style="dim")}


# -- the xmin horizon ------------------------------------------------------------------
def horizon_rows(h: Horizon) -> list[tuple[str, Any]]:
    return [(f"{x.kind}:{x.holder}", x) for x in h.holders]


def horizon_cells(x: HorizonHolder, affects: bool) -> dict:
    return {"kind": Text(x.kind, style="" if affects else "dim"),
            "holder": srv(x.holder if x.kind != "prepared" else repr(x.holder)),
            "xmin": num(x.xmin_age, style="bold" if affects else "dim"),
            "held": age(x.held_s, warn=3600),
            "state": srv(x.state, style="yellow" if (x.state or "").startswith("idle in") or x.active is False else ""),
            "db": srv(x.database or ("all" if x.kind in ("slot", "standby") and not x.catalog_only else "")),
            "detail": srv(("catalogs only · " if x.catalog_only else "") + (x.detail or ""), width=200)}


# -- autovacuum -----------------------------------------------------------------------------
def autovacuum_rows(av: Autovacuum) -> list[tuple[str, Any]]:
    return [(f"worker:{w.pid}", w) for w in av.workers] + [(f"table:{n.table.relid}", n) for n in av.tables]


def autovacuum_cells(obj: AutovacuumWorker | AutovacuumNext) -> dict:
    if isinstance(obj, AutovacuumWorker):
        prog = obj.progress
        return {"what": Text("worker", style="bold"),
                "table": srv(obj.target) + (Text(" (wraparound)", style="bold red") if obj.wraparound else Text("")),
                "dead": dim(""), "thresh": dim(""), "ins": dim(""), "ins_thresh": dim(""),
                "due": srv(obj.phase or "-"),
                "for": age(obj.running_s, warn=3600),
                "last": Text(fmt.pct(prog, 0)) if prog is not None else dim("-")}
    t = obj.table
    due = t.due
    return {"what": Text("next" if due else "", style="yellow" if due else ""),
            "table": srv(t.relname if t.schemaname == "public" else f"{t.schemaname}.{t.relname}"),
            "dead": num(t.n_dead_tup, style="yellow" if t.n_dead_tup > t.vacuum_threshold else ""),
            "thresh": num(t.vacuum_threshold),
            "ins": num(t.n_ins_since_vacuum),
            "ins_thresh": num(t.insert_threshold) if t.insert_threshold is not None else dim("off"),
            "due": Text(due or ("autovacuum off" if not t.enabled else ""),
                        style="bold red" if due == "wraparound" else "yellow" if due else "dim"),
            "for": age(obj.over_s, warn=600),
            "last": age(t.since_vacuum_s) if t.since_vacuum_s is not None else dim("never")}


# -- WAL, checkpoints, archiver ---------------------------------------------------------------
def wal_rows(w: Wal) -> list[tuple[str, tuple[str, Text, Text, Text]]]:
    """(key, (figure, value, over the interval, note)) rows."""
    r = w.row
    iv = w.interval_s
    rows = [("wal", ("WAL replayed" if r.is_standby else "WAL written", nbytes(r.lsn_bytes),
                     dim("-") if w.wal_bytes_per_s is None else Text(f"{fmt.bytes_(w.wal_bytes_per_s)}/s"),
                     dim("from the WAL position between two samples")))]
    if r.wal_records is not None:
        rows += [("records", ("WAL records", num(r.wal_records), rate(w.records_per_s), dim("pg_stat_wal"))),
                 ("fpi", ("full-page images", num(r.wal_fpi), rate(w.fpi_per_s),
                          dim("many after each checkpoint: fewer checkpoints, fewer images"))),
                 ("buffers_full", ("WAL buffers full", num(r.wal_buffers_full),
                                   num(w.buffers_full_delta, style="yellow" if w.buffers_full_delta else ""),
                                   dim("writes forced by a full wal_buffers")))]
    timed = r.checkpoints_timed + (r.restartpoints_timed or 0)
    req = r.checkpoints_requested + (r.restartpoints_requested or 0)
    share = req / (timed + req) if timed + req else None
    rows += [
        ("checkpoints", ("checkpoints timed / requested", Text(f"{timed:,} / {req:,}",
                                                               style="yellow" if share and share >= 0.5 else ""),
                         Text(f"+{w.checkpoints_timed_delta or 0} / +{w.checkpoints_requested_delta or 0}")
                         if iv else dim("-"),
                         dim(f"{fmt.pct(share, 0)} requested (WAL over max_wal_size, or CHECKPOINT)"))),
        ("checkpoint_time", ("checkpoint write / sync", Text(f"{fmt.ms(r.checkpoint_write_ms)} / "
                                                            f"{fmt.ms(r.checkpoint_sync_ms)}"),
                             dim(""), dim(f"{fmt.num(r.checkpoint_buffers)} buffers written"))),
        ("wal_settings", ("max_wal_size · checkpoint_timeout", Text(f"{fmt.bytes_(r.max_wal_size_bytes)} · "
                                                                   f"{fmt.duration(r.checkpoint_timeout_s)}"),
                          dim(""), dim(f"statistics since {fmt.duration(r.stats_age_s)} ago"))),
    ]
    failing = w.archive_failing
    if r.archive_mode == "off":
        rows.append(("archiver", ("archiver", dim("off"), dim("-"), dim("archive_mode off: WAL is not archived"))))
        return rows
    arch = Text(f"{r.archived_count:,} archived, {r.failed_count:,} failed", style="bold red" if failing else "")
    rows.append(("archiver", ("archiver", arch,
                              Text(f"+{w.archived_delta or 0} / +{w.failed_delta or 0} failed") if iv else dim("-"),
                              (Text("FAILING since the last success ", style="bold red") if failing else Text(""))
                              + dim(f"last archived {fmt.duration(r.last_archived_age_s)} ago"
                                    if r.last_archived_age_s is not None else "never archived"))))
    rows.append(("archive_last_failure", ("last failure", srv(r.last_failed_wal or "-"), age(r.last_failed_age_s),
                                          dim(f"{r.archive_ready} segments waiting (.ready)" if r.archive_ready
                                              is not None else "segments waiting: needs pg_monitor"))))
    command = r.archive_command if r.archive_command is not None else "(hidden from this role)"
    rows.append(("archive_command", ("archive_command", srv(command, width=60), dim(""),
                                     dim(f"archive_mode {r.archive_mode}"))))
    return rows


def wal_cells(obj: tuple[str, Text, Text, Text]) -> dict:
    figure, value, interval, note = obj
    return {"figure": Text(figure), "value": value, "interval": interval, "note": note}


# -- pg_stat_io ----------------------------------------------------------------------------------
def io_rows(io: Io) -> list[tuple[str, Any]]:
    return [("io:" + "|".join(s.row.key), s) for s in io.rows]


def io_cells(s: IoStat, interval: bool) -> dict:
    r = s.row

    def v(per_s: float | None, total: int | float | None) -> Text:
        return rate(per_s, "") if interval else num(total)

    return {"backend": srv(r.backend_type), "object": srv(r.object), "context": srv(r.context),
            "reads": v(s.reads_per_s, r.reads), "writes": v(s.writes_per_s, r.writes),
            "extends": v(s.extends_per_s, r.extends), "hits": v(s.hits_per_s, r.hits),
            "evictions": v(s.evictions_per_s, r.evictions), "fsyncs": v(s.fsyncs_per_s, r.fsyncs),
            "read_ms": v(s.read_ms_per_s, r.read_ms), "write_ms": v(s.write_ms_per_s, r.write_ms)}
