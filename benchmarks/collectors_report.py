"""Tables and the summary line of bench_collectors.py (median and p95 per measure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Sample:
    srv: float = 0.0    # ms, pg_stat_statements exec + plan
    bcpu: float = math.nan  # ms, monitoring backend on CPU
    wall: float = 0.0   # ms, client
    cpu: float = 0.0    # ms, client process CPU
    rows: float = 0.0


def pct(values: list[float], p: float) -> float:
    vals = sorted(v for v in values if not math.isnan(v))
    if not vals:
        return math.nan
    return vals[max(math.ceil(p / 100 * len(vals)) - 1, 0)]


@dataclass
class Rep:
    rounds: list[dict[str, Sample]]
    alone: dict[str, list[Sample]]
    per_query: dict[str, list[Sample]]
    cold: Sample
    load: list[tuple[float, float, float]]
    problems: list[str]


FIELDS = ("srv", "bcpu", "wall", "cpu")
HEAD = ("server ms", "backend CPU ms", "client wall ms", "client CPU ms")


def table(title: str, groups: dict[str, list[Sample]], md: list[str] | None = None) -> None:
    w = max([16] + [len(k) + 1 for k in groups])
    print(f"\n{title}")
    print(f"{'':{w}}" + "".join(f"{h:>18}" for h in HEAD) + f"{'rows':>8}{'n':>4}")
    print(f"{'':{w}}" + f"{'median':>11}{'p95':>7}" * 4 + f"{'median':>8}")
    if md is not None:
        md += [f"\n{title}\n", "| | " + " | ".join(f"{h} med / p95" for h in HEAD) + " | rows |",
               "|---|" + "---:|" * 5]
    for name, samples in groups.items():
        med = {f: pct([getattr(s, f) for s in samples], 50) for f in FIELDS}
        p95 = {f: pct([getattr(s, f) for s in samples], 95) for f in FIELDS}
        rows = pct([s.rows for s in samples], 50)
        print(f"{name:{w}}" + "".join(f"{med[f]:11.2f}{p95[f]:7.1f}" for f in FIELDS)
              + f"{rows:8.0f}{len(samples):4d}")
        if md is not None:
            md.append(f"| {name} | " + " | ".join(f"{med[f]:.2f} / {p95[f]:.1f}" for f in FIELDS)
                      + f" | {rows:.0f} |")


def by_collector(rounds: list[dict[str, Sample]]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = {}
    for per in rounds:
        for k, v in per.items():
            if k != "ROUND":
                out.setdefault(k, []).append(v)
    out["ROUND (poll)"] = [per["ROUND"] for per in rounds]
    return out


def report(reps: list[Rep], info: dict, md_path: str | None) -> None:
    meds = [pct([p["ROUND"].srv for p in r.rounds], 50) for r in reps]
    best = min(range(len(reps)), key=lambda i: meds[i])
    md: list[str] | None = [] if md_path else None
    for i, r in enumerate(reps, 1):
        l1 = [x[0] for x in r.load]
        print(f"\n=== rep {i}: loadavg 1-min {min(l1):.2f}..{max(l1):.2f} "
              f"(5-min {r.load[-1][1]:.2f}); first poll on a fresh connection: server {r.cold.srv:.1f} ms, "
              f"backend CPU {r.cold.bcpu:.1f} ms, wall {r.cold.wall:.1f} ms, client CPU {r.cold.cpu:.1f} ms")
        for p in dict.fromkeys(r.problems):
            print(f"  ! {p}")
        keep = md if i - 1 == best else None
        if keep is not None:
            keep.append(f"rep {i} (best of {len(reps)}), loadavg 1-min {min(l1):.2f}..{max(l1):.2f}; "
                        f"first poll on a fresh connection: server {r.cold.srv:.1f} ms, wall {r.cold.wall:.1f} ms")
        table(f"rep {i}: per round, all views forced ({len(r.rounds)} rounds)", by_collector(r.rounds), keep)
        table(f"rep {i}: each collector alone", r.alone, keep)
        table(f"rep {i}: each query file alone", r.per_query, keep)
    spread = {f: [pct([getattr(p["ROUND"], f) for p in r.rounds], 50) for r in reps] for f in FIELDS}
    b = reps[best].rounds
    med = {f: pct([getattr(p["ROUND"], f) for p in b], 50) for f in FIELDS}
    p95 = {f: pct([getattr(p["ROUND"], f) for p in b], 95) for f in FIELDS}
    coll = by_collector(b)
    coll.pop("ROUND (poll)")
    worst = max(coll, key=lambda k: pct([s.srv for s in coll[k]], 50))
    sp = " ".join(f"{f} {max(v) - min(v):.1f}" for f, v in spread.items())
    line = (f"SUMMARY PG {info['version']}, {info['tables']} tables, {info['clients']} clients, "
            f"{info['pgss']} pgss entries, best of {len(reps)} reps x {len(b)} rounds: per round "
            f"server {med['srv']:.1f} ms (p95 {p95['srv']:.1f}), backend CPU {med['bcpu']:.1f} ms, "
            f"client wall {med['wall']:.1f} ms (p95 {p95['wall']:.1f}), client CPU {med['cpu']:.1f} ms "
            f"(p95 {p95['cpu']:.1f}); spread of medians between reps (ms): {sp}; heaviest collector: "
            f"{worst} {pct([s.srv for s in coll[worst]], 50):.1f} ms server")
    print("\n" + line)
    if md_path and md is not None:
        Path(md_path).write_text("\n".join([line, ""] + md) + "\n")
