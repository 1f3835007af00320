"""What `pgconsole seed --like` prints after the seed: which columns fell back to --infer's
rules, and the proof of the shape (statistics and plans, target beside source).

Figures, table and column names and plan node types only: no value of the source."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text     # names and queries as plain text, never markup


async def print_like(out, like, params, derived, opts, limits, summary=None, created: bool = True) -> None:
    """created: the seed made the source's schema in the target (else it filled the target's own)."""
    from ..seed.like_run import compare_like
    source, _keep, written, queries = like
    left = list(derived.copy.left_out if derived.copy is not None and created else ())
    left += list(summary.skipped if summary is not None else ())
    if left:
        t = Table(title="not copied from the source's schema", title_justify="left", pad_edge=False, box=None)
        t.add_column("object")
        t.add_column("why", overflow="fold")
        for name, why in left:
            t.add_row(Text(name), Text(why))
        out.print(t)
    if derived.fallback:
        t = Table(title="columns seeded by --infer's rules, not by statistics", title_justify="left",
                  pad_edge=False, box=None)
        t.add_column("column")
        t.add_column("why", overflow="fold")
        for name, why in derived.fallback:
            t.add_row(Text(name), Text(why))
        out.print(t)
    if written:
        out.print(Text(f"wrote the scenario to {written}"))
    if not opts.analyze:
        out.print("no comparison with the source: --no-analyze left the target without statistics")
        return
    import asyncpg

    from ..errors import PgConsoleError, describe
    try:
        cmp = await compare_like(source, params, derived, opts.schema, queries, limits)
    except asyncpg.PostgresError as exc:   # a --compare-query that does not parse, say
        raise PgConsoleError(f"seeded and committed; comparing with the source failed: {describe(exc)}") from None
    bad = [c for c in cmp.stats if not c.ok]
    t = Table(title=f"target vs source statistics: {len(cmp.stats) - len(bad)} of {len(cmp.stats)} within "
                    f"tolerance (n_distinct 10%, null_frac 0.02, MCV freqs 0.02, histogram 1 bucket)",
              title_justify="left", pad_edge=False)
    for col in ("column", "measure", "source", "target", ""):
        t.add_column(col, overflow="fold")
    for c in sorted(cmp.stats, key=lambda c: c.ok):
        t.add_row(Text(f"{c.table}.{c.column}"), c.measure, c.source, c.target, "ok" if c.ok else "OFF")
    out.print(t)
    same = sum(p.ok for p in cmp.plans)
    t = Table(title=f"plans: {same} of {len(cmp.plans)} queries have the same shape on both", title_justify="left",
              pad_edge=False)
    for col in ("query", "source plan", "target plan", ""):
        t.add_column(col, overflow="fold")
    for p in cmp.plans:
        t.add_row(Text(p.query), Text(p.source), Text(p.target if not p.ok else "(same)"), "ok" if p.ok else "DIFFERS")
    out.print(t)
    for note in cmp.notes:
        out.print(Text(f"not compared: {note}"))

