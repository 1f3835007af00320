"""What a big server's rows and findings hold (issue 15): findings whose words are made when
read, statement values shared, and the rewind encoder's rows held once. Without a server."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from factories import T0, statement_row
from pgconsole import derive
from pgconsole.collectors.statements import share_values
from pgconsole.findings import CATALOG_CHECKS, Finding, evaluate
from pgconsole.findings.catalog_rows import Catalog, DuplicateIndexPair
from pgconsole.findings.model import LazyFinding
from pgconsole.history import delta
from pgconsole.history.codec import Encoder, TypeTable
from pgconsole.history.decoder import Decoder
from test_findings_units import CAPS, context, table


def words(n: int):
    return (f"t{n} has no key", {"relid": n}, f"ALTER TABLE t{n} ...;", (f"ALTER TABLE t{n} ...;",))


def test_a_lazy_finding_is_the_finding_it_stands_for():
    lazy = LazyFinding("table_without_primary_key", "info", "public.t1", words, 1)
    eager = Finding("table_without_primary_key", "info", "public.t1", *words(1))
    assert isinstance(lazy, Finding)
    assert lazy == eager and eager == lazy and hash(lazy) == hash(eager)
    assert (lazy.message, lazy.evidence, lazy.remedy, lazy.sql) == words(1)
    assert lazy.eager() == eager and type(lazy.eager()) is Finding
    assert dataclasses.asdict(lazy) == dataclasses.asdict(eager)
    assert lazy != LazyFinding("table_without_primary_key", "info", "public.t1", words, 2)   # other words
    with pytest.raises(dataclasses.FrozenInstanceError):
        lazy.severity = "warning"  # type: ignore[misc]
    with pytest.raises(ValueError):
        LazyFinding("no_such_check", "info", "x", words, 1)


def pair(**kw) -> DuplicateIndexPair:
    base = dict(schemaname="public", relname="t", kind="prefix", a_name="t_id", a_def="CREATE INDEX t_id ON t (id)",
                a_bytes=8192, a_unique=False, a_primary=False, a_constraint=None, a_scans=0, b_name="t_id_v",
                b_def="CREATE INDEX t_id_v ON t (id, v)", b_bytes=16384, b_unique=False, b_primary=False,
                b_constraint=None, b_scans=3)
    base.update(kw)
    return DuplicateIndexPair(**base)


def test_the_catalog_checks_one_per_object_make_lazy_findings_with_the_same_words():
    tables = (table(relid=1, relname="keyless", has_primary_key=False, n_tup_upd=4, n_live_tup=5000,
                    reltuples=5000),
              table(relid=2, relname="quiet", has_primary_key=False, n_live_tup=10, reltuples=10),
              table(relid=3, relname="uniq", has_primary_key=False, unique_not_null_index="uniq_id"))
    pairs = (pair(), pair(relname="u", a_name="u_a", b_name="u_b", kind="identical", a_constraint="u_a_key"))
    cat = Catalog(T0, {"findings_context": (context(timedelta(days=30)),), "table_usage": tables,
                       "duplicate_indexes": pairs})
    found = {(f.check, f.object): f for f in evaluate(None, cat, CAPS, now=T0, only=CATALOG_CHECKS).findings}
    keyless = found[("table_without_primary_key", "public.keyless")]
    assert isinstance(keyless, LazyFinding) and keyless.severity == "warning"
    assert keyless.message == ("public.keyless (5,000 rows) has no primary key; its rows are updated or deleted: "
                               "logical replication cannot replicate that without a key, and duplicates cannot be "
                               "told apart")
    assert keyless.evidence == {"relid": 1, "rows": 5000, "updates_deletes": 4, "unique_not_null_index": None,
                                "replica_identity": "d", "partitioned": False}
    assert keyless.remedy.startswith('ALTER TABLE "public"."keyless" ADD PRIMARY KEY (<columns') and keyless.sql == ()
    assert found[("table_without_primary_key", "public.quiet")].severity == "info"
    uniq = found[("table_without_primary_key", "public.uniq")]
    assert uniq.sql == ('ALTER TABLE "public"."uniq" ADD PRIMARY KEY USING INDEX "uniq_id";',) and uniq.remedy == uniq.sql[0]
    prefix = found[("duplicate_index", "public.t_id")]
    assert prefix.message == ("index public.t_id is covered by the leading columns of public.t_id_v: it costs writes "
                              "and 0.01 MB for nothing")
    assert prefix.evidence["covered_by"] == "public.t_id_v" and prefix.sql == ('DROP INDEX CONCURRENTLY "public"."t_id";',)
    # identical: the constraint's index stays, the other goes (b, on a tie the newer)
    ident = found[("duplicate_index", "public.u_b")]
    assert ident.evidence["kind"] == "identical" and ident.sql == ('DROP INDEX CONCURRENTLY "public"."u_b";',)


def test_statement_values_read_anew_are_shared_and_the_kept_rows_left_alone():
    old = statement_row(1, usename="a" * 40)
    rows = [statement_row(q, usename="".join(["a"] * 40), total_plan_ms=float("0")) for q in (2, 3)]
    kept = statement_row(4)
    rows.append(kept)
    prev = {old.key: old, kept.key: kept}
    before = {n: getattr(kept, n) for n in kept.__dict__}
    share_values(rows, prev)
    assert rows[0].usename is rows[1].usename and rows[0].total_plan_ms is rows[1].total_plan_ms
    assert rows[0].dbid is rows[1].dbid and rows[0] == statement_row(2, usename="a" * 40)
    assert {n: getattr(kept, n) for n in kept.__dict__} == before
    assert isinstance(rows[0].calls, int) and isinstance(rows[0].total_plan_ms, float)


def test_a_row_whose_interval_figures_moved_keeps_its_encoded_row():
    """A statement re-encoded (its interval figures moved from None to 0) keeps last time's
    encoded StatementRow list, and the diff's rebuilt value is the encoder's own."""
    rows = tuple(statement_row(q) for q in range(50))
    first = derive.statements(rows, None, {}, None, "public", "1.11")
    second = derive.statements(rows, {r.key: r for r in rows}, {}, 5.0, "public", "1.11")
    assert first.statements[0] != second.statements[0]
    types = TypeTable()
    enc = Encoder(types)
    a = enc.encode_root(first, 0, "statements")
    b = enc.encode_root(second, 5000, "statements")
    rows_a, rows_b = a[1], b[1]   # the Statements' tuple of Statement rows
    for ra, rb in zip(rows_a[1:], rows_b[1:]):
        assert ra is not rb and ra[1] is rb[1]   # each Statement anew, its StatementRow's list the same
    patch, effective = delta.diff(a, b)
    assert effective[1][1] is rows_b[1]
    back = Decoder(types).decode_root(json.loads(json.dumps(delta.apply(a, patch))), 5000)
    assert back == second and back.statements[0].d_calls == 0
