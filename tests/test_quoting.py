import pytest

from pgconsole.quoting import qualified, quote_ident, split_qualified


@pytest.mark.parametrize("name,quoted", [
    ("users", '"users"'),
    ('we"ird', '"we""ird"'),
    ("Ünïcode tbl", '"Ünïcode tbl"'),
    ("", '""'),
])
def test_quote_ident(name, quoted):
    assert quote_ident(name) == quoted


def test_qualified():
    assert qualified("My Schema", 'T"1') == '"My Schema"."T""1"'
    assert qualified(None, "t") == '"t"'


@pytest.mark.parametrize("text,parts", [
    ("users", (None, "users")),
    ("Public.Users", ("public", "users")),
    ('"My Schema"."Mixed.Case"', ("My Schema", "Mixed.Case")),
    ('"a""b"', (None, 'a"b')),
    ("Ünïcode", (None, "Ünïcode")),   # only ASCII folds, as in PostgreSQL
])
def test_split_qualified(text, parts):
    assert split_qualified(text) == parts


@pytest.mark.parametrize("bad", ['"open', "a.b.c", ".x", "x."])
def test_split_qualified_rejects(bad):
    with pytest.raises(ValueError):
        split_qualified(bad)


def test_nul_rejected():
    with pytest.raises(ValueError):
        quote_ident("a\x00b")
