"""Alerts: price changes beyond a threshold, failed or degraded crawls, overdue crawls.

Every alert is logged; it is also POSTed as JSON to a webhook (RATEBENCH_WEBHOOK_URL) and mailed
over SMTP ([alerts.email], password from RATEBENCH_SMTP_PASSWORD) where those are configured. A
delivery failure is logged and never stops the scheduler.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb

from ratebench.config import AlertConfig, EmailConfig

logger = logging.getLogger("ratebench.alerts")

PRICE_CHANGE = "price_change"
CRAWL_FAILED = "crawl_failed"
CRAWL_DEGRADED = "crawl_degraded"
CRAWL_OVERDUE = "crawl_overdue"


@dataclass(frozen=True)
class Alert:
    """One thing a person should look at."""

    kind: str
    message: str
    severity: str = "warning"
    run_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    raised_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    """Money stays exact: Decimal becomes its string, times become ISO 8601."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# --- finding alerts ---------------------------------------------------------------------------


def price_change_alerts(
    con: duckdb.DuckDBPyConnection, run_id: str, threshold: float
) -> list[Alert]:
    """One alert per plan change this run published beyond `threshold` (a fraction).

    Changes come from the engine (`benchmark.api.rate_changes`: rate versions of good fetches of
    ok/degraded runs, degraded competitors excluded), so a failed or empty fetch is never a
    change. A change belongs to this run when its new version starts at one of the run's
    observations.
    """
    from benchmark.api import rate_changes

    seen = {
        (cid, url, fetched_at)
        for cid, url, fetched_at in con.execute(
            "SELECT DISTINCT competitor_id, url, fetched_at FROM observations WHERE run_id = ?",
            [run_id],
        ).fetchall()
    }
    limit = threshold * 100
    alerts = []
    for change in rate_changes(con):
        if (change["competitor_id"], change["url"], change["changed_at"]) not in seen:
            continue
        moves = {
            "price": change.get("percent"),
            "overage per minute": change.get("overage_per_minute_percent"),
        }
        beyond = {k: v for k, v in moves.items() if v is not None and abs(v) > limit}
        if not beyond:
            continue
        plan = change.get("plan_name") or change.get("plan_key")
        what, pct = next(iter(beyond.items()))
        old, new = (
            (change["old_price"], change["new_price"]) if what == "price"
            else (change["old_overage_per_minute"], change["new_overage_per_minute"])
        )
        alerts.append(
            Alert(
                kind=PRICE_CHANGE,
                run_id=run_id,
                message=(
                    f"{change['competitor_id']} {plan}: {what} {old} -> {new} "
                    f"{change['currency']} ({pct:+.1f} %)"
                ),
                details=change,
            )
        )
    return alerts


def crawl_outcome_alerts(con: duckdb.DuckDBPyConnection, run_id: str) -> list[Alert]:
    """An alert when the run ended failed or degraded (or is unknown to the database)."""
    row = con.execute(
        "SELECT status, finish_reason, degraded_competitors, pages_ok, pages_failed "
        "FROM crawl_runs WHERE run_id = ?",
        [run_id],
    ).fetchone()
    if row is None:
        return [Alert(CRAWL_FAILED, f"crawl {run_id} left no crawl run", "critical", run_id)]
    status, reason, degraded, pages_ok, pages_failed = row
    details = {
        "status": status,
        "finish_reason": reason,
        "degraded_competitors": list(degraded or []),
        "pages_ok": pages_ok,
        "pages_failed": pages_failed,
    }
    pages = f"{pages_ok or 0} pages ok, {pages_failed or 0} failed"
    if status == "failed":
        message = f"crawl {run_id} failed ({reason}; {pages})"
        return [Alert(CRAWL_FAILED, message, "critical", run_id, details)]
    if status == "degraded":
        who = ", ".join(degraded or []) or "see stats"
        message = f"crawl {run_id} degraded: {who} ({reason}; {pages})"
        return [Alert(CRAWL_DEGRADED, message, "warning", run_id, details)]
    return []


def overdue_alert(
    con: duckdb.DuckDBPyConnection,
    overdue_hours: float,
    *,
    now: datetime | None = None,
    watching_since: datetime | None = None,
) -> Alert | None:
    """An alert when no crawl has ended ok for `overdue_hours`.

    With no good crawl ever, the clock starts at `watching_since` (the scheduler's start), so a
    fresh install is not overdue at once.
    """
    now = now or datetime.now(UTC)
    last_ok = con.execute(
        "SELECT max(coalesce(finished_at, started_at)) FROM crawl_runs WHERE status = 'ok'"
    ).fetchone()[0]
    reference = last_ok or watching_since
    if reference is None:
        return None
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    age = now - reference
    if age <= timedelta(hours=overdue_hours):
        return None
    hours = age.total_seconds() / 3600
    what = f"last good crawl {reference.isoformat()}" if last_ok else "no good crawl yet"
    return Alert(
        CRAWL_OVERDUE,
        f"crawl overdue: {what}, {hours:.1f} h ago (limit {overdue_hours:g} h)",
        "critical",
        details={"last_ok": last_ok, "hours": round(hours, 2), "limit_hours": overdue_hours},
    )


# --- sending alerts ---------------------------------------------------------------------------


def send_webhook(url: str, alerts: list[Alert], timeout_s: float, attempts: int = 3) -> bool:
    """POST {"source": "ratebench", "alerts": [...]} as JSON; a few tries with backoff."""
    body = json.dumps({"source": "ratebench", "alerts": [a.to_json() for a in alerts]}).encode()
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
                if 200 <= response.status < 300:
                    return True
                problem = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            problem = str(exc)
        logger.error("webhook delivery attempt %d/%d failed: %s", attempt, attempts, problem)
        if attempt < attempts:
            time.sleep(0.2 * 2 ** (attempt - 1))
    return False


def send_email(email: EmailConfig, alerts: list[Alert]) -> bool:
    """One plain-text message listing every alert of the batch."""
    from email.message import EmailMessage

    message = EmailMessage()
    kinds = sorted({a.kind for a in alerts})
    message["Subject"] = f"[ratebench] {len(alerts)} alert(s): {', '.join(kinds)}"
    message["From"] = email.sender
    message["To"] = ", ".join(email.recipients)
    lines = [f"{a.severity.upper()} {a.kind}: {a.message}" for a in alerts]
    lines += ["", json.dumps([a.to_json() for a in alerts], indent=2)]
    message.set_content("\n".join(lines))
    try:
        with smtplib.SMTP(email.smtp_host, email.smtp_port, timeout=email.timeout_seconds) as smtp:
            if email.starttls:
                smtp.starttls()
            if email.username and email.password:
                smtp.login(email.username, email.password)
            smtp.send_message(message)
        return True
    except (smtplib.SMTPException, OSError) as exc:
        logger.error("email delivery to %s:%d failed: %s", email.smtp_host, email.smtp_port, exc)
        return False


def dispatch(alerts: list[Alert], config: AlertConfig) -> dict[str, bool]:
    """Log every alert, then deliver the batch where configured; returns channel -> delivered."""
    delivered: dict[str, bool] = {}
    if not alerts:
        return delivered
    for alert in alerts:
        level = logging.ERROR if alert.severity == "critical" else logging.WARNING
        logger.log(level, "ALERT %s: %s", alert.kind, alert.message)
    delivered["log"] = True
    if config.webhook_url:
        delivered["webhook"] = send_webhook(
            config.webhook_url, alerts, config.webhook_timeout_seconds
        )
    if config.email is not None:
        delivered["email"] = send_email(config.email, alerts)
    return delivered
