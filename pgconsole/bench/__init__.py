"""pgbench runs: find the binary, build its command line, run it, parse what it prints.

The console's Load screen and `pgconsole bench` share this API (see run.BenchRun).
"""

from .args import APP_NAME, BUILTINS, BenchConfig
from .locate import PgBench, PgBenchChoice, locate
from .parse import InitProgress, ProgressSample, ProgressTotals
from .summary import BenchSummary, ScriptSummary
from .run import BenchEvent, BenchLog, BenchPhase, BenchResult, BenchRun, run_bench

__all__ = [
    "APP_NAME", "BUILTINS", "BenchConfig", "BenchEvent", "BenchLog", "BenchPhase", "BenchResult",
    "BenchRun", "BenchSummary", "InitProgress", "PgBench", "PgBenchChoice", "ProgressSample",
    "ProgressTotals", "ScriptSummary", "locate", "run_bench",
]
