"""The demo's background load against the real server: quitting while its lock chain is
held leaves nothing on stderr (no 'Task exception was never retrieved')."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import asyncpg

from pgconsole.demo_load import prepare_demo_db

# the demo's own stop path (LoadThread.stop), in a process of its own so that what
# asyncio logs at teardown reaches its stderr as it would a user's terminal
LOAD = """
import gc, sys
from pgconsole.conninfo import ConnParams
from pgconsole.demo_load import DemoLoad, LoadThread
host, port, db = sys.argv[1:4]
params = ConnParams(host=host, port=int(port), user="postgres", database=db)
load = LoadThread(DemoLoad(params, workers=1, lock_every_s=0.2).run).start()
sys.stdin.readline()
load.stop()
gc.collect()
print("stopped", flush=True)
"""


async def _waiters(params) -> int:
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                                   "AND application_name = 'demo-locker' AND wait_event_type = 'Lock'",
                                   params.database)
    finally:
        await conn.close()


def test_quitting_while_the_lock_chain_is_held_is_silent(pg_params, fresh_db):
    asyncio.run(prepare_demo_db(pg_params, fresh_db.database))
    proc = subprocess.Popen([sys.executable, "-c", LOAD, str(pg_params.host), str(pg_params.port),
                             fresh_db.database], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while asyncio.run(_waiters(fresh_db)) < 2:
            assert time.monotonic() < deadline, "the lock chain never formed"
            time.sleep(0.1)
        out, err = proc.communicate("quit\n", timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and out == "stopped\n"
    assert err == ""


def test_demo_tables_are_analyzed_after_their_load_commits(fresh_db):
    """ANALYZE inside the schema's transaction left n_mod_since_analyze at every row loaded:
    the demo's Findings pane opened on one stale_statistics warning per table."""
    asyncio.run(prepare_demo_db(fresh_db, fresh_db.database))

    async def unanalyzed():
        conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
        try:
            return await conn.fetch("SELECT relname, n_mod_since_analyze FROM pg_stat_user_tables "
                                    "WHERE n_mod_since_analyze > 0 OR last_analyze IS NULL AND n_live_tup > 0")
        finally:
            await conn.close()
    assert asyncio.run(unanalyzed()) == []
