"""Golden cases for the extraction tests: every mirror page and every further page."""

from __future__ import annotations

import json

from scrapers.extraction.evaluate import discover


def _renders_in_browser(case) -> bool:
    # Pages whose prices exist only after scripts run: output.json is the RENDERED page's
    # plans, checked through a real browser in tests/browser, not by static extraction.
    meta = json.loads((case.folder / "meta.json").read_text(encoding="utf-8"))
    return meta.get("render") == "browser"


BROWSER_CASES = [case for case in discover("mirror") if _renders_in_browser(case)]
MIRROR_CASES = [case for case in discover("mirror") if not _renders_in_browser(case)]
FURTHER_CASES = discover("further")
