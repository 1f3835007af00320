"""Before EXPLAIN plans a statement: would planning it run code that another role wrote?

EXPLAIN without ANALYZE executes nothing of the statement, but the planner does run
functions while it plans, as the role that asks and inside READ ONLY transactions too:
it folds IMMUTABLE calls with constant arguments (and STABLE ones while it estimates
selectivity), calls operators' functions on the statistics' values, loads and folds
index expressions and predicates, partition keys and CHECK constraints, expands views
and rules and adds row security policies and column defaults; parsing a literal of a
domain or composite type runs its input functions and domain checks. A role with LOGIN
can put an IMMUTABLE plpgsql function into any of these; pressing `e` on its statement
as a superuser would then run it as the superuser. `SET LOCAL ROLE` is no sandbox: the
function can RESET ROLE back to the session's superuser.

So the statement is parsed here with PostgreSQL's own parser (pglast), every function,
operator, type and relation it names is collected, and the server resolves those names
the way it would (every candidate of the search_path, every overload) and follows
pg_depend from them to everything planning could touch (sql/explain_guard): views'
rules and the relations they read, rules, policies, defaults and generated columns,
CHECK constraints, indexes, extended statistics, partitions and inheritance children,
domains' checks, composite and range types' parts, casts, operators' functions. Any
function in that set is allowed only when it is built in (oid below 16384) and does
not run queries of its own, or is owned by a superuser or by this very role, and is
not SECURITY DEFINER. Anything else, a statement that does not parse, or a closure that
cannot be computed, refuses the EXPLAIN with the reason (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

from .errors import PgConsoleError

if TYPE_CHECKING:
    from asyncpg import Connection
    from pglast.visitors import Ancestor

EXPLAINABLE = ("SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")

# the parser turns these into operator lookups by name without naming them in the text
# (JOIN USING, CASE x WHEN, IN lists, ORDER BY, BETWEEN...): a user-defined one of these
# names in a search_path schema would be a candidate too
IMPLICIT_OPERATORS = ("=", "<>", "<", ">", "<=", ">=")
BETWEEN_OPERATORS = ("<", "<=", ">", ">=")

# built-in functions that run a query (or read a whole table) given as their argument: the
# query's views, policies and functions would run too
RUNS_QUERIES = (
    "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
    "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
    "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
    "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
    "cursor_to_xml", "cursor_to_xmlschema", "ts_stat", "ts_rewrite",
)


class ExplainRefused(PgConsoleError):
    """EXPLAIN would (or might) run code pgconsole does not trust: not planned."""


@dataclass
class Names:
    """What a statement names: (schema or None, name) pairs, by kind."""
    kind: str = ""
    functions: set[tuple[str | None, str]] = field(default_factory=set)
    fields: set[str] = field(default_factory=set)     # a.b may be b(a): one-argument functions
    operators: set[tuple[str | None, str]] = field(default_factory=set)
    types: set[tuple[str | None, str]] = field(default_factory=set)
    relations: set[tuple[str | None, str]] = field(default_factory=set)

    def rows(self) -> tuple[list[str], list[str | None], list[str]]:
        """The three parallel arrays the SQL takes: kind, schema, name."""
        kinds: list[str] = []
        schemas: list[str | None] = []
        names: list[str] = []
        for kind, items in (("function", self.functions), ("operator", self.operators),
                            ("type", self.types), ("relation", self.relations)):
            for schema, name in sorted(items, key=lambda x: (x[0] or "", x[1])):
                kinds.append(kind)
                schemas.append(schema)
                names.append(name)
        for name in sorted(self.fields):
            kinds.append("field")
            schemas.append(None)
            names.append(name)
        return kinds, schemas, names


def _strings(items: Iterable[object] | None) -> list[str]:
    from pglast import ast
    return [i.sval for i in items or () if isinstance(i, ast.String) and i.sval is not None]


def _qualified(parts: list[str]) -> tuple[str | None, str] | None:
    """schema.name (a catalog in front is the current database's, or an error)."""
    if not parts:
        return None
    return (parts[-2] if len(parts) >= 2 else None, parts[-1])


def names_in(statement: str) -> Names:
    """Parse `statement` (one explainable statement) and collect what it names; raises
    ExplainRefused when it does not parse or is not one statement EXPLAIN may plan."""
    try:
        from pglast import ast, parse_sql
        from pglast.visitors import Visitor
    except ImportError:  # pragma: no cover - a declared dependency
        raise ExplainRefused("EXPLAIN refused: the SQL parser (pglast) is not installed") from None
    try:
        stmts = parse_sql(statement)
    except Exception as exc:  # noqa: BLE001 - pglast.parser.ParseError and friends: fail closed
        raise ExplainRefused(f"EXPLAIN refused: the statement does not parse ({exc})") from None
    if len(stmts) != 1:
        raise ExplainRefused(f"EXPLAIN refused: {len(stmts)} statements; it plans exactly one")
    kind = type(stmts[0].stmt).__name__
    if kind not in EXPLAINABLE:
        raise ExplainRefused(f"EXPLAIN plans SELECT, INSERT, UPDATE, DELETE, MERGE and VALUES; "
                             f"this statement is {_first_words(statement)}")
    found = Names(kind=kind, operators={(None, op) for op in IMPLICIT_OPERATORS})

    class Collect(Visitor):
        def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
            name = _qualified(_strings(node.funcname))
            if name:
                found.functions.add(name)

        def visit_RangeTableSample(self, ancestors: Ancestor, node: ast.RangeTableSample) -> None:   # TABLESAMPLE method(...): its handler
            name = _qualified(_strings(node.method))
            if name:
                found.functions.add(name)

        def visit_A_Expr(self, ancestors: Ancestor, node: ast.A_Expr) -> None:
            name = _strings(node.name)
            kind_name = getattr(node.kind, "name", str(node.kind))
            if "BETWEEN" in kind_name:
                found.operators.update((None, op) for op in BETWEEN_OPERATORS)
            elif name:
                found.operators.add((name[-2] if len(name) >= 2 else None, name[-1]))

        def visit_SubLink(self, ancestors: Ancestor, node: ast.SubLink) -> None:   # x op ANY (SELECT ...)
            name = _qualified(_strings(node.operName))
            if name:
                found.operators.add(name)

        def visit_SortBy(self, ancestors: Ancestor, node: ast.SortBy) -> None:    # ORDER BY x USING op
            name = _qualified(_strings(node.useOp))
            if name:
                found.operators.add(name)

        def visit_TypeName(self, ancestors: Ancestor, node: ast.TypeName) -> None:
            name = _qualified(_strings(node.names))
            if name:
                found.types.add(name)

        def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> None:
            if node.relname:
                found.relations.add((node.schemaname or None, node.relname))

        def visit_ColumnRef(self, ancestors: Ancestor, node: ast.ColumnRef) -> None:
            # t.f is also f(t) when t has no column f: any part may name a function
            found.fields.update(_strings(node.fields))

        def visit_A_Indirection(self, ancestors: Ancestor, node: ast.A_Indirection) -> None:   # (row).f
            found.fields.update(_strings(node.indirection))

    Collect()(stmts)
    return found


SAFE_SEARCH_PATH = "pg_catalog, pg_temp"


def _first_words(statement: str) -> str:
    """The keywords the statement starts with, past comments: CREATE VIEW, VACUUM, DO..."""
    from pglast.parser import scan
    words: list[str] = []
    for t in scan(statement):
        if t.name.endswith("_COMMENT"):
            continue
        if t.kind == "NO_KEYWORD" or len(words) == 2:
            break
        words.append(statement[t.start:t.end + 1].upper())
    return " ".join(words) or "not one of them"


async def check(conn: Connection, names: Names, version_num: int) -> None:
    """Resolve `names` on `conn` (with its search_path, in the transaction that will EXPLAIN)
    and raise ExplainRefused naming the first function planning could run that is not trusted.
    The catalog query itself runs under a search_path of pg_catalog only: a function or an
    operator someone put in a schema of the session's path cannot stand in for one of its own;
    the session's path is put back afterwards, for the statement."""
    from . import sqlfiles

    kinds, schemas, items = names.rows()
    set_path = sqlfiles.load("set_search_path", version_num)
    try:
        path = await conn.fetchrow(sqlfiles.load("search_path", version_num))
        assert path is not None   # one row, always
        await conn.fetchval(set_path, SAFE_SEARCH_PATH)
        rows = await conn.fetch(sqlfiles.load("explain_guard", version_num), kinds, schemas, items,
                                list(RUNS_QUERIES), list(path["schemas"]))
        await conn.fetchval(set_path, path["setting"])
    except Exception as exc:  # noqa: BLE001 - cannot tell what would run: do not plan (fail closed)
        raise ExplainRefused(f"EXPLAIN refused: could not check what planning it would run ({exc})") from None
    if not rows:
        return
    first = rows[0]
    raise ExplainRefused(refusal(first["function"], first["owner"], first["why"], first["via"],
                                 [r["function"] for r in rows[1:]]))


def refusal(function: str, owner: str, why: str, via: str | None, others: Sequence[str] = ()) -> str:
    how = f"through {via}" if via else "called by the statement"
    reason = {
        "security definer": f"SECURITY DEFINER, owned by {owner}",
        "untrusted owner": f"owned by {owner}, not a superuser",
        "runs queries": "it runs a query given as its argument",
    }.get(why, why)
    also = ""
    if others:
        also = "; also " + ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    return (f"EXPLAIN refused: planning this statement could run {function} ({reason}), {how}{also}. "
            "The planner runs functions as this console's role, even read-only: only built-in ones "
            "and those of superusers or of this role are let through")
