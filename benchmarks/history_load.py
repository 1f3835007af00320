"""The load bench_history.py records: pgbench, idle sessions, 500 distinct statements, a lock chain.

Runs on its own event loop in a thread so the caller stays synchronous.
"""

from __future__ import annotations

import asyncio
import itertools
import threading

import asyncpg

from pgconsole.conninfo import ConnParams

OPS = ("=", "<", ">", "<=", ">=", "<>", "IS DISTINCT FROM")
COLS = ("aid", "bid", "abalance", "length(filler)")


def distinct_statements(n: int) -> list[str]:
    """n statements pg_stat_statements keeps apart (constants are normalized away, so the
    shapes differ: how many columns are selected and which comparisons filter)."""
    out = []
    for width, (c1, op1), extra in itertools.product(range(1, 30), itertools.product(COLS, OPS), range(3)):
        select = ", ".join(f"{COLS[i % len(COLS)]} AS c{i}" if i else "aid" for i in range(width))
        where = f"{c1} {op1} 5" + "".join(f" AND bid > {k}" for k in range(extra))
        out.append(f"SELECT {select} FROM pgbench_accounts WHERE {where} LIMIT 1")
        if len(out) == n:
            break
    return out


class Load:
    def __init__(self, params: ConnParams, idle: int = 200, statements: int = 500):
        self.params, self.idle, self.statements = params, idle, statements
        self.loop = asyncio.new_event_loop()
        self.conns: list[asyncpg.Connection] = []
        self.tasks: list = []
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(300)

    def run(self, coro, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _connect(self, app: str) -> asyncpg.Connection:
        c = await asyncpg.connect(**self.params.asyncpg_kwargs(), server_settings={"application_name": app})
        self.conns.append(c)
        return c

    async def _start(self) -> None:
        setup = await self._connect("bench-setup")
        await setup.execute("CREATE TABLE IF NOT EXISTS bench_lock (id int PRIMARY KEY, v int);"
                            "INSERT INTO bench_lock VALUES (1, 0) ON CONFLICT DO NOTHING")
        for sql in distinct_statements(self.statements):
            await setup.fetch(sql)
        for i in range(0, self.idle, 20):
            await asyncio.gather(*(self._connect(f"bench-idle-{i // 50}") for _ in range(min(20, self.idle - i))))
        # a slow trickle over the distinct statements: some rows change in every window
        self.tasks.append(asyncio.ensure_future(self._trickle(setup)))

    async def _trickle(self, conn) -> None:
        stmts = distinct_statements(self.statements)
        for sql in itertools.cycle(stmts):
            await conn.fetch(sql)
            await asyncio.sleep(0.2)

    async def lock_chain(self, hold_s: float, waiters: int = 3) -> None:
        """One session holds a row lock for hold_s; `waiters` queue behind it, then all is released."""
        holder = await self._connect("bench-holder")
        await holder.execute("BEGIN; SELECT * FROM bench_lock WHERE id = 1 FOR UPDATE")
        ws = [await self._connect("bench-waiter") for _ in range(waiters)]
        pending = [asyncio.ensure_future(w.execute("UPDATE bench_lock SET v = v + 1 WHERE id = 1")) for w in ws]
        await asyncio.sleep(hold_s)
        await holder.execute("COMMIT")
        await asyncio.gather(*pending, return_exceptions=True)
        for c in (holder, *ws):
            await c.close()
            self.conns.remove(c)

    def stop(self) -> None:
        async def close():
            for t in self.tasks:
                t.cancel()
            for c in self.conns:
                c.terminate()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
