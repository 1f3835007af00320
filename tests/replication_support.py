"""A primary and its streaming standby for the replication tests, and what is planted on them.

The pair is its own: wal_level logical, prepared transactions, a failing archive_command,
one autovacuum worker and a small max_wal_size are settings the suite's main server must
not have (they would slow or skew the other tests). Both run from the same binaries as the
rest of the suite (PGCONSOLE_TEST_PGBIN) as the same system user, with their own ports
and socket directories.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from findings_support import connect, wait_for
from pgconsole.cluster import LocalCluster
from pgconsole.conninfo import ConnParams
from pgconsole.actions import ActionSession
from pgconsole.monitor import VIEWS, Monitor
from pgconsole.replication_actions import drop_slot, rollback_prepared
from pgconsole.standby import StandbyCluster

MB = 1024 * 1024
DB = "repl"
SLOT = "pgc_unconsumed"
GID = "pgc_forgotten"
STANDBY = "standby1"

PRIMARY_SETTINGS = {
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "log_min_messages": "warning",
    "shared_buffers": "16MB", "max_connections": "40",
    "wal_level": "logical", "max_prepared_transactions": "4",
    "archive_mode": "on",                                      # archive_command: set in prepare()
    "max_wal_size": "32MB", "min_wal_size": "32MB",            # 80 MB of WAL: requested checkpoints
    "autovacuum_max_workers": "1", "autovacuum_naptime": "1",  # one worker, kept busy by a slow table
}
STANDBY_SETTINGS = {"fsync": "off", "log_min_messages": "warning", "shared_buffers": "16MB",
                    "hot_standby_feedback": "on", "cluster_name": STANDBY,
                    "wal_receiver_status_interval": "1"}   # feedback every second, not every ten


@dataclass
class Pair:
    primary: LocalCluster
    standby: StandbyCluster
    version: int = 0
    held: list = field(default_factory=list)   # sessions kept open by the plants
    outcomes: list = field(default_factory=list)   # what the console's remedies said

    def params(self, which: str, database: str = DB, user: str = "postgres") -> ConnParams:
        st = (self.primary if which == "primary" else self.standby).state()
        return ConnParams(host=st.socket_dir, port=st.port, user=user, database=database)


def start_pair() -> Pair:
    root = Path(tempfile.mkdtemp(prefix="pgct-repl-"))
    bin_dir = os.environ.get("PGCONSOLE_TEST_PGBIN") or None
    primary = LocalCluster(root / "primary", bin_dir=bin_dir)
    try:
        primary.start(extra_settings=PRIMARY_SETTINGS)
        standby = StandbyCluster(root / "standby", primary)
        standby.start(extra_settings=STANDBY_SETTINGS)
        standby.wait_streaming()
    except Exception:
        primary.destroy()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Pair(primary, standby)


def stop_pair(pair: Pair) -> None:
    root = pair.primary.root.parent
    pair.standby.destroy()
    pair.primary.destroy()
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class Evaluation:
    first: object
    frame: object
    catalog: object
    result: object
    caps: object


async def evaluate(params: ConnParams, thresholds, interval: float = 0.6) -> Evaluation:
    """Two samples `interval` apart, the catalog, every check: what `pgconsole report` measures."""
    from pgconsole import findings
    mon = Monitor(params)
    try:
        first = await mon.poll(force=frozenset(VIEWS))
        await asyncio.sleep(interval)
        frame = await mon.poll(force=frozenset(VIEWS))
        result, catalog = await findings.collect(mon, frame, thresholds)
        return Evaluation(first, frame, catalog, result, mon.caps)
    finally:
        await mon.close()


# -- the plants ---------------------------------------------------------------------------
async def prepare(pair: Pair) -> None:
    admin = await connect(pair.params("primary", "postgres"))
    try:
        pair.version = int(await admin.fetchval("SHOW server_version_num"))
        await admin.execute(f"CREATE DATABASE {DB}")
        # a pg_monitor member and a role without monitoring grants (socket trust: no password)
        await admin.execute("CREATE ROLE mon_role LOGIN IN ROLE pg_monitor; CREATE ROLE plain_role LOGIN")
        # every segment's archiving fails; set here, not with -c, so that heal() can change it
        await admin.execute("ALTER SYSTEM SET archive_command = 'false'")
        await admin.execute("SELECT pg_reload_conf()")
    finally:
        await admin.close()
    conn = await connect(pair.params("primary"))
    try:
        await conn.execute("""
            CREATE TABLE churn (id int PRIMARY KEY, v int);
            INSERT INTO churn SELECT g, 0 FROM generate_series(1, 20000) g;
            CREATE TABLE scratch (id int);
            -- vacuumed at a crawl: a cost limit of 1 and the longest delay, about ten pages a second
            CREATE TABLE crawl (id int, pad text) WITH (autovacuum_vacuum_cost_delay = 100,
                autovacuum_vacuum_cost_limit = 1, autovacuum_vacuum_threshold = 0,
                autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 1000000000);
            INSERT INTO crawl SELECT g, repeat('p', 300) FROM generate_series(1, 12000) g;
            ANALYZE churn, crawl;""")
    finally:
        await conn.close()
    await wait_for_standby_db(pair)


async def wait_for_standby_db(pair: Pair) -> None:
    admin = await connect(pair.params("standby", "postgres"))
    try:
        await wait_for(admin, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", DB)
    finally:
        await admin.close()


async def plant(pair: Pair) -> dict:
    """Everything at once, in an order that lets each take hold; returns the holders' names."""
    p = await connect(pair.params("primary"))
    s = await connect(pair.params("standby"))
    pair.held += [p, s]
    # the one autovacuum worker settles on the crawling table (every page has a dead row)
    await p.execute("UPDATE crawl SET id = id + 1")
    await wait_for(p, "SELECT EXISTS (SELECT 1 FROM pg_stat_progress_vacuum WHERE relid = 'crawl'::regclass)",
                   timeout=30)
    # a logical slot nobody consumes (made before the holders: creating one waits for open transactions)
    await p.fetchval(f"SELECT pg_create_logical_replication_slot('{SLOT}', 'test_decoding')")
    # holders: a forgotten prepared transaction, a session holding a snapshot, a standby query
    await p.execute(f"BEGIN; INSERT INTO scratch VALUES (1); PREPARE TRANSACTION '{GID}'")
    snap = await connect(pair.params("primary"), application_name="snapshot-holder")
    pair.held.append(snap)
    await snap.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM churn")
    reader = await connect(pair.params("standby"), application_name="standby-reader")
    pair.held.append(reader)
    long_query = asyncio.ensure_future(reader.execute("SELECT pg_sleep(3600)"))
    long_query.add_done_callback(lambda f: f.cancelled() or f.exception())   # cancelled by heal()
    await wait_for(p, "SELECT count(*) = 1 FROM pg_stat_replication WHERE backend_xmin IS NOT NULL")
    # 1,000 transaction IDs later (subtransactions), dead rows nothing can remove
    await p.execute("""DO $$ BEGIN FOR i IN 1..1000 LOOP
                         BEGIN INSERT INTO scratch VALUES (i); EXCEPTION WHEN OTHERS THEN NULL; END;
                       END LOOP; END $$""")
    await p.execute("UPDATE churn SET v = v + 1")
    # replay paused on the standby, then 80 MB of WAL
    await s.execute("SELECT pg_wal_replay_pause()")
    await p.execute("SELECT count(pg_logical_emit_message(false, 'pgc', repeat('x', 1000000))) "
                    "FROM generate_series(1, 80)")
    await p.execute("SELECT pg_switch_wal()")
    await wait_for(p, "SELECT failed_count > 0 FROM pg_stat_archiver")
    await wait_for(p, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) > 40 * 1024 * 1024 "
                      "FROM pg_stat_replication")
    await flush(p)
    await wait_for(p, "SELECT n_dead_tup >= 20000 FROM pg_stat_user_tables WHERE relname = 'churn'")
    return {"session": snap.get_server_pid()}


async def flush(conn) -> None:
    if int(await conn.fetchval("SHOW server_version_num")) >= 150000:
        await conn.execute("SELECT pg_stat_force_next_flush()")
    else:
        await asyncio.sleep(0.7)


async def disconnect_standby(pair: Pair) -> str:
    """Point the standby's WAL receiver at nothing; returns the conninfo to restore."""
    s = await connect(pair.params("standby", "postgres"))
    try:
        old = await s.fetchval("SHOW primary_conninfo")
        await s.execute("SELECT pg_wal_replay_resume()")   # a paused startup process restarts no receiver
        await s.execute("ALTER SYSTEM SET primary_conninfo = 'host=/nonexistent port=1 user=postgres'")
        await s.execute("SELECT pg_reload_conf()")
        await wait_for(s, "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')")
        return old
    finally:
        await s.close()


async def heal(pair: Pair, conninfo: str) -> None:
    """Undo every plant, then wait until both servers are quiet again. The checkpoint statistics are
    reset (the requested checkpoints stay in them otherwise); the archiver's are kept: its failures
    now lie before a success."""
    s = await connect(pair.params("standby", "postgres"))
    try:
        await s.execute(f"ALTER SYSTEM SET primary_conninfo = '{conninfo.replace(chr(39), chr(39) * 2)}'")
        await s.execute("SELECT pg_reload_conf(); SELECT pg_wal_replay_resume()")
        await s.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'standby-reader'")
        await wait_for(s, "SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')",
                       timeout=30)
    finally:
        await s.close()
    for c in pair.held:
        c.terminate()
    pair.held.clear()
    # the console's own remedies, on an action session of their own
    actions = ActionSession(pair.params("primary", "postgres"))
    try:
        pair.outcomes = [await rollback_prepared(actions, GID, DB), await drop_slot(actions, SLOT, DB)]
    finally:
        await actions.close()
    p = await connect(pair.params("primary"))
    try:
        await p.execute("ALTER TABLE crawl SET (autovacuum_enabled = false)")
        await p.execute("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
        await p.execute("ALTER SYSTEM SET archive_command = 'true'")
        await p.execute("SELECT pg_reload_conf()")
        checkpoints = "checkpointer" if pair.version >= 170000 else "bgwriter"
        await p.execute(f"SELECT pg_stat_reset_shared('{checkpoints}')")
        # the archiver catches up with the segments it could not archive (its failures stay counted)
        await wait_for(p, "SELECT last_archived_time > coalesce(last_failed_time, '-infinity') "
                          "FROM pg_stat_archiver", timeout=90)
        await wait_for(p, "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) < 1024 * 1024 "
                          "AND count(*) = 1 FROM pg_stat_replication", timeout=60)
        await wait_for(p, "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'snapshot-holder')")
        await wait_for(p, "SELECT age(backend_xmin) < 100 FROM pg_stat_replication")   # the standby let go
        await p.execute("VACUUM")   # what autovacuum was kept from, at once: the twin starts with nothing due
        lsn = await p.fetchval("SELECT pg_current_wal_lsn()::text")
    finally:
        await p.close()
    # the twin standby is judged caught up: let it replay that VACUUM's WAL first (a loaded machine lags)
    s = await connect(pair.params("standby", "postgres"))
    try:
        await wait_for(s, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn "
                          "AND pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()", timeout=60)
    finally:
        await s.close()
