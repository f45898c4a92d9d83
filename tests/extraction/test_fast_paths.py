"""The extraction's shortcuts give what the plain readings they stand for give.

Each shortcut (a literal gate, a memo, a one-pass search) is checked against the slow reading
it replaces, on the golden pages' real lines and on texts built to hit its edges.
"""

from __future__ import annotations

import random
import re

import pytest

from scrapers import markup
from scrapers.extraction import ratetext
from scrapers.extraction.document import _looks_binary, load_document
from tests.extraction.conftest import FURTHER_CASES, MIRROR_CASES

PAGES = [
    [line.text for line in load_document(case.html()).lines]
    for case in MIRROR_CASES + FURTHER_CASES
]


def test_golden_pages_have_lines() -> None:
    assert sum(map(len, PAGES)) > 500  # the checks below need real pages to mean anything


def _naive_lines_with_any(lines: list[str], words: tuple[str, ...]) -> list[int]:
    return [i for i, line in enumerate(lines) if any(word in line.lower() for word in words)]


def test_lines_with_any_is_the_per_line_test() -> None:
    rng = random.Random(3)
    pieces = ["Set-Up", "setup", "ONE TIME", "x", "İ", "ß", "billing", "", "un", "it", " ", "fee",
              "Start-up FEE", "joining", "roUNDing", "round", "one"]
    made = [["".join(rng.choices(pieces, k=rng.randint(0, 5))) for _ in range(8)] for _ in range(300)]
    for lines in PAGES + made:
        for words in (ratetext._SETUP_WORDS, ratetext._ANY_INCREMENT_WORDS, ("unit",)):
            assert ratetext.LineWords(lines).lines_with_any(words) == _naive_lines_with_any(
                lines, words
            )


def test_line_words_of_some_lines_are_those_of_the_lines_alone() -> None:
    rng = random.Random(4)
    words = (*ratetext._SETUP_WORDS, *ratetext._ANY_INCREMENT_WORDS)
    checked = 0
    for lines in PAGES:
        whole = ratetext.LineWords(lines)
        whole.lines_with_any(words[:5])  # some answers already known before the subset is taken
        keep = sorted(rng.sample(range(len(lines)), k=len(lines) // 2))
        some = whole.subset(keep)
        assert some.lines == [lines[i] for i in keep]
        for word in words:
            expected = _naive_lines_with_any(some.lines, (word,))
            assert some.lines_with_any((word,)) == expected
            checked += bool(expected)
    assert checked > 10  # the golden pages hold some of the words, so hits were compared


def test_has_digit_is_the_digit_pattern() -> None:
    texts = [line for lines in PAGES for line in lines]
    texts += ["", "no digits here", "a9", "٣ calls", "１０ minutes", "²", "x\u0660", "Ⅻ"]
    for text in texts:
        assert ratetext.has_digit(text) == bool(re.search(r"\d", text)), text


def test_included_gate_rules_out_only_texts_no_pattern_matches() -> None:
    patterns = (ratetext._ZERO_INCLUDED_RE, ratetext._INCLUDED_RE, ratetext._INCLUDED_LABEL_RE)
    texts = [line for lines in PAGES for line in lines]
    texts += ["100 MINS", "no Calls included", "Minutes | 300", "callſ 20", "20 ſ", "MİN 5"]
    ruled_out = 0
    for text in texts:
        if ratetext.ascii_lacks_all(text, ("min", "calls")):
            ruled_out += 1
            assert not any(p.search(text) for p in patterns), text
    assert not ratetext.ascii_lacks_all("callſ 20", ("min", "calls"))  # not ASCII: never ruled out
    assert ruled_out > 100


def test_generic_blocks_hold_squeezed_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    from scrapers.extraction import extract_plans, generic

    seen: list[str] = []
    read = ratetext.read_squeezed_rate

    def checked(lines: list[str], currency: str = "USD") -> ratetext.Rate:
        seen.extend(lines)
        return read(lines, currency)

    monkeypatch.setattr(generic.ratetext, "read_squeezed_rate", checked)
    for case in MIRROR_CASES + FURTHER_CASES:
        extract_plans(case.html(), "https://example.com/pricing")
    assert len(seen) > 500
    assert [line for line in seen if " ".join(line.split()) != line] == []


def test_read_rate_squeezes_what_it_is_given() -> None:
    rate = ratetext.read_rate(["  Pro  plan:\t$49 \n per month  "])
    assert (rate.price, rate.unit, rate.evidence) == (49, "month", "Pro plan: $49 per month")


def test_loaded_tree_holds_elements_only() -> None:
    # The generic layer counts children with len(): every child must be an element.
    page = (
        '<?xml version="1.0"?><!DOCTYPE html><html><body><!-- a --><div><?pi x?><p>a</p>'
        "<!--b--><p>b &amp; &nbsp;</p></div></body></html>"
    )
    for html in [page] + [case.html() for case in MIRROR_CASES + FURTHER_CASES]:
        root = load_document(html).root
        assert root is not None
        assert all(isinstance(node.tag, str) for node in root.iter())


def test_comments_the_parser_kept_are_dropped_with_their_tails_kept() -> None:
    import lxml.etree as etree

    from scrapers.extraction.document import Document, _prune_and_index

    page = (
        "<html><!-- c0 --><body><div>Pro <!-- c1 -->plan<?pi x?> $49</div><!-- c2 -->"
        "<p>a<!--c3-->b</p></body></html>"
    )
    kept = Document(etree.fromstring(page, etree.HTMLParser()))  # comments and PIs kept
    assert any(not isinstance(node.tag, str) for node in kept.root.iter())
    _prune_and_index(kept)
    assert all(isinstance(node.tag, str) for node in kept.root.iter())
    assert [line.text for line in kept.lines] == ["Pro plan $49", "ab"]
    assert [line.text for line in kept.lines] == [line.text for line in load_document(page).lines]


def test_microdata_without_an_itemscope_holds_no_item() -> None:
    import extruct

    html = '<div><span itemprop="name">Pro</span> <span itemprop="price">$49</span></div>'
    assert markup.syntaxes_in(html) == []
    assert extruct.extract(html, syntaxes=["microdata"], uniform=True)["microdata"] == []


@pytest.mark.parametrize(
    "lines",
    [
        ["Plans", "Billed in 30-second increments", "6 sec billing units"],
        ["Starter $29", "billing | increments are 6 seconds", "Whole-minute rounding"],
        ["Per-second billing", "no setup fee", "Set up: free"],
        ["Free setup", "$0 set-up", "one-time fee"],
        ["", "Rounded up to the next full minute", "unit 6 s"],
    ],
)
def test_page_readers_match_the_whole_text(lines: list[str]) -> None:
    text = " | ".join(lines)
    assert ratetext.page_increment_seconds(lines) == ratetext.increment_seconds(text)
    assert ratetext.page_says_no_setup(lines) == ratetext.says_no_setup(text)


def test_page_readers_match_the_whole_text_on_golden_pages() -> None:
    found = 0
    for lines in PAGES:
        text = " | ".join(lines)
        increment = ratetext.increment_seconds(text)
        assert ratetext.page_increment_seconds(lines) == increment
        assert ratetext.page_says_no_setup(lines) == ratetext.says_no_setup(text)
        found += increment is not None
    assert found >= 3  # some golden pages state an increment, so the check saw real ones


def test_memoized_money_is_a_fresh_list_each_time() -> None:
    first = ratetext.find_money("Pro $49/mo, Team £99")
    first.clear()
    again = ratetext.find_money("Pro $49/mo, Team £99")
    assert [m.raw for m in again] == ["$49", "£99"]


def test_memos_can_be_cleared_and_still_read_the_same() -> None:
    line = "Business: $129 per month, then $1.50 per call"
    before = ratetext.read_rate(line)
    ratetext.clear_memos()
    assert ratetext.read_rate(line) == before


def test_long_texts_are_read_without_the_memo() -> None:
    line = "Enterprise plan " + "with every feature " * 30 + "$999 per month"
    assert len(line) > ratetext._MEMO_CHARS
    assert [m.raw for m in ratetext.find_money(line)] == ["$999"]


@pytest.mark.parametrize(
    "text",
    [
        '<script type="Application/LD+JSON">{}</script>',
        "<div ItemScope itemtype=x>",
        "<div data-itemscope>",
        "<div myitemscope>",
        "<span ITEMPROP=name>",
        '<p TypeOf="x"> <p vocab="y">',
        "<p> typeof x === 'y' </p>",
        "<p>İtemscope ſtyle K</p>",  # not ASCII letters: HTML does not fold them, nor do we
        "<p>café itemscope</p>",
        "<p>caféitemscope=</p>",
        '<p itemprop="a">é</p><script type="application/ld+json">',
    ],
)
def test_structured_markers_match_ascii_case_insensitively(text: str) -> None:
    # The plain reading: each marker searched in the text, ASCII letters in any case.
    plain = {
        name: re.compile(marker.pattern.decode(), re.IGNORECASE | re.ASCII)
        for name, marker in markup.MARKERS.items()
    }
    expected = [name for name, marker in plain.items() if marker.search(text)]
    assert markup.syntaxes_in(text) == expected


def test_structured_markers_on_text_that_does_not_encode() -> None:
    assert markup.syntaxes_in("<div itemscope>\ud800</div>") == ["microdata"]


def test_binary_sniff_counts_control_bytes_as_before() -> None:
    def by_loop(data: bytes) -> bool:
        head = data[:4096]
        if b"\x00" in head:
            return True
        controls = sum(1 for b in head if b < 9 or 13 < b < 32)
        return bool(head) and controls / len(head) > 0.05

    rng = random.Random(5)
    samples = [b"", b"<html>", bytes(range(1, 256)) * 20]
    samples += [bytes(rng.choice(b"ab\x01\x02\x1b\t\n<>") for _ in range(rng.randint(1, 6000)))
                for _ in range(200)]
    for data in samples:
        assert _looks_binary(data) == by_loop(data)


@pytest.mark.parametrize(
    ("pattern", "start", "alphabet"),
    [
        (ratetext._MONEY_RE, ratetext._MONEY_START,
         [*"0123456789.,$£€ ¢pP/mMtTuUsSdDcCaAgGbBeErR%-", "US$", "CAN$", "cents", "gbp"]),
        (ratetext._INCLUDED_RE, ratetext._INCLUDED_START,
         [*"0123456789,.$+x -/:", " minutes", "MINS", " calls", " live ", "included ", " per call"]),
        (ratetext._INCLUDED_LABEL_RE, ratetext._INCLUDED_LABEL_START,
         [*"0123456789 |:-", "Minutes", "calls", "included ", "Talk ", " per month", "/mo", "İ"]),
    ],
    ids=["money", "included", "included label"],
)
def test_lookahead_changes_no_match(pattern: re.Pattern[str], start: str, alphabet: list[str]) -> None:
    # The pattern without its first-character lookahead is the plain reading it speeds up.
    plain = re.compile(pattern.pattern.removeprefix(start), pattern.flags)
    assert plain.pattern != pattern.pattern
    rng = random.Random(9)
    texts = [line for lines in PAGES for line in lines]
    texts += ["".join(rng.choices(alphabet, k=rng.randint(1, 12))) for _ in range(20_000)]
    matched = 0
    for text in texts:
        got = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        assert got == [(m.span(), m.groups()) for m in plain.finditer(text)], text
        matched += bool(got)
    assert matched > 20  # the texts hit the pattern, so matches were compared
