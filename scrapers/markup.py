"""Which structured-data syntaxes a page's markup holds, read from its text or its raw bytes.

Apart from scrapers.extraction, which the crawl process does not load: in a large crawl the
crawl process looks at each body's bytes as it hands the page to the extraction worker, the
busier of the two (benchmarks/ANALYSIS.md), and the worker runs extruct only where this says.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

# Pages past this many characters have only their head read for structured data.
MAX_STRUCTURED_CHARS = 2_000_000
# extruct's RDFa reader takes seconds on big pages: run each syntax only where it can appear.
# Matched on the page's UTF-8 bytes with ASCII letters lower-cased: the attributes extruct reads
# are ASCII, and HTML folds the case of ASCII letters only.
MARKERS = {
    "json-ld": re.compile(rb"application/ld\+json"),
    # Only an itemscope makes an item (extruct reads no property outside one).
    "microdata": re.compile(rb"\bitemscope\b"),
    "rdfa": re.compile(rb"\b(?:typeof|vocab)="),
}
# What each marker cannot match without: a substring test rules most pages out at once.
_MARKER_WORDS = {
    "json-ld": (b"application/ld+json",),
    "microdata": (b"itemscope",),
    "rdfa": (b"typeof=", b"vocab="),
}
# Byte-order marks of the encodings whose bytes are not ASCII-compatible.
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _syntaxes(lowered: bytes) -> list[str]:
    return [
        name
        for name, marker in MARKERS.items()
        if any(word in lowered for word in _MARKER_WORDS[name]) and marker.search(lowered)
    ]


def syntaxes_in(html: str) -> list[str]:
    """The structured-data syntaxes whose markers the page holds (ASCII case-insensitively)."""
    # Bytes, not str: lower-casing them touches ASCII letters only, and a page with one
    # non-ASCII character is a wide str whose lower() and searches cost several times more.
    return _syntaxes(html[:MAX_STRUCTURED_CHARS].encode("utf-8", "surrogatepass").lower())


@lru_cache(maxsize=64)
def ascii_compatible(encoding: str) -> bool:
    """Whether `encoding` writes every ASCII character as its own byte and no other character
    with ASCII bytes (UTF-8, Latin-1, Windows code pages): then ASCII words read the same in the
    raw bytes as in the decoded text. False for UTF-16 or UTF-32, Shift_JIS, and for names
    Python does not know."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in ("utf-8", "ascii") or name.startswith(("iso8859-", "cp125", "latin"))


def body_syntaxes(body: bytes, encoding: str) -> list[str] | None:
    """`syntaxes_in` of the body decoded with `encoding`, read from its bytes; None where the
    bytes cannot tell (a wide or multi-byte encoding, a byte-order mark, a very long page)."""
    if len(body) > MAX_STRUCTURED_CHARS or body.startswith(_WIDE_BOMS):
        return None
    if not ascii_compatible(encoding):
        return None
    return _syntaxes(body.lower())
