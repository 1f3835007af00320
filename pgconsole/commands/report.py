"""`pgconsole report`: measure a database and write its health report (md, json or html).

The report is built completely before anything is written; with -o it goes to a
temporary file beside the target and is renamed over it, so a failure never leaves
a half-written report (an existing file stays as it was).
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import tempfile
from pathlib import Path

from ..errors import PgConsoleError
from ..findings.model import SEVERITY_RANK, Thresholds, parse_overrides
from ..report import FORMATS, build, render
from ..untrusted import say
from .common import add_conn_args, interval_seconds, limits_from_args, params_from_args

EXIT_FINDINGS = 1  # --fail-on matched (errors exit 2)
EXIT_BLIND = 3     # --fail-on found nothing, but some checks could not see what they check


def add_arguments(p) -> None:
    p.add_argument("--format", "-f", choices=FORMATS, default=None,
                   help="md (default; or from the -o file's extension), json or html")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.add_argument("--fail-on", choices=("warning", "critical"), default=None,
                   help=f"exit {EXIT_FINDINGS} when a finding of this severity or worse exists (for CI); exit "
                        f"{EXIT_BLIND} when none does but a check could not see what it checks (a role without "
                        "pg_read_all_stats, a refused or failed query): a blind report never passes silently")
    p.add_argument("--show-own", action="store_true",
                   help="keep pgconsole's own statements (marked /* pgconsole */) in the statement tables and "
                        "the findings")
    p.add_argument("--interval", type=interval_seconds, default=2.0, metavar="SECS",
                   help="seconds between the two samples that rates come from (default 2)")
    p.add_argument("--threshold", action="append", metavar="NAME=VALUE", default=[],
                   help="override a finding threshold (repeatable); the report lists every name and value")
    g = p.add_argument_group("over a window of a recording (pgconsole record)")
    g.add_argument("--from", dest="source", metavar="FILE|URI",
                   help="report on a recording instead of the server: lock episodes, the statements that took "
                        "the time, connection peaks, the findings and when they appeared")
    g.add_argument("--between", nargs=2, metavar=("T1", "T2"),
                   help="the window: ISO times, 03:12, or -1h -15m before the recording's end (default: all of it)")
    g.add_argument("--server", metavar="NAME", help="the recorded server, in a store holding several")
    add_conn_args(p)


_SUFFIXES = {"md": "md", "markdown": "md", "json": "json", "html": "html", "htm": "html"}


def _format(args) -> str:
    """--format, else the -o file's extension; an extension that names no format is an error
    (writing Markdown into rep.pdf would go unnoticed). No extension at all means Markdown."""
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".") if args.output else ""
    if not suffix:
        return "md"
    if suffix not in _SUFFIXES:
        raise PgConsoleError(f"cannot tell the format of {args.output}: use .md, .json or .html, "
                             f"or say it with --format {'|'.join(FORMATS)}")
    return _SUFFIXES[suffix]


def write_atomically(path: str, text: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise PgConsoleError(f"cannot write {path}: it is a directory")
    parent = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise PgConsoleError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise PgConsoleError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def run(args) -> int:
    try:
        overrides = parse_overrides(args.threshold)
        thresholds = Thresholds().with_overrides(overrides)
    except ValueError as exc:
        raise PgConsoleError(f"--threshold: {exc}") from None
    for name in overrides:
        if not math.isfinite(getattr(thresholds, name)):
            raise PgConsoleError(f"--threshold: threshold {name} needs a finite number, got {overrides[name]!r}")
    fmt = _format(args)  # before connecting: a wrong name fails at once
    if args.source:
        from ..report.sections_window import build_window
        report = asyncio.run(build_window(args.source, args.server, args.between, thresholds))
    elif args.between or args.server:
        raise PgConsoleError("--between and --server read a recording: give --from FILE|URI")
    else:
        report = asyncio.run(build(params_from_args(args, prompt=False), limits_from_args(args), args.interval,
                                   thresholds, own_statements=args.show_own))
    text = render(report, fmt)
    if args.output:
        write_atomically(args.output, text)
        r = report.findings
        say(f"pgconsole: wrote {args.output} ({fmt}): " + ", ".join(
            f"{len(r.by_severity(s))} {s}" for s in ("critical", "warning", "info")) + " findings",
            file=sys.stderr)
    else:
        sys.stdout.write(text)
    if args.fail_on:
        worst = report.findings.worst()
        if worst is not None and SEVERITY_RANK[worst] >= SEVERITY_RANK[args.fail_on]:
            return EXIT_FINDINGS
        blind = report.findings.blind()
        if blind:
            say(f"pgconsole: --fail-on {args.fail_on}: no such finding, but the report is partly blind: "
                + report.findings.blind_summary(), file=sys.stderr)
            return EXIT_BLIND
    return 0
