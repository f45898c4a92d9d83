"""Bad input: a clear warning or error, zero plans, and a finish (through the real CLI too)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scrapers.extraction import extract_plans

CLI = [sys.executable, "-m", "ratebench.cli", "extract"]


def _cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    # A hang guard for the child process (interpreter start-up included); the 5 s limit is
    # asserted on the extraction call itself in test_hostile_page_is_read_within_the_limit.
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        (b"", "input is empty"),
        (b"   \n\t ", "input is empty"),
        (bytes(range(256)) * 40, "binary data"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>", "PDF document"),
        (b'{"plans": [{"price": 49}]}', "JSON document"),
        ("Starter plan: $99 per month, just text", "no HTML markup"),
        ("<html><body><h1>About us</h1><p>Founded 1998. Call 555-0100.</p></body></html>",
         "no rate plans found"),
    ],
)
def test_bad_input_gives_a_warning_and_no_plans(data: str | bytes, warning: str) -> None:
    result = extract_plans(data, "https://example.com/pricing")
    assert result.plans == []
    assert any(warning in w for w in result.warnings), result.warnings


def test_broken_markup_is_still_read() -> None:
    html = "<html><body><div class=plan><h3>Basic<p>$49/mo<div><li>100 minutes</table></b>"
    result = extract_plans(html)
    assert [(p.name, str(p.price), p.included_minutes) for p in result.plans] == [
        ("Basic", "49", 100)
    ]


def test_wrong_arguments_raise() -> None:
    with pytest.raises(ValueError, match="unknown layers"):
        extract_plans("<p>$1</p>", layers=["magic"])
    with pytest.raises(ValueError, match="currency"):
        extract_plans("<p>$1</p>", currency="XYZ")
    with pytest.raises(TypeError):
        extract_plans(None)  # type: ignore[arg-type]


LIMIT_SECONDS = 5.0  # the limit for any bad input, measured on the extraction call itself


def _deep_page() -> str:
    return "<html><body>" + "<div>" * 5000 + "<p>Pro $99/mo</p>" + "</div>" * 5000 + "</body></html>"


def _big_page() -> str:
    card = '<div class="card"><h3>Plan {i}</h3><p>${i}.99/mo</p><p>{i} minutes</p></div>'
    return "<html><body>" + "".join(card.format(i=i) for i in range(125_000)) + "</body></html>"


@pytest.mark.parametrize(
    ("page", "warning"),
    [
        (_deep_page, "nested deeper than 256 levels"),
        (_big_page, "only the first 1,000,000 were read"),
    ],
    ids=["5000-deep", "10-MB"],
)
def test_hostile_page_is_read_within_the_limit(page, warning: str) -> None:
    html = page().encode()
    started = time.perf_counter()
    result = extract_plans(html, "https://example.com/pricing")
    elapsed = time.perf_counter() - started
    assert elapsed < LIMIT_SECONDS, f"extraction took {elapsed:.2f} s (limit {LIMIT_SECONDS} s)"
    assert any(warning in w for w in result.warnings), result.warnings


def test_ten_megabyte_page_is_ten_megabytes() -> None:
    assert len(_big_page().encode()) >= 10_000_000


def test_deep_nesting_through_cli(tmp_path: Path) -> None:
    page = tmp_path / "deep.html"
    page.write_text(_deep_page())
    proc = _cli(str(page))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["plans"] == []
    assert any("nested deeper than 256 levels" in w for w in out["warnings"])


def test_ten_megabyte_page_through_cli(tmp_path: Path) -> None:
    page = tmp_path / "big.html"
    page.write_text(_big_page())
    assert page.stat().st_size >= 10_000_000
    proc = _cli(str(page))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert any("only the first 1,000,000 were read" in w for w in out["warnings"])
    assert out["plans"]  # what was read is still extracted


@pytest.mark.parametrize("kind", ["missing", "directory", "unreadable", "bad-url"])
def test_unreadable_source_exits_2_with_one_line(tmp_path: Path, kind: str) -> None:
    if kind == "missing":
        source = str(tmp_path / "nope.html")
    elif kind == "directory":
        source = str(tmp_path)
    elif kind == "unreadable":
        p = tmp_path / "locked.html"
        p.write_text("<p>$1</p>")
        p.chmod(0)
        try:
            p.read_bytes()
            pytest.skip("running as root: permissions are not enforced")
        except PermissionError:
            pass
        source = str(p)
    else:
        source = "http://127.0.0.1:9/pricing"
    proc = _cli(source)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert source in lines[0]
