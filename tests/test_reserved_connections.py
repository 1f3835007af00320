"""Usable connection slots on PostgreSQL 16+: max_connections less superuser_reserved_connections
and reserved_connections (slots only roles with pg_use_reserved_connections may take). A server
of its own, since both are set at server start (the suite's server keeps the defaults)."""

from __future__ import annotations

import pytest

from pgconsole.cluster import LocalCluster
from pgconsole.commands.snapshot import render
from pgconsole.conninfo import ConnParams
from pgconsole.monitor import VIEWS, Monitor
from pgconsole.untrusted import SafeConsole


@pytest.mark.pg18_only
async def test_usable_slots_leave_out_both_reserves(tmp_path, monkeypatch):
    monkeypatch.setenv("PGCONSOLE_FAST_UNSAFE", "1")
    cluster = LocalCluster(tmp_path / "srv")
    try:
        st = cluster.start(extra_settings={"max_connections": "20", "superuser_reserved_connections": "3",
                                           "reserved_connections": "2", "shared_buffers": "16MB"})
        mon = Monitor(ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres"))
        try:
            frame = await mon.poll(force=frozenset(VIEWS))
        finally:
            await mon.close()
    finally:
        cluster.destroy()
    ov = frame.overview
    assert ov.row.reserved_connections == 5 and ov.usable_connections == 15   # the header's and the report's
    console = SafeConsole(width=200, record=True)
    console.print(render(frame))
    assert f"connections {ov.row.connections_used}/15 usable (max 20)" in console.export_text()
