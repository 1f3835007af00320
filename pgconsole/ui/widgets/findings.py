"""Findings: the checks of pgconsole.findings over every frame, grouped by severity, each
with its evidence and remedy; `g` jumps to the pane that shows the object.

Snapshot checks run on every frame while the pane is shown and on every 5th one
otherwise, for the badge in the pane bar (pure functions, but not free). Catalog checks (indexes,
sequences, XID age...) need their own queries: they run through the monitoring
session's `run()` when the pane starts and every CATALOG_EVERY_S after while it is shown,
every CATALOG_HIDDEN_S while only the badge needs them (longer when a read is expensive:
findings/gather.py CatalogReader), never on the event loop's time.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from rich.console import Group
from rich.text import Text

from ...capabilities import Capabilities
from ...findings import (CATALOG_CHECKS, SNAPSHOT_CHECKS, Finding, FindingCounts, FindingsResult, Thresholds, count,
                         evaluate, merge)
from ...findings.catalog_rows import Catalog
from ...findings.gather import CatalogReader
from ...findings.model import SEVERITIES, SEVERITY_RANK, LazyFinding
from ...findings.replication_ids import REPLICATION_CHECK_IDS
from ...snapshots import Frame, Overview, Statements
from ...source import DataSource, LiveSource
from .. import keys
from .pane import Pane, register_pane
from .statements import _key as statement_key
from .table import Col

BADGE_EVERY_S = 10.0   # while the pane is hidden only its badge needs the result: by sample time,
# so a faster refresh does not evaluate more often
STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}
SHORT = {"critical": "crit", "warning": "warn", "info": "info"}

# which pane shows a check's object, and the evidence field that is that pane's row key
TARGETS: dict[str, tuple[str, str | None]] = {
    "blocking_lock": ("locks", "pid"),
    "idle_in_transaction": ("connections", "pid"),
    "long_running_query": ("connections", "pid"),
    "connection_saturation": ("connections", None),
    "oversized_pool": ("connections", None),
    "low_cache_hit_ratio": ("cache", None),
    "seq_scan_heavy": ("cache", "relid"),
    "table_bloat": ("bloat", "relid"),
    "dead_tuples": ("bloat", "relid"),
    "stale_statistics": ("bloat", "relid"),
    "index_bloat": ("bloat", "indexrelid"),
    "slow_query": ("statements", "queryid"),
    "n_plus_one": ("statements", "queryid"),
    "pg_stat_statements_missing": ("statements", None),
    **{check: ("replication", None) for check in REPLICATION_CHECK_IDS},   # its pane picks the row
}


def caps_from_frame(frame: Frame) -> Capabilities:
    """What the checks need when no live session is at hand (canned frames): the frame's own facts."""
    ov, st = frame.overview, frame.statements
    row = ov.row if isinstance(ov, Overview) else None
    pgss = st if isinstance(st, Statements) else None
    return Capabilities(
        version_num=row.version_num if row else 0, version=row.version if row else "",
        current_database=row.current_database if row else "", current_user="", own_pid=frame.own_pid or 0,
        is_superuser=False, read_all_stats=True, monitor=True, signal_backend=False,
        shared_preload_libraries=None, track_io_timing=False, is_standby=bool(row and row.is_standby),
        pgss_schema=pgss.ext_schema if pgss else None, pgss_version=pgss.ext_version if pgss else None,
        pgstattuple_schema=None, pgss_available=True)


def finding_key(f: Finding) -> str:
    # a LazyFinding's evidence is made when read (11,000 of them each redraw): its checks have
    # one finding per object, no constraint to tell two apart
    constraint = "" if isinstance(f, LazyFinding) else f.evidence.get("constraint", "")
    return f"{f.check}|{f.object}|{constraint}"


@register_pane
class FindingsPane(Pane):
    pane_id = "findings"
    title = "Findings"
    short = "Find"
    view = None
    order = 60
    BINDINGS = keys.bindings("pane") + keys.bindings("findings")
    COLUMNS = [
        Col("sev", "sev", 6),
        Col("check", "check", 22, min_table=90),
        Col("object", "object", 26, min_table=110),
        Col("message", "finding", flex=True),
    ]
    FILTER_FIELDS = ("check", "object", "severity")

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.thresholds = Thresholds()
        self.result: FindingsResult | None = None
        self.catalog: Catalog | None = None
        self.catalog_error: str | None = None
        self.reader = CatalogReader()
        # the catalog run's findings in full while the pane is shown; while it is hidden only
        # their counts (the badge): 11,000 findings of a big catalog held to be counted were 8 MB
        self._catalog_result: FindingsResult | None = None
        self._catalog_counts: FindingCounts | None = None
        self._catalog_for: Catalog | None = None    # the catalog run either judged
        self._snapshot: FindingsResult | None = None   # the snapshot checks of the frame evaluated
        self._loud: tuple[int, str | None] = (0, None)   # warning and critical findings, the worst
        self._recheck = False
        self._loading = False
        self.show_info = True
        self._evaluated: Frame | None = None   # the frame the result is of
        self._snapshot_findings: tuple[Finding, ...] = ()   # this frame's own (not the catalog's)
        self._drawn_from: tuple[Any, ...] | None = None     # see redraw

    # -- evaluation ------------------------------------------------------------------
    def _caps(self, frame: Frame) -> Capabilities:
        caps = self.console.caps
        return caps if isinstance(caps, Capabilities) else caps_from_frame(frame)

    def show_frame(self, frame: Frame, redraw: bool) -> None:
        super().show_frame(frame, redraw)   # shown: redraw() evaluates this very frame
        if not redraw and (self._evaluated is None
                           or (frame.sampled_at - self._evaluated.sampled_at).total_seconds() >= BADGE_EVERY_S):
            self._evaluate(frame, full=False)   # hidden: often enough for the pane bar's badge
        self._maybe_load_catalog()

    def _own_statements(self) -> bool:
        """The Slow queries pane's `o`: pgconsole's own statements judged too, or not (the default)."""
        pane = next((p for p in self.console.panes if p.pane_id == "statements"), None)
        return bool(getattr(pane, "show_own", False))

    def _evaluate(self, frame: Frame, full: bool = True) -> None:
        """full: the findings themselves (the pane is shown); else their counts may do (the badge)."""
        earlier = self._evaluated if self._evaluated is not None and self._evaluated.seq != frame.seq else None
        caps = self._caps(frame)
        self._judge_catalog(frame, caps, full)
        # the catalog checks once per catalog run (10,000 tables: 10,000 rows to judge), the
        # snapshot checks on every frame
        snapshot = evaluate(frame, self.catalog, caps, self.thresholds, only=SNAPSHOT_CHECKS,
                            own_statements=self._own_statements(), earlier=earlier)
        self._snapshot = snapshot
        self._snapshot_findings = snapshot.findings
        self._evaluated = frame
        self._combine()
        if isinstance(self.console.data, LiveSource):   # the recording's timeline counts these too
            self.console.data.findings_counted(self._loud[0])

    def _judge_catalog(self, frame: Frame, caps: Capabilities, full: bool) -> None:
        """The catalog checks, once per catalog run: in full, or counted when `full` is False and
        the full result of this run is not at hand already."""
        fresh = self._catalog_for is self.catalog
        done = self._catalog_result
        if done is not None and fresh and done.thresholds == self.thresholds:
            return
        if full:
            self._catalog_result = evaluate(frame, self.catalog, caps, self.thresholds, only=CATALOG_CHECKS)
            self._catalog_counts = None
        else:
            counted = self._catalog_counts
            if counted is not None and fresh and counted.thresholds == self.thresholds:
                return
            self._catalog_result = None   # a new run while hidden: the old run's findings go
            self._catalog_counts = count(frame, self.catalog, caps, self.thresholds, only=CATALOG_CHECKS)
        self._catalog_for = self.catalog

    def _combine(self) -> None:
        """self.result (the findings, when the catalog's are at hand in full) and the badge's count."""
        snapshot = self._snapshot
        if snapshot is None:
            return
        if self._catalog_result is not None:
            self.result = merge(snapshot, self._catalog_result)
            loud = self.result.at_least("warning")
            self._loud = (len(loud), loud[0].severity if loud else None)
            return
        self.result = None
        self.drawn_seq = -1   # the rows drawn (if any) are of findings no longer held: shown, draw again
        counted = self._catalog_counts
        loud = snapshot.at_least("warning")
        worst = [s for s in (loud[0].severity if loud else None, counted.worst() if counted else None)
                 if s is not None and SEVERITY_RANK[s] >= SEVERITY_RANK["warning"]]
        self._loud = (len(loud) + (counted.at_least("warning") if counted else 0),
                      max(worst, key=SEVERITY_RANK.__getitem__) if worst else None)

    def redraw(self) -> None:
        self._maybe_load_catalog()   # just shown: a catalog read older than CATALOG_EVERY_S starts now
        if self.frame is not None and (self._evaluated is None or self._evaluated.seq != self.frame.seq):
            self._evaluate(self.frame)
        elif self.frame is not None and self.result is None and self._snapshot is not None:
            # shown after a count while hidden: this frame's catalog findings in full
            self._judge_catalog(self._evaluated or self.frame, self._caps(self.frame), True)
            self._combine()
        # the same findings as drawn (the catalog's judged once per catalog run, this frame's
        # equal to the last): the rows stand, the status line moves. 11,000 findings (10,000
        # tables without a key) cost 40 ms a frame to lay out again.
        drawn_from = (self._catalog_result, self._snapshot_findings, self.show_info, *self.draw_state())
        last = self._drawn_from
        if (self.frame is not None and last is not None and last[0] is drawn_from[0]
                and last[1:] == drawn_from[1:] and self._message_text is None):
            self.keep_rows(None, self.frame)
            return
        super().redraw()
        self._drawn_from = drawn_from if self.frame is not None else None

    def _maybe_load_catalog(self) -> None:
        source = self.console.data
        if source is None:
            return
        if not source.live:
            self.catalog = source.catalog_at_hand()   # a recorded moment: its own catalog run
            return
        if self._loading or not (self._recheck or self.reader.due(shown=self.console.current_pane is self)):
            return
        self._loading = True
        # the function, not a coroutine (ui/details.py load_detail says why)
        self.run_worker(partial(self._load_catalog, source), group="findings-catalog", exclusive=True,
                        exit_on_error=False)

    async def _load_catalog(self, source: DataSource) -> None:
        self._recheck = False
        started = time.perf_counter()
        try:
            self.catalog = await source.catalog()
            self.catalog_error = None
        except Exception as exc:  # noqa: BLE001 - shown in the status line; snapshot checks go on
            self.catalog_error = str(exc)
        finally:
            # what the read cost sets when the next is due (gather.py CatalogReader)
            self.reader.record(time.perf_counter() - started, self.catalog)
            self._loading = False
        if self.frame is not None:
            self._evaluate(self.frame, full=self.console.current_pane is self)
            if self.console.current_pane is self:
                self.redraw()
                self.console.update_detail()

    def action_recheck(self) -> None:
        self._recheck = True
        self._maybe_load_catalog()
        self.notify("re-reading the catalog for the index, sequence and XID checks…", timeout=3)

    # -- rows ------------------------------------------------------------------------
    def rows(self, view: Any, frame: Frame) -> list[tuple[str, Any]]:
        if self.result is None:
            return []
        out: list[tuple[str, Any]] = []
        for sev in reversed(SEVERITIES):
            group = self.result.by_severity(sev)
            if not group or (sev == "info" and not self.show_info):
                continue
            out.append((f"group|{sev}", (sev, len(group))))
            out += [(finding_key(f), f) for f in group]
        return out

    def cells(self, obj: Any, frame: Frame) -> dict:
        if isinstance(obj, tuple):
            sev, n = obj
            return {"sev": Text(SHORT[sev].upper(), style=STYLE[sev] + " underline"),
                    "message": Text(f"{n} {sev} finding{'s' if n != 1 else ''}", style=STYLE[sev])}
        f: Finding = obj
        return {"sev": Text(f" {SHORT[f.severity]}", style=STYLE[f.severity]), "check": Text(f.check),
                "object": Text(f.object), "message": Text(f.message)}

    def fields(self, obj: Any) -> dict[str, object]:
        if isinstance(obj, tuple):
            return {"severity": obj[0]}
        return {"check": obj.check, "object": obj.object, "severity": obj.severity}

    def status_line(self, view: Any, frame: Frame) -> Text:
        r = self.result
        if r is None:
            return Text()
        # one line at 80 columns: the severities' short names when the long ones do not fit,
        # the catalog's error cut to what is left (the group rows' detail has all of it), the
        # key hints only where there is room (the footer has them too)
        width = self.status_width()
        for names in (None, SHORT):
            t = self._counts(r, names)
            if t.cell_len + (len(" · catalog: ") + len(self.catalog_error) if self.catalog_error else 0) <= width:
                break
        if self._loading and self.catalog is None:
            t.append(" · reading the catalog…", style="dim")
        elif (mark := self.reader.stale()) is not None and not self.catalog_error:
            t.append(f" · catalog {mark.line()}", style="yellow")
        elif self.catalog_error:
            t.append(" · catalog: ", style="yellow")
            error = Text(self.catalog_error, style="yellow")
            error.truncate(max(width - t.cell_len, 12), overflow="ellipsis")
            t.append_text(error)
        return self.fit_status(t, self.extra_status() + ["g: go to",
                                                         "i: " + ("hide" if self.show_info else "show") + " info"])

    def _counts(self, r: FindingsResult, names: dict[str, str] | None) -> Text:
        t = Text()
        for sev in reversed(SEVERITIES):
            t.append(f"{len(r.by_severity(sev))} {names[sev] if names else sev}  ", style=STYLE[sev])
        ran = sum(1 for s in r.checks if s.ran)
        t.append(f"· {ran}/{len(r.checks)} checks ran", style="dim")
        blind = r.blind()
        if blind:   # silence from these proves nothing: say so where the counts are
            t.append(f" · {len(blind)} blind (see a group row's detail)", style="yellow")
        return t

    def badge(self, frame: Frame) -> tuple[str, str] | None:
        n, worst = self._loud
        if not n or worst is None:
            return None
        return (str(n), STYLE[worst])

    def detail(self, key: str | None):
        obj = self._objects.get(key) if key else None
        if obj is None:
            return None
        if isinstance(obj, tuple):
            return self._checks_detail()
        from ...report.cells import evidence_value   # the report's package is not loaded before it is needed
        f: Finding = obj
        head = Text()
        head.append(f"{f.severity.upper()} ", style=STYLE[f.severity])
        head.append(f"{f.check}", style="bold")
        head.append(f" · {f.object}\n")
        head.append(f.message + "\n")
        ev = Text()
        ev.append("evidence\n", style="dim underline")
        for k, v in f.evidence.items():
            ev.append(f"  {k}: ", style="dim")
            ev.append(evidence_value(v, k) + "\n")
        parts: list = [head, ev]
        if f.remedy:
            remedy = Text()
            remedy.append("remedy\n", style="dim underline")
            remedy.append(f.remedy.replace(";  ", ";\n"), style="bold green")
            parts.append(remedy)
        target = TARGETS.get(f.check)
        if target:
            parts.append(Text(f"g: go to the {target[0]} pane", style="dim"))
        return Group(*parts)

    def _checks_detail(self) -> Text:
        t = Text()
        if self.catalog_error:
            t.append(f"catalog checks: {self.catalog_error}\n", style="yellow")
        t.append("checks\n", style="dim underline")
        for s in self.result.checks if self.result else ():
            t.append(f"  {s.check}: {s.line()}\n", style="" if s.state == "ran" else "yellow")
        return t

    # -- keys ------------------------------------------------------------------------
    def action_toggle_info(self) -> None:
        self.show_info = not self.show_info
        self.redraw()

    def action_go_to(self) -> None:
        f = self.selected
        if not isinstance(f, Finding):
            self.notify("select a finding first", severity="warning")
            return
        target = TARGETS.get(f.check)
        if target is None:
            self.notify(f"{f.check} has no pane of its own: its evidence and remedy are here", timeout=4)
            return
        pane_id, field = target
        app = self.console
        app.action_show_pane(pane_id)
        pane = app.current_pane
        if hasattr(pane, "show_finding"):
            pane.show_finding(f)   # a pane of several views knows which one, and which row
            return
        if field is None:
            return
        value = f.evidence.get(field)
        if field == "indexrelid" and getattr(pane, "mode", "") != "indexes" and "indexes" in pane.MODES:
            pane.set_mode("indexes")
        elif field == "relid" and pane.MODES and getattr(pane, "mode", "") != "tables":
            pane.set_mode("tables")
        key = self._row_key(pane_id, value)
        if key is None or not pane.table.select_key(key):
            self.notify(f"{f.object} is not among the rows shown there (filtered, or not in the top rows)",
                        severity="information", timeout=4)

    def _row_key(self, pane_id: str, value: Any) -> str | None:
        if value is None:
            return None
        if pane_id != "statements":
            return str(value)
        st = self.frame.statements if self.frame is not None else None
        if not isinstance(st, Statements):
            return None
        db = self._caps(self.frame).current_database
        for s in st.statements:
            if s.row.queryid == value and s.row.toplevel and s.row.datname == db:
                return statement_key(s)
        return None
