"""The rate-text parser on a table of real-looking strings (price-parser's style: xfails strict)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scrapers.extraction.ratetext import find_money, read_rate

X = pytest.mark.xfail(strict=True)
N: dict = {}  # nothing: no price, no unit

# (text, expected fields; money as strings, default currency USD unless "cur" is given)
CASES: list = [
    # --- US dollars, monthly plans
    ("$49/mo", {"price": "49", "unit": "month", "currency": "USD"}),
    ("$49 /mo", {"price": "49", "unit": "month"}),
    ("$49/month", {"price": "49", "unit": "month"}),
    ("$49 per month", {"price": "49", "unit": "month"}),
    ("$49 a month", {"price": "49", "unit": "month"}),
    ("$49 monthly", {"price": "49", "unit": "month"}),
    ("$49/mth", {"price": "49", "unit": "month"}),
    ("$1,725/mo", {"price": "1725", "unit": "month"}),
    ("$1,725.00 per month", {"price": "1725", "unit": "month"}),
    ("USD 250 / month", {"price": "250", "unit": "month", "currency": "USD"}),
    ("US$99 per month", {"price": "99", "currency": "USD"}),
    ("Starting at $29/mo", {"price": "29", "unit": "month"}),
    ("from $29", {"price": "29", "unit": "month"}),
    ("From just $165/month", {"price": "165", "unit": "month"}),
    ("Only $99.95 per month", {"price": "99.95", "unit": "month"}),
    ("$250", {"price": "250", "unit": "month"}),
    ("$ 250", {"price": "250"}),
    ("$24.95/mo", {"price": "24.95"}),
    ("Monthly: $395", {"price": "395", "unit": "month"}),
    ("Monthly fee $119", {"price": "119", "unit": "month"}),
    ("$0/month", {"price": "0", "unit": "month"}),
    ("$199 flat per month, unlimited calls", {"price": "199", "unit": "month"}),
    ("Price: $129 per month", {"price": "129", "unit": "month"}),
    ("$129/mo · 50 Live Answer Minutes", {"price": "129", "included_minutes": 50}),
    ("Business 50 · $129/mo · 50 Live Answer Minutes", {"price": "129", "included_minutes": 50}),
    ("Hobby — free: 20 AI calls a month, then $0.60 per call.",
     {"price": "0", "unit": "month", "included_calls": 20, "overage_per_call": "0.60"}),
    ("Toll-free numbers included", N),
    # --- per minute
    ("$1.25 per minute", {"price": "1.25", "unit": "minute"}),
    ("$1.25/min", {"price": "1.25", "unit": "minute"}),
    ("$1.25 / min", {"price": "1.25", "unit": "minute"}),
    ("$1.25 a minute", {"price": "1.25", "unit": "minute"}),
    ("$1.25 per min.", {"price": "1.25", "unit": "minute"}),
    ("$0.15 per automated minute", {"price": "0.15", "unit": "minute"}, X),
    ("$2.99 per receptionist minute", {"price": "2.99", "unit": "minute"}),
    ("$0.79 per AI minute", {"price": "0.79", "unit": "minute"}),
    ("$0.50/minute", {"price": "0.50", "unit": "minute"}),
    ("Per minute: $1.37", {"price": "1.37", "unit": "minute"}),
    ("Per-minute rate $1.09", {"price": "1.09", "unit": "minute"}),
    ("99¢ per minute", {"price": "0.99", "unit": "minute"}),
    ("45 cents a minute", {"price": "0.45", "unit": "minute"}),
    # --- per call
    ("$10.50 per call", {"price": "10.50", "unit": "call"}),
    ("$3/call", {"price": "3", "unit": "call"}),
    ("$3.00 per answered call", {"price": "3", "unit": "call"}),
    ("$1.50 per inbound call", {"price": "1.50", "unit": "call"}),
    ("$2.49 each call", {"price": "2.49", "unit": "call"}),
    ("Per call: $8.50", {"price": "8.50", "unit": "call"}),
    # --- per seat, per agent hour
    ("$1,900 per seat per month", {"price": "1900", "unit": "seat_month"}),
    ("$1,900/seat/month", {"price": "1900", "unit": "seat_month"}),
    ("$2,400 per agent per month", {"price": "2400", "unit": "seat_month"}),
    ("$2,400 per agent/mo", {"price": "2400", "unit": "seat_month"}),
    ("$79 per user per month", {"price": "79", "unit": "seat_month"}),
    ("$79/user/mo", {"price": "79", "unit": "seat_month"}),
    ("$28 per agent hour", {"price": "28", "unit": "agent_hour"}),
    ("$28/agent/hr", {"price": "28", "unit": "agent_hour"}),
    ("$28 per hour", {"price": "28", "unit": "agent_hour"}),
    ("$14/hr", {"price": "14", "unit": "agent_hour"}),
    ("$12-$14 per hour", {"price": "12", "unit": "agent_hour"}),
    ("starts at $7-8 per hour per dedicated agent", {"price": "7", "unit": "agent_hour"}),
    ("$1.10–1.40 per minute", {"price": "1.10", "unit": "minute"}),
    ("An agent's base wage in the Philippines is only $2-3 an hour", N),
    ("Online calculators promise agents for $3 an hour", N),
    ("$45 an hour per agent", {"price": "45", "unit": "agent_hour"}),
    ("Hourly rate: $32", {"price": "32", "unit": "agent_hour"}),
    # --- GBP and pence
    ("£35 p/m", {"price": "35", "unit": "month", "currency": "GBP"}),
    ("from just £35 p/m", {"price": "35", "unit": "month", "currency": "GBP"}),
    ("£0 p/m + 85p per minute", {"price": "0.85", "unit": "minute", "currency": "GBP"}),  # no base fee
    ("85p per minute", {"price": "0.85", "unit": "minute", "currency": "GBP"}),
    ("85p/min", {"price": "0.85", "unit": "minute", "currency": "GBP"}),
    ("70p a minute", {"price": "0.70", "unit": "minute", "currency": "GBP"}),
    ("£1.50 per extra call", {"overage_per_call": "1.50", "currency": "GBP"}),
    ("£25 per month for 25 calls", {"price": "25", "included_calls": 25, "currency": "GBP"}),
    ("£2.00 per call", {"price": "2", "unit": "call", "currency": "GBP"}),
    ("GBP 49 per month", {"price": "49", "currency": "GBP"}),
    ("£1,250 pcm", {"price": "1250", "unit": "month", "currency": "GBP"}),
    ("£99 + VAT per month", {"price": "99", "unit": "month", "currency": "GBP"}),
    ("$49/mo", {"price": "49", "currency": "USD", "cur": "GBP"}),  # a $ is never pounds
    # --- EUR, decimal comma
    ("0,99 €", {"price": "0.99", "currency": "EUR"}),
    ("1.299,00 €", {"price": "1299", "currency": "EUR"}),
    ("49,00 € pro Monat", {"price": "49", "unit": "month", "currency": "EUR"}),
    ("€49 per month", {"price": "49", "unit": "month", "currency": "EUR"}),
    ("€0,89/min", {"price": "0.89", "unit": "minute", "currency": "EUR"}),
    ("0,89 € / Minute", {"price": "0.89", "unit": "minute", "currency": "EUR"}),
    ("EUR 1.299,00", {"price": "1299", "currency": "EUR"}),
    ("1 299,00 €", {"price": "1299", "currency": "EUR"}),
    ("29,90 € par mois", {"price": "29.90", "currency": "EUR"}),
    ("US$ 28,00 por hora", {"price": "28", "unit": "agent_hour", "currency": "USD"}),
    ("US$ 4.844,00 por puesto/mes", {"price": "4844", "unit": "seat_month", "currency": "USD"}),
    ("0,45 € por minuto", {"price": "0.45", "unit": "minute", "currency": "EUR"}),
    ("1,20 € pro Anruf", {"price": "1.20", "unit": "call", "currency": "EUR"}),
    ("32,00 € par heure", {"price": "32", "unit": "agent_hour", "currency": "EUR"}),
    # --- CAD / AUD
    ("C$129/mo", {"price": "129", "currency": "CAD"}),
    ("CA$129 per month", {"price": "129", "currency": "CAD"}),
    ("CAD 129 / month", {"price": "129", "currency": "CAD"}),
    ("$129 CAD per month", {"price": "129", "currency": "CAD"}),
    ("$129/mo", {"price": "129", "currency": "CAD", "cur": "CAD"}),
    ("99,00 $ par mois", {"price": "99", "currency": "CAD", "cur": "CAD"}),
    ("A$150 per month", {"price": "150", "currency": "AUD"}),
    ("AU$150/mo", {"price": "150", "currency": "AUD"}),
    ("AUD 2.40 per call", {"price": "2.40", "unit": "call", "currency": "AUD"}),
    ("$150 per month", {"price": "150", "currency": "AUD", "cur": "AUD"}),
    ("$3.50 per call answered", {"price": "3.50", "unit": "call", "currency": "AUD", "cur": "AUD"}),
    # --- included quantities
    ("includes 100 minutes", {"included_minutes": 100}),
    ("100 minutes included", {"included_minutes": 100}),
    ("Includes 1,000 minutes", {"included_minutes": 1000}),
    ("50 receptionist minutes", {"included_minutes": 50}),
    ("200 Abby Minutes", {"included_minutes": 200}),
    ("50 Live Answer Minutes", {"included_minutes": 50}),
    ("up to 75 calls", {"included_calls": 75}),
    ("30 calls / month", {"included_calls": 30}),
    ("90 calls", {"included_calls": 90}),
    ("25 calls included", {"included_calls": 25}),
    ("No minutes included", {"included_minutes": 0}),
    ("0 minutes included", {"included_minutes": 0}),
    ("Minutes included: 60", {"included_minutes": 60}),
    ("Included minutes: 150", {"included_minutes": 150}),
    ("Calls: 300", {"included_calls": 300}),
    ("About 20 calls", {"included_calls": None}),
    ("approximately 40 calls", {"included_calls": None}),
    ("a 30-minute onboarding call", {"included_minutes": None}),
    ("calls under 30 seconds are free", {"included_calls": None}),
    ("100 unique callers", {"included_calls": None}),
    ("CTNP Insights · 8 min read", {"included_minutes": None}),
    ("Set up in 5 minutes to set up your line", {"included_minutes": None}),
    ("$75 per month for 100 AI minutes", {"price": "75", "included_minutes": 100}),
    ("125 minutes for $170", {"price": "170", "included_minutes": 125}),
    ("$350 · 200 minutes", {"price": "350", "included_minutes": 200}),
    ("unlimited minutes", {"included_minutes": None}),
    # --- overage
    ("additional minutes $1.79", {"overage_per_minute": "1.79", "price": None}),
    ("Additional min $2.29", {"overage_per_minute": "2.29"}),
    ("$2.50 per additional minute", {"overage_per_minute": "2.50"}),
    ("then $2.99/min", {"overage_per_minute": "2.99"}),
    ("Overage: $1.99/min", {"overage_per_minute": "1.99"}),
    ("$11.50 per additional call", {"overage_per_call": "11.50"}),
    ("then $3.00 per call", {"overage_per_call": "3"}),
    ("Extra calls $2.49 each", {"overage_per_call": "2.49"}),
    ("each extra minute is $1.60", {"overage_per_minute": "1.60"}),
    ("Each additional minute: $1.95", {"overage_per_minute": "1.95"}),
    ("$49/mo, no minutes included, $2.99 per minute",
     {"price": "49", "unit": "month", "included_minutes": 0, "overage_per_minute": "2.99"}),
    ("$99/mo, 50 minutes, $2.29 per additional minute",
     {"price": "99", "included_minutes": 50, "overage_per_minute": "2.29"}),
    ("$300 for 30 calls, $11.50 per call over",
     {"price": "300", "included_calls": 30, "overage_per_call": "11.50"}),
    ("$150/month, 75 calls, then $2.50 per call",
     {"price": "150", "included_calls": 75, "overage_per_call": "2.50"}),
    ("$19 per month plus $0.79 per AI minute",
     {"price": "19", "unit": "month", "included_minutes": 0, "overage_per_minute": "0.79"}),
    ("$0/month · 25 calls included · Then $3.00 per call",
     {"price": "0", "unit": "month", "included_calls": 25, "overage_per_call": "3"}),
    ("from £2.00 per call · £2.00 per additional call",
     {"price": "2", "unit": "call", "overage_per_call": None}),
    ("For example, a package of £25 for 25 calls", {"price": None}),
    ("Jede weitere Minute: 1,29 €", {"overage_per_minute": "1.29"}),
    ("Minuto adicional: 0,95 €", {"overage_per_minute": "0.95"}),
    ("Minute supplémentaire / additional minute: 1,99 $", {"overage_per_minute": "1.99"}),
    # --- setup
    ("$95 one-time setup", {"setup_fee": "95", "price": None}),
    ("Setup fee: $49.99", {"setup_fee": "49.99"}),
    ("$85 setup fee", {"setup_fee": "85"}),
    ("One-time setup fee of $85", {"setup_fee": "85"}),
    ("No setup fee", {"setup_fee": "0"}),
    ("No setup fees", {"setup_fee": "0"}),
    ("Setup: free", {"setup_fee": "0"}),
    ("$0 setup", {"setup_fee": "0"}),
    ("activation fee $25", {"setup_fee": "25"}),
    ("$499 onboarding fee", {"setup_fee": "499"}),
    # --- increments
    ("billed in 30-second increments", {"billing_increment_seconds": 30}),
    ("All plans billed in 30-second increments", {"billing_increment_seconds": 30}),
    ("6-second increments after the first minute", {"billing_increment_seconds": 6}),
    ("billed per second", {"billing_increment_seconds": 1}),
    ("per-second billing", {"billing_increment_seconds": 1}),
    ("rounded up to the next minute", {"billing_increment_seconds": 60}),
    ("rounded up to the nearest whole minute", {"billing_increment_seconds": 60}),
    ("billed in one-minute increments", {"billing_increment_seconds": 60}),
    ("30 sec increments", {"billing_increment_seconds": 30}),
    ("30-second rounding", {"billing_increment_seconds": 30}),
    ("billing in 1-second intervals", {"billing_increment_seconds": 1}),
    ("billed in half-minute increments", {"billing_increment_seconds": 30}),
    ("Our billing increments are 1 second", {"billing_increment_seconds": 1}),
    ("Billing increment is 6 seconds", {"billing_increment_seconds": 6}),
    ("increments of 30 seconds after the first minute", {"billing_increment_seconds": 30}),
    # --- monthly vs annual
    ("$99/mo | $79/mo billed annually", {"price": "99", "annual_price_per_month": "79"}),
    ("$99/month or $79/month billed yearly", {"price": "99", "annual_price_per_month": "79"}),
    ("$948/year", {"price": "79", "annual_price_per_month": "79"}),
    ("$20/mo billed annually", {"price": "20", "annual_price_per_month": "20"}),
    ("Annual: $66/mo", {"annual_price_per_month": "66"}),
    ("$199/mo ($166/mo paid yearly)", {"price": "199", "annual_price_per_month": "166"}),
    # --- quote-only
    ("Call for pricing", {"unit": "quote", "price": None}),
    ("Custom", {"unit": "quote"}),
    ("Custom pricing", {"unit": "quote"}),
    ("Get a quote", {"unit": "quote"}),
    ("Contact sales", {"unit": "quote"}),
    ("Contact us for a quote", {"unit": "quote"}),
    ("Let's talk", {"unit": "quote"}),
    ("Request a quote", {"unit": "quote"}),
    # --- noise that must give no price
    ("Save $120", N),
    ("Save $120 a year", N),
    ("Save 20%", N),
    ("20% off", N),
    ("Rated 4.8/5", N),
    ("4.9 out of 5 stars", N),
    ("Trusted by 10,000+ businesses", N),
    ("Call 1-888-555-0100", N),
    ("(800) 555-0199", N),
    ("© 2026 Example Inc.", N),
    ("Since 1998", N),
    ("24/7/365", N),
    ("14-day free trial", N),
    ("Try it free for 14 days", N),
    ("Free trial: 200 minutes or 2 weeks", {"price": None}),
    ("$1 trial for 7 days", N),
    ("Businesses lose $75,000 a year in missed calls", N),
    ("How we saved $1,200 on phone bills", N),
    ("was $299", N),
    ("Larger plans down to $1.89 per call", N),
    ("$50 off your first month", N),
    ("Open 9am-5pm", N),
    ("Answer within 3 rings", N),
    ("99% of calls answered", N),
    ("2 for $5", {"price": "5"}),
]


def _params():
    for row in CASES:
        text, expected, *marks = row
        yield pytest.param(text, expected, marks=marks, id=text[:60])


@pytest.mark.parametrize(("text", "expected"), list(_params()))
def test_rate_text(text: str, expected: dict) -> None:
    expected = dict(expected)
    currency = expected.pop("cur", "USD")
    rate = read_rate(text, currency)
    got = rate.as_dict()
    if not expected:
        assert got["price"] is None and got["unit"] is None, f"{text!r} read as {got}"
        return
    for key, want in expected.items():
        value = got[key]
        if isinstance(want, str) and key != "unit" and key != "currency":
            want = Decimal(want)
        assert value == want, f"{text!r}: {key} expected {want!r}, got {value!r} (all: {got})"


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [("85p", "0.85", "GBP"), ("1.299,00 €", "1299", "EUR"), ("C$49", "49", "CAD"),
     ("A$99", "99", "AUD"), ("$1,299.00", "1299", "USD"), ("€1.299", "1299", "EUR")],
)
def test_find_money(text: str, amount: str, currency: str) -> None:
    found = find_money(text)
    assert [(m.amount, m.currency) for m in found] == [(Decimal(amount), currency)]
