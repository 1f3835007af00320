"""`pgconsole server start|stop|status|url`: the embedded PostgreSQL, per user."""

from __future__ import annotations

from pathlib import Path

from ..cluster import LocalCluster, default_data_root, embedded_root
from ..errors import PgConsoleError
from ..untrusted import say
from .common import port


def add_arguments(p) -> None:
    p.add_argument("action", choices=("start", "stop", "status", "url"),
                   help="start (init on first use), stop, status, or print the connection URI")
    p.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                   help=f"where the server keeps its data (default $PGCONSOLE_SERVER_DIR, else "
                        f"{default_data_root()})")
    p.add_argument("--port", type=port, default=None, help="TCP port on 127.0.0.1 (default: a free one, kept)")
    p.add_argument("--tcp", action="store_true", help="with url: the 127.0.0.1 URI instead of the socket one "
                                                     "(needs the password: see status)")


def cluster_for(args) -> LocalCluster:
    return LocalCluster(args.data_dir or embedded_root())


def run(args) -> int:
    cluster = cluster_for(args)
    if args.action == "start":
        was_running = cluster.is_running()
        cluster.start(port=args.port)
        say(("already running: " if was_running else "started: ") + cluster.dsn())
        return 0
    if args.action == "stop":
        say("stopped" if cluster.stop() else "not running")
        from ..standby import standby_root
        if LocalCluster(standby_root(cluster.root), cluster.bin_dir).stop():   # one `demo --keep-server` left
            say("stopped its standby")
        return 0
    running = cluster.is_running()
    if args.action == "url":
        if not running:
            raise PgConsoleError("the embedded server is not running: pgconsole server start")
        say(cluster.dsn(tcp=args.tcp))
        return 0
    st = cluster.state()
    say(f"data directory: {cluster.data_dir}")
    say(f"binaries:       {cluster.bin_dir}")
    say(f"status:         {'running' if running else 'stopped'}")
    if st and running:
        say(f"socket URI:     {cluster.dsn()}")
        say(f"TCP URI:        {cluster.dsn(tcp=True)}  (password in {cluster.state_file}, mode 0600)")
    return 0 if running else 3
