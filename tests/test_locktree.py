"""The blocking tree, built from waits with pg_blocking_pids() applied."""

import pytest

from pgconsole import locktree
from pgconsole.snapshots import LockWait

from factories import backend


def w(pid, blocked_by, wait_s=1.0, mode="AccessExclusiveLock"):
    return LockWait(pid=pid, blocked_by=list(blocked_by), locktype="relation", mode=mode,
                    relation="public.t", wait_s=wait_s)


def shape(locks):
    return [(n.pid, n.depth) for n in locks.nodes]


def test_chain_with_soft_block_hangs_under_deepest_blocker():
    # 10 holds; 20 waits on 10; 30 is blocked by 10 (hard) and queued behind 20 (soft)
    lk = locktree.build([w(20, [10]), w(30, [10, 20])], {})
    assert lk.roots == (10,)
    assert shape(lk) == [(10, 0), (20, 1), (30, 2)]
    assert lk.node(10).total_blocked == 2 and lk.waiting_count == 2


def test_roots_most_harmful_first_and_siblings_by_wait():
    lk = locktree.build([w(2, [1], 5.0), w(3, [1], 9.0), w(5, [4])], {})
    assert lk.roots == (1, 4)
    assert shape(lk) == [(1, 0), (3, 1), (2, 1), (4, 0), (5, 1)]


def test_prepared_transaction_is_pid_zero():
    lk = locktree.build([w(7, [0])], {})
    assert lk.roots == (0,) and lk.node(0).backend is None


def test_parallel_workers_fold_into_leader():
    backends = {100: backend(100), 101: backend(101, leader_pid=100, backend_type="parallel worker"),
                200: backend(200)}
    # the leader and its worker both wait on 200; the worker's wait must not show twice
    lk = locktree.build([w(100, [200]), w(101, [200])], backends)
    assert shape(lk) == [(200, 0), (100, 1)]
    # a session blocked by a worker is shown blocked by the leader
    lk = locktree.build([w(300, [101])], backends)
    assert lk.roots == (100,)


def test_deadlock_cycle_is_cut_not_looped():
    lk = locktree.build([w(1, [2]), w(2, [1])], {})
    assert len(lk.nodes) == 2 and lk.roots


def test_backend_details_attached():
    b = backend(1, state="idle in transaction")
    lk = locktree.build([w(2, [1])], {1: b})
    assert lk.node(1).backend is b and lk.node(2).backend is None


def test_nothing_waiting():
    lk = locktree.build([LockWait(pid=5, blocked_by=[])], {})
    assert lk.nodes == () and lk.waiting_count == 0


def test_locks_collector_builds_the_tree_from_the_connections_rows():
    """The connections query returns each waiter's blockers and lock, so the tree needs no
    query of its own; without a connections view in the same poll it asks."""
    import asyncio
    from types import SimpleNamespace

    from pgconsole import derive
    from pgconsole.collectors.activity import LocksCollector

    class NoQueries:
        async def fetch(self, *a):
            raise AssertionError("queried")

    caps = SimpleNamespace(sees_all_sessions=True, sql=lambda name: name)
    calm = derive.connections([backend(1, state="active"), backend(2, state="idle")])
    locks = asyncio.run(LocksCollector().collect(NoQueries(), caps, {"connections": calm}))
    assert locks.nodes == () and locks.waiting_count == 0
    chain = derive.connections([
        backend(10, state="idle in transaction"),
        backend(11, wait_event_type="Lock", blocked_by=[10], lock_type="transactionid",
                lock_mode="ShareLock", lock_relation="t", lock_wait_s=5.0),
        backend(12, wait_event_type="Lock", blocked_by=[10, 11], lock_type="tuple",
                lock_mode="ExclusiveLock", lock_relation="t", lock_wait_s=4.0)])
    locks = asyncio.run(LocksCollector().collect(NoQueries(), caps, {"connections": chain}))
    assert shape(locks) == [(10, 0), (11, 1), (12, 2)] and locks.waiting_count == 2
    assert locks.node(11).mode == "ShareLock" and locks.node(12).wait_s == 4.0
    assert locks.node(10).backend.state == "idle in transaction"
    with pytest.raises(AssertionError, match="queried"):
        asyncio.run(LocksCollector().collect(NoQueries(), caps, {}))
