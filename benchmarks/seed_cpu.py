"""The seed generator's CPU per row, in-process, no server: what decides the load rate on 2 CPUs.

    .venv/bin/python benchmarks/seed_cpu.py                   # this tree
    .venv/bin/python benchmarks/seed_cpu.py --root /other/tree   # another checkout's pgconsole
    .venv/bin/python benchmarks/seed_cpu.py --profile events     # cProfile of one chunk's generation

bench_seed.py's two shapes (users; events with and without the cross-table columns, the
latter for trees older than issue 18): time.process_time over `--chunks` chunks of 32,768
rows, the best of `--repeat` rounds, after one warm-up chunk (urns, pools, parent columns);
`--steady`: every chunk once in order (what the seeder asks for), the mean.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scenario(cross: bool) -> str:
    text = re.search(r'SCENARIO = """(.*?)"""', (HERE / "bench_seed.py").read_text(), re.S)
    assert text is not None
    s = text.group(1)
    if not cross:   # events without the two cross-table columns (what trees before issue 18 know)
        s = "\n".join(x for x in s.splitlines() if "same_as" not in x and "between" not in x)
    return s.replace("{{", "{").replace("}}", "}")


def measure(table: str, cross: bool, chunks: int, repeat: int, profile: bool, steady: bool = False) -> float:
    from pgconsole.seed import SeedOptions, make_plan
    from pgconsole.seed.generate import GenJob, Generator, emit_order
    from pgconsole.seed.scenario import parse_scenario
    users, events = (500_000, 0) if table == "users" else (20_000, 1_000_000)
    text = scenario(cross).replace("{users}", str(users)).replace("{events}", str(events))
    plan = make_plan(parse_scenario(tomllib.loads(text), "bench"), SeedOptions())
    gen = Generator(GenJob(plan, {}, {}))
    tp = plan.table(table)
    names = tuple(emit_order(tp, tp.copy_columns))
    gen.chunk(table, 0, names)   # warm-up: compiles the generators, fills parent columns
    if steady:   # every chunk once, in order, as the seeder asks for them
        t = time.process_time()
        for i in range(1, (tp.rows + 32_767) // 32_768):
            gen.chunk(table, i, names)
        return (time.process_time() - t) / (tp.rows - 32_768) * 1e6
    if profile:
        import cProfile
        import pstats
        pr = cProfile.Profile()
        pr.enable()
        for i in range(1, 1 + chunks):
            gen.chunk(table, i, names)
        pr.disable()
        pstats.Stats(pr).sort_stats("tottime").print_stats(25)
    best = float("inf")
    rows = 0
    for r in range(repeat):
        t = time.process_time()
        rows = 0
        for i in range(1, 1 + chunks):
            gen.chunk(table, i, names)
            rows += min(32_768, tp.rows - i * 32_768)
        best = min(best, (time.process_time() - t) / rows)
    return best * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", help="the tree whose pgconsole to measure (default: this one)")
    ap.add_argument("--chunks", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--steady", action="store_true", help="every chunk of the table once, in order: the mean")
    ap.add_argument("--profile", choices=["users", "events", "events-plain"])
    args = ap.parse_args()
    sys.path.insert(0, str(Path(args.root).resolve() if args.root else HERE.parent))
    shapes: list[tuple[str, str, bool]] = [("users", "users", False), ("events-plain", "events", False)]
    try:
        from pgconsole.seed import related  # noqa: F401  (issue 18's module: the cross-table columns)
        shapes.append(("events", "events", True))
    except ImportError:
        pass
    if args.profile:
        label, table, cross = next(s for s in shapes if s[0] == args.profile)
        measure(table, cross, 1, 1, True)
        return
    for label, table, cross in shapes:
        us = measure(table, cross, args.chunks, args.repeat, False, args.steady)
        how = "every chunk once, mean" if args.steady else f"best of {args.repeat} x {args.chunks} chunks"
        print(f"{label:13} {us:.2f} µs/row ({how})")


if __name__ == "__main__":
    main()
