"""The generic layer: rate plans from a page no one wrote code for.

It finds plan blocks -- comparison tables (plans as columns or rows), repeated cards, list items,
paragraphs of prose -- by climbing from each price to the largest element that holds no other
plan's price, then reads each block's lines with `ratetext`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import lxml.etree as etree

from benchmark.model import RatePlan
from scrapers.extraction import ratetext
from scrapers.extraction.document import HEADING_TAGS, Document, Line, attr_text

MAX_ANCHORS = 400  # a pricing page has dozens; past this the page is noise or an attack
WINDOW_BEFORE = 8  # lines of a large block read around its price
WINDOW_AFTER = 14
_ANNUAL_ATTR_RE = re.compile(r"(?:annual|yearly|year|annually)(?![a-z])", re.IGNORECASE)
_MONTHLY_ATTR_RE = re.compile(r"(?:monthly|month)(?![a-z])", re.IGNORECASE)
_NAME_ATTR_RE = re.compile(r"(?:name|title|heading|tier|plan-name|label)", re.IGNORECASE)
_BADGE_RE = re.compile(
    r"^(?:most popular|popular|best value|recommended|best seller|new|limited (?:time )?offer|"
    r"our (?:most )?popular|save \d+ ?%|\d+ ?% off|featured|hot|top pick|best for .*|"
    r"monthly|annually|yearly|billed (?:monthly|annually|yearly)|month|year|pricing|plans?|"
    r"(?:choose|select|get started|start|sign up|buy|try|learn more)\b.*)$",
    re.IGNORECASE,
)
_PROSE_NAME_RE = re.compile(
    r"(?:^|[.;:!?]\s+)(?:[Oo]ur|[Tt]he|[Ww]ith (?:the|our))?\s*[\"“]?"
    r"((?:[A-Z0-9][\w+&'ïéè-]*)(?:\s+[A-Z0-9][\w+&'ïéè-]*){0,3})[\"”]?\s+"
    r"(?:plan|package|tier|option|bundle)\b",
)
_LEAD_NAME_RE = re.compile(r"^([A-Z][\w+&'ïéè-]*(?:\s+[\w+&'ïéè-]+){0,3})\s*[:–—-]\s*\S")


# Row labels of a comparison table whose plans are its columns ("Monthly billing", "Setup fee").
_FIELD_LABEL_RE = re.compile(
    r"\b(?:billing|billed|price|pricing|fee|setup|overage|extra|additional|monthly|yearly|annual|"
    r"cost|rate|per month)\b",
    re.IGNORECASE,
)
_CELL_TAGS = frozenset("span div a strong b em small label i font".split())


@dataclass(slots=True)
class Block:
    """A candidate plan: its name, its lines (text to read, verbatim text for evidence).

    Lines hold squeezed whitespace (single spaces, none at the ends), as the page's lines do.
    """

    name: str | None
    lines: list[str]
    evidence: list[str]
    annual: bool = False
    source: str = "card"
    notes: list[str] = field(default_factory=list)


def extract_generic(doc: Document, currency: str) -> tuple[list[RatePlan], list[str]]:
    """Rate plans the generic layer finds in a loaded document, and its warnings."""
    warnings: list[str] = []
    if doc.root is None:
        return [], warnings
    blocks: list[Block] = []
    tables = _price_tables(doc, currency)
    for table in tables:
        blocks.extend(_table_blocks(table, currency))
    for dl in _price_lists(doc, currency):
        found = _dl_blocks(dl)
        if found:
            blocks.extend(found)
            tables.append(dl)
    for grid in _div_grids(doc, currency, tables):
        found = _table_blocks(grid, currency)
        if found:
            blocks.extend(found)
            tables.append(grid)
    blocks.extend(_dom_blocks(doc, currency, tables, warnings))
    plans = _plans(blocks, currency, [line.text for line in doc.lines])
    return plans, warnings


# --- tables --------------------------------------------------------------------------------


def _price_tables(doc: Document, currency: str) -> list[etree._Element]:
    assert doc.root is not None
    out = []
    for table in doc.root.iter("table"):
        if table.find(".//table") is not None:
            continue
        text = " ".join(table.itertext())
        if ratetext.find_money(text, currency) and len(table.findall(".//tr")) >= 2:
            out.append(table)
    return out


def _price_lists(doc: Document, currency: str) -> list[etree._Element]:
    assert doc.root is not None
    return [
        dl
        for dl in doc.root.iter("dl")
        if dl.find(".//dl") is None and ratetext.find_money(" ".join(dl.itertext()), currency)
    ]


def _dl_blocks(dl: etree._Element) -> list[Block]:
    """A definition list of plans: each <dt> names one, its <dd>s describe it."""
    blocks: list[Block] = []
    for child in dl:
        tag = child.tag if isinstance(child.tag, str) else ""
        text = " ".join(" ".join(child.itertext()).split())
        if tag == "dt":
            blocks.append(Block(text or None, [], [], source="definition-list"))
        elif tag == "dd" and blocks and text:
            blocks[-1].lines.append(text)
    for block in blocks:
        block.evidence = block.lines
    return [b for b in blocks if b.lines]


def _div_grids(
    doc: Document, currency: str, taken: list[etree._Element]
) -> list[etree._Element]:
    """Tables built of divs: siblings with the same number (>= 3) of cells, two or more priced."""
    assert doc.root is not None
    grids = []
    # Every child is an element (load_document removed comments and the like), so len()
    # counts an element's children without a list of them: most elements are ruled out so.
    for el in doc.root.iter("div", "section", "ul", "ol"):
        if len(el) < 2:
            continue
        widths = [len(r) for r in el]
        if min(widths) < 3 or len(set(widths)) != 1 or any(doc.contains(t, el) for t in taken):
            continue
        rows = list(el)
        # Each cell an inline run: a grid, not a row of cards with headings and paragraphs.
        if any(len(cell) > 2 or cell.tag not in _CELL_TAGS for r in rows for cell in r):
            continue
        priced = sum(1 for r in rows if ratetext.find_money(" ".join(r.itertext()), currency))
        if priced >= 2:
            grids.append(el)
    return grids


def _cell_text(cell: etree._Element) -> str:
    """A cell's visible text; its block children become separate lines ("\n")."""
    parts: list[str] = []
    for event, node in etree.iterwalk(cell, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        block = tag in ("br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6")
        if event == "start":
            if block:
                parts.append("\n")
            parts.append(node.text or "")
        else:
            if block:
                parts.append("\n")
            if node is not cell:
                parts.append(node.tail or "")
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _grid(table: etree._Element) -> list[list[str]]:
    rows: list[list[str]] = []
    is_table = table.tag == "table"
    for tr in table.iter("tr") if is_table else (c for c in table if isinstance(c.tag, str)):
        row: list[str] = []
        for cell in tr:
            if not isinstance(cell.tag, str) or is_table and cell.tag not in ("td", "th"):
                continue
            text = _cell_text(cell)
            try:
                span = max(1, min(int(cell.get("colspan") or 1), 20))
            except ValueError:
                span = 1
            row.extend([text] * span)
        if any(row):
            rows.append(row)
    return rows


def _is_price_cell(text: str, currency: str) -> bool:
    if ratetext.is_quote(text):
        return True
    return any(
        m.kind in ("price", "annual") for m in ratetext.mentions([text], currency)
    )


def _table_blocks(table: etree._Element, currency: str) -> list[Block]:
    rows = _grid(table)
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    # Most cells are asked whether they hold a price several times below: answer once each.
    priced = {c: _is_price_cell(c, currency) for r in rows for c in r}
    # Plans as columns when one row holds prices in two or more cells past the label column.
    priced_rows = [r for r in rows if any(priced[c] for c in r)]
    corner = rows[0][0].strip().lower() if not ratetext.find_money(rows[0][0]) else "x"
    column_mode = any(
        sum(1 for c in r[1:] if priced[c]) >= 2 for r in rows
    ) and (
        len(priced_rows) == 1
        or corner in ("", "features", "feature", "compare", "plan features")
        or any(_FIELD_LABEL_RE.search(r[0]) for r in priced_rows)
    )
    # Without a label column the first column is a plan too.
    first = 0 if any(priced[r[0]] for r in rows) else 1
    blocks: list[Block] = []
    if column_mode:
        header = next(
            (r for r in rows if sum(1 for c in r[1:] if c and not ratetext.find_money(c)) >= 2),
            rows[0],
        )
        for j in range(first, width):
            lines, evidence = [], []
            for r in rows:
                if r is header or not r[j]:
                    continue
                label = r[0].replace("\n", " ") if first else ""
                for sub in r[j].split("\n"):
                    lines.append(f"{label}: {sub}" if label else sub)
                    evidence.append(sub)
            if lines and header[j]:
                name = header[j].replace("\n", " ")
                blocks.append(Block(name, lines, evidence, source="table-column"))
        return blocks
    header = rows[0] if not any(priced[c] for c in rows[0]) else [""] * width
    for r in rows:
        if r is header or not any(priced[c] for c in r):
            continue
        # The name is the first line of the first cell that opens with text, not an amount
        # ("Pay As You Go" over its fine print); that cell's other lines describe the plan.
        name_idx = next(
            (
                k
                for k, c in enumerate(r)
                if c
                and not ratetext.find_money(c.split("\n")[0])
                and (not ratetext.find_money(c) or _name_like(c.split("\n")[0]))
            ),
            None,
        )
        name = r[name_idx].split("\n")[0] if name_idx is not None else None
        lines, evidence = [], []
        for k, c in enumerate(r):
            if not c:
                continue
            subs = c.split("\n")[1:] if k == name_idx else c.split("\n")
            label = header[k].replace("\n", " ") if k < len(header) else ""
            for sub in subs:
                lines.append(f"{label}: {sub}" if label else sub)
                evidence.append(sub)
        blocks.append(Block(name, lines, evidence, source="table-row"))
    return blocks


# --- cards, list items, prose --------------------------------------------------------------


def _hint(doc: Document, el: etree._Element, depth: int = 6) -> str | None:
    """'annual' or 'monthly' when an element or a near ancestor says so in its attributes."""
    node: etree._Element | None = el
    for _ in range(depth):
        if node is None or node.tag in ("body", "html"):
            break
        attrs = attr_text(node)
        if attrs:
            if _ANNUAL_ATTR_RE.search(attrs):
                return "annual"
            if _MONTHLY_ATTR_RE.search(attrs):
                return "monthly"
        node = node.getparent()
    return None


def _dom_blocks(
    doc: Document, currency: str, tables: list[etree._Element], warnings: list[str]
) -> list[Block]:
    lines = _outside(doc, doc.lines, tables)
    texts = [line.text for line in lines]
    found = ratetext.mentions(texts, currency)
    anchors: dict[etree._Element, str] = {}
    has_fee = any(m.kind == "price" and m.unit not in ("minute", "call") for m in found)
    for m in found:
        owner = lines[m.line].owner
        if m.kind == "price" and has_fee and m.unit in ("minute", "call"):
            # A usage rate beside subscription fees belongs to a plan, it is not one -- unless
            # it says it is the pay-as-you-go plan ("€2.20 per call answered, no monthly fee").
            near = " ".join(texts[max(0, m.line - 1) : m.line + 2])
            if not ratetext.PAYG_RE.search(near):
                continue
        if m.kind == "price":
            kind = "annual" if _hint(doc, owner) == "annual" and m.unit in (None, "month") else "price"
        elif m.kind == "annual":
            kind = "annual"
        else:
            continue
        if anchors.get(owner) != "price":
            anchors[owner] = kind
    quotes: list[etree._Element] = []
    for line in lines:
        if line.owner not in anchors and ratetext.is_quote(line.text):
            # "Call for pricing" and its "Get a quote" button are one quote, not two plans.
            if any(doc.contains(q, line.owner) or doc.contains(line.owner, q) for q in quotes):
                continue
            quotes.append(line.owner)
            anchors[line.owner] = "price"
    if len(anchors) > MAX_ANCHORS:
        warnings.append(
            f"page has {len(anchors)} price-like elements; only the first {MAX_ANCHORS} were read"
        )
        anchors = dict(list(anchors.items())[:MAX_ANCHORS])
    counts: dict[str, dict[etree._Element, int]] = {"price": {}, "annual": {}}
    for el, kind in anchors.items():
        node: etree._Element | None = el
        while node is not None:
            counts[kind][node] = counts[kind].get(node, 0) + 1
            node = node.getparent()
    seen: set[etree._Element] = set()
    blocks: list[Block] = []
    price_blocks: list[etree._Element] = []
    for el, kind in anchors.items():
        block_el = _climb(el, counts[kind])
        if block_el in seen:
            continue
        if kind == "annual" and any(doc.contains(b, el) for b in price_blocks):
            continue
        seen.add(block_el)
        if kind == "price":
            price_blocks.append(block_el)
        blocks.extend(_read_block(doc, block_el, el, kind == "annual", currency, tables))
    return blocks


def _outside(doc: Document, lines: list[Line], tables: list[etree._Element]) -> list[Line]:
    """The lines that lie in none of `tables`."""
    if not tables:
        return lines
    return [line for line in lines if not any(doc.contains(t, line.owner) for t in tables)]


def _climb(el: etree._Element, counts: dict[etree._Element, int]) -> etree._Element:
    node = el
    while True:
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html", "main") or counts.get(parent, 0) > 1:
            return node
        node = parent


def _read_block(
    doc: Document,
    block_el: etree._Element,
    anchor: etree._Element,
    annual: bool,
    currency: str,
    tables: list[etree._Element],
) -> list[Block]:
    # Tables and lists already read as plans are not read again as part of a larger block.
    lines = _outside(doc, doc.lines_in(block_el), tables)
    if not lines:
        return []
    idx = next((i for i, line in enumerate(lines) if line.owner is anchor), 0)
    if len(lines) > WINDOW_BEFORE + WINDOW_AFTER:
        lo = max(0, idx - WINDOW_BEFORE)
        lines = lines[lo : idx + WINDOW_AFTER]
        idx -= lo
    texts = [line.text for line in lines]
    # Prose: several plans in one paragraph are read sentence by sentence.
    prose = [t for t in texts if len(t) > 80]
    if len(texts) <= 3 and prose:
        sentences = _prose_blocks(texts, currency)
        if len(sentences) > 1:
            return sentences
    # A sentence that names its plan ("Our Lite plan is $75 per month") outranks headings.
    named = _PROSE_NAME_RE.search(texts[idx]) if len(texts[idx]) > 60 else None
    name = named.group(1) if named else _block_name(doc, lines, idx)
    if name is None:
        name = _lead_name(texts, currency)
    if name is None:
        prev = block_el.getprevious()
        if prev is not None and isinstance(prev.tag, str):
            text = " ".join(" ".join(prev.itertext()).split())
            if _name_like(text):
                name = text
                texts = [text, *texts]
    if name is None and prose:
        m = _PROSE_NAME_RE.search(" ".join(texts))
        name = m.group(1) if m else None
    return [Block(name, texts, texts, annual=annual)]


_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _prose_blocks(texts: list[str], currency: str) -> list[Block]:
    text = " ".join(texts)
    sentences = _SENTENCE_SPLIT_RE.split(text)
    blocks = []
    for sentence in sentences:
        found = ratetext.mentions([sentence], currency)
        if any(m.kind in ("price", "annual") for m in found):
            m = _PROSE_NAME_RE.search(sentence) or _LEAD_NAME_RE.search(sentence)
            blocks.append(Block(m.group(1) if m else None, [sentence], [sentence], source="prose"))
        elif blocks and found:
            blocks[-1].lines.append(sentence)
            blocks[-1].evidence.append(sentence)
        elif blocks and (ratetext.included(sentence) != (None, None)):
            blocks[-1].lines.append(sentence)
            blocks[-1].evidence.append(sentence)
    return blocks


_LEAD_SPLIT_RE = re.compile(r"\s*(?:[:·•|–—]|\s-\s)\s*")
_NOT_NAME_RE = re.compile(r"\b(?:price|pricing|monthly|from|only|starting|cost|fee|rate|just)\b", re.I)


def _lead_name(texts: list[str], currency: str) -> str | None:
    """A name written before the price on the same line ("Business 50 · $129/mo")."""
    for text in texts:
        money = ratetext.find_money(text, currency)
        if not money:
            continue
        head = text[: money[0].start]
        parts = [p for p in _LEAD_SPLIT_RE.split(head) if p.strip()]
        if parts and _LEAD_SPLIT_RE.search(head):
            candidate = parts[0].strip()
            if len(candidate.split()) <= 5 and not _NOT_NAME_RE.search(candidate):
                return candidate
        return None
    return None


_BILLING_WORD_RE = re.compile(r"\b(?:monthly|annual(?:ly)?|yearly|quarterly)\b", re.IGNORECASE)
_LATIN_LETTER_RE = re.compile(r"[A-Za-zÀ-ÿ]")
_SENTENCE_END_RE = re.compile(r"\w[.!?](?:\s|$)")
_PERCENT_RE = re.compile(r"\d\s?%")
_QUANTITY_LEAD_RE = re.compile(r"^\d[\d,]*\+?\s*(?:minutes|mins?|calls)\b", re.IGNORECASE)
_INCLUDED_PER_RE = re.compile(r"\b(?:included|per|/)\b", re.IGNORECASE)


def _name_like(text: str) -> bool:
    if not text or len(text) > 40 or len(text.split()) > 6:
        return False
    if ratetext.find_money(text) or _BADGE_RE.match(text) or ratetext.is_quote(text):
        return False
    if not _LATIN_LETTER_RE.search(text):
        return False
    if len(text.split()) > 2 and _SENTENCE_END_RE.search(text):
        return False  # a sentence ("One flat price. Unlimited calls."), not a plan's name
    if _PERCENT_RE.search(text) or len(_BILLING_WORD_RE.findall(text)) >= 2:
        return False  # a billing toggle or a savings badge ("Monthly | Annual (save 17%)")
    return not _QUANTITY_LEAD_RE.match(text) or len(
        text.split()
    ) <= 3 and not _INCLUDED_PER_RE.search(text)


def _block_name(doc: Document, lines: list, idx: int) -> str | None:
    candidates: list[tuple[int, int, str]] = []
    for i, line in enumerate(lines):
        if not _name_like(line.text):
            continue
        owner = line.owner
        tag = owner.tag if isinstance(owner.tag, str) else ""
        score = 3 if tag in HEADING_TAGS else 2 if _NAME_ATTR_RE.search(attr_text(owner)) else 0
        if tag in ("strong", "b", "dt", "th", "summary", "button") or score == 0 and tag == "p":
            score = max(score, 1)
        if score == 0 and tag == "li":
            continue  # a feature bullet ("Unlimited calls") names no plan
        distance = abs(idx - i) + (0 if i <= idx else 3)
        candidates.append((-score, distance, line.text))
    if not candidates:
        return None
    candidates.sort()
    return candidates[0][2]


# --- plans ---------------------------------------------------------------------------------


def _plans(blocks: Iterable[Block], currency: str, page_lines: list[str]) -> list[RatePlan]:
    monthly: list[tuple[Block, ratetext.Rate]] = []
    annual_only: list[tuple[Block, ratetext.Rate]] = []
    for block in blocks:
        rate = ratetext.read_squeezed_rate(block.lines, currency)
        if rate.unit is None:
            continue
        if block.annual and rate.unit == "month" and rate.price is not None:
            rate.annual_price_per_month = rate.price
            annual_only.append((block, rate))
        else:
            monthly.append((block, rate))
        if rate.evidence is not None and block.evidence is not block.lines:
            rate.evidence = block.evidence[block.lines.index(rate.evidence)] if (
                rate.evidence in block.lines
            ) else rate.evidence
    by_name = {b.name: r for b, r in monthly if b.name}
    for block, rate in annual_only:
        twin = by_name.get(block.name)
        if twin is not None and twin.unit == "month":
            twin.annual_price_per_month = rate.annual_price_per_month
        else:
            monthly.append((block, rate))
    named_fee = any(b.name and r.unit == "month" for b, r in monthly)
    # Add-ons and fine-print meters ("Call patching $0.06 per minute") are no plans.
    kept = [
        (block, rate)
        for block, rate in monthly
        if not (
            named_fee
            and rate.unit in ("minute", "call")
            and block.source == "card"
            and not rate.no_base_fee
            and not ratetext.PAYG_RE.search(" ".join(block.lines))
        )
    ]
    # A billing increment is the provider's policy: stated anywhere ("Billed in 30-second
    # increments"), it holds for every plan billed by talk time. A setup fee stated inside one
    # plan's own text ("$500 one-time setup per seat") is that plan's; in fine print, everyone's.
    own = {text for block, _ in kept for text in (*block.lines, *block.evidence)}
    page_words = ratetext.LineWords(page_lines)  # the page searched once for all three readings
    fine_print = page_words.subset([i for i, line in enumerate(page_lines) if line not in own])
    page_increment = ratetext.page_increment_seconds(page_words)
    page_setup = _page_setup(fine_print, page_words, currency)
    plans: list[RatePlan] = []
    seen: set[tuple] = set()
    for block, rate in kept:
        _quantity_from_name(block.name, rate)
        if rate.billing_increment_seconds is None and rate.unit != "seat_month":
            rate.billing_increment_seconds = page_increment  # seats are not billed by talk time
        if rate.setup_fee is None:
            rate.setup_fee = page_setup
        if rate.unit == "quote":
            rate.currency = rate.currency or currency
        key = (block.name, rate.price, rate.unit)
        if key in seen:
            continue
        seen.add(key)
        plans.append(rate.to_plan(block.name))
    return plans


# Plans keyed on their bundle ("125 Minutes", "Business 50 calls", "500 Minute plan").
_NAME_QTY_RE = re.compile(
    r"^(?:[A-Za-z]+\s+)?(\d{1,3}(?:,\d{3})+|\d+)\s*(minutes?|mins?|calls?)"
    r"(?:\s+(?:plan|package|bundle|tier))?$",
    re.IGNORECASE,
)


def _quantity_from_name(name: str | None, rate: ratetext.Rate) -> None:
    """Included minutes or calls a plan's name states, where its text left them out."""
    m = _NAME_QTY_RE.match((name or "").strip())
    if not m or rate.unit != "month":
        return
    value = int(m.group(1).replace(",", ""))
    if m.group(2).lower().startswith("min") and rate.included_minutes is None:
        rate.included_minutes = value
    elif m.group(2).lower().startswith("call") and rate.included_calls is None:
        rate.included_calls = value


def _page_setup(fine_print: ratetext.LineWords, page_words: ratetext.LineWords, currency: str):
    """A setup fee the page states once for every plan ("No setup fee", "$85 one-time setup").

    An amount counts only in the page's fine print; "No setup fees" anywhere is a page-wide claim.
    """
    amounts = ratetext.setup_amounts(fine_print, currency)
    if len(amounts) == 1:
        return ratetext.cents(amounts.pop())
    if not amounts and ratetext.page_says_no_setup(page_words):
        return ratetext.cents(ratetext.Decimal(0))
    return None


