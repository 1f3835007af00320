"""Hostile names and statements, end to end: tables, schemas, a role, application names and
statements carrying ESC/OSC/CSI sequences, BEL, C1 and bidi controls and Rich markup, shown by
every subcommand (real processes, output bytes checked) and by the console (Pilot: every pane
and its detail, the full-screen view, EXPLAIN, the VACUUM and seed screens). Exit 0, no
traceback, no control character written, the names shown literally (their escapes)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import pty
import re
import subprocess
import sys
import threading

import asyncpg
import pytest

from findings_support import connect, database, flush_stats, run
from pgconsole.actions import ActionSession
from pgconsole.monitor import Monitor
from pgconsole.quoting import qualified, quote_ident
from pgconsole.ui.app import ConsoleApp

ROLE = "pgc\x1b[5m[/r]role"
APP = "[/nope][bold]app\x1b]0;APP"
SCHEMA = "sch\x1b[31m[/x]"
TABLES = ["esc\x1b[2J\x1b[31mRED", "osc\x1b]0;PWNED\x07title", "alt\x1b[?1049lscreen", "[/nope]",
          "[link=https://evil.example/]click[/link]", "bidi\u202eevil", "[bold red]markup[/]", "c1\x9bX"]
LOCKED = "locked\x1b[2J[/l]"
COMMENT = "/* \x1b]0;QUERYPWN\x07 \x1b[2J\x1b[?1049l [/x] [link=https://evil.example/]l[/link] \u202eevil */"
SEED_SCHEMA = "seed[/x]\x1b[2J"
# what the terminal would act on: any C0 but newline, DEL, C1, bidi and separators
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SHOWN = ["esc\\x1b[2J\\x1b[31mRED", "alt\\x1b[?1049lscreen", "[/nope]", "[link=https://evil.example/]",
         "bidi\\u202eevil", "[bold red]markup[/]", "c1\\x9bX"]
TINY = """description = "one tiny table"
[tables.tiny]
rows = 20
primary_key = "id"
[tables.tiny.columns]
id = { type = "bigint", gen = "serial" }
name = { type = "text", faker = "name" }
"""


@pytest.fixture(scope="module")
def hostile(pg_params, make_role):
    role = make_role(ROLE)
    with database(pg_params, "hostile") as params:
        async def setup():
            conn = await connect(params)
            try:
                await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; "
                                   "CREATE EXTENSION IF NOT EXISTS pgstattuple")
                await conn.execute(f"CREATE SCHEMA {quote_ident(SCHEMA)} AUTHORIZATION {quote_ident(ROLE)}; "
                                   f"GRANT CREATE ON SCHEMA public TO {quote_ident(ROLE)}")
                for schema, name in [("public", t) for t in TABLES + [LOCKED]] + [(SCHEMA, "[/nope]"),
                                                                                    (SCHEMA, TABLES[0])]:
                        t = qualified(schema, name)
                        await conn.execute(
                            f"CREATE TABLE {t} (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = off); "
                            f"INSERT INTO {t} SELECT g, repeat('x', 40) FROM generate_series(1, 90) g; "
                            f"DELETE FROM {t} WHERE id % 3 = 0; ALTER TABLE {t} OWNER TO {quote_ident(ROLE)}")
                await conn.execute("ANALYZE")
            finally:
                await conn.close()
            mine = await asyncpg.connect(**role.with_database(params.database).asyncpg_kwargs(),
                                         server_settings={"application_name": APP})
            try:
                for name in TABLES:
                    await mine.fetchval(f"SELECT count(*) FROM {qualified('public', name)} {COMMENT}")
                await flush_stats(mine)
            finally:
                await mine.close()
        run(setup())
        yield params, role.with_database(params.database)


def clean(data: str, what: str) -> str:
    assert "Traceback" not in data, (what, data[-2000:])
    bad = CONTROL.search(data)
    assert bad is None, (what, repr(data[max(bad.start() - 60, 0):bad.end() + 60]))
    return data


def markdown_text(md: str) -> str:
    """The text a reader sees once a Markdown document is rendered (markdown-it-py, GFM tables)."""
    import html

    from markdown_it import MarkdownIt
    page = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "FORCE_COLOR"))}
    env["COLUMNS"] = "250"   # wide enough for whole names in the tables
    return subprocess.run([sys.executable, "-m", "pgconsole", *args], capture_output=True, timeout=120,
                          env=env)


def conn_args(params) -> list[str]:
    return ["-h", params.host, "-p", str(params.port), "-U", params.user, "-d", params.database]


def test_subcommands_show_hostile_names_literally_and_write_no_control_character(hostile, tmp_path):
    params, _ = hostile
    out = {}
    runs = {
        "snapshot": ["snapshot", *conn_args(params), "--interval", "0.1", "--top", "50"],
        "report.md": ["report", *conn_args(params), "--interval", "0.1", "--format", "md"],
        "report.html": ["report", *conn_args(params), "--interval", "0.1", "--format", "html"],
        "vacuum all": ["vacuum", *conn_args(params)],
        "vacuum by name": ["vacuum", *conn_args(params), qualified("public", TABLES[0]),
                           qualified(SCHEMA, "[/nope]")],
        "seed": ["seed", str(tmp_path / "tiny.toml"), *conn_args(params), "--schema", SEED_SCHEMA, "--jobs", "0"],
    }
    (tmp_path / "tiny.toml").write_text(TINY)
    apart = [w for w in runs if not w.startswith("vacuum")]   # the two vacuums one after the other
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        done = dict(zip(apart, pool.map(lambda w: cli(*runs[w]), apart)))
    done.update((w, cli(*runs[w])) for w in runs if w.startswith("vacuum"))
    for what, r in done.items():
        stdout = r.stdout.decode("utf-8")
        stderr = r.stderr.decode("utf-8")
        assert r.returncode == 0, (what, stdout[-1500:], stderr[-1500:])
        out[what] = clean(stdout, what) + clean(stderr, what)
    # the Markdown report escapes what Markdown reads: its names show once rendered
    out["report.md"] = markdown_text(out["report.md"])
    for what in ("snapshot", "report.md", "report.html"):
        for name in SHOWN:
            shown = name.replace("&", "&amp;").replace("<", "&lt;") if what.endswith("html") else name
            if what == "snapshot":
                shown = shown[:14]   # its name columns are at most 24 wide: the escapes come first
            assert shown in out[what], (what, name)
    for what in ("vacuum all", "vacuum by name"):
        assert "[/nope]" in out[what] and "esc\\x1b[2J\\x1b[31mRED" in out[what], out[what]
    assert "seed[/x]\\x1b[2J" in out["seed"]


def test_json_keeps_the_exact_values(hostile):
    params, _ = hostile
    r = cli("snapshot", *conn_args(params), "--interval", "0.1", "--json", "--top", "50")
    assert r.returncode == 0, r.stderr
    clean(r.stdout.decode(), "json")     # JSON escapes them itself
    doc = json.loads(r.stdout)
    names = {(t["schemaname"], t["relname"]) for t in doc["bloat"]["tables"]}
    assert {("public", t) for t in TABLES} <= names and (SCHEMA, "[/nope]") in names


def test_snapshot_on_a_terminal_sends_only_its_own_colours(hostile):
    params, _ = hostile
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(TERM="xterm-256color", COLUMNS="200", LINES="50")
    proc = subprocess.Popen([sys.executable, "-m", "pgconsole", "snapshot", *conn_args(params), "--interval", "0.1"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(60) == 0
    raw = b"".join(chunks).decode("utf-8")
    assert "\x1b[" in raw                      # it is a terminal: colours
    text = re.sub(r"\x1b\[[0-9;]*m", "", raw).replace("\r\n", "\n")
    clean(text, "snapshot on a pty")
    assert "bidi\\u202eevil" in text and "[/nope]" in text


# -- the console --------------------------------------------------------------------------------

class Sessions:
    """Sessions of the hostile role kept busy on a loop of their own while the console watches:
    one sleeping in a hostile statement, one holding a SHARE lock, one waiting behind it."""

    def __init__(self, role_params):
        self.params = role_params
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.conns: list[asyncpg.Connection] = []
        self.tasks = []

    def call(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()
        self.call(self._start())

    async def _start(self) -> None:
        for _ in range(3):
            self.conns.append(await asyncpg.connect(**self.params.asyncpg_kwargs(),
                                                    server_settings={"application_name": APP}))
        holder, waiter, sleeper = self.conns
        locked = qualified("public", LOCKED)
        await holder.execute(f"BEGIN; LOCK TABLE {locked} IN SHARE MODE; SELECT 1 {COMMENT}")
        self.tasks.append(asyncio.ensure_future(waiter.execute(f"INSERT INTO {locked} VALUES (-1) {COMMENT}")))
        self.tasks.append(asyncio.ensure_future(sleeper.execute(f"SELECT pg_sleep(600) {COMMENT}")))
        await asyncio.sleep(0.3)

    def stop(self) -> None:
        async def close():
            for c in self.conns:
                c.terminate()
            for t in self.tasks:
                t.cancel()
        try:
            self.call(close(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


def screen_lines(app) -> list[str]:
    """The screen as the compositor would send it, text only (one string per line)."""
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip if not seg.control) for strip in strips]


async def wait_for(pilot, cond, timeout: float = 20.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s")
        await pilot.pause(0.05)


async def test_the_console_shows_every_pane_and_screen_without_a_control_character(hostile, tmp_path, pg_version):
    from pgconsole.seed import SeedOptions, load_scenario, make_plan
    from pgconsole.ui.screens.confirm import ConfirmScreen
    from pgconsole.ui.screens.seed import SeedScreen
    from pgconsole.ui.screens.text import TextScreen
    from pgconsole.ui.screens.vacuum import VacuumScreen
    from pgconsole.ui.widgets.safe import NoControlCharacters

    params, role = hostile
    sessions = Sessions(role)
    sessions.start()
    app = ConsoleApp(Monitor(params), ActionSession(params), target=params.describe(), refresh_s=0.5,
                     poll_timeout_s=15)
    # without the backstop: the boundary alone must keep every control character off the screen
    app._filters = [f for f in app._filters if not isinstance(f, NoControlCharacters)]
    seen: list[str] = []

    def look(what: str) -> None:
        for line in screen_lines(app):
            bad = CONTROL.search(line)
            assert bad is None, (what, repr(line))
            seen.append(line)

    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: app.frame is not None and app.frame.locks is not None
                           and len(getattr(app.frame.locks, "nodes", ())) >= 2, what="the lock wait")
            for key in "123456":
                await pilot.press(key)
                pane = app.current_pane
                await wait_for(pilot, lambda: pane.table.row_count > 0, what=f"rows in pane {key}")
                for row in pane.table.ordered_keys[:5]:      # rows and their detail
                    pane.table.select_key(row)
                    await pilot.pause()
                    look(f"pane {key} row {row}")
                if key == "3":
                    await pilot.press("t")                    # the indexes
                    await pilot.pause()
                    look("cache indexes")
                    await pilot.press("t")
            # the full-screen detail of the hostile statement, and its EXPLAIN
            await pilot.press("4")
            pane = app.current_pane
            hostile_row = next(k for k, s in pane._objects.items() if "QUERYPWN" in (s.query or "")
                               and "count" in (s.query or ""))
            pane.table.select_key(hostile_row)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, TextScreen), what="the full-screen detail")
            look("full-screen detail")
            await pilot.press("escape")
            if pg_version >= 160000:
                await pilot.press("e")
                await wait_for(pilot, lambda: isinstance(app.screen, TextScreen), what="the plan")
                look("EXPLAIN")
                await pilot.press("escape")
            # VACUUM of a hostile table from the Bloat pane
            await pilot.press("5")
            pane = app.current_pane
            await wait_for(pilot, lambda: any(r.relname == TABLES[1] for r in pane._objects.values()),
                           what="the osc table")
            pane.table.select_key(next(k for k, r in pane._objects.items()
                                       if r.relname == TABLES[1] and r.schemaname == "public"))
            await pilot.press("v")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the confirmation")
            look("vacuum confirmation")
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, VacuumScreen) and app.screen.finished,
                           what="the vacuum")
            look("vacuum screen")
            assert app.screen.report is not None and not app.screen.report.failed
            await pilot.press("escape")
            # seeding into a hostile schema
            (tmp_path / "tiny.toml").write_text(TINY)
            plan = make_plan(load_scenario(str(tmp_path / "tiny.toml")), SeedOptions(schema=SEED_SCHEMA + "2", jobs=0))
            app.push_screen(SeedScreen(app.actions.params, app.actions.limits, plan))
            await wait_for(pilot, lambda: isinstance(app.screen, SeedScreen) and app.screen.finished, what="the seed")
            assert app.screen.error is None, app.screen.error
            await pilot.pause(0.2)
            look("seed screen")
            await pilot.press("escape")
            await pilot.pause(0.2)
            look("notifications")
    finally:
        sessions.stop()
        await app.source.close()
        await app.actions.close()
    screen = "\n".join(seen)
    for name in SHOWN + ["osc\\x1b]0;PWNED", "QUERYPWN", "seed[/x]\\x1b[2J2", "pgc\\x1b[5m[/r]role"]:
        assert name in screen, name
