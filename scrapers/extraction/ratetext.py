"""Our parser of rate text: money amounts, what they buy, included quantities and fine print.

Amounts go through price-parser (it normalizes "1.299,00", "0,99", "1,299"); everything it does
not do is here: ISO currencies, pence, units ("/min", "per seat per month", "p/m"), what an
amount is for (price, overage, setup, annual, noise), included minutes or calls, increments.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache, wraps
from itertools import accumulate
from typing import Any, TypeVar, cast

from price_parser import Price

from benchmark.model import RatePlan

# --- memoizing ---------------------------------------------------------------------------

# A page's lines are read several times (the whole page, then each plan block, then the fine
# print), so the pure readers below remember their recent answers. Only texts up to this length
# are remembered, which bounds the text the caches hold.
_MEMO_CHARS = 300


_F = TypeVar("_F", bound=Callable[..., Any])
_MEMOS: list[Any] = []  # the caches behind `_memo_short`, for `clear_memos`


def _memo_short(fn: _F) -> _F:
    """`fn` of string arguments, its answers for short ones remembered (an LRU of recent ones).

    Callers must not change what it returns: a remembered answer is shared.
    """
    cached = lru_cache(maxsize=4096)(fn)
    _MEMOS.append(cached)
    limit = _MEMO_CHARS
    # One wrapper per arity, not `*args`: they run ~100 times a page.
    arity = fn.__code__.co_argcount
    call: Callable[..., Any]
    if arity == 1:

        def call(text: str) -> Any:
            return cached(text) if len(text) <= limit else fn(text)

    elif arity == 2:

        def call(first: str, second: str) -> Any:
            return cached(first, second) if len(first) + len(second) <= limit else fn(first, second)

    else:

        def call(*args: str) -> Any:
            return cached(*args) if sum(map(len, args)) <= limit else fn(*args)

    return cast(_F, wraps(fn)(call))


def clear_memos() -> None:
    """Forget every remembered answer: a benchmark timing first reads of pages calls this."""
    for cached in _MEMOS:
        cached.cache_clear()


# --- currencies ----------------------------------------------------------------------------

_SYMBOL_TO_ISO = {
    "us$": "USD",
    "usd": "USD",
    "ca$": "CAD",
    "c$": "CAD",
    "cad": "CAD",
    "can$": "CAD",
    "au$": "AUD",
    "a$": "AUD",
    "aud": "AUD",
    "£": "GBP",
    "gbp": "GBP",
    "€": "EUR",
    "eur": "EUR",
}
_PREFIX = r"(?:US\$|USD|CA\$|CAN\$|C\$|CAD|AU\$|A\$|AUD|GBP|EUR|£|€|\$)"
_SUFFIX_CUR = r"(?:€|EUR|USD|CAD|AUD|GBP|£|\$)"
# A number as pages write it: 1,299.00 / 1.299,00 / 1 299 / 0,99 / .99
_NUMBER = r"(?:\d{1,3}(?:[,.\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?|[.,]\d{1,2})"

# An amount starts with a digit, a separator, a currency sign or the first letter of a code:
# the lookahead skips every other position at once instead of trying each alternative there.
_MONEY_START = r"(?=[\d.,$£€ucage])"
_MONEY_RE = re.compile(
    rf"{_MONEY_START}(?:"
    rf"(?P<pre>{_PREFIX})\s?(?P<num1>{_NUMBER})(?![\d%])"
    rf"|(?<![\w.,$£€])(?P<num2>{_NUMBER})\s?(?P<suf>{_SUFFIX_CUR})(?![A-Za-z])"
    rf"|(?<![\w.,$£€])(?P<pence>\d{{1,2}}(?:\.\d{{1,2}})?)\s?(?P<ps>p|¢|cents)(?![A-Za-z0-9])(?!/m(?:th|o|onth)?\b)"
    r")",
    re.IGNORECASE,
)

# Region hints -> currency, for a bare "$".
_LANG_CURRENCY = {
    "en-gb": "GBP",
    "en-uk": "GBP",
    "en-ca": "CAD",
    "fr-ca": "CAD",
    "en-au": "AUD",
    "en-nz": "USD",
    "en-us": "USD",
}
_EURO_LANGS = ("de", "fr", "es", "it", "nl", "pt", "fi", "el", "sk", "sl", "et", "lv", "lt")
_TLD_CURRENCY = {
    ".co.uk": "GBP",
    ".uk": "GBP",
    ".ca": "CAD",
    ".com.au": "AUD",
    ".au": "AUD",
    ".de": "EUR",
    ".fr": "EUR",
    ".es": "EUR",
    ".it": "EUR",
    ".nl": "EUR",
    ".ie": "EUR",
    ".be": "EUR",
    ".at": "EUR",
    ".pt": "EUR",
    ".fi": "EUR",
    ".gr": "EUR",
}
_COUNTRY_CURRENCY = {
    "US": "USD",
    "GB": "GBP",
    "UK": "GBP",
    "CA": "CAD",
    "AU": "AUD",
    "IE": "EUR",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "NL": "EUR",
    "BE": "EUR",
    "AT": "EUR",
    "PT": "EUR",
    "FI": "EUR",
    "GR": "EUR",
}


def currency_for_country(country: str | None) -> str | None:
    """ISO currency of a registry country code ("GB" -> "GBP"); None when unknown."""
    return _COUNTRY_CURRENCY.get((country or "").strip().upper())


def currency_from_lang(lang: str | None) -> str | None:
    """Currency suggested by an <html lang> value ("en-GB" -> "GBP"); None when it says nothing."""
    if not lang:
        return None
    lang = lang.strip().lower().replace("_", "-")
    if lang in _LANG_CURRENCY:
        return _LANG_CURRENCY[lang]
    region = lang.split("-")[1] if "-" in lang else ""
    if region and region.upper() in _COUNTRY_CURRENCY:
        return _COUNTRY_CURRENCY[region.upper()]
    if lang.split("-")[0] in _EURO_LANGS and not region:
        return "EUR"
    return None


def currency_from_host(host: str | None) -> str | None:
    """Currency suggested by a host's top-level domain ("x.co.uk" -> "GBP")."""
    host = (host or "").lower().rstrip(".")
    for tld in sorted(_TLD_CURRENCY, key=len, reverse=True):
        if host.endswith(tld):
            return _TLD_CURRENCY[tld]
    return None


# --- money ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    """One amount found in text, with its span and the verbatim text it came from."""

    amount: Decimal
    currency: str
    start: int
    end: int
    raw: str


@_memo_short
def _amount(number: str) -> Decimal | None:
    number = number.replace("\u00a0", " ")
    # A single separator followed by exactly 3 digits with a space is a thousands group.
    price = Price.fromstring(number.replace(" ", ""))
    if price.amount is None:
        return None
    try:
        return Decimal(str(price.amount))
    except InvalidOperation:
        return None


# "$50 CAD": the code after a bare "$" says which dollar.
_DOLLAR_CODE_RE = re.compile(r"\s?(CAD|AUD|USD)\b")


def find_money(text: str, default_currency: str = "USD") -> list[Money]:
    """Every amount in `text`; a bare "$" takes `default_currency` when that is a dollar."""
    return list(_money_in(text, default_currency))


@_memo_short
def _money_in(text: str, default_currency: str) -> tuple[Money, ...]:
    # Every amount has a digit: most texts (the lines of a page) have none, so no scan.
    if not has_digit(text):
        return ()
    found: list[Money] = []
    for m in _MONEY_RE.finditer(text):
        if m.group("pence"):
            value = _amount(m.group("pence"))
            if value is None:
                continue
            unit = m.group("ps").lower()
            if unit == "p":
                currency = "GBP"
            else:
                currency = default_currency if default_currency in ("USD", "CAD", "AUD") else "USD"
            found.append(Money(value / 100, currency, m.start(), m.end(), m.group(0)))
            continue
        symbol = (m.group("pre") or m.group("suf") or "").lower()
        number = m.group("num1") or m.group("num2") or ""
        value = _amount(number)
        if value is None:
            continue
        code = _DOLLAR_CODE_RE.match(text[m.end() : m.end() + 5])
        if symbol == "$" and code:
            currency = code.group(1)
        elif symbol == "$":
            currency = default_currency if default_currency in ("USD", "CAD", "AUD") else "USD"
        else:
            currency = _SYMBOL_TO_ISO.get(symbol, default_currency)
        found.append(Money(value, currency, m.start(), m.end(), m.group(0)))
    return tuple(found)


# --- what an amount is for -----------------------------------------------------------------

# English first; Spanish, French and German rate cards use the same shapes ("por puesto/mes").
_U_SEAT = r"(?:seat|agent|user|operator|fte|licen[cs]e|head|puesto|agente|poste|arbeitsplatz)"
_U_MONTH = r"(?:month|mo|mon|mth|mes|mois|monat)\b\.?"
_SEP = r"\s*(?:/|per|pro|por|par|a|an|each|every|p/|x)\s*"
_U_HOUR = r"(?:hour|hr|hora|heure|stunde)"
_SUFFIX_UNIT: Sequence[tuple[re.Pattern[str], str]] = tuple(
    (re.compile(p, re.IGNORECASE), u)
    for p, u in (
        (rf"^{_SEP}{_U_SEAT}s?\s*(?:/|per|a|an|each|every)?\s*{_U_MONTH}", "seat_month"),
        (rf"^{_SEP}{_U_MONTH}\s*(?:/|per|a|an|each)\s*{_U_SEAT}", "seat_month"),
        (rf"^{_SEP}{_U_SEAT}s?\s*[-/ ]?\s*{_U_HOUR}s?\b", "agent_hour"),
        (rf"^{_SEP}{_U_HOUR}(?:s|n)?\b(?:\s*(?:/|per)\s*{_U_SEAT})?", "agent_hour"),
        (
            rf"^{_SEP}(?:additional\s+|extra\s+|overage\s+|add'?l\.?\s+)?"
            r"(?:receptionist\s+|live\s+|talk\s+|agent\s+|answering\s+|billable\s+|ai\s+)?"
            r"(?:min(?:ute)?s?|minutos?|minuten)\b\.?",
            "minute",
        ),
        (r"^\s*p/?min\b", "minute"),
        (r"^\s*pm\b(?!\s*(?:est|pst|cst|et|pt))", "minute"),
        (
            rf"^{_SEP}(?:additional\s+|extra\s+|add'?l\.?\s+)?"
            r"(?:answered\s+|inbound\s+|handled\s+|live\s+|ai\s+|receptionist\s+)?"
            r"(?:calls?|llamadas?|appels?|anrufe?)\b",
            "call",
        ),
        (rf"^{_SEP}{_U_MONTH}", "month"),
        (r"^\s*(?:p/m|pcm|p\.m\.|monthly|a month|per month|/ ?month)\b", "month"),
        (r"^\s*p/m(?![a-z])", "month"),
        (rf"^{_SEP}(?:yr|year|annum)\b", "year"),
        (r"^\s*(?:yearly|annually|per annum)\b", "year"),
    )
)
_PREFIX_UNIT: Sequence[tuple[re.Pattern[str], str]] = tuple(
    (re.compile(p, re.IGNORECASE), u)
    for p, u in (
        (r"per\s+(?:seat|agent|user)\s*(?:per\s+)?month\s*:?\s*$", "seat_month"),
        (r"per\s+(?:agent\s+)?hour\s*:?\s*$|hourly(?:\s+rate)?\s*:?\s*$", "agent_hour"),
        (r"(?:per|each)\s+(?:additional\s+)?min(?:ute)?\s*:?\s*$|per-minute(?:\s+rate)?\s*:?\s*$", "minute"),
        (r"(?:per|each)\s+(?:additional\s+)?call\s*:?\s*$|per-call(?:\s+rate)?\s*:?\s*$", "call"),
        (r"(?:monthly|per month|month-to-month)(?:\s+(?:fee|price|cost|rate|base))?\s*:?\s*$", "month"),
        (r"(?:yearly|annual(?:ly)?)(?:\s+(?:fee|price|cost|total))?\s*:?\s*$", "year"),
    )
)

_SETUP_RE = re.compile(
    r"set[- ]?up|one[- ]time|activation|onboarding fee|installation|customi[sz]ation fee|"
    r"start[- ]?up fee|joining fee|implementation fee",
    re.IGNORECASE,
)
_OVERAGE_BEFORE_RE = re.compile(
    r"\b(?:additional|extra|overage|excess|beyond|thereafter|then|after that|over (?:that|the|your)|"
    r"add'?l|over-?limit|above (?:that|the|your)|after (?:the|your|included)|extra minutes|"
    r"weitere|zusätzliche[rn]?|adicional(?:es)?|suppl[ée]mentaires?|(?:minute|call)s? after)\b",
    re.IGNORECASE,
)
_OVERAGE_AFTER_RE = re.compile(
    r"^\W{0,3}(?:/|per|for each|each|a|an)?\s*(?:additional|extra|overage|add'?l)\b|"
    r"^[^.;|]{0,40}\b(?:overage|thereafter|after (?:that|the first|your|included)|beyond|"
    r"over (?:the|your) (?:plan|limit|bundle|included))",
    re.IGNORECASE,
)
_ANNUAL_AFTER_RE = re.compile(
    r"^[^|]{0,45}?\b(?:billed|paid|pay|when billed|charged)\s+(?:annually|yearly|per year|"
    r"every year|once a year|annual(?:ly)?)|^[^|.]{0,25}\b(?:annual(?:ly)?|yearly)\b"
    r"(?:\s+(?:plan|billing|contract|prepay))?",
    re.IGNORECASE,
)
_ANNUAL_BEFORE_RE = re.compile(
    r"(?:annual(?:ly)?|yearly|billed (?:annually|yearly))[^|$£€]{0,25}$", re.IGNORECASE
)
_MONTHLY_BEFORE_RE = re.compile(
    r"(?:monthly|month-to-month|billed monthly)[^|$£€]{0,25}$", re.IGNORECASE
)
_NOISE_BEFORE_RE = re.compile(
    r"\b(?:save|saving|savings|saves|saved|was|reg\.?|regular(?:ly)?|normally|originally|worth|"
    r"value(?:d)? at|retail|rrp|trial|try(?: it)? for|only pay|reduced from|down from|down to|budget of|"
    r"revenue|earn(?:ed)?|raised|funding|spent|lose|losing|lost|cost (?:you|businesses)|"
    r"average(?:s)?|up to|gift|credit of|voucher|discount of|cash ?back|refund)\b[^|$£€]{0,20}$",
    re.IGNORECASE,
)
_NOISE_AFTER_RE = re.compile(
    r"^[\s)]*(?:off\b|in savings|savings|saved|discount|credit|trial|for (?:the )?first|"
    r"free trial|cash ?back|less than|per year in|a year in|in (?:lost|missed)|lost|"
    r"in revenue|revenue|value\b|worth)",
    re.IGNORECASE,
)
# An amount in a worked example ("For example, a package of £25 for 25 calls ...") is no offer.
_EXAMPLE_BEFORE_RE = re.compile(
    r"\b(?:for example|for instance|e\.g\.|as an example|imagine|suppose)\b[^.!?|$£€]{0,60}$",
    re.IGNORECASE,
)
# What labour costs or what others claim is no offer ("base wage ... is only $2-3 an hour").
_WAGE_BEFORE_RE = re.compile(
    r"\b(?:wages?|salar(?:y|ies)|payroll|calculators?\s+promise|competitors?\s+charge)\b"
    r"[^.!?|$£€]{0,60}$",
    re.IGNORECASE,
)
_RANGE_HIGH_RE = re.compile(r"^\s*(?:-|–|—|to)\s*\d[\d,]*(?:\.\d+)?(?=\s|/)")
_FROM_RE = re.compile(r"\b(?:from|starting at|starts at|starting from|as low as)\s*(?:just|only)?\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Mention:
    """An amount with what it is for: kind is price|overage|setup|annual|noise; unit as contract."""

    money: Money
    kind: str
    unit: str | None
    line: int


@_memo_short
def classify(before: str, after: str) -> tuple[str, str | None]:
    """(kind, unit) of an amount from the text just before and just after it."""
    # "$7-8 per hour": the range's high end stands between the amount and its unit.
    after_l = _RANGE_HIGH_RE.sub("", after).lstrip(" |:*")
    before_r = before.rstrip()
    unit = None
    for pattern, candidate in _SUFFIX_UNIT:
        if pattern.search(after_l):
            unit = candidate
            break
    if unit is None:
        for pattern, candidate in _PREFIX_UNIT:
            if pattern.search(before_r):
                unit = candidate
                break
    if (
        _NOISE_BEFORE_RE.search(before_r)
        or _NOISE_AFTER_RE.search(after_l)
        or _EXAMPLE_BEFORE_RE.search(before_r)
        or _WAGE_BEFORE_RE.search(before_r)
    ):
        return "noise", unit
    near_before = before_r[-40:]
    near_after = after_l[:40]
    if _SETUP_RE.search(near_before) or _SETUP_RE.search(near_after.split("|")[0]):
        return "setup", None
    if _OVERAGE_AFTER_RE.search(after_l) or _OVERAGE_BEFORE_RE.search(near_before[-30:]):
        return "overage", unit
    if unit == "year":
        return "annual", "year"
    if _ANNUAL_AFTER_RE.search(after_l) or _ANNUAL_BEFORE_RE.search(before_r):
        return "annual", unit or "month"
    return "price", unit


_WORD3_RE = re.compile(r"[A-Za-z]{3}")
_LETTER_RE = re.compile(r"[A-Za-z]")


def mentions(lines: Sequence[str], default_currency: str = "USD") -> list[Mention]:
    """Every amount in a block of lines, classified with its line and neighbour lines as context.

    A line holding only an amount reads its label from the line before ("Setup fee" / "$95")
    and its unit from the line after ("$99" / "/month").
    """
    out: list[Mention] = []
    found = [_line_money(line, default_currency) for line in lines]
    for i, (line, monies) in enumerate(zip(lines, found, strict=True)):
        for j, money in enumerate(monies):
            prev_end = monies[j - 1].end if j else 0
            next_start = monies[j + 1].start if j + 1 < len(monies) else len(line)
            before = line[prev_end : money.start]
            after = line[money.end : next_start]
            if j == 0 and not _WORD3_RE.search(before) and i > 0 and not found[i - 1]:
                before = lines[i - 1][-60:] + " | " + before
            if (
                j + 1 == len(monies)
                and not _LETTER_RE.search(after)
                and i + 1 < len(lines)
                and not found[i + 1]
                and len(lines[i + 1]) <= 60
            ):
                after = after + " | " + lines[i + 1]
            kind, unit = classify(before, after)
            out.append(Mention(money, kind, unit, i))
    # A range ("$28–$30 per hour") is read as its low end, with the unit written after the high.
    for k in range(len(out) - 1):
        low, high = out[k], out[k + 1]
        if low.line == high.line and _RANGE_RE.match(lines[low.line][low.money.end : high.money.start]):
            out[k] = Mention(low.money, high.kind, high.unit, low.line)
            out[k + 1] = Mention(high.money, "range_high", high.unit, high.line)
    return out


@_memo_short
def _line_money(line: str, default_currency: str) -> tuple[Money, ...]:
    """The amounts of one line, "free" written where an amount goes among them, in order."""
    found = _money_in(line, default_currency)
    # Lowering the line costs less than the case-insensitive scan it saves on most lines.
    if "free" not in line.lower():
        return found
    free = [
        Money(Decimal(0), default_currency, m.start(1), m.end(1), m.group(1))
        for m in _FREE_VALUE_RE.finditer(line)
    ]
    if not free:
        return found
    return tuple(sorted([*found, *free], key=lambda money: money.start))


def setup_amounts(
    lines: Sequence[str] | LineWords, default_currency: str = "USD"
) -> set[Decimal]:
    """Setup fees stated anywhere in many lines; only lines beside a setup word are classified.

    A setup amount needs a setup word on its own line or a neighbour (the context `mentions`
    reads), so a whole page is not classified amount by amount.
    """
    words = LineWords.of(lines)
    lines = words.lines
    hits = [i for i in words.lines_with_any(_SETUP_WORDS) if _SETUP_RE.search(lines[i])]
    wanted = sorted({j for i in hits for j in (i - 1, i, i + 1) if 0 <= j < len(lines)})
    amounts: set[Decimal] = set()
    for j in wanted:
        lo = max(0, j - 1)
        for m in mentions(lines[lo : j + 2], default_currency):
            if m.line == j - lo and m.kind == "setup":
                amounts.add(m.money.amount)
    return amounts


_PLUS_RE = re.compile(r"(?:\bplus|\+|\band)\s*$", re.IGNORECASE)
_DIGIT_RE = re.compile(r"\d")
_ASCII_DIGITS = "0123456789"


def has_digit(text: str) -> bool:
    """True when `text` holds a digit (what `\\d` matches, Unicode digits included)."""
    if text.isascii():
        # Ten substring searches (memchr) cost a tenth of the regex's test of each character.
        return any(digit in text for digit in _ASCII_DIGITS)
    return _DIGIT_RE.search(text) is not None


def ascii_lacks_all(text: str, words: Sequence[str]) -> bool:
    """True when `text` is ASCII and holds none of `words` (lower case) in any case: then no
    case-insensitive pattern that needs one of them can match. Never true for other text, where
    re.IGNORECASE matches letters lower() does not give ("ſ" for "s", "K" for "k")."""
    if not text.isascii():
        return False
    lowered = text.lower()
    return not any(word in lowered for word in words)


# "Free" written where an amount goes ("Hobby — free: 20 calls a month"), read as 0.
_FREE_VALUE_RE = re.compile(r"(?:[—–|:]|\s-)\s*(free)\b(?=\s*(?:[:,;.]|$))", re.IGNORECASE)
PAYG_RE = re.compile(
    r"\bno (?:monthly|base|subscription|fixed) (?:fee|charge|cost)s?\b|\bpay[- ]as[- ]you[- ]go\b|"
    r"\bpay per (?:call|minute)\b|\bPAYG\b",
    re.IGNORECASE,
)
_RANGE_RE = re.compile(r"^\s*(?:-|–|—|to)\s*$")


# --- quantities and fine print -------------------------------------------------------------

_QTY = r"(\d{1,3}(?:,\d{3})+|\d+)"
# Each of these starts with a lookahead for its first character: other positions fail on it
# at once, not after three lookbehinds (or a word boundary and three alternatives).
_INCLUDED_START = r"(?=\d)"
_INCLUDED_RE = re.compile(
    rf"{_INCLUDED_START}(?<![\d$£€.,:/-])(?<!\d\s)(?<!\bx\s){_QTY}\+?\s*"
    r"(?:(?:live|receptionist|answering|abby|talk|agent|included|inbound|monthly|unique|answered|"
    r"ai|voice|free|bundled|plan|anytime|business|answer|call|human|virtual|total|billable|"
    r"shared|dedicated|handled|receptionist-handled)\s+){0,3}"
    r"(minutes|mins?|calls)\b(?!\s*(?:increments?|rounding|per call|each))",
    re.IGNORECASE,
)
_INCLUDED_LABEL_START = r"(?=[a-z])"
_INCLUDED_LABEL_RE = re.compile(
    _INCLUDED_LABEL_START + r"\b(?:included\s+|[A-Z][a-z]+\s+)?(minutes|calls)(?:\s+included|\s+per\s+month|\s+/\s*mo(?:nth)?)?\s*[:\-–]?\s*"
    rf"(?:\||\s)\s*{_QTY}\s*$",
    re.IGNORECASE,
)
_ZERO_INCLUDED_RE = re.compile(
    r"\b(?:no|zero|0)\s+(?:included\s+)?(minutes|calls)\s+included|\bno\s+(?:included\s+)?(minutes|calls)\b"
    r"|\b(minutes|calls)\s+(?:included)?\s*[:\-]?\s*(?:none|0)\b",
    re.IGNORECASE,
)
_ESTIMATE_RE = re.compile(r"(?:about|approx\.?|approximately|roughly|around|~|≈|equivalent to|up to an? )\s*$", re.I)
_NOT_INCLUDED_BEFORE_RE = re.compile(
    r"(?:additional|extra|first|after|over|beyond|every|each|last|per|minimum of|min\.?|"
    r"exceed(?:s|ing)?|above|within)\s*$",
    re.IGNORECASE,
)
_INCREMENT_RE = re.compile(
    r"\b(\d{1,2})[- ]?(?:second|sec|s)\b[- ]?(?:billing\s+)?(?:increments?|intervals?|blocks?|"
    r"rounding|billing|units?)",
    re.IGNORECASE,
)
# The increment named first, its size after ("Our billing increments are 1 second").
_INCREMENT_IS_RE = re.compile(
    r"\b(?:billing\s+)?increments?\s+(?:are|is|of)\s+(?:just\s+|only\s+)?(\d{1,2})[- ]?"
    r"(?:seconds?|secs?)\b",
    re.IGNORECASE,
)
_INCREMENT_WORDS = (
    (re.compile(r"half[- ]minute increments?", re.I), 30),
    (re.compile(r"per[- ]second billing|billed (?:per|by the) second|to the second|per-second|"
                r"by the second|1-second|one-second|every second", re.I), 1),
    (re.compile(r"(?:rounded|round)(?: up)? to the (?:next|nearest)(?: (?:whole|full))? minute|"
                r"whole[- ]minute|full[- ]minute|one[- ]minute increments|1[- ]minute increments|"
                r"per started minute|minute increments", re.I), 60),
)
_NO_SETUP_RE = re.compile(
    r"\b(?:no|zero|free|\$0|£0|€0|without)\s*(?:set[- ]?up|activation|one[- ]time)\s*(?:fees?|costs?|charges?)?"
    r"|set[- ]?up(?: fee)?\s*[:\-]?\s*(?:none|free|waived|included|\$0\b)",
    re.IGNORECASE,
)
QUOTE_RE = re.compile(
    r"^\W*(?:call (?:us )?for (?:pricing|a quote|prices?|rates?)|contact (?:us|sales)(?: for (?:pricing|"
    r"a quote|prices|a custom quote|details|rates))?|get (?:a|your) (?:custom |free )?quote|request "
    r"(?:a )?(?:custom )?(?:quote|pricing|price)|custom(?: pricing| quote| price| plan| rates?)?|let'?s "
    r"talk|talk to (?:us|sales|an expert)|pricing on request|price on request|on request|by quote|quote"
    r"(?: only| based)?|tailored(?: pricing)?|bespoke(?: pricing)?|ask for (?:a )?quote|"
    r"speak (?:to|with) (?:us|sales|an? (?:expert|specialist|advisor))|book a (?:call|demo)|"
    r"schedule a (?:call|consultation|demo))\W*$",
    re.IGNORECASE,
)
QUOTE_IN_TEXT_RE = re.compile(
    r"\b(?:call for pricing|contact (?:us|sales) for (?:pricing|a (?:custom )?quote)|custom pricing|"
    r"get a (?:custom )?quote|request a (?:custom )?quote|pricing on request|price on request|"
    r"quote[- ]only|priced by quote|no published prices?)\b",
    re.IGNORECASE,
)


# "8 min read", "5 minutes ago", "a 30-minute call": durations, not a bundle.
_DURATION_AFTER_RE = re.compile(
    r"\s*(?:of|or less|or fewer|in length|long|call|per call|each|read|ago|away|drive|"
    r"walk|wait|response|to set up|setup)\b"
)
_SECONDS_OR_HOURS_AFTER_RE = re.compile(r"^[-\s]*(?:second|hour)")


def included(text: str) -> tuple[int | None, int | None]:
    """(minutes, calls) a text says are included per month ("includes 100 minutes")."""
    minutes: int | None = None
    calls: int | None = None
    # Every pattern below needs "minutes", "mins" or "calls", and all but the first a number:
    # most texts are ruled out by substring tests instead of three case-insensitive scans.
    if ascii_lacks_all(text, ("min", "calls")):
        return None, None
    zero = _ZERO_INCLUDED_RE.search(text)
    if zero:
        what = next(g for g in zero.groups() if g).lower()
        if what.startswith("min"):
            minutes = 0
        else:
            calls = 0
    if not has_digit(text):  # the quantities below are numbers
        return minutes, calls
    for m in _INCLUDED_RE.finditer(text):
        head = text[max(0, m.start() - 25) : m.start()]
        if _ESTIMATE_RE.search(head) or _NOT_INCLUDED_BEFORE_RE.search(head):
            continue
        tail = text[m.end() : m.end() + 30].lower()
        if _DURATION_AFTER_RE.match(tail) or _SECONDS_OR_HOURS_AFTER_RE.match(tail):
            continue
        value = int(m.group(1).replace(",", ""))
        if m.group(2).lower().startswith("min"):
            minutes = value if minutes in (None, 0) else minutes
        else:
            calls = value if calls in (None, 0) else calls
    for part in text.split(" | "):
        if minutes is not None and calls is not None:
            break
        label = _INCLUDED_LABEL_RE.search(part)
        if label:
            value = int(label.group(2).replace(",", ""))
            if label.group(1).lower().startswith("min") and minutes is None:
                minutes = value
            elif label.group(1).lower().startswith("call") and calls is None:
                calls = value
    return minutes, calls


# Literals each pattern cannot match without (lower case). These regexes run over a whole
# page's text; a substring test on the lowered text skips the ones that cannot match.
_INCREMENT_RE_WORDS = ("increment", "interval", "block", "rounding", "billing", "unit")
_INCREMENT_IS_RE_WORDS = ("increment",)
_INCREMENT_WORDS_NEED = (
    ("increment",),
    ("second",),
    ("round", "whole", "full", "increment", "started"),
)
_SETUP_WORDS = (
    "set-up", "set up", "setup", "one-time", "one time", "activation", "onboarding fee",
    "installation", "customisation fee", "customization fee", "start-up fee", "start up fee",
    "startup fee", "joining fee", "implementation fee",
)  # fmt: skip
_NO_SETUP_WORDS = ("set-up", "set up", "setup", "activation", "one-time", "one time")


def _has_any(lowered: str, words: Sequence[str]) -> bool:
    return any(word in lowered for word in words)


class LineWords:
    """Which of a page's lines hold which words, in any case: each word searched for once.

    A page's lines are asked about several sets of words (setup, no setup, increments), and one
    substring search per word over the whole lower-cased page beats one per word and line.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self._lowered = lowered = [line.lower() for line in lines]
        self._starts = list(accumulate((len(line) + 1 for line in lowered), initial=0))
        self._text = "\n".join(lowered)  # no word holds a newline, so a hit lies inside one line
        self._hits: dict[str, set[int]] = {}

    def _lines_with(self, word: str) -> set[int]:
        hits = self._hits.get(word)
        if hits is None:
            anchor = _ANCHORS.get(word)
            if anchor is not None:
                # Only the lines that hold the shorter word can hold this one.
                lowered = self._lowered
                hits = {i for i in self._lines_with(anchor) if word in lowered[i]}
            else:
                hits = set()
                text, starts = self._text, self._starts
                at = text.find(word)
                while at >= 0:
                    line = bisect_right(starts, at) - 1
                    hits.add(line)
                    at = text.find(word, starts[line + 1])
            self._hits[word] = hits
        return hits

    def lines_with_any(self, words: Sequence[str]) -> list[int]:
        """Indexes, in order, of the lines whose lower-cased text holds one of `words`."""
        return sorted(set().union(*(self._lines_with(word) for word in words)))

    @classmethod
    def of(cls, lines: Sequence[str] | LineWords) -> LineWords:
        """`lines` indexed, or the index itself when it already is one."""
        return lines if isinstance(lines, LineWords) else cls(lines)

    def subset(self, keep: Sequence[int]) -> LineWords:
        """The same answers for the lines at `keep` (in order), renumbered, without new searches."""
        return _LineWordsSubset(self, keep)


class _LineWordsSubset(LineWords):
    """Some lines of a page, answered from the whole page's searches (it searches nothing)."""

    def __init__(self, whole: LineWords, keep: Sequence[int]) -> None:
        self.lines = [whole.lines[i] for i in keep]
        self._whole = whole
        self._position = {index: position for position, index in enumerate(keep)}
        self._hits = {}

    def _lines_with(self, word: str) -> set[int]:
        hits = self._hits.get(word)
        if hits is None:
            position = self._position
            hits = self._hits[word] = {
                position[i] for i in self._whole._lines_with(word) if i in position
            }
        return hits


# Every literal a billing-increment pattern cannot match without.
_ANY_INCREMENT_WORDS = tuple(
    dict.fromkeys(
        (*_INCREMENT_RE_WORDS, *_INCREMENT_IS_RE_WORDS, *(w for ws in _INCREMENT_WORDS_NEED for w in ws))
    )
)

# Words looked for only in the lines that hold a shorter word inside them: one search of the
# page for "fee" instead of one for each "... fee" phrase.
_ANCHORS = {
    word: anchor
    for word in (*_SETUP_WORDS, *_ANY_INCREMENT_WORDS)
    for anchor in ("fee", "set", "one", "round")
    if anchor in word and anchor != word
}


def page_increment_seconds(lines: Sequence[str] | LineWords) -> int | None:
    """`increment_seconds` of a page's lines joined with " | ", reading only the lines that matter.

    No increment pattern matches across " | ", so the lines without any of their literals can
    be left out: the first match is the same, and a long page is not scanned line by line.
    """
    words = LineWords.of(lines)
    wanted = words.lines_with_any(_ANY_INCREMENT_WORDS)
    return increment_seconds(" | ".join(words.lines[i] for i in wanted))


def page_says_no_setup(lines: Sequence[str] | LineWords) -> bool:
    """`says_no_setup` of a page's lines joined with " | ", reading only the lines that matter."""
    words = LineWords.of(lines)
    wanted = words.lines_with_any(_NO_SETUP_WORDS)  # as above: no match crosses " | "
    return says_no_setup(" | ".join(words.lines[i] for i in wanted))


def increment_seconds(text: str) -> int | None:
    """The billing increment a text states ("billed in 30-second increments" -> 30)."""
    lowered = text.lower()
    m = (_has_any(lowered, _INCREMENT_RE_WORDS) and _INCREMENT_RE.search(text)) or (
        _has_any(lowered, _INCREMENT_IS_RE_WORDS) and _INCREMENT_IS_RE.search(text)
    )
    if m:
        value = int(m.group(1))
        if 1 <= value <= 60:
            return value
    for (pattern, seconds), words in zip(_INCREMENT_WORDS, _INCREMENT_WORDS_NEED, strict=True):
        if _has_any(lowered, words) and pattern.search(text):
            return seconds
    return None


def says_no_setup(text: str) -> bool:
    """True when a text states there is no setup fee."""
    return _has_any(text.lower(), _NO_SETUP_WORDS) and bool(_NO_SETUP_RE.search(text))


def is_quote(text: str) -> bool:
    """True when a short text is a quote-only price ("Call for pricing", "Custom")."""
    return len(text) <= 60 and bool(QUOTE_RE.match(text.strip()))


def starts_from(before: str) -> bool:
    """True when the amount is a "from $29" floor."""
    return bool(_FROM_RE.search(before))


# --- one rate text -------------------------------------------------------------------------


@dataclass(slots=True)
class Rate:
    """What a piece of rate text says, in contract terms (None where it is silent)."""

    price: Decimal | None = None
    currency: str | None = None
    unit: str | None = None
    included_minutes: int | None = None
    included_calls: int | None = None
    overage_per_minute: Decimal | None = None
    overage_per_call: Decimal | None = None
    setup_fee: Decimal | None = None
    billing_increment_seconds: int | None = None
    annual_price_per_month: Decimal | None = None
    evidence: str | None = None
    noise: list[str] = field(default_factory=list)
    no_base_fee: bool = False  # a zero monthly fee made the usage rate the price

    def as_dict(self) -> dict[str, object]:
        """The contract fields this rate fills (evidence and noise left out)."""
        return {k: getattr(self, k) for k in RATE_FIELDS}

    def to_plan(self, name: str | None, default_currency: str | None = None) -> RatePlan:
        """The contract plan this rate describes; a rate with no unit is quote-only."""
        values = self.as_dict()
        unit = self.unit or "quote"
        values.update(
            unit=unit,
            price=None if unit == "quote" else self.price,
            currency=self.currency or default_currency,
        )
        return RatePlan(name=name, evidence=self.evidence, **values)  # type: ignore[arg-type]


# The contract's fields a piece of rate text can fill: all but the plan's name and evidence.
RATE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(RatePlan) if f.name not in ("name", "evidence")
)


def cents(value: Decimal) -> Decimal:
    """A money amount rounded to cents, trailing zeros kept out of integers."""
    q = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return q.quantize(Decimal(1)) if q == q.to_integral_value() else q


def read_rate(lines: str | Sequence[str], default_currency: str = "USD") -> Rate:
    """Read one plan's (or one sentence's) rate text into contract fields."""
    if isinstance(lines, str):
        lines = [lines]
    return read_squeezed_rate([" ".join(line.split()) for line in lines], default_currency)


def read_squeezed_rate(lines: Sequence[str], default_currency: str = "USD") -> Rate:
    """`read_rate` of lines whose whitespace is already squeezed (single spaces, none at the
    ends), as the generic layer's lines are: squeezing them again costs more than reading them."""
    text = " | ".join(lines)
    rate = Rate()
    found = mentions(lines, default_currency)
    prices = [m for m in found if m.kind == "price"]
    overages = [m for m in found if m.kind == "overage"]
    annuals = [m for m in found if m.kind == "annual"]
    setups = [m for m in found if m.kind == "setup"]
    rate.noise = [m.money.raw for m in found if m.kind == "noise"]
    quantities = included(text)  # (minutes, calls): read once, a long text costs

    base = _pick_base(prices)
    if base is not None:
        rate.price = cents(base.money.amount)
        rate.currency = base.money.currency
        rate.unit = base.unit or "month"
        rate.evidence = lines[base.line]
        if rate.unit == "year":
            rate.unit = "month"
            rate.annual_price_per_month = cents(base.money.amount / 12)
            rate.price = rate.annual_price_per_month
        # No base fee ("£0 p/m + 85p per minute") is pure pay-as-you-go: the usage rate is the
        # price. A free tier with included calls and overage ("$0/month, 25 calls, then $3 per
        # call") stays a monthly plan.
        usage = [m for m in prices if m is not base and m.unit in ("minute", "call")]
        bundled = any(q for q in quantities if q)
        if rate.unit == "month" and base.money.amount == 0 and usage and not overages and not bundled:
            base = usage[0]
            rate.price = cents(base.money.amount)
            rate.unit = base.unit
            rate.evidence = lines[base.line]
            rate.no_base_fee = True
    for m in overages:
        unit = m.unit or _unit_word(lines[m.line][: m.money.start - 0]) or (
            "call" if rate.unit == "call" else "minute"
        )
        if unit == "call" and rate.overage_per_call is None:
            rate.overage_per_call = cents(m.money.amount)
        elif unit == "minute" and rate.overage_per_minute is None:
            rate.overage_per_minute = cents(m.money.amount)
        if rate.currency is None:
            rate.currency = m.money.currency
    # A pure per-call (per-minute) plan has no included calls (minutes) to go beyond.
    if rate.unit == "call" and rate.overage_per_call == rate.price:
        rate.overage_per_call = None
    if rate.unit == "minute" and rate.overage_per_minute == rate.price:
        rate.overage_per_minute = None
    on_top: set[str] = set()  # usage billed from the first unit: "$19 per month plus $0.79/min"
    if base is not None:
        # A per-minute or per-call amount beside a monthly fee is what usage costs on top,
        # unless the page names the overage rate itself.
        for m in prices:
            if m is base:
                continue
            if rate.unit == "month" and m.unit == "minute" and rate.overage_per_minute is None:
                rate.overage_per_minute = cents(m.money.amount)
                if _PLUS_RE.search(lines[m.line][: m.money.start]):
                    on_top.add("minute")
            elif rate.unit == "month" and m.unit == "call" and rate.overage_per_call is None:
                rate.overage_per_call = cents(m.money.amount)
                if _PLUS_RE.search(lines[m.line][: m.money.start]):
                    on_top.add("call")
    if setups:
        rate.setup_fee = cents(setups[0].money.amount)
    elif says_no_setup(text):
        rate.setup_fee = Decimal(0)
    if annuals:
        a = annuals[0]
        monthly = a.money.amount / 12 if a.unit == "year" else a.money.amount
        if base is None:
            rate.price = cents(monthly)
            rate.currency = a.money.currency
            rate.unit = "month"
            rate.evidence = lines[a.line]
            rate.annual_price_per_month = cents(monthly)
        elif rate.unit == "month" and rate.annual_price_per_month is None:
            rate.annual_price_per_month = cents(monthly)
    rate.included_minutes, rate.included_calls = quantities
    # A base fee plus pay-per-minute includes no minutes (DESIGN's convention).
    if "minute" in on_top and rate.included_minutes is None:
        rate.included_minutes = 0
    if "call" in on_top and rate.included_calls is None:
        rate.included_calls = 0
    rate.billing_increment_seconds = increment_seconds(text)
    if rate.price is None and rate.unit is None:
        # A quote may sit under a row label ("Monthly*: Call for a quote").
        quote = next(
            (line for line in lines if is_quote(line) or is_quote(line.split(": ", 1)[-1])), None
        )
        if quote is not None:
            rate.unit = "quote"
            rate.evidence = quote
    return rate


_UNIT_WORD_RE = re.compile(r"\b(calls?|min(?:ute)?s?)\b", re.IGNORECASE)


def _unit_word(before: str) -> str | None:
    """'call' or 'minute' from the last unit word before an overage amount ("Extra calls $2")."""
    words = _UNIT_WORD_RE.findall(before[-40:])
    if not words:
        return None
    return "call" if words[-1].lower().startswith("call") else "minute"


def _pick_base(prices: list[Mention]) -> Mention | None:
    """The amount that is the plan's price: a subscription fee first, then a usage rate."""
    if not prices:
        return None
    order = ("month", "seat_month", "agent_hour", None, "year", "call", "minute")
    for unit in order:
        for m in prices:
            if m.unit == unit:
                return m
    return prices[0]
