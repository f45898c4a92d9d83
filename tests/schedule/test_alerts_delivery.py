"""Alerts reach a real webhook receiver and a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from benchmark.store import connection
from ratebench import alerts
from ratebench.config import load_config
from ratebench.errors import UserError
from tests.schedule.conftest import add_run


def _config(tmp_path: Path, smtp_port: int, webhook_url: str, threshold: float = 0.10):
    path = tmp_path / "ratebench.toml"
    path.write_text(
        f"[alerts]\nprice_change_threshold = {threshold}\n"
        f'[alerts.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\n'
        'from = "bench@example.test"\nto = ["ops@example.test"]\n'
    )
    return load_config(path, env={"RATEBENCH_WEBHOOK_URL": webhook_url})


def test_price_change_beyond_threshold_is_sent_to_webhook_and_email(
    tmp_path: Path, webhook, smtp, now
) -> None:
    sink, port = smtp
    db = tmp_path / "store.duckdb"
    add_run(db, "r1", now - timedelta(days=1), "ok",
            [("acme", "Starter", "100.00", "USD", "month"), ("acme", "Pro", "200.00", "USD", "month"),
             ("zeta", "Basic", "50.00", "USD", "month")])
    # Starter +15 % (alert), Pro +5 % (under 10 %), zeta not crawled this time (no change).
    add_run(db, "r2", now, "ok",
            [("acme", "Starter", "115.00", "USD", "month"), ("acme", "Pro", "210.00", "USD", "month")])
    config = _config(tmp_path, port, webhook.url)
    with connection(db, read_only=True) as con:
        found = alerts.price_change_alerts(con, "r2", config.alerts.price_change_threshold)
    assert [(a.details["plan_name"], str(a.details["old_price"]), str(a.details["new_price"]))
            for a in found] == [("Starter", "100.0000", "115.0000")]
    assert found[0].message == "acme Starter: price 100.0000 -> 115.0000 USD (+15.0 %)"
    with connection(db, read_only=True) as con:  # a looser threshold also reports Pro (+5 %)
        assert len(alerts.price_change_alerts(con, "r2", 0.04)) == 2
        assert alerts.price_change_alerts(con, "r1", 0.04) == []  # r1 changed nothing

    delivered = alerts.dispatch(found, config.alerts)
    assert delivered == {"log": True, "webhook": True, "email": True}
    [posted] = webhook.alerts()
    assert posted["kind"] == "price_change"
    assert posted["details"]["new_price"] == "115.0000"  # money stays a string
    assert posted["details"]["evidence"] == "Starter $115.00/mo"
    [(sender, rcpts, body)] = sink.messages
    assert sender == "bench@example.test" and rcpts == ["ops@example.test"]
    assert "acme Starter: price 100.0000 -> 115.0000 USD" in body


def test_failed_degraded_and_overdue_crawls_raise_alerts(tmp_path: Path, webhook, now) -> None:
    db = tmp_path / "store.duckdb"
    add_run(db, "good", now - timedelta(hours=40), "ok", [("acme", "S", "1", "USD", "minute")])
    add_run(db, "bad", now - timedelta(hours=1), "failed", [])
    with connection(db) as con:
        con.execute("UPDATE crawl_runs SET status = 'degraded', degraded_competitors = ['acme'] "
                    "WHERE run_id = 'good'")
        con.execute("INSERT INTO crawl_runs (run_id, started_at, status) VALUES "
                    "('older-ok', ?, 'ok')", [now - timedelta(hours=50)])
    with connection(db, read_only=True) as con:
        failed = alerts.crawl_outcome_alerts(con, "bad")
        degraded = alerts.crawl_outcome_alerts(con, "good")
        overdue = alerts.overdue_alert(con, 36)
        not_yet = alerts.overdue_alert(con, 60)
    assert [a.kind for a in failed] == ["crawl_failed"]
    assert [a.kind for a in degraded] == ["crawl_degraded"] and "acme" in degraded[0].message
    assert overdue is not None and overdue.kind == "crawl_overdue"
    assert 49 < overdue.details["hours"] < 51
    assert not_yet is None
    config = load_config(None, env={"RATEBENCH_WEBHOOK_URL": webhook.url})
    alerts.dispatch([*failed, *degraded, overdue], config.alerts)
    assert [a["kind"] for a in webhook.alerts()] == ["crawl_failed", "crawl_degraded", "crawl_overdue"]


def test_unreachable_receivers_are_logged_not_raised(tmp_path: Path, caplog) -> None:
    from tests.schedule.conftest import free_port

    config = _config(tmp_path, free_port(), f"http://127.0.0.1:{free_port()}/hook")
    alert = alerts.Alert(alerts.CRAWL_FAILED, "crawl x failed", "critical", "x")
    delivered = alerts.dispatch([alert], config.alerts)
    assert delivered == {"log": True, "webhook": False, "email": False}
    assert "ALERT crawl_failed: crawl x failed" in caplog.text
    assert "webhook delivery attempt 3/3 failed" in caplog.text


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[alerts]\nwebhook_url = "http://x"\n', "RATEBENCH_WEBHOOK_URL"),
        ('[alerts.email]\nsmtp_host = "h"\nto = ["a@b"]\npassword = "p"\n',
         "RATEBENCH_SMTP_PASSWORD"),
        ('[schedule]\ncron = "0 25 * * *"\n', "cron = '0 25 * * *'"),
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "timezone = 'Mars/Olympus'"),
        ('[schedule]\nmisfire_grace_hours = -1\n', "misfire_grace_hours = -1"),
        ('[schedule]\nnightly = true\n', "unknown key 'nightly'"),
    ],
)
def test_bad_config_names_file_key_and_value(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UserError) as error:
        load_config(path, env={})
    assert str(path) in str(error.value) and needle in str(error.value)


def test_smtp_password_comes_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "ratebench.toml"
    path.write_text('[alerts.email]\nsmtp_host = "127.0.0.1"\nto = ["ops@example.test"]\n')
    config = load_config(path, env={"RATEBENCH_SMTP_PASSWORD": "s3cret"})
    assert config.alerts.email is not None and config.alerts.email.password == "s3cret"
    assert "s3cret" not in repr(config)
