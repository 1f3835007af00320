"""Subcommands of the `pgconsole` CLI, one module each."""
