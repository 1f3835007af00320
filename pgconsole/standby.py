"""A streaming standby of a LocalCluster, on the same machine (`pgconsole demo`, the tests).

`pg_basebackup -R -X stream` copies the running primary over its private socket (the
default pg_hba.conf initdb writes trusts local replication connections) and writes
`primary_conninfo` and `standby.signal`; the standby then runs as a LocalCluster of its
own: its own data directory, port and socket directory, the same binaries and system
user. Nothing is written to it (a standby refuses writes): the primary's roles,
password and extensions arrive with the copy.
"""

from __future__ import annotations

import os
import re
import time
from typing import Callable
from pathlib import Path

from .cluster import SUPERUSER, ClusterState, LocalCluster, _last_line
from .errors import PgConsoleError


# a hot standby refuses to start with any of these below the primary's value
AT_LEAST_PRIMARY = ("max_connections", "max_prepared_transactions", "max_worker_processes",
                    "max_wal_senders", "max_locks_per_transaction")


class StandbyCluster(LocalCluster):
    def __init__(self, root: Path, primary: LocalCluster, slot: str | None = None):
        super().__init__(root, primary.bin_dir, primary.run_as)
        self.primary = primary
        if slot is not None and not re.fullmatch(r"[a-z0-9_]{1,63}", slot):
            raise PgConsoleError(f"not a replication slot name: {slot!r} (lower case letters, digits, _)")
        self.slot = slot   # a physical slot to create and stream through (WAL kept while it is down)

    def init(self) -> None:
        """Copy the primary (instead of initdb); a no-op once copied."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700 if not self.run_as else 0o711)
        if self.is_initialized():
            return
        src = self.primary.state()
        if src is None or not self.primary.is_running():
            raise PgConsoleError("the primary must be running to copy a standby from it")
        self.data_dir.mkdir(exist_ok=True)
        self.data_dir.chmod(0o700)
        self._prepare_root_access(self.data_dir)
        args = ["pg_basebackup", "-D", str(self.data_dir), "-R", "-X", "stream", "--checkpoint=fast",
                "-h", src.socket_dir, "-p", str(src.port), "-U", SUPERUSER, "--no-sync"]
        if self.slot:
            args += ["-C", "-S", self.slot]
        r = self._run(args, timeout=600)
        if r.returncode != 0:
            raise PgConsoleError(f"pg_basebackup failed: {_last_line(r.stderr)}")
        # the roles (and the TCP password) came with the copy: remember the primary's
        self._write_state(ClusterState(str(self.bin_dir), str(self.data_dir), "", 0, self.run_as, src.password))

    def start(self, port: int | None = None, extra_settings: dict[str, str] | None = None,
              timeout: float = 60) -> ClusterState:
        """Start it with the primary's values for the settings a standby may not have lower."""
        settings = {**self._primary_settings(), **(extra_settings or {})}
        return super().start(port=port, extra_settings=settings, timeout=timeout)

    def _primary_settings(self) -> dict[str, str]:
        src = self.primary.state()
        if src is None:
            return {}
        r = self.primary._run(["psql", "-X", "-q", "-At", "-F", "=", "-h", src.socket_dir, "-p", str(src.port),
                               "-U", SUPERUSER, "-d", "postgres", "-c",
                               "SELECT name, setting FROM pg_settings WHERE name IN ("
                               + ", ".join(f"'{n}'" for n in AT_LEAST_PRIMARY) + ")"], timeout=30)
        return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)

    def _bootstrap(self, st: ClusterState) -> None:
        """Wait until it accepts connections; it is read-only, so nothing is created here."""
        for _ in range(150):
            r = self._run(["psql", "-X", "-q", "-At", "-h", st.socket_dir, "-p", str(st.port), "-U", SUPERUSER,
                           "-d", "postgres", "-c", "SELECT pg_is_in_recovery()"], timeout=30)
            if r.returncode == 0:
                if r.stdout.strip() != "t":
                    raise PgConsoleError("the copy came up as a primary, not as a standby")
                return
            time.sleep(0.2)
        raise PgConsoleError(f"the standby did not accept connections: {_last_line(r.stderr)}")

    def wait_streaming(self, timeout: float = 30.0) -> None:
        """Until its WAL receiver streams from the primary."""
        st = self.state()
        if st is None:
            raise PgConsoleError("the standby is not running")
        deadline = time.monotonic() + timeout
        while True:
            r = self._run(["psql", "-X", "-q", "-At", "-h", st.socket_dir, "-p", str(st.port), "-U", SUPERUSER,
                           "-d", "postgres", "-c", "SELECT status FROM pg_stat_wal_receiver"], timeout=30)
            if r.stdout.strip() == "streaming":
                return
            if time.monotonic() > deadline:
                raise PgConsoleError("the standby did not start streaming from the primary")
            time.sleep(0.2)

    def destroy(self) -> None:
        super().destroy()
        if self.slot:   # the slot would keep WAL on the primary for a standby that is gone
            src = self.primary.state()
            if src is not None and self.primary.is_running():
                self.primary._run(["psql", "-X", "-q", "-h", src.socket_dir, "-p", str(src.port), "-U", SUPERUSER,
                                   "-d", "postgres", "-c",
                                   f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                   f"WHERE slot_name = '{self.slot}' AND NOT active"], timeout=30)


def standby_root(primary_root: Path) -> Path:
    """Where a primary's demo standby lives: beside it, never inside its data directory."""
    return Path(os.fspath(primary_root) + "-standby")


DEMO_SETTINGS = {"hot_standby_feedback": "on", "cluster_name": "demo_standby"}


def start_demo_standby(primary: LocalCluster, say: Callable[[str], object] = print) -> tuple[StandbyCluster, bool]:
    """The demo's standby beside its primary: the running one, or a fresh copy (a copy left from an
    earlier run may need WAL the primary no longer has). True: started now (the caller stops it)."""
    standby = StandbyCluster(standby_root(primary.root), primary)
    if standby.is_running():
        return standby, False
    standby.destroy()
    say("starting a streaming standby (pg_basebackup)…")
    try:
        standby.start(extra_settings=DEMO_SETTINGS)
        standby.wait_streaming()
    except BaseException:
        standby.destroy()   # never a half-made standby left running
        raise
    return standby, True
