"""The evidence store's page rows: plain gzip any reader opens, the same bytes for the same body."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from benchmark.evidence import page_row

BODY = ("<html><body><h2>Starter</h2><p>$59.99 / month, 100 minutes, then $1.25 a minute</p>"
        "</body></html>\n" * 200).encode()
SEEN = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def test_page_row_is_plain_gzip_of_the_body() -> None:
    row = page_row("hash-1", BODY, SEEN)
    assert gzip.decompress(row["body_gzip"]) == BODY
    assert row["body_gzip"][:2] == b"\x1f\x8b"  # a gzip member, not a bare deflate stream
    assert row == {"content_hash": "hash-1", "body_gzip": row["body_gzip"],
                   "size_bytes": len(BODY), "first_seen_at": SEEN}
    assert len(row["body_gzip"]) < len(BODY) // 4  # compressed, not stored


def test_equal_bodies_compress_to_equal_bytes() -> None:
    # No timestamp in the gzip header: a page fetched again tomorrow stores the same bytes.
    first = page_row("h", BODY, SEEN)["body_gzip"]
    again = page_row("h", bytes(BODY), datetime(2027, 1, 1, tzinfo=UTC))["body_gzip"]
    assert first == again
    assert first[4:8] == b"\0\0\0\0"  # gzip MTIME field


def test_an_empty_body_still_round_trips() -> None:
    row = page_row("empty", b"", SEEN)
    assert gzip.decompress(row["body_gzip"]) == b"" and row["size_bytes"] == 0


def test_stored_bodies_are_not_compressed_again(tmp_path: Path) -> None:
    # gzip does not compress further; DuckDB's attempt only slowed every crawl's checkpoint.
    import duckdb

    from benchmark.store import init_db

    rows = [page_row(f"hash-{i}", BODY + str(i).encode(), SEEN) for i in range(50)]
    with duckdb.connect(str(tmp_path / "store.duckdb")) as con:
        init_db(con)
        con.executemany("INSERT INTO pages VALUES (?, ?, ?, ?)",
                        [[r["content_hash"], r["body_gzip"], r["size_bytes"], r["first_seen_at"]]
                         for r in rows])
        con.execute("CHECKPOINT")
        methods = {m for (m,) in con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info('pages') "
            "WHERE column_name = 'body_gzip' AND segment_type = 'BLOB'").fetchall()}
        stored = con.execute("SELECT body_gzip FROM pages WHERE content_hash = 'hash-7'").fetchone()
    assert methods == {"Uncompressed"}
    assert stored is not None and gzip.decompress(stored[0]) == BODY + b"7"
