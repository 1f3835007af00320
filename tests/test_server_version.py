"""The suite ran against the server it says it ran against.

.ci/run sets PGCONSOLE_EXPECT_MAJOR for each run (18: the embedded server the README
promises; 15: Debian's, through PGCONSOLE_TEST_PGBIN). Without it, the embedded server
is expected to be the 18 that pyproject pins.
"""

from __future__ import annotations

import os

import pytest


def test_the_server_is_the_major_version_this_run_claims(pg_version):
    expected = os.environ.get("PGCONSOLE_EXPECT_MAJOR")
    if not expected:
        if os.environ.get("PGCONSOLE_TEST_PGBIN"):
            pytest.skip("PGCONSOLE_TEST_PGBIN without PGCONSOLE_EXPECT_MAJOR: nothing claimed")
        expected = "18"
    assert pg_version // 10000 == int(expected), f"ran on {pg_version}, claimed {expected}"
