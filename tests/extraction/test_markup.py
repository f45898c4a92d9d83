"""Structured-data markers read from a page's raw bytes (scrapers.markup.body_syntaxes) say
what the decoded text says, or nothing where the bytes cannot tell."""

from __future__ import annotations

import pytest
from w3lib.encoding import html_to_unicode

from scrapers.extraction import extract_plans
from scrapers.market.snapshots import SNAPSHOTS_DIR
from scrapers.markup import MAX_STRUCTURED_CHARS, body_syntaxes, syntaxes_in

JSON_LD = '<script type="Application/LD+JSON">{"@type": "Offer"}</script>'
MICRODATA = '<div ITEMSCOPE itemtype="https://schema.org/Offer">Café £29</div>'
RDFA = '<p vocab="https://schema.org/" typeof="Offer">€29 – “quoted”</p>'


def decoded(body: bytes, encoding: str) -> str:
    return html_to_unicode(f"charset={encoding}", body)[1]


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "latin-1", "iso-8859-15", "cp1252",
                                      "windows-1252", "ascii"])  # fmt: skip
@pytest.mark.parametrize("markup", [JSON_LD, MICRODATA, RDFA, JSON_LD + RDFA, "<p>€29</p>"])
def test_the_bytes_say_what_the_text_says(encoding: str, markup: str) -> None:
    body = f"<html><body>{markup}</body></html>".encode(encoding, "replace")
    assert body_syntaxes(body, encoding) == syntaxes_in(decoded(body, encoding))


def test_every_snapshot_page_reads_the_same_from_its_bytes() -> None:
    pages = sorted(SNAPSHOTS_DIR.rglob("input.html"))
    assert len(pages) > 40
    found = set()
    for page in pages:
        body = page.read_bytes()
        syntaxes = body_syntaxes(body, "utf-8")
        assert syntaxes == syntaxes_in(decoded(body, "utf-8")), page
        found.update(syntaxes or [])
    assert found == {"json-ld", "microdata"}  # what the snapshots hold (RDFa: the cases above)


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (MICRODATA.encode("utf-16"), "utf-16"),  # wide: markers are not ASCII bytes
        (MICRODATA.encode("utf-16-le"), "utf-16-le"),
        ("\ufeff".encode("utf-16-le") + MICRODATA.encode("utf-16-le"), "utf-8"),  # a BOM wins
        ("<div itemscope>料金</div>".encode("shift_jis"), "shift_jis"),  # trail bytes: ASCII
        (MICRODATA.encode(), "no-such-codec"),
        (b"x" * (MAX_STRUCTURED_CHARS + 1), "utf-8"),  # only the head is read
    ],
)
def test_the_bytes_cannot_tell(body: bytes, encoding: str) -> None:
    assert body_syntaxes(body, encoding) is None


def test_extraction_reads_structured_data_only_where_it_is_told() -> None:
    url = "https://example.com/pricing"
    pages = sorted((SNAPSHOTS_DIR / "2026-11-07").rglob("input.html"))
    body = next(p for p in pages if body_syntaxes(p.read_bytes(), "utf-8")).read_bytes()
    text, told = decoded(body, "utf-8"), body_syntaxes(body, "utf-8")
    assert extract_plans(text, url, structured_syntaxes=told) == extract_plans(text, url)
    structured = ("structured",)
    assert extract_plans(text, url, layers=structured, structured_syntaxes=told).plans
    assert not extract_plans(text, url, layers=structured, structured_syntaxes=[]).plans
