"""Seeding's pure parts: samplers, binary encoding (checked against the server), validation."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tomllib
import uuid
from decimal import Decimal

import asyncpg
import pytest

from pgconsole.seed import distributions as D
from pgconsole.seed.encode import HEADER, TRAILER, assemble, encode_value, frame_one
from pgconsole.seed.pgtypes import parse_type, same_type
from pgconsole.seed.plan import SeedOptions, make_plan
from pgconsole.seed.scenario import ScenarioError, parse_scenario


# -- samplers --------------------------------------------------------------------------

def test_urn_keeps_weights_and_every_value():
    table = D.urn(["a", "b", "c", "rare"], [70, 25, 5, 0.0001])
    assert len(table) == D.URN_SIZE
    share = {v: table.count(v) / D.URN_SIZE for v in "abc"}
    assert share == pytest.approx({"a": 0.70, "b": 0.25, "c": 0.05}, abs=0.001)
    assert table.count("rare") == 1   # below the resolution, but still possible
    drawn = D.draw(random.Random(1), table, 20_000)
    assert drawn.count("a") / 20_000 == pytest.approx(0.70, abs=0.02)


def test_uniform_ints_stay_in_range_and_cover_it():
    vals = D.uniform_ints(random.Random(2), -3, 3, 5000)
    assert set(vals) == set(range(-3, 4))
    wide = D.uniform_ints(random.Random(3), 10**14, 10**14 + 10**12, 2000)
    assert min(wide) >= 10**14 and max(wide) <= 10**14 + 10**12
    assert statistics.mean(wide) == pytest.approx(10**14 + 5 * 10**11, rel=0.001)


def test_quantile_tables_have_the_distribution_shape():
    rng = random.Random(4)
    normal = D.draw(rng, D.quantile_table("normal", {"mean": 50, "stddev": 10}), 20_000)
    assert statistics.mean(normal) == pytest.approx(50, abs=0.5)
    assert statistics.pstdev(normal) == pytest.approx(10, rel=0.05)
    logn = D.draw(rng, D.quantile_table("lognormal", {"median": 120, "sigma": 1.0}), 20_000)
    assert statistics.median(logn) == pytest.approx(120, rel=0.05)
    assert statistics.mean(logn) > statistics.median(logn) * 1.4   # long right tail: e^(s^2/2)
    clamped = D.quantile_table("normal", {"mean": 0, "stddev": 5, "min": -1, "max": 1})
    assert min(clamped) == -1 and max(clamped) == 1
    zipf = D.draw(rng, D.quantile_table("zipf", {"min": 1, "max": 100, "s": 1.2}), 20_000)
    counts = [zipf.count(k) for k in (1, 2, 10, 100)]
    assert counts[0] > counts[1] > counts[2] > counts[3]
    assert counts[0] / counts[1] == pytest.approx(2 ** 1.2, rel=0.15)


def test_zipf_index_skews_toward_a_few_parents():
    ranks = D.ZipfIndex(10_000, 1.1).draw(random.Random(5), 50_000)
    assert min(ranks) >= 0 and max(ranks) < 10_000
    top = sum(1 for r in ranks if r < 100) / len(ranks)
    assert top > 0.4                       # 1% of the parents get a large share
    assert len(set(ranks)) > 2000          # and the long tail is there too


def test_scramble_and_unique_refs_are_permutations():
    for count in (2, 7, 1000, 65536, 99991):
        assert sorted(D.scramble(list(range(count)), count, 12345)) == list(range(count))
        idx = D.ref_indices(random.Random(0), "unique", count, 0, count, count, 77)
        assert sorted(idx) == list(range(count))


def test_sequential_and_even_refs():
    seq = D.ref_indices(random.Random(0), "sequential", 10, 0, 100, 100, 1)
    assert seq == sorted(seq) and [seq.count(k) for k in range(10)] == [10] * 10
    assert D.ref_indices(random.Random(0), "even", 3, 5, 4, 100, 1) == [2, 0, 1, 2]


def test_time_helpers():
    assert D.duration_us("90s") == 90_000_000 and D.duration_us("2h") == 7_200_000_000
    assert D.duration_us(1.5) == 1_500_000 and D.duration_us("7d") == 7 * 86_400_000_000
    with pytest.raises(ValueError):
        D.duration_us("soon")
    seq = D.sequential_times(random.Random(1), 0, 1000.0, D.spread_urn(-10, 10), 0, 1000)
    assert all(abs(t - i * 1000) <= 10 for i, t in enumerate(seq))
    coarse, width = D.recent_table(0, 1_000_000_000, 3.0)
    recent = D.recent_times(random.Random(1), coarse, width, 0, 10_000)
    assert len(set(recent)) > 9_900   # continuous, not 65,536 instants
    assert 0 <= min(recent) and max(recent) <= 1_000_000_000
    assert sum(1 for t in recent if t > 666_666_666) / 10_000 > 0.6   # skewed toward the end


# -- binary encoding, checked by the server -------------------------------------------

CASES = [
    ("smallint", -12, "-12"), ("integer", 2_000_000_000, "2000000000"), ("bigint", -(2**62), str(-(2**62))),
    ("real", 1.5, "1.5"), ("double precision", -0.125, "-0.125"),
    ("numeric(10,2)", Decimal("12345.67"), "12345.67"), ("numeric(12,6)", Decimal("0.000123"), "0.000123"),
    ("numeric(8,0)", 10000, "10000"), ("numeric(6,3)", Decimal("-0.5"), "-0.500"), ("numeric(10,2)", 0, "0.00"),
    ("boolean", True, "true"), ("text", "héllo 世界", "héllo 世界"), ("varchar(5)", "abcdefgh", "abcde"),
    ("char(3)", "ab", "ab"), ("uuid", uuid.UUID(int=2**127 + 5), str(uuid.UUID(int=2**127 + 5))),
    ("timestamptz", dt.datetime(2024, 2, 29, 12, 30, 1, 500, tzinfo=dt.timezone.utc), "2024-02-29 12:30:01.0005+00"),
    ("timestamp", dt.datetime(1999, 12, 31, 23, 59, 59), "1999-12-31 23:59:59"),
    ("date", dt.date(1970, 1, 2), "1970-01-02"), ("time", dt.time(13, 5, 7), "13:05:07"),
    ("interval", dt.timedelta(days=1, seconds=3), "1 day 00:00:03"),
    ("jsonb", {"b": [1, 2], "a": "x"}, '{"a": "x", "b": [1, 2]}'), ("json", {"k": None}, '{"k": null}'),
    ("inet", "10.1.2.3", "10.1.2.3/32"), ("inet", "2001:db8::1", "2001:db8::1/128"), ("cidr", "10.0.0.0/8", "10.0.0.0/8"),
    ("bytea", b"\x00\xff", "\\x00ff"), ("text[]", ["a", "b c"], '{a,"b c"}'), ("integer[]", [], "{}"),
    ("bigint[]", [1, 2, 3], "{1,2,3}"),
]


async def test_binary_encoding_round_trips_through_the_server(fresh_db):
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        await conn.execute("SET TIME ZONE 'UTC'")
        cols = [f"c{i}" for i in range(len(CASES))]
        await conn.execute("CREATE TABLE rt (" + ", ".join(f"{c} {t}" for c, (t, _, _) in zip(cols, CASES)) + ")")
        cells = [[frame_one(encode_value(parse_type(t), v))] for t, v, _ in CASES]
        cells_null = [[frame_one(None)] for _ in CASES]
        data = HEADER + assemble(1, [], cells) + assemble(1, [], cells_null) + TRAILER

        async def src():
            yield data
        await conn.copy_to_table("rt", source=src(), columns=cols, format="binary")
        got = await conn.fetch("SELECT " + ", ".join(f"{c}::text" for c in cols) + " FROM rt")
    finally:
        await conn.close()
    assert [got[0][i] for i in range(len(CASES))] == [want for _, _, want in CASES]
    assert all(v is None for v in got[1])


def test_fixed_width_columns_are_scattered_row_by_row():
    import struct
    ids = struct.pack(">3q", 1, 2, 3)
    rows = assemble(3, [(8, ids)], [[frame_one(b"a"), frame_one(None), frame_one(b"ccc")]])
    first = struct.pack(">h", 2) + struct.pack(">i", 8) + struct.pack(">q", 1) + struct.pack(">i", 1) + b"a"
    assert rows.startswith(first) and len(rows) == 3 * (2 + 12) + (5 + 4 + 7)


def test_type_parsing():
    assert parse_type("timestamp with time zone").name == "timestamptz"
    assert parse_type("character varying(40)").max_len == 40
    assert parse_type("numeric(10,2)").scale == 2
    assert parse_type("text[]").family == "array" and parse_type("text[]").elem.name == "text"
    assert parse_type("geometry") is None and parse_type("timetz") is None
    assert same_type("int8", "bigint") and same_type("varchar(10)", "character varying(10)")
    assert not same_type("varchar(10)", "text") and not same_type("integer", "bigint")


# -- validation ----------------------------------------------------------------------

GOOD = """
description = "t"
[tables.a]
rows = 10
primary_key = "id"
[tables.a.columns]
id = { type = "bigint", gen = "serial" }
"""


def _parse(extra: str):
    return parse_scenario(tomllib.loads(GOOD + extra), "t", "seeds/t.toml")


@pytest.mark.parametrize("extra, words", [
    ('name = { type = "text", gen = "telepathy" }', ["seeds/t.toml", "table a, column name", "'gen'", "telepathy"]),
    ('n = { type = "integer", gen = "normal", mean = 1 }', ["column n", "'stddev'", "missing"]),
    ('n = { type = "integer", gen = "uniform", min = 5, max = 1 }', ["column n", "'max'"]),
    ('t = { type = "geometry", faker = "word" }', ["column t", "'type'", "unsupported"]),
    ('r = { type = "bigint", ref = "b.id" }', ["column r", "'ref'", "no table 'b'"]),
    ('r = { type = "uuid", ref = "a.id" }', ["column r", "'ref'", "bigint"]),
    ('p = { type = "text", choice = { x = -1 } }', ["column p", "'choice'"]),
    ('t = { type = "timestamptz", start = 2024-01-01, end = 2023-01-01 }', ["column t", "'end'"]),
    ('t = { type = "timestamptz", after = "nope" }', ["column t", "'after'"]),
    ('x = { type = "text", faker = "name", colour = "red" }', ["column x", "'colour'", "unknown field"]),
    ('x = { type = "text", null = 1.5, faker = "name" }', ["column x", "'null'"]),
    ('j = { type = "jsonb", json = { k = { gen = "ref", ref = "a.id" } } }', ["column j.k", "'gen'"]),
    ('u = { type = "bigint", same_as = "id.x" }', ["column u", "'same_as'", "not a foreign key column"]),
    ('p = { type = "bigint", ref = "a.id" }\nu = { type = "bigint", same_as = "p.x" }', ["'same_as'", "must refer to "
                                                                                       "another table"]),
    ('t = { type = "timestamptz", between = ["nope", 2024-01-01] }', ["column t", "'between'", "'nope'"]),
    ('t = { type = "timestamptz", between = 3 }', ["column t", "'between'", "[from, to]"]),
    ('t = { type = "timestamptz", after = "x", between = ["a", "b"] }', ["column t", "'between'", "either"]),
    ('t = { type = "timestamptz", start = 2024-01-01, end = 2024-02-01 }\n'
     'u = { type = "timestamptz", after = "t", mode = "sequential" }', ["column u", "'mode'", "fk_column"]),
    ('n = { type = "integer", gen = "uniform", min = 1, max = 5 }\nm = { type = "text", above = "n" }',
     ["column m", "'gen'"]),
    ('n = { type = "integer", above = "m" }\nm = { type = "integer", above = "n" }', ["'above'", "loop"]),
])
def test_invalid_scenarios_name_file_table_and_field(extra, words):
    with pytest.raises(ScenarioError) as e:
        _parse(extra)
    for w in words:
        assert w in str(e.value), (w, str(e.value))


TWO = """
description = "t"
[tables.a]
rows = 10
primary_key = "id"
[tables.a.columns]
id = { type = "bigint", gen = "serial" }
b_id = { type = "bigint", ref = "b.id" }
at = { type = "timestamptz", after = "b_id.at" }
[tables.b]
rows = 10
primary_key = "id"
[tables.b.columns]
id = { type = "bigint", gen = "serial" }
a_id = { type = "bigint", ref = "a.id" }
at = { type = "timestamptz", AT }
"""


def test_cross_table_paths_are_checked():
    with pytest.raises(ScenarioError, match=r"table a, column at: is computed from itself through a.at -> b.at -> a"):
        parse_scenario(tomllib.loads(TWO.replace("AT", 'after = "a_id.at"')), "t", "seeds/t.toml")
    with pytest.raises(ScenarioError, match=r"column at: field 'mode': .sequential. needs b_id"):
        parse_scenario(tomllib.loads(TWO.replace('after = "b_id.at"', 'after = "b_id.at", mode = "sequential"')
                                     .replace("AT", "start = 2024-01-01, end = 2024-02-01")), "t", "seeds/t.toml")
    ok = parse_scenario(tomllib.loads(TWO.replace("AT", "start = 2024-01-01, end = 2024-02-01")), "t", "t.toml")
    assert ok.table("a").column("at").spec.params["after"] == "b_id.at"
    with pytest.raises(ScenarioError, match=r"column at: field 'same_as': b.at can be NULL: .*nullable = true"):
        parse_scenario(tomllib.loads(TWO.replace("AT", "start = 2024-01-01, end = 2024-02-01, null = 0.5")
                                     .replace('after = "b_id.at"', 'same_as = "b_id.at"')), "t", "t.toml")


def test_sequential_times_stay_inside_start_and_end():
    seq = D.sequential_times(random.Random(1), 0, 1000.0, D.spread_urn(-5000, 5000), 0, 1000, 999_000)
    assert min(seq) >= 0 and max(seq) <= 999_000


def test_table_level_problems_are_named():
    with pytest.raises(ScenarioError, match=r"seeds/t.toml: table a: field 'rowz': unknown field"):
        parse_scenario(tomllib.loads(GOOD.replace("rows = 10", "rows = 10\nrowz = 3")), "t", "seeds/t.toml")
    with pytest.raises(ScenarioError, match="'description': missing"):
        parse_scenario(tomllib.loads(GOOD.replace('description = "t"', "")), "t", "seeds/t.toml")
    with pytest.raises(ScenarioError, match=r"table a: field 'indexes': no column 'nope'"):
        parse_scenario(tomllib.loads(GOOD.replace('primary_key = "id"', 'indexes = ["nope"]')), "t", "x")


def test_planning_checks_uniqueness_providers_and_values():
    def plan(extra, **opts):
        return make_plan(_parse(extra), SeedOptions(**opts))
    with pytest.raises(ScenarioError, match=r"column c: must be unique, but 'choice'"):
        plan('c = { type = "text", choice = ["x", "y"], unique = true }')
    with pytest.raises(ScenarioError, match=r"column f: field 'faker': Faker has no provider 'no_such_thing'"):
        plan('f = { type = "text", faker = "no_such_thing" }')
    with pytest.raises(ScenarioError, match=r"column n: field 'choice': 'x' is not a integer value"):
        plan('n = { type = "integer", choice = ["x"] }')
    with pytest.raises(ScenarioError, match="--rows nope=3: no table 'nope'"):
        plan("", rows={"nope": 3})
    p = plan('e = { type = "text", faker = "email", unique = true }', scale=2.5)
    assert p.tables[0].rows == 25 and "e" in p.tables[0].unique
    assert p.tables[0].copy_columns == ("id", "e")    # fixed-width columns first
