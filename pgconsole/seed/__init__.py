"""Seeding realistic test databases, fast (the `pgconsole seed` command and the console's API).

    scen = load_scenario("saas")                       # or infer_scenario(conn, schema)
    plan = make_plan(scen, SeedOptions(scale=2, seed=7))
    summary = await run_seed(params, plan, progress=on_progress, cancel=cancel_event)

Nothing here imports Textual; progress reports are frozen dataclasses.
"""

from .load import SeedCancelled, SeedCheck, TableAction, check_seed, run_seed
from .plan import SeedOptions, SeedPlan, make_plan
from .progress import SeedSummary, TableProgress
from .scenario import Scenario, ScenarioError, ScenarioInfo, list_scenarios, load_scenario

__all__ = [
    "SeedCancelled", "SeedCheck", "TableAction", "check_seed", "run_seed",
    "SeedOptions", "SeedPlan", "make_plan", "SeedSummary", "TableProgress",
    "Scenario", "ScenarioError", "ScenarioInfo", "list_scenarios", "load_scenario",
]
