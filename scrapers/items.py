"""What the `rates` spider yields: one fetch record per page, carrying the plans read from it.

One item per page, not one per plan: Scrapy's per-item machinery (pipeline chain, signals,
log records) cost more than the pipelines' own work, at ~3 plans a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from operator import attrgetter

from benchmark.model import PLAN_FIELDS, RatePlan, plan_values


@dataclass
class PlanObservation:
    """A rate plan as seen by one good fetch, with the page it came from."""

    competitor_id: str
    url: str
    final_url: str | None
    fetched_at: datetime
    content_hash: str
    name: str | None
    price: Decimal | None
    currency: str | None
    unit: str
    included_minutes: int | None = None
    included_calls: int | None = None
    overage_per_minute: Decimal | None = None
    overage_per_call: Decimal | None = None
    setup_fee: Decimal | None = None
    billing_increment_seconds: int | None = None
    annual_price_per_month: Decimal | None = None
    evidence: str | None = None
    # The competitor's registry currency: what a quote-only plan's missing currency means.
    registry_currency: str | None = None

    @classmethod
    def from_plan(cls, plan: RatePlan, **source: object) -> PlanObservation:
        """An observation of `plan`; `source` gives competitor_id, url, final_url, ..."""
        values = dict(zip(PLAN_FIELDS, plan_values(plan), strict=True))
        return cls(**source, **values)  # type: ignore[arg-type]

    def contract_key(self) -> tuple[object, ...]:
        """Everything the contract says about the plan except its evidence text."""
        return _contract_values(self)

    def describe(self) -> str:
        """Competitor, page and plan, for messages."""
        return f"{self.competitor_id} {self.url} plan {self.name!r}"


@dataclass
class FetchRecord:
    """One fetch attempt, good or bad. Every fetched page is evidence, so the body is kept."""

    competitor_id: str
    url: str  # the registry's real URL: the recorded source
    final_url: str | None  # after redirects, mapped back into the real host's space
    status: int | None  # HTTP status; None when no response came back
    fetched_at: datetime
    content_hash: str | None  # sha256 of the raw body
    body: bytes | None
    ok: bool
    error: str | None = None
    # Not fetched by our own policy (refused by robots.txt): recorded, never a failure of the
    # site or of the run.
    skipped: bool = False
    plans_found: int = 0  # as extracted, before the pipelines' checks
    warnings: list[str] = field(default_factory=list)
    # The page's plans. Pipelines normalize and check them in place; a plan they refuse moves
    # to `rejected` with the reason (the store keeps those in `rejects`).
    plans: list[PlanObservation] = field(default_factory=list)
    rejected: list[tuple[PlanObservation, str]] = field(default_factory=list)


# Read once per plan, so looked up once here (dataclasses.fields builds its tuple on every call).
_contract_values = attrgetter(*(name for name in PLAN_FIELDS if name != "evidence"))
