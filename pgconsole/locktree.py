"""Build the blocking tree from lock waits (pure; unit-tested without a server).

Input: one LockWait per waiting session with pg_blocking_pids() already applied,
so soft blocks (a waiter queued behind another waiter) are included. Each waiter
hangs under its deepest blocker, so a chain A <- B <- C draws as a chain even
though C is also blocked by A directly. Parallel workers are folded into their
leader; pid 0 is a prepared transaction (it holds locks but has no backend).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from .snapshots import Backend, LockNode, Locks, LockWait


def fold_parallel_workers(waits: Iterable[LockWait], backends: Mapping[int, Backend]) -> list[LockWait]:
    """Replace parallel worker pids by their leader's and drop duplicate waits."""
    def leader(pid: int) -> int:
        b = backends.get(pid)
        return b.leader_pid if b and b.leader_pid and b.leader_pid != pid else pid

    merged: dict[int, LockWait] = {}
    for w in waits:
        pid = leader(w.pid)
        blockers = sorted({leader(p) for p in w.blocked_by} - {pid})
        if pid in merged:
            old = merged[pid]
            blockers = sorted(set(old.blocked_by) | set(blockers))
            w = old if (old.wait_s or 0) >= (w.wait_s or 0) else w
        merged[pid] = LockWait(pid=pid, blocked_by=blockers, locktype=w.locktype, mode=w.mode,
                               relation=w.relation, wait_s=w.wait_s)
    return list(merged.values())


def build(waits: Iterable[LockWait], backends: Mapping[int, Backend]) -> Locks:
    waits = [w for w in fold_parallel_workers(waits, backends) if w.blocked_by]
    by_pid = {w.pid: w for w in waits}
    blockers_of = {w.pid: tuple(w.blocked_by) for w in waits}

    # depth: length of the longest blocker chain above a pid (cycles cut: a deadlock
    # in progress shows until the detector resolves it)
    depth: dict[int, int] = {}

    def depth_of(pid: int, seen: frozenset[int]) -> int:
        if pid in depth:
            return depth[pid]
        if pid not in blockers_of or pid in seen:
            return 0
        d = 1 + max(depth_of(b, seen | {pid}) for b in blockers_of[pid])
        depth[pid] = d
        return d

    for pid in blockers_of:
        depth_of(pid, frozenset())

    parent: dict[int, int] = {}
    for pid, blockers in blockers_of.items():
        # deepest blocker first; ties by the lower pid, for a stable picture
        parent[pid] = max(blockers, key=lambda b: (depth.get(b, 0) if b != pid else -1, -b))
    children: dict[int, list[int]] = {}
    for pid, par in parent.items():
        children.setdefault(par, []).append(pid)

    all_pids = set(blockers_of) | {b for bs in blockers_of.values() for b in bs}
    roots = [p for p in all_pids if p not in parent]
    # a pure cycle has no root: cut it at its lowest pid
    unreached = set(parent) - _reachable(roots, children)
    while unreached:
        cut = min(unreached)
        roots.append(cut)
        children[parent[cut]].remove(cut)
        del parent[cut]
        unreached -= _reachable([cut], children) | {cut}

    def total(pid: int, seen: frozenset[int] = frozenset()) -> int:
        kids = [k for k in children.get(pid, ()) if k not in seen]
        return sum(1 + total(k, seen | {pid}) for k in kids)

    totals = {p: total(p) for p in all_pids}
    roots.sort(key=lambda p: (-totals[p], p))

    nodes: list[LockNode] = []

    def walk(pid: int, level: int, seen: frozenset[int]) -> None:
        w = by_pid.get(pid)
        kids = sorted(children.get(pid, ()), key=lambda k: (-(by_pid[k].wait_s or 0), k))
        nodes.append(LockNode(
            pid=pid, depth=level, blocked_by=blockers_of.get(pid, ()), waiters=tuple(kids),
            locktype=w.locktype if w else None, mode=w.mode if w else None,
            relation=w.relation if w else None, wait_s=w.wait_s if w else None,
            backend=backends.get(pid), total_blocked=totals[pid]))
        for k in kids:
            if k not in seen:
                walk(k, level + 1, seen | {pid})

    for r in roots:
        walk(r, 0, frozenset())
    return Locks(roots=tuple(roots), nodes=tuple(nodes), waiting_count=len(waits))


def _reachable(starts: Iterable[int], children: Mapping[int, list[int]]) -> set[int]:
    out: set[int] = set()
    stack = list(starts)
    while stack:
        p = stack.pop()
        for k in children.get(p, ()):
            if k not in out:
                out.add(k)
                stack.append(k)
    return out
