"""A crawl-like writer for the two-process test: appends runs and observations repeatedly.

Usage: python -m tests.dashboard.writer_proc DB ROUNDS
Exits 0 only if every round was written; prints the number of rounds done.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmark import store


def main(db: Path, rounds: int) -> int:
    done = 0
    for index in range(rounds):
        now = datetime.now(UTC)
        run_id = f"writer-{index}"
        # Each round is one short read-write transaction, as a crawl's batch would be.
        with store.connection(db, timeout_s=60) as con:
            con.execute(
                "INSERT INTO crawl_runs (run_id, started_at, finished_at, status, pages_ok, "
                "pages_failed, plans) VALUES (?, ?, ?, 'ok', 1, 0, 1)",
                [run_id, now, now],
            )
            con.execute(
                "INSERT INTO observations (run_id, competitor_id, url, fetched_at, content_hash, "
                "plan_name, price, currency, unit, evidence) "
                "VALUES (?, 'map', 'https://www.mapcommunications.com/pricing', ?, 'h', "
                "'Business', ?, 'USD', 'month', 'Business $179')",
                [run_id, now, 179 + index],
            )
        done += 1
        time.sleep(0.01)
    print(done, flush=True)
    return 0 if done == rounds else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2])))
