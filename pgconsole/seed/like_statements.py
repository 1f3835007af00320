"""`seed --like`: the plans of the source's own statements, on the source and on the target.

The source database's most time-consuming statements in pg_stat_statements (data
statements on the seeded tables, not pgconsole's own) are planned with EXPLAIN
(GENERIC_PLAN) on both sides (16+: their $n placeholders unbound, nothing executed),
after explain_guard has checked on each side, in the same READ ONLY transaction, that
planning runs no code but built-in functions and those of superusers or of this role;
a statement it refuses is not planned, and the refusal is said. A statement is shown by
its queryid and the tables it names, never by its text (it is the source's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import asyncpg

from .. import capabilities, explain_guard, sqlfiles
from ..actions import dollar_tag
from ..errors import describe
from ..explain_guard import ExplainRefused
from ..quoting import quote_ident
from .like_check import PlanCheck, plan_shape
from .target import version_num

TOP = 10      # statements compared at most
SCAN = 50     # entries read to find them (others are pgconsole's, DDL, other tables...)
GENERIC = 160000


@dataclass(frozen=True)
class StatementPlans:
    plans: tuple[PlanCheck, ...]
    notes: tuple[str, ...]       # why a statement (or all) was not compared


async def compare_statements(src: asyncpg.Connection, tgt: asyncpg.Connection, schema: str, tables: set[str],
                             top: int = TOP) -> StatementPlans:
    """Plans of the source's top statements that name the seeded `tables`, on both sides."""
    if min(version_num(src), version_num(tgt)) < GENERIC:
        return StatementPlans((), ("the source's own statements are compared from PostgreSQL 16 on both sides "
                                   "(EXPLAIN (GENERIC_PLAN) plans them without values): the probe queries only",))
    caps = await capabilities.probe(src)
    if not caps.pgss_schema:
        return StatementPlans((), ("pg_stat_statements is not installed in the source database: its statements "
                                   "are not compared",))
    try:
        rows = await src.fetch(caps.sql("statements_top"), SCAN)
    except asyncpg.PostgresError as exc:
        return StatementPlans((), (f"the source's pg_stat_statements could not be read ({describe(exc)}): its "
                                   f"statements are not compared",))
    picked, notes, hidden = [], [], 0
    for r in rows:
        text = (r["query"] or "").strip().rstrip(";").strip()
        if not text or text.startswith("<insufficient privilege>"):
            hidden += 1
            continue
        if sqlfiles.is_own(text):
            continue
        try:
            names = explain_guard.names_in(text)
        except ExplainRefused as exc:
            if not str(exc).startswith("EXPLAIN plans "):     # a data statement it would not plan
                notes.append(f"statement {r['queryid']}: {exc}")
            continue
        named = sorted({n for s, n in names.relations if s in (None, schema) and n in tables})
        if named:
            picked.append((r["queryid"], text, names, named))
        if len(picked) >= top:
            break
    if hidden:
        notes.append(f"{hidden} of the source's top statements have texts this role may not read "
                     f"(pg_read_all_stats shows them)")
    plans = []
    for qid, text, names, named in picked:
        label = f"statement {qid} (pg_stat_statements) on {', '.join(named[:3])}{' ...' if len(named) > 3 else ''}"
        shapes = []
        for side, conn in (("source", src), ("target", tgt)):
            try:
                shapes.append(await _plan(conn, text, names, schema))
            except ExplainRefused as exc:
                notes.append(f"{label}, on the {side}: {exc}")
                break
            except (asyncpg.PostgresError, ValueError, KeyError, IndexError) as exc:
                why = describe(exc).splitlines()[0] if describe(exc) else type(exc).__name__
                notes.append(f"{label}: could not be planned on the {side} ({why})")
                break
        if len(shapes) == 2:
            a, b = shapes
            plans.append(PlanCheck(label, " > ".join(x.strip() for x in a), " > ".join(x.strip() for x in b), a == b))
    return StatementPlans(tuple(plans), tuple(notes))


async def _plan(conn: asyncpg.Connection, text: str, names: explain_guard.Names, schema: str) -> list[str]:
    """The statement's generic plan shape on conn, with the seeded schema as search_path."""
    version = version_num(conn)
    outer = dollar_tag(text, "pgc_explain")
    inner = dollar_tag(text + outer, "pgc_stmt")
    sql = (sqlfiles.load("seed_like_explain", version).replace("{statement}", f"{inner}{text}{inner}")
           .replace("{tag}", outer))
    lines: list[str] = []

    def listen(_conn: object, msg: object) -> None:
        lines.append(getattr(msg, "message", str(msg)))

    conn.add_log_listener(listen)
    try:
        async with conn.transaction(readonly=True):
            await conn.fetchval(sqlfiles.load("set_search_path", version), quote_ident(schema))
            await explain_guard.check(conn, names, version)
            await conn.execute(sql)
    finally:
        conn.remove_log_listener(listen)
    return plan_shape(json.loads("".join(lines))[0])
