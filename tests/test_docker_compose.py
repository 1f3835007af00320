"""docker-compose.yml is for users with Docker (none runs here): check what it says."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _text() -> str:
    return (ROOT / "docker-compose.yml").read_text()


def test_preloads_pg_stat_statements_and_io_timing():
    text = _text()
    assert "shared_preload_libraries=pg_stat_statements" in text
    assert "track_io_timing=on" in text


def test_has_healthcheck_and_named_volume():
    text = _text()
    assert "healthcheck:" in text and "pg_isready" in text
    assert "\nvolumes:\n  pgdata:" in text and "- pgdata:/var/lib/postgresql" in text


def test_only_published_on_loopback_and_creates_extensions():
    text = _text()
    assert '"127.0.0.1:5432:5432"' in text
    init = (ROOT / "docker" / "initdb" / "10-extensions.sql").read_text()
    assert "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" in init
    assert "CREATE EXTENSION IF NOT EXISTS pgstattuple" in init


def test_readme_shows_how_to_connect_to_it():
    readme = (ROOT / "README.md").read_text()
    assert "docker compose up -d" in readme and "postgresql://postgres@localhost:5432/postgres" in readme
