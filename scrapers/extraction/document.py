"""Reading untrusted page bytes into a tree and lines of visible text, never raising."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field

import lxml.etree as etree
from w3lib.encoding import html_to_unicode

MAX_CHARS = 1_000_000  # of markup without scripts: past this the page is cut (a read stays < 5 s)
_SCRIPT_RE = re.compile(r"<(script|style|svg)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
BLOCK_TAGS = frozenset(
    "address article aside blockquote body br caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section "
    "summary table tbody thead tfoot td th tr ul button option select textarea li center".split()
)
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas")
# Struck-through amounts are old prices, never the current one.
STRUCK_TAGS = ("s", "del", "strike")
_NOISE_ATTR_RE = re.compile(
    r"(?:^|[\s_-])(?:testimonials?|reviews?|ratings?|blog|posts?|related|cookie|cookies|"
    r"breadcrumbs?|old-price|was-price|price-old|original-price|price-original|compare-at-price|"
    r"compare-price|price--compare|strike|strikethrough|line-through|"
    r"navbar|menu|social|share|newsletter)(?:$|[\s_-])",
    re.IGNORECASE,
)
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_TAG_START_RE = re.compile(r"<[A-Za-z!]")


@dataclass(slots=True)
class Line:
    """One run of visible text and the innermost block element it sits in."""

    text: str
    owner: etree._Element
    key: int  # walk position: rises through the document, inside [start, end) of its ancestors


@dataclass(slots=True)
class Document:
    """A page as a pruned tree plus its lines; root is None when the input was not HTML."""

    root: etree._Element | None
    lang: str | None = None
    warnings: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    start: dict[etree._Element, int] = field(default_factory=dict)
    end: dict[etree._Element, int] = field(default_factory=dict)
    _keys: list[int] = field(default_factory=list)

    def lines_in(self, element: etree._Element) -> list[Line]:
        """Lines inside `element` (document order)."""
        start = self.start.get(element)
        if start is None:
            return []
        lo = bisect_left(self._keys, start)
        hi = bisect_left(self._keys, self.end[element])
        return self.lines[lo:hi]

    def contains(self, outer: etree._Element, inner: etree._Element) -> bool:
        """True when `inner` is `outer` or inside it."""
        o = self.start.get(outer)
        i = self.start.get(inner)
        return o is not None and i is not None and o <= i < self.end[outer]


# Control bytes that text does not hold (tab, newlines, form feed and carriage return it does).
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b < 32)


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return True
    # Counted by deleting them in C: a Python loop over 4 KB costs as much as parsing the page.
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return bool(head) and controls / len(head) > 0.05


def decode(html: str | bytes) -> tuple[str | None, str | None]:
    """(text, problem): the input as text, or None and why it is not an HTML page."""
    if isinstance(html, bytes):
        if not html.strip():
            return None, "input is empty"
        if html.lstrip().startswith(b"%PDF"):
            return None, "input is a PDF document, not HTML"
        if _looks_binary(html):
            return None, "input is binary data, not HTML"
        _, text = html_to_unicode(None, html)
    else:
        text = html
    if not text or text.isspace():  # not text.strip(): that copies the whole page
        return None, "input is empty"
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
            return None, "input is a JSON document, not HTML"
        except ValueError:
            pass
    if stripped.startswith("%PDF"):
        return None, "input is a PDF document, not HTML"
    # Searched in place (find's end, the pattern's endpos), not in copies of the page's head.
    if text.find("<", 0, 100_000) < 0 or not _TAG_START_RE.search(text, 0, 200_000):
        return None, "input has no HTML markup"
    return text, None


def load_document(html: str | bytes) -> Document:
    """Parse and prune a page; problems become warnings, never exceptions."""
    text, problem = decode(html)
    if text is None:
        return Document(None, warnings=[problem or "input is not HTML"])
    warnings: list[str] = []
    if len(text) > MAX_CHARS:
        # Scripts and styles are most of a big page and none of its visible text.
        text = _SCRIPT_RE.sub("", text)
    if len(text) > MAX_CHARS:
        warnings.append(
            f"page is {len(text):,} characters of markup; only the first {MAX_CHARS:,} were read"
        )
        text = text[:MAX_CHARS]
    # Encoding declarations in a str confuse lxml; they have done their work in decode().
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    # lxml's own HTML parser, not lxml.html's: lxml.html builds every element proxy through a
    # Python class lookup, and the walks below touch every element several times.
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        return Document(None, warnings=[f"page could not be parsed as HTML: {exc}"])
    if root is None:
        return Document(None, warnings=["page could not be parsed as HTML: Document is empty"])
    if any("Excessive depth" in str(e) for e in parser.error_log):
        warnings.append(
            "markup is nested deeper than 256 levels; text below that depth was not read"
        )
    lang = root.get("lang") or root.get("xml:lang")
    doc = Document(root, lang=lang, warnings=warnings)
    _prune_and_index(doc)
    return doc


def attr_text(el: etree._Element) -> str:
    """Class, id and data-* attribute values of an element, for hints."""
    items = el.items()  # one call into lxml; it runs for every element of every page
    if not items:
        return " "
    cls = ident = ""
    data: list[str] = []
    for key, value in items:
        if key == "class":
            cls = value
        elif key == "id":
            ident = value
        elif str(key).startswith("data-"):
            data.append(str(value))
    return " ".join([str(cls), str(ident), *data])


_DROPPED_TAGS = frozenset((*DROP_TAGS, *STRUCK_TAGS, "nav", "footer"))


def _drops(el: etree._Element, tag: str) -> bool:
    """True for an element whose text is never a current price (hidden, struck, chrome, noise)."""
    if tag in _DROPPED_TAGS:
        return True
    if not el.attrib:
        return False  # the checks below read attributes; most elements have none
    style = el.get("style")
    if style and "line-through" in style.replace(" ", "").lower():
        return True
    return tag not in ("html", "body") and bool(_NOISE_ATTR_RE.search(attr_text(el)))


def _remove_keeping_tail(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    # Keep the tail: it is the parent's text, not the dropped element's.
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _prune_and_index(doc: Document) -> None:
    """Drop what is never read (`_drops`), cut the visible text into lines at block boundaries
    and number the walk for containment -- in one walk over the tree, which is most of the cost.

    Lines and numbers are those of the pruned tree: a dropped element's subtree is skipped, it
    gets no number and breaks no line, and its tail stays in the text where it stood, which is
    where removing it puts the tail (onto the previous sibling's tail or the parent's text).
    """
    root = doc.root
    assert root is not None
    # Lines come from <body>, or from the whole page when it has none (or drops it).
    body = root.find("body")
    top = body if body is not None and not _drops(body, "body") else root
    lines = doc.lines
    start, end = doc.start, doc.end
    stack: list[etree._Element] = []  # block elements open around the walk
    buf: list[str] = []  # text since the last line break
    inside = False  # within `top`
    ev = 0

    def flush() -> None:
        if not buf:
            return  # most block boundaries follow another with no text between them
        text = " ".join("".join(buf).split())
        buf.clear()
        if text and stack:
            lines.append(Line(text, stack[-1], ev))

    dropped: list[etree._Element] = []
    # The parser leaves out comments and processing instructions; any it kept go here, their
    # tails kept like a dropped element's.
    stray: list[etree._Element] = []
    walker = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            stray.append(el)
            tail = el.tail
            if inside and tail:
                buf.append(tail)
            continue
        if event == "start":
            if el is top:
                inside = True
            elif el is not root and _drops(el, tag):
                dropped.append(el)
                # What lies inside a dropped element goes with it: no need to look at it.
                walker.skip_subtree()
                continue
            if not inside:
                continue
            block = tag in BLOCK_TAGS or el is top
            if block:
                flush()
            ev += 1
            start[el] = ev
            if block:
                stack.append(el)
            text = el.text  # each read of .text or .tail builds a new str: read it once
            if text:
                buf.append(text)
        elif dropped and dropped[-1] is el:
            tail = el.tail
            if inside and tail:
                buf.append(tail)
        elif inside:
            block = tag in BLOCK_TAGS or el is top
            if block or tag == "br":
                flush()
            ev += 1
            end[el] = ev
            if block and stack and stack[-1] is el:
                stack.pop()
            if el is top:
                inside = False
            else:
                tail = el.tail
                if tail:
                    buf.append(tail)
    flush()
    doc._keys = [line.key for line in lines]
    for el in stray:
        _remove_keeping_tail(el)
    for el in dropped:
        _remove_keeping_tail(el)
