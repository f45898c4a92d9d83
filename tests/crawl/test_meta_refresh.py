"""Meta-refresh redirects: the crawl's middleware answers as Scrapy's own does, page by page."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from scrapers.markup import ascii_compatible
from scrapers.middlewares import MetaRefreshMiddleware

REFRESH = '<meta http-equiv="refresh" content="0; url=/pricing-2027">'
FILLER = "<p>" + "Answering plans for every business. " * 40 + "</p>"


def page(head: str, encoding: str = "utf-8", charset: str | None = "utf-8") -> HtmlResponse:
    body = f"<html><head>{head}</head><body><p>Pro $49/month</p></body></html>".encode(encoding)
    content_type = f"text/html; charset={charset}" if charset else "text/html"
    return HtmlResponse(
        "https://www.nexa.com/pricing", body=body, headers={"Content-Type": content_type}
    )


CASES = {
    "no refresh": page("<title>Pricing</title>"),
    "refresh": page(REFRESH),
    "refresh in capitals": page('<META HTTP-EQUIV="REFRESH" CONTENT="0;URL=/new">'),
    "refresh after 4,096 characters": page(FILLER * 3 + REFRESH),
    "refresh after wide characters": page("<p>" + "€" * 3000 + "</p>" + REFRESH),
    "refresh too slow to follow": page('<meta http-equiv="refresh" content="600; url=/x">'),
    "the word in text only": page("<p>We refresh our prices yearly</p>"),
    "refresh in a script": page(f"<script>var x = '{REFRESH}';</script>"),
    "UTF-16": page(REFRESH, "utf-16", "utf-16"),
    "Latin-1, declared in the page": page(
        '<meta charset="iso-8859-1">' + REFRESH + "<p>Café</p>", "latin-1", None
    ),
    "not HTML": Response("https://www.nexa.com/pricing.pdf", body=b"%PDF refresh"),
}


@pytest.fixture(scope="module")
def both() -> tuple[MetaRefreshMiddleware, ScrapyMetaRefresh]:
    crawler = get_crawler(Spider)
    return MetaRefreshMiddleware.from_crawler(crawler), ScrapyMetaRefresh.from_crawler(crawler)


@pytest.mark.parametrize("name", list(CASES))
def test_the_crawl_follows_the_refreshes_scrapy_follows(
    name: str, both: tuple[MetaRefreshMiddleware, ScrapyMetaRefresh]
) -> None:
    ours, scrapys = both
    request = Request(CASES[name].url)
    got = ours.process_response(request, CASES[name].replace())
    expected = scrapys.process_response(request, CASES[name].replace())
    assert type(got) is type(expected)
    assert got.url == expected.url


def test_the_table_holds_both_answers(both: tuple[MetaRefreshMiddleware, ScrapyMetaRefresh]) -> None:
    _, scrapys = both
    followed = {
        name
        for name, response in CASES.items()
        if isinstance(scrapys.process_response(Request(response.url), response.replace()), Request)
    }
    assert {"refresh", "refresh in capitals", "UTF-16", "refresh after wide characters"} <= followed
    assert "no refresh" not in followed and "refresh after 4,096 characters" not in followed


@pytest.mark.parametrize(
    ("encoding", "compatible"),
    [("utf-8", True), ("UTF8", True), ("latin-1", True), ("cp1252", True), ("iso-8859-15", True),
     ("ascii", True), ("utf-16", False), ("utf-32-le", False), ("no-such-codec", False)],
)
def test_ascii_compatible_encodings(encoding: str, compatible: bool) -> None:
    assert ascii_compatible(encoding) is compatible
