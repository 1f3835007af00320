"""`pgconsole seed` as a user runs it: listing, bad files, refusals, a dry run, Ctrl-C."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import asyncpg

SEEDS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "seeds")


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return subprocess.run([sys.executable, "-m", "pgconsole", "seed", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pgconsole: error: ") and "Traceback" not in r.stderr, r.stderr
    return lines[0]


async def tables(params) -> list[str]:
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        return [r[0] for r in await conn.fetch(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")]
    finally:
        await conn.close()


def test_list_shows_scenarios_and_descriptions():
    r = cli("--list")
    assert r.returncode == 0
    for name in ("saas", "events", "chat"):
        assert name in r.stdout
    assert "Multi-tenant SaaS" in r.stdout


async def test_bad_scenario_file_fails_before_connecting(tmp_path, fresh_db):
    bad = tmp_path / "shop.toml"
    bad.write_text('description = "shop"\n[tables.orders]\nrows = 10\n'
                   '[tables.orders.columns]\ntotal = { type = "numeric(8,2)", gen = "lognormal", median = 20 }\n')
    line = one_line_error(cli(str(bad), fresh_db.uri()))
    assert f"{bad}: table orders, column total: field 'sigma': missing" in line
    bad.write_text("description = \"x\"\n[tables.t\nrows = 1\n")
    assert f"{bad}: not valid TOML" in one_line_error(cli(str(bad), fresh_db.uri()))
    assert "no scenario named 'nope'" in one_line_error(cli("nope", fresh_db.uri()))
    assert await tables(fresh_db) == []


async def test_non_empty_table_is_refused_and_dry_run_writes_nothing(fresh_db):
    r = cli("saas", "--dry-run", "--scale", "0.01", fresh_db.uri())
    assert r.returncode == 0 and "nothing written" in r.stdout and "users" in r.stdout
    assert await tables(fresh_db) == []
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    await conn.execute("CREATE TABLE users (id uuid); INSERT INTO users VALUES (NULL)")
    await conn.close()
    line = one_line_error(cli("saas", "--scale", "0.01", fresh_db.uri()))
    assert "public.users already has rows" in line and "--truncate" in line
    assert await tables(fresh_db) == ["users"]
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    await conn.execute("DROP TABLE users")
    await conn.close()
    for extra in ((), ("--truncate",)):   # options before, between and after the positionals
        r = cli("--rows", "users=20", "--seed", "3", "saas", fresh_db.uri(), "--scale", "0.01", *extra)
        assert r.returncode == 0, r.stderr
        assert "seeded saas" in r.stdout and "total" in r.stdout


async def test_ctrl_c_mid_copy_leaves_no_table(fresh_db):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.Popen([sys.executable, "-m", "pgconsole", "seed", "events", "--scale", "5", "--jobs", "1",
                             fresh_db.uri()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            copying = await conn.fetchval("SELECT count(*) FROM pg_stat_progress_copy p JOIN pg_stat_activity a "
                                          "USING (pid) WHERE a.application_name = 'pgconsole seed' "
                                          "AND p.tuples_processed > 0")
            if copying:
                break
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, (out, err)
        assert "nothing was committed" in err and "Traceback" not in err
        for _ in range(50):   # the server finishes the rollback of a dropped session on its own
            if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                       "'pgconsole seed'"):
                break
            await asyncio.sleep(0.1)
        assert await tables(fresh_db) == []
    finally:
        if proc.poll() is None:
            proc.kill()
        await conn.close()


async def test_infer_from_the_command_line(fresh_db):
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    await conn.execute("CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);"
                       "CREATE TABLE books (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors, "
                       "title text NOT NULL, price numeric(6,2) CHECK (price >= 0))")
    try:
        r = cli("--infer", fresh_db.uri(), "--rows", "authors=30", "--rows", "books=200")
        assert r.returncode == 0, r.stderr
        assert await conn.fetchval("SELECT count(*) FROM books b JOIN authors a ON a.id = b.author_id") == 200
    finally:
        await conn.close()


async def test_freshly_seeded_database_is_not_reported_unanalyzed(fresh_db):
    r = cli("saas", "--scale", "0.05", fresh_db.uri())
    assert r.returncode == 0, r.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    rep = subprocess.run([sys.executable, "-m", "pgconsole", "report", fresh_db.uri(), "--format", "json",
                          "--interval", "0.2", "--threshold", "stale_stats_min_changes=500"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert rep.returncode == 0, rep.stderr
    stale = [f["object"] for f in json.loads(rep.stdout)["findings"] if f["check"] == "stale_statistics"]
    assert stale == []
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:   # analyzed after the commit: the seed's own rows are not "changed since ANALYZE"
        assert await conn.fetchval("SELECT max(n_mod_since_analyze) FROM pg_stat_user_tables") < 500
        assert await conn.fetchval("SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NULL") == 0
    finally:
        await conn.close()
