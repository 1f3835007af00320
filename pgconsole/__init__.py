"""pgconsole: a live PostgreSQL console for the terminal."""

__version__ = "0.1.0"
