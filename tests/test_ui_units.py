"""The console's pure parts: refresh ladder, backoff, poll loop states, sparklines,
filter language, one-line query text, the key registry."""

from __future__ import annotations

import asyncio

from pgconsole.errors import PgConsoleError
from pgconsole.monitor import ConnectionLost
from pgconsole.ui import keys
from pgconsole.ui.filtering import parse
from pgconsole.ui.poller import REFRESH_STEPS, Poller, backoff, step
from pgconsole.ui.widgets.backend import query_line
from pgconsole.ui.widgets.header import fit_target
from pgconsole.ui.widgets.sparkline import sparkline


def test_refresh_ladder_snaps_and_stops_at_the_ends():
    assert step(2.0, faster=True) == 1.0 and step(2.0, faster=False) == 3.0
    assert step(2.5, faster=True) == 2.0 and step(2.5, faster=False) == 3.0
    assert step(REFRESH_STEPS[0], faster=True) == REFRESH_STEPS[0]
    assert step(REFRESH_STEPS[-1], faster=False) == REFRESH_STEPS[-1]


def test_backoff_doubles_up_to_a_ceiling():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff(50) == 15.0


class FlakySource:
    """Fails with the given exceptions, then returns frames."""

    def __init__(self, failures):
        self.failures = list(failures)
        self.closed = 0

    async def poll(self, force=frozenset()):
        if self.failures:
            raise self.failures.pop(0)
        return "frame"

    async def close(self):
        self.closed += 1


async def test_poll_loop_reports_reconnecting_then_live_and_never_raises():
    frames, links = [], []
    src = FlakySource([ConnectionLost("connection lost: server closed"), PgConsoleError("connection refused")])
    p = Poller(src, 0.05, frames.append, links.append)
    task = asyncio.create_task(p.run())
    for _ in range(200):
        if frames:
            break
        p.refresh_now()   # skip the backoff waits
        await asyncio.sleep(0.01)
    task.cancel()
    states = [link.state for link in links]
    assert states[0] == "connecting" and states[1:3] == ["reconnecting", "reconnecting"]
    assert links[1].reason.startswith("connection lost") and links[2].attempt == 2
    assert states[-1] == "live" and frames[0] == "frame"


async def test_poll_loop_waits_out_the_refresh_on_its_own_and_wakes_early_on_refresh_now():
    """The wait between polls is a timer that sets the wake event (no task per wait): frames
    keep coming at a short refresh with nothing pressed, and at a long one `refresh_now`
    ends the wait at once."""
    frames = []
    p = Poller(FlakySource([]), 0.01, frames.append, lambda link: None)
    task = asyncio.create_task(p.run())
    for _ in range(500):
        if len(frames) >= 3:
            break
        await asyncio.sleep(0.01)
    assert len(frames) >= 3
    p.set_refresh(3600.0)
    await asyncio.sleep(0.05)
    seen = len(frames)
    p.refresh_now()
    for _ in range(500):
        if len(frames) > seen:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    assert len(frames) == seen + 1


async def test_poll_loop_times_out_a_hung_poll_and_closes_the_source():
    links = []

    class Hung(FlakySource):
        async def poll(self, force=frozenset()):
            await asyncio.sleep(60)

    src = Hung([])
    p = Poller(src, 1.0, lambda f: None, links.append, timeout_s=0.05)
    task = asyncio.create_task(p.run())
    for _ in range(100):
        if any(link.state == "reconnecting" for link in links):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    assert "no answer within" in links[-1].reason and src.closed == 1
    assert "stalled" not in [link.state for link in links]     # the timeout came first


async def test_poll_loop_says_stalled_while_a_poll_is_overdue_then_live_with_the_same_session():
    links, frames = [], []

    class Slow(FlakySource):
        async def poll(self, force=frozenset()):
            await asyncio.sleep(0.3 if not frames else 0)
            return "frame"

    src = Slow([])
    p = Poller(src, 0.02, frames.append, links.append, timeout_s=5)
    p.stall_min_s = 0.1
    task = asyncio.create_task(p.run())
    for _ in range(100):
        if frames:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    assert [link.state for link in links] == ["connecting", "stalled", "live"]
    assert links[1].reason == "the server has not answered" and links[1].since is not None
    assert src.closed == 0


def test_header_target_keeps_the_database_name_and_shortens_the_host_first():
    t = "postgres@/tmp/h14-srv/run/sock:53813/pgconsole_demo"
    assert fit_target(t, 60) == t
    assert fit_target(t, 40) == "postgres@…/run/sock:53813/pgconsole_demo"
    assert fit_target(t, 20) == "…@…/pgconsole_demo"
    assert fit_target(t, 12) == "…@…/pgconso…"
    assert fit_target("app@db.example.com:5432/shop", 20) == "app@db.ex…:5432/shop"


def test_sparkline_scales_keeps_flat_series_flat_and_has_an_ascii_ramp():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8) == "▁▂▃▄▅▆▇█"
    assert sparkline([0.991, 0.992, 0.991], 3, min_span=0.02) == "███"
    assert sparkline([0, 0, 0], 3, floor=0.0) == "▁▁▁"
    assert sparkline([None, 1, 2], 4, ascii=True) == "  _#"
    assert sparkline([], 5) == "     "


def test_filter_words_fields_prefixes_and_negation():
    fields = {"pid": 12, "db": "shop", "user": "app", "state": "idle in transaction", "query": "UPDATE orders"}
    assert parse("orders", ("db", "user", "state")).matches(fields)
    assert parse("db:shop st:idle", ("db", "user", "state")).matches(fields)
    assert not parse("db:analytics", ("db", "user", "state")).matches(fields)
    assert not parse("-orders", ("db",)).matches(fields)
    assert parse("nosuchfield:x", ("db",)).terms[0].field is None   # plain text then
    assert not parse("", ())


def test_query_line_drops_leading_comment_lines_only():
    assert query_line("-- why\n-- more\nSELECT 1\nFROM t") == "SELECT 1 FROM t"
    assert query_line("/* app=web */ SELECT 1") == "/* app=web */ SELECT 1"
    assert query_line("-- only a comment") == "-- only a comment"
    assert query_line(None) == ""


def test_key_registry_ids_are_unique_and_every_writing_key_is_marked():
    ids = [k.id for k in keys.KEYS]
    assert len(ids) == len(set(ids))
    for scope in {k.scope for k in keys.KEYS}:
        bound = [k.key for k in keys.for_scope(scope)]
        assert len(bound) == len(set(bound)), scope
    assert {"cancel", "terminate", "reset", "vacuum", "vacuum_db", "seed", "load", "end_holder"} == set(keys.WRITES)


def test_header_uptime_has_minute_resolution():
    from pgconsole.ui.widgets.header import _uptime
    assert [_uptime(s) for s in (5, 59.9, 60, 74, 3599, 3600, 3 * 86400)] == \
        ["<1m", "<1m", "1m", "1m", "59m", "1h00m", "3d00h"]


async def test_keyed_table_scrolls_to_the_cursor_and_keeps_it_on_its_row():
    """Many rows in a short table: End shows the last row, the cursor follows its row when
    the order changes, and a vanished row moves the cursor without losing the table."""
    from textual.app import App

    from pgconsole.ui.widgets.table import Col, KeyedTable

    table = KeyedTable([Col("n", "n", 6, right=True), Col("name", "name", flex=True)])

    class One(App):
        def compose(self):
            yield table

    rows = [(str(i), {"n": str(i), "name": f"row {i}"}) for i in range(100)]
    async with One().run_test(size=(40, 12)) as pilot:
        table.sync(rows)
        table.focus()
        await pilot.pause()                         # the frame is laid out before a key comes
        await pilot.press("end")
        await pilot.pause()
        assert table.selected_key == "99" and table.scroll_y == table.max_scroll_y > 0
        assert "row 99" in table.render_line(table.size.height - 1).text
        table.sync(list(reversed(rows)))            # a new order: the cursor stays on "99"
        await pilot.pause()
        assert table.selected_key == "99" and table.cursor_row == 0 and table.scroll_y == 0
        table.sync(rows[:50])                       # its row went away: the cursor stays in range
        await pilot.pause()
        assert table.selected_key in {k for k, _ in rows[:50]} and table.row_count == 50


async def test_direct_lines_match_textuals_own_rendering():
    """The table, text blocks and containers hand the compositor their kept lines instead
    of going through Textual's styles cache: the lines (text and styles) must be the ones
    Textual would draw, for every such widget on screen, focused or not, before and after
    frames change them; and their render size must be `size`."""
    from textual.geometry import Region
    from textual.widget import Widget
    from ui_canned import fixed_clock, frames

    from pgconsole.ui.app import ConsoleApp
    from pgconsole.ui.widgets.styled import CachedStyles, DirectLines, SolidLines

    app = ConsoleApp(None, None, target="app@db.example.com:5432/shop", refresh_s=2.0, clock=fixed_clock())

    def check() -> int:
        seen = 0
        for w in app.screen.walk_children(with_self=True):
            if not isinstance(w, CachedStyles) or w.region.area == 0:
                continue
            assert w._render_size() == w.size, type(w).__name__
            if isinstance(w, (DirectLines, SolidLines)):
                crop = Region(0, 0, *w.region.size)
                ours = w.render_lines(crop)
                w._styles_cache.clear()
                theirs = Widget.render_lines(w, crop)
                assert [list(s) for s in ours] == [list(s) for s in theirs], type(w).__name__
                seen += 1
        return seen

    async with app.run_test(size=(100, 30)) as pilot:
        canned = frames()
        app.show_frame(canned[0])
        await pilot.pause()
        assert check() >= 6      # screen, switcher, pane, header, pane bar, status, table, detail
        # the docked footer (asked for its line on every update) hands out its one kept line
        from pgconsole.ui.widgets.footer import ConsoleFooter
        assert app.query_one(ConsoleFooter).__dict__["_pgc_solid"][1] is not None
        for f in canned[1:4]:
            app.show_frame(f)
        await pilot.press("down")
        await pilot.pause()
        check()


def test_connections_badge_counts_only_sessions_idle_in_transaction_a_minute_or_more():
    from types import SimpleNamespace

    from factories import backend

    from pgconsole import derive
    from pgconsole.ui.widgets.connections import ConnectionsPane

    def badge(*ages):
        conns = derive.connections([backend(i, state="idle in transaction", state_age_s=a)
                                    for i, a in enumerate(ages, 1)])
        return ConnectionsPane.badge(SimpleNamespace(), SimpleNamespace(connections=conns))

    assert badge(0.002, 0.01) is None               # between statements of a busy client
    assert badge(120.0, 0.002, 0.01) == ("1", "yellow")
    assert badge(61.0, 300.0) == ("2", "yellow")


def test_text_lines_cut_appended_text_as_rich_renders_it():
    """TextLines cuts Text with ordered spans itself (the header's line of twenty spans,
    every second); the segments must be Text.render's under the text's style."""
    import random

    from rich.console import Console
    from rich.segment import Segment
    from rich.text import Text

    from pgconsole.ui.widgets.lines import text_segments

    console, rnd = Console(), random.Random(7)
    styles = ["", "bold", "dim", "bold red", "cyan", "bold black on yellow", "reverse"]
    for _ in range(2000):
        t = Text(style=rnd.choice(styles))
        for _ in range(rnd.randint(0, 8)):
            t.append(rnd.choice(["", "ab", "x y", "▇█", "  "]), style=rnd.choice(styles))
        if rnd.random() < 0.2:
            t.stylize("bold", 0, 3)                     # overlapping: Rich's own path
        base = console.get_style(t.style)
        rich = [(s.text, s.style) for s in Segment.apply_style(t.render(console), base) if s.text]
        ours = [(s.text, s.style) for s in text_segments(console, t, base) if s.text]
        assert ours == rich, repr(t)


def test_header_pieces_assembled_at_once_are_text_assemble():
    from rich.text import Text

    from pgconsole.ui.widgets.header import assembled
    for pieces in ([("conns ", "dim"), ("3/100", "bold"), ("  ", ""), ("tps ", "dim"), ("", "bold"),
                    (" ▁▂█", "cyan")],
                   [], [("plain", "")], [("a\x1bb", "bold"), ("c", "dim")]):   # a control character
        ours, rich = assembled(pieces), Text.assemble(*pieces)
        assert (ours.plain, ours.spans, ours.style) == (rich.plain, rich.spans, rich.style), pieces


def test_detail_folds_leading_comment_lines_only():
    from pgconsole.ui.widgets.detail import query_parts, unfold

    def shown(q):
        return [p.plain for p in query_parts("query", q, "none")]
    assert shown("-- a\n-- b\nSELECT 1") == ["query  2 leading comment lines folded: Enter shows them", "SELECT 1"]
    assert shown("/* a /* nested */ b */\n-- c\n  SELECT 2")[1] == "SELECT 2"
    assert shown("/* app=web */ SELECT 1") == ["query", "/* app=web */ SELECT 1"]   # on its line: kept
    assert shown("\n\n  SELECT 3") == ["query", "\n\n  SELECT 3"]                     # blank lines: no comment
    assert shown("-- only a comment") == ["query", "-- only a comment"]
    assert shown(None) == ["query", "none"]
    head, body = query_parts("query", "-- a\nSELECT 1", "none")
    assert unfold(body).plain == "-- a\nSELECT 1" and unfold(head).plain == "query"


def test_a_flow_wraps_between_items_never_inside_one():
    from rich.console import Console

    from pgconsole.ui.widgets.lines import Flow, flow_wrap
    line = Flow("idle in transaction 1m52s  xact 1m57s  query 1m57s  conn 5m00s  xmin age 1,234,567")
    pieces = [p.plain for p in flow_wrap(Console(width=200), line, 78)]
    assert pieces == ["idle in transaction 1m52s  xact 1m57s  query 1m57s  conn 5m00s", "xmin age 1,234,567"]
    assert [p.plain for p in flow_wrap(Console(), Flow("a b  c d  e f"), 8)] == ["a b  c d", "e f"]
    # an item wider than the line is word-wrapped on its own
    assert [p.plain.rstrip() for p in flow_wrap(Console(), Flow("ab  cd ef gh ij"), 6)] == ["ab", "cd ef", "gh ij"]


# -- the detail panel's locks: read again only once the session ran something ---------------

def _quiet_frame(t, backends):
    from pgconsole import derive
    from pgconsole.snapshots import Frame
    from factories import overview_row
    return Frame(seq=1, sampled_at=t, overview=derive.overview(overview_row(t), None, ()),
                 connections=derive.connections(backends), locks=None, cache=None, statements=None, bloat=None)


def test_quiet_session_keeps_its_token_while_it_runs_nothing():
    from datetime import timedelta
    from factories import T0, backend
    from pgconsole.ui.widgets.backend import quiet

    def at(i, **kw):
        t = T0 + timedelta(seconds=2 * i)
        b = backend(101, **{"state": "idle in transaction", "xact_age_s": 95.0 + 2 * i,
                            "state_age_s": 90.0 + 2 * i, **kw})
        return quiet(b, _quiet_frame(t, [b]))

    first = at(0)
    assert first is not None and first.same(at(7))          # ten seconds on: nothing ran
    assert not first.same(at(7, state_age_s=0.8))          # it ran a statement (the state began again)
    assert not first.same(at(7, state="idle", xact_age_s=None))   # its transaction ended
    assert not first.same(at(7, xact_age_s=3.0, state_age_s=2.0))  # a new transaction
    assert at(0, state="active") is None                    # running: its locks move
    assert at(0, state_age_s=0.3) is None                   # too young to tell from jitter
    assert not first.same(None)
