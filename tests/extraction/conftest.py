"""Golden cases for the extraction tests: every mirror page and every further page."""

from __future__ import annotations

from scrapers.extraction.evaluate import discover

MIRROR_CASES = discover("mirror")
FURTHER_CASES = discover("further")
