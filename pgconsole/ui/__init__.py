"""The Textual console: renders the data core's snapshots and sends its actions (never SQL)."""
