"""Connection pools seen from the server: client sessions grouped by who opened them.

A pool is invisible to PostgreSQL, but its connections share an application name, a
role and a client address. Grouping pg_stat_activity by those three shows how many
connections each client holds, how many it used at the busiest moment sampled, and
how long its spare ones have sat idle. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .snapshots import Backend, Connections

PoolKey = tuple[str, "str | None", str]   # application, user, client


@dataclass(frozen=True)
class Pool:
    application: str          # application_name ('' when the client set none)
    user: str | None
    client: str               # client address, or 'local' (Unix socket)
    sessions: int
    active: int
    idle: int
    idle_in_transaction: int
    longest_idle_s: float | None              # among its idle sessions
    longest_idle_in_transaction_s: float | None
    idle_over: int            # idle sessions idle at least the `idle_s` asked for
    peak_busy: int            # the most sessions busy (active or in a transaction) at one sample
    samples: int              # how many samples the peak is the busiest of

    @property
    def key(self) -> PoolKey:
        return (self.application, self.user, self.client)

    @property
    def label(self) -> str:
        return f"{self.application or '(no application_name)'} / {self.user or '?'} @ {self.client}"


def _client(b: Backend) -> bool:
    return b.is_client and not b.is_self and b.state is not None


def _key(b: Backend) -> PoolKey:
    return (b.application_name or "", b.usename, b.client_addr or "local")


def _busy(b: Backend) -> bool:
    return b.state == "active" or (b.state or "").startswith("idle in transaction")


def pools(conns: Connections, earlier: Iterable[Connections] = (), idle_s: float = 300.0) -> list[Pool]:
    """Client sessions by (application, user, client address), the most sessions first.

    `earlier`: previous samples of the same server; a group's peak is its busiest sample.
    Sessions whose state this role may not see (other roles', without pg_read_all_stats)
    are left out: their application and address may be visible, but not what they do."""
    groups: dict[PoolKey, list[Backend]] = {}
    for b in conns.backends:
        if _client(b):
            groups.setdefault(_key(b), []).append(b)
    before: list[dict[PoolKey, int]] = []
    for c in earlier:
        busy: dict[PoolKey, int] = {}
        for b in c.backends:
            if _client(b) and _busy(b):
                busy[_key(b)] = busy.get(_key(b), 0) + 1
        before.append(busy)
    out = []
    for key, members in groups.items():
        idle = [b for b in members if b.state == "idle"]
        iit = [b for b in members if (b.state or "").startswith("idle in transaction")]
        busy_now = sum(1 for b in members if _busy(b))
        out.append(Pool(
            application=key[0], user=key[1], client=key[2], sessions=len(members),
            active=sum(1 for b in members if b.state == "active"), idle=len(idle), idle_in_transaction=len(iit),
            longest_idle_s=max((b.state_age_s or 0.0 for b in idle), default=None),
            longest_idle_in_transaction_s=max((b.state_age_s or 0.0 for b in iit), default=None),
            idle_over=sum(1 for b in idle if (b.state_age_s or 0.0) >= idle_s),
            peak_busy=max([busy_now] + [s.get(key, 0) for s in before]), samples=1 + len(before)))
    out.sort(key=lambda p: (-p.sessions, p.key[0], p.key[1] or "", p.key[2]))
    return out
