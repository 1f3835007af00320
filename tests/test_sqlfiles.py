"""The one rule that picks a SQL variant: the highest version not above the server's."""

import pytest

from pgconsole import sqlfiles
from pgconsole.errors import PgConsoleError


def test_variant_rule_by_server_version():
    assert sqlfiles.pick("overview", 130000) == "130000.sql"
    assert sqlfiles.pick("overview", 160009) == "130000.sql"
    assert sqlfiles.pick("overview", 170000) == "170000.sql"
    assert sqlfiles.pick("overview", 180006) == "170000.sql"
    assert sqlfiles.pick("connections", 140000) == "140000.sql"
    assert sqlfiles.pick("connections", 139999) == "130000.sql"


def test_variant_rule_by_extension_version():
    v = sqlfiles.parse_version
    assert sqlfiles.pick("statements", v("1.7")) == "1.4.sql"
    assert sqlfiles.pick("statements", v("1.8")) == "1.8.sql"
    assert sqlfiles.pick("statements", v("1.10")) == "1.9.sql"   # 1.10 > 1.9: numeric, not text
    assert sqlfiles.pick("statements", v("1.11")) == "1.11.sql"
    assert sqlfiles.pick("statements", v("1.12")) == "1.11.sql"


def test_too_old_is_a_clear_error():
    with pytest.raises(PgConsoleError, match="needs version 13"):
        sqlfiles.pick("overview", 120000)
    with pytest.raises(PgConsoleError, match="needs version 1.9"):
        sqlfiles.pick("statements_info", sqlfiles.parse_version("1.8"))


def test_parse_version():
    assert sqlfiles.parse_version("1.11") == (1, 11)
    assert sqlfiles.parse_version("1.12beta1") == (1, 12)
    assert sqlfiles.parse_version("") == (0,)


def test_sql_files_use_only_numbered_parameters():
    import re
    for name in sqlfiles.all_queries():
        for _, fname in sqlfiles.variants(name):
            text = sqlfiles._read(name, fname)
            assert not re.search(r"%s|%\(\w+\)s|(?<![:\w]):[a-z_]+\b(?!:)", text.replace("::", "")), (name, fname)
