"""A region's rule set (`policies/inbeeld/region/rulesets.rego`), read through the policy engine so the
embedded engine and an OPA sidecar serve the same version."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from gateway.policy.engine import EmbeddedRegoEngine, PolicyEngine

RULESETS = "inbeeld.region.rulesets"


class Clocks(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    actietafel_working_days: int
    teammanagers_weeks: int
    interventieteam_weeks: int
    plan_days: int
    solution_working_days: int
    target_months: int
    region_target_weeks: int | None
    alternative_days: int
    reassessment_notice_days: int
    target_notice_days: int
    rmc_contact_working_days: int


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    report_hours: int
    report_window_days: int
    full_day_hours: float
    threatening_school_days: int
    thuiszitter_after_days: int
    four_year_olds: bool
    sick_reports: int
    sick_window_days: int
    sick_school_days: int
    clocks: Clocks
    doorzettingsmacht: str


class UnknownRegion(LookupError):
    pass


async def load_rules(policy: PolicyEngine, region: str) -> RuleSet:
    rulesets, _revision = await policy.evaluate(RULESETS, {})
    if not isinstance(rulesets, dict) or region not in rulesets:
        raise UnknownRegion(f"no rule set for region {region!r} in the policies")
    return RuleSet.model_validate(rulesets[region])


async def rules_from(policy_dir: Path, region: str) -> RuleSet:
    """The rule set straight from the policy files (demo seeding and commands, without a running gateway)."""
    engine = EmbeddedRegoEngine(policy_dir)
    await engine.start()
    try:
        return await load_rules(engine, region)
    finally:
        await engine.close()
