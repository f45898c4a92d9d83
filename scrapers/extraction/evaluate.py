"""Field-level evaluation of the extraction layers on golden cases.

`python -m scrapers.extraction.evaluate [--layers generic] [--cases mirror|further|all] [-v]`

A golden case is a folder with `input.html`, `meta.json` (url, competitor_id, snapshot) and
`output.json` (the expected contract output). Scoring, micro-averaged over every field of every
plan of every case:

- Expected plans are paired with extracted plans by name (case and whitespace folded), then the
  unpaired ones in page order.
- For a pair, each contract field that is non-null on either side counts: equal values are a
  true positive; a value only extracted, or extracted but wrong, is a false positive; a value only
  expected, or expected but not matched, is a false negative (a wrong value is both). `evidence`
  matches when the extracted text CONTAINS the expected snippet. Fields null on both sides count
  for nothing.
- A missing plan makes all its non-null fields false negatives; an extra plan makes all its
  non-null fields false positives.

Cases whose meta.json says `"render": "browser"` are left out: their saved HTML holds the prices
only in scripts, so they are goldens for the rendering path, not for static extraction.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmark.model import RatePlan
from scrapers.extraction import ALL_LAYERS, extract_plans

ROOT = Path(__file__).resolve().parents[2]
MIRROR = ROOT / "scrapers" / "market" / "snapshots"
FURTHER = ROOT / "tests" / "extraction" / "further"
REGISTRY = ROOT / "scrapers" / "registry.toml"
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RatePlan))  # the contract's keys


@dataclass(frozen=True)
class Case:
    """One golden page."""

    case_id: str
    folder: Path
    url: str | None
    competitor_id: str | None

    def html(self) -> bytes:
        return (self.folder / "input.html").read_bytes()

    def expected(self) -> dict[str, Any]:
        return json.loads((self.folder / "output.json").read_text(encoding="utf-8"))


@dataclass
class Score:
    """True positives, false positives, false negatives, and the mismatches behind them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    mismatches: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.mismatches.extend(other.mismatches)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def discover(which: str = "mirror") -> list[Case]:
    """Golden cases under the mirror snapshots and/or tests/extraction/further."""
    roots = {"mirror": [MIRROR], "further": [FURTHER], "all": [MIRROR, FURTHER]}[which]
    cases = []
    for root in roots:
        if not root.is_dir():
            continue
        for inp in sorted(root.rglob("input.html")):
            folder = inp.parent
            if not (folder / "output.json").is_file() or not (folder / "meta.json").is_file():
                continue
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("render") == "browser":
                continue  # its input.html must be rendered first (the browser flow's goldens)
            cases.append(
                Case(
                    str(folder.relative_to(root.parent)),
                    folder,
                    meta.get("url"),
                    meta.get("competitor_id"),
                )
            )
    return cases


def registry_hints() -> dict[str, tuple[str | None, str | None]]:
    """competitor id -> (country, currency) from the registry, empty when it is absent."""
    try:
        data = tomllib.loads(REGISTRY.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {
        str(c.get("id")): (c.get("country"), c.get("currency"))
        for c in data.get("competitor", [])
        if isinstance(c, dict)
    }


def run_case(case: Case, layers: Sequence[str], hints: dict | None = None) -> dict[str, Any]:
    """The contract output of the given layers on one case."""
    country, currency = (hints or {}).get(case.competitor_id or "", (None, None))
    return extract_plans(
        case.html(), case.url, country=country, currency=currency, layers=layers
    ).to_contract()


def _same(key: str, expected: Any, got: Any) -> bool:
    if key == "evidence":
        return isinstance(got, str) and " ".join(str(expected).split()) in " ".join(got.split())
    if key == "name":
        return _fold(expected) == _fold(got)
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return Decimal(str(expected)) == Decimal(str(got))
    return expected == got


def _fold(name: Any) -> str:
    return " ".join(str(name or "").lower().split())


def pair(expected: list[dict], got: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """Expected and extracted plans paired by name, then the rest in order."""
    pairs: list[tuple[dict | None, dict | None]] = []
    rest_got = list(got)
    rest_exp: list[dict] = []
    for plan in expected:
        twin = next((g for g in rest_got if plan.get("name") and _fold(g.get("name")) == _fold(plan["name"])), None)
        if twin is not None:
            rest_got.remove(twin)
            pairs.append((plan, twin))
        else:
            rest_exp.append(plan)
    for i, plan in enumerate(rest_exp):
        pairs.append((plan, rest_got[i] if i < len(rest_got) else None))
    pairs.extend((None, g) for g in rest_got[len(rest_exp) :])
    return pairs


def score_case(case_id: str, expected: dict[str, Any], got: dict[str, Any]) -> Score:
    """Field-level score of one case, with a readable line per mismatch."""
    score = Score()
    for exp, ext in pair(expected.get("plans", []), got.get("plans", [])):
        label = (exp or ext or {}).get("name")
        for key in FIELDS:
            e = exp.get(key) if exp else None
            g = ext.get(key) if ext else None
            if e is None and g is None:
                continue
            if e is not None and g is not None and _same(key, e, g):
                score.tp += 1
                continue
            if g is not None:
                score.fp += 1
            if e is not None:
                score.fn += 1
            where = "missing plan" if ext is None else "extra plan" if exp is None else "field"
            score.mismatches.append(
                f"{case_id} | plan {label!r} | {key} | expected {e!r} | got {g!r} ({where})"
            )
    return score


def evaluate(cases: Iterable[Case], layers: Sequence[str]) -> tuple[Score, dict[str, Score]]:
    """Micro score over cases and the score of each case."""
    hints = registry_hints()
    total = Score()
    per_case: dict[str, Score] = {}
    for case in cases:
        s = score_case(case.case_id, case.expected(), run_case(case, layers, hints))
        per_case[case.case_id] = s
        total.add(s)
    return total, per_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default=",".join(ALL_LAYERS), help="comma-separated layers")
    parser.add_argument("--cases", choices=("mirror", "further", "all"), default="mirror")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mismatch")
    args = parser.parse_args(argv)
    layers = [x.strip() for x in args.layers.split(",") if x.strip()]
    cases = discover(args.cases)
    if not cases:
        print(f"no golden cases found for {args.cases}", file=sys.stderr)
        return 2
    total, per_case = evaluate(cases, layers)
    for case_id, s in per_case.items():
        print(f"{s.f1:6.3f}  tp={s.tp:3d} fp={s.fp:3d} fn={s.fn:3d}  {case_id}")
    if args.verbose:
        for line in total.mismatches:
            print("  " + line)
    print(
        f"layers={','.join(layers)} cases={len(cases)} ({args.cases}): "
        f"precision={total.precision:.3f} recall={total.recall:.3f} f1={total.f1:.3f} "
        f"(tp={total.tp} fp={total.fp} fn={total.fn})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
