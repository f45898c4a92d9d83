"""Pages kept as evidence: the `pages` row of one fetched body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from isal import igzip


def page_row(content_hash: str, body: bytes, first_seen_at: datetime) -> dict[str, Any]:
    """A pages row: the body gzip-compressed (mtime 0 so equal bodies compress equally).

    ISA-L's gzip (`isal.igzip`), level 1: it runs for every page of every crawl, and its output
    is plain gzip that any reader (`gzip.decompress`) opens. On the benchmark's 26 KB pages it
    took 0.05 ms and made 25.0% of the body, against zlib level 1's 0.22 ms and 25.3%.
    """
    return {
        "content_hash": content_hash,
        "body_gzip": igzip.compress(body, compresslevel=1, mtime=0),
        "size_bytes": len(body),
        "first_seen_at": first_seen_at,
    }
