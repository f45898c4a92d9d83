"""`ratebench extract SOURCE [--url URL]`: print one page's rate plans as contract JSON."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from ratebench.errors import UserError

FETCH_TIMEOUT_S = 15
MAX_FETCH_BYTES = 20_000_000
USER_AGENT = "ratebench-extract/0.1 (+pricing benchmark; respects robots.txt)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract", help="print the rate plans of one pricing page (file or URL) as JSON"
    )
    parser.add_argument("source", metavar="SOURCE", help="a saved HTML file or an http(s) URL")
    parser.add_argument("--url", help="the page's original address (when SOURCE is a file)")
    parser.add_argument("--country", help="country hint for a bare '$' (e.g. CA, AU, GB)")
    parser.add_argument("--currency", help="currency hint for a bare '$' (USD, CAD, AUD, ...)")
    parser.set_defaults(handler=run)


def read_source(source: str) -> tuple[bytes, str | None]:
    """The page bytes and, for a URL, its final address; UserError when it cannot be read."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
                return response.read(MAX_FETCH_BYTES), response.geturl()
        except urllib.error.HTTPError as exc:
            raise UserError(f"{source}: fetch failed with HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UserError(f"{source}: fetch failed: {reason}") from None
    path = Path(source)
    if not path.exists():
        raise UserError(f"{source}: no such file")
    if path.is_dir():
        raise UserError(f"{source}: is a directory, not an HTML file")
    try:
        return path.read_bytes(), None
    except OSError as exc:
        raise UserError(f"{source}: cannot be read: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from scrapers.extraction import extract_plans  # heavy imports only when the command runs

    data, final_url = read_source(args.source)
    try:
        extraction = extract_plans(
            data, args.url or final_url, country=args.country, currency=args.currency
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    json.dump(extraction.to_contract(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
