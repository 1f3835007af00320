"""A seed killed mid-load (SIGKILL, or SIGHUP from a dropped SSH session) leaves no process behind
and nothing committed: its generator processes die with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import asyncpg
import pytest


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2:].split()   # state, ppid, pgrp, session, ...


def _alive(pid: int, started: str) -> bool:
    st = _stat(pid)
    return st is not None and st[0] != "Z" and st[19] == started   # same start time: not a reused pid


def _processes() -> dict[int, list[str]]:
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _stat(int(d))
            if st is not None:
                out[int(d)] = st
    return out


def _descendants(root: int) -> dict[int, str]:
    procs = _processes()
    found, todo = {}, [root]
    while todo:
        p = todo.pop()
        for pid, st in procs.items():
            if int(st[1]) == p and pid not in found:
                found[pid] = st[19]
                todo.append(pid)
    return found


async def _copying(params) -> bool:
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        return bool(await conn.fetchval(
            "SELECT count(*) FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid) "
            "WHERE a.application_name = 'pgconsole seed' AND p.tuples_processed > 0"))
    finally:
        await conn.close()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP])
async def test_killed_seed_leaves_no_process_and_no_data(fresh_db, sig):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.Popen([sys.executable, "-m", "pgconsole", "seed", "events", "--jobs", "2", "--scale", "0.5",
                             fresh_db.uri()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not await _copying(fresh_db):
            assert proc.poll() is None, "the seed ended before it was killed"
            assert time.monotonic() < deadline, "the seed never started its COPY"
            time.sleep(0.05)
        family = _descendants(proc.pid)
        assert len(family) >= 2, family          # the generator processes are running
        os.kill(proc.pid, sig)
        proc.wait(10)
        time.sleep(5)
        left = [pid for pid, started in family.items() if _alive(pid, started)]
        left += [pid for pid, st in _processes().items() if int(st[2]) == proc.pid and st[0] != "Z"]
        assert not left, f"left running: {sorted(set(left))}"
        conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
        try:
            assert await conn.fetch("SELECT relname FROM pg_class WHERE relkind = 'r' AND "
                                    "relnamespace = 'public'::regnamespace") == []
        finally:
            await conn.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid, st in _processes().items():   # whatever the fix failed to stop, the test does
            if int(st[2]) == proc.pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
