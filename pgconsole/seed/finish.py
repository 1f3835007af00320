"""After the load: keys, checks, indexes and foreign keys built over the rows (in the
seed's transaction, so validated), sequences moved past the seeded keys; after the
commit, ANALYZE (or VACUUM (ANALYZE) for --like) once the row counts reached the
statistics. A mixin of load.py's _Run: it uses its session, plan and trackers.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Sequence

import asyncpg

from .. import sqlfiles
from ..errors import PgConsoleError, scrub
from ..quoting import qualified, quote_ident
from . import ddl
from .target import shown, version_num

if TYPE_CHECKING:
    from .plan import SeedPlan
    from .progress import Tracker
    from .target import Target


def pg_message(exc: asyncpg.PostgresError) -> str:
    """The server's message, then its DETAIL once, on one line (str() of an asyncpg error
    already appends 'DETAIL:' and 'HINT:' on lines of their own)."""
    msg = exc.args[0] if exc.args else str(exc)
    detail = getattr(exc, "detail", None)
    return scrub(f"{msg} ({detail})" if detail else msg)


class Finish:
    # the run's session, plan and progress: load.py's _Run sets them
    conn: asyncpg.Connection
    plan: SeedPlan
    target: Target
    schema: str
    trackers: dict[str, Tracker]
    cancel: asyncio.Event | None
    dropped: set[str]
    spent: dict[str, float]
    routes: dict[str, str]
    skipped: list[tuple[str, str]]

    def _check_cancel(self) -> None:
        raise NotImplementedError   # _Run's

    def _steps(self, order: Sequence[str]) -> list[ddl.Step]:
        if self.plan.existing_schema:
            return []
        tables = [self.plan.table(n) for n in order]
        return ([s for tp in tables for s in ddl.after_load(self.schema, tp)]
                + [s for tp in tables for s in ddl.foreign_keys(self.schema, tp)])

    async def _drop_ours(self, order: Sequence[str], truncated: set[str]) -> None:
        """Before a --truncate reload, drop the foreign keys and indexes an earlier seed built
        (marked by their comment) that this one builds again: loading under them is several
        times slower. Only ours, only what is rebuilt, in this transaction."""
        marked = {c.name for c in self.target.constraints if c.type == "f" and c.comment == ddl.MARK}
        marked |= {ix["name"] for ix in self.target.indexes if ix["comment"] == ddl.MARK}
        for step in self._steps(order):
            if (step.kind in ("foreign key", "index") and step.name in marked and step.table in truncated
                    and step.name not in self.dropped):
                await self.conn.execute(step.drop())
                self.dropped.add(step.name)

    async def _build(self, order: Sequence[str]) -> list[str]:
        if self.plan.ddl is not None and not self.plan.existing_schema:   # seed --like: the source's own
            from .like_load import build
            return await build(self)
        conn, schema = self.conn, self.schema
        taken, built = set(self.target.names) - self.dropped, []
        steps = self._steps(order)
        spent: dict[str, float] = {n: 0.0 for n in order}
        for step in steps:
            if step.name in taken:
                continue
            self._check_cancel()
            self.trackers[step.table].set_phase("indexing")
            t = time.perf_counter()
            try:
                await conn.execute(step.sql)
                await conn.execute(step.mark())
            except asyncpg.PostgresError as exc:
                raise PgConsoleError(f"table {shown(schema, step.table)}: building {step.kind} {step.name}: "
                                     f"{pg_message(exc)}"
                                     f"; nothing was committed") from None
            spent[step.table] += time.perf_counter() - t
            taken.add(step.name)
            built.append(step.name)
            self.trackers[step.table].set_phase("indexing", spent[step.table])
        self.spent = spent
        return built

    async def analyze(self, order: Sequence[str]) -> str:
        """ANALYZE the seeded tables, after the commit and once the session's row counts have
        reached the statistics. The data is committed: a problem here is a note, not an error."""
        names = [n for n in order if self.plan.table(n).rows > 0]
        routes = self.routes    # seed --like: partitions are analyzed through their root
        hashed = {r for r, how in (self.plan.ddl.strategies if self.plan.ddl is not None else {}).items() if how == "h"}
        counted = [n for n in names if routes.get(n) not in hashed]   # (hash routing puts rows elsewhere)
        tables = [qualified(self.schema, n) for n in counted]
        rows = [self.plan.table(n).rows for n in counted]
        flushed = sqlfiles.load("seed_stats_flushed", version_num(self.conn))
        try:
            deadline = time.monotonic() + 3
            async def flushed_now() -> bool:
                row = await self.conn.fetchrow(flushed, tables, rows)
                assert row is not None   # one row, always
                return bool(row["flushed"])

            while not await flushed_now() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            for rel in dict.fromkeys(routes.get(n, n) for n in names):
                if self.cancel is not None and self.cancel.is_set():
                    return "committed; ANALYZE was skipped (cancelled): run ANALYZE on the seeded tables"
                tab = qualified(self.schema, rel)
                name = next(n for n in names if routes.get(n, n) == rel)
                t = time.perf_counter()
                await self.conn.execute(f"VACUUM (ANALYZE) {tab}" if self.plan.options.vacuum else f"ANALYZE {tab}")
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - t
                self.trackers[name].set_phase("indexing", self.spent[name])
        except asyncpg.PostgresError as exc:
            return f"committed; ANALYZE failed ({pg_message(exc)}): run ANALYZE on the seeded tables"
        return ""

    async def _sequences(self, order: Sequence[str]) -> None:
        """Identity and serial sequences continue after the keys the seed wrote."""
        setval = sqlfiles.load("seed_setval", version_num(self.conn))
        for name in order:
            tp = self.plan.table(name)
            for c in tp.spec.columns:
                if c.spec.gen != "serial" or c.type.family not in ("int2", "int4", "int8") or tp.rows == 0:
                    continue
                tab = qualified(self.schema, self.routes.get(name, name))
                top = await self.conn.fetchval(f"SELECT max({quote_ident(c.name)}) FROM {tab}")
                if top is not None:
                    await self.conn.fetchval(setval, tab, c.name, top)
