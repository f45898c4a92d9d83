"""The offline market: dated, layered snapshots of competitors' pricing pages.

Layout: ``snapshots/<YYYY-MM-DD>/snapshot.toml`` plus page folders
``snapshots/<DATE>/<host>/<url path>/`` holding ``input.html``, ``meta.json`` and ``output.json``
(a web-poet style golden case), and ``<DATE>/<host>/robots.txt``.

A later snapshot holds only what changed: a path is looked up from the requested snapshot back
to the oldest, and the first snapshot that says anything about it wins. Within one snapshot,
``errors`` (status), ``redirects`` (301) and ``removed`` (404) in ``snapshot.toml`` take
precedence over a page folder. Rules are inherited like pages until a later snapshot overrides
the path (with a page folder or another rule).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

SNAPSHOTS_DIR = Path(__file__).with_name("snapshots")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SnapshotError(ValueError):
    """An unknown snapshot or a malformed snapshot.toml; the message names it."""


@dataclass(frozen=True)
class Rules:
    """One snapshot's snapshot.toml: paths normalized to '/host/path/'."""

    removed: frozenset[str] = frozenset()
    redirects: dict[str, str] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolution:
    """What the mirror answers for one path in one snapshot."""

    status: int
    folder: Path | None = None  # the page folder, for status 200
    location: str | None = None  # mirror path of the redirect target, for 301
    source: str | None = None  # the snapshot that decided the answer


@dataclass(frozen=True)
class GoldenCase:
    """One page as served in a snapshot, with the extraction it must yield."""

    path: str
    folder: Path
    meta: dict[str, Any]
    expected: dict[str, Any]

    @property
    def html(self) -> str:
        return (self.folder / "input.html").read_text(encoding="utf-8")


def normalize(path: str) -> str:
    """'/www.x.com/pricing' and '/www.x.com/pricing/' are one page: '/www.x.com/pricing/'."""
    path = unquote(urlsplit(path).path)
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def mirror_path(url: str) -> str:
    """The mirror path for a real URL: https://www.x.com/pricing/ -> /www.x.com/pricing/."""
    parts = urlsplit(url)
    if not parts.netloc:
        raise ValueError(f"not an absolute URL: {url!r}")
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"/{parts.netloc.lower()}{path}{query}"


def real_url(path: str, scheme: str = "https") -> str:
    """The inverse of mirror_path: /www.x.com/pricing/ -> https://www.x.com/pricing/."""
    host, _, rest = path.lstrip("/").partition("/")
    return f"{scheme}://{host}/{rest}"


def available_snapshots(root: Path = SNAPSHOTS_DIR) -> list[str]:
    """Snapshot dates, oldest first."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _DATE.match(p.name))


def check_snapshot(snapshot: str | None, root: Path = SNAPSHOTS_DIR) -> str:
    """The snapshot to use (latest when None); an unknown one names those available."""
    dates = available_snapshots(root)
    if not dates:
        raise SnapshotError(f"no snapshots found under {root}")
    if snapshot is None:
        return dates[-1]
    if snapshot not in dates:
        raise SnapshotError(f"unknown snapshot {snapshot!r}; available: {', '.join(dates)}")
    return snapshot


def _layers(snapshot: str, root: Path) -> list[str]:
    """The requested snapshot and every older one, newest first."""
    dates = available_snapshots(root)
    return [d for d in reversed(dates) if d <= snapshot]


@lru_cache(maxsize=64)
def _rules_cached(file: Path, mtime: float) -> Rules:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SnapshotError(f"{file}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"removed", "redirects", "errors"})
    if unknown:
        raise SnapshotError(f"{file}: unknown key {unknown[0]!r} (known: removed, redirects, errors)")
    removed = data.get("removed", [])
    redirects = data.get("redirects", {})
    errors = data.get("errors", {})
    if not isinstance(removed, list) or not all(isinstance(p, str) for p in removed):
        raise SnapshotError(f"{file}: 'removed' must be a list of paths, got {removed!r}")
    if not isinstance(redirects, dict) or not all(isinstance(v, str) for v in redirects.values()):
        raise SnapshotError(f"{file}: 'redirects' must map paths to paths, got {redirects!r}")
    for path, status in errors.items():
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise SnapshotError(f"{file}: errors[{path!r}] must be an HTTP status 400-599, got {status!r}")
    return Rules(
        removed=frozenset(normalize(p) for p in removed),
        redirects={normalize(k): normalize(v) for k, v in redirects.items()},
        errors={normalize(k): v for k, v in errors.items()},
    )


def load_rules(snapshot: str, root: Path = SNAPSHOTS_DIR) -> Rules:
    """The rules declared by one snapshot (not inherited ones)."""
    file = root / snapshot / "snapshot.toml"
    if not file.is_file():
        return Rules()
    return _rules_cached(file, file.stat().st_mtime)


def _folder(root: Path, date: str, path: str) -> Path | None:
    relative = path.strip("/")
    if not relative or ".." in relative.split("/"):
        return None
    folder = root / date / relative
    return folder if (folder / "input.html").is_file() else None


def resolve(snapshot: str | None, path: str, root: Path = SNAPSHOTS_DIR) -> Resolution:
    """What the mirror serves for `path` ('/host/path/') in `snapshot`, with layering."""
    snapshot = check_snapshot(snapshot, root)
    key = normalize(path)
    for date in _layers(snapshot, root):
        rules = load_rules(date, root)
        if key in rules.errors:
            return Resolution(status=rules.errors[key], source=date)
        if key in rules.redirects:
            return Resolution(status=301, location=rules.redirects[key], source=date)
        if key in rules.removed:
            return Resolution(status=404, source=date)
        folder = _folder(root, date, key)
        if folder is not None:
            return Resolution(status=200, folder=folder, source=date)
    return Resolution(status=404)


def host_robots(snapshot: str | None, root: Path = SNAPSHOTS_DIR) -> dict[str, str]:
    """Each host's robots.txt as of `snapshot` (the newest layer that has one)."""
    snapshot = check_snapshot(snapshot, root)
    found: dict[str, str] = {}
    for date in _layers(snapshot, root):
        for file in sorted((root / date).glob("*/robots.txt")):
            found.setdefault(file.parent.name, file.read_text(encoding="utf-8"))
    return dict(sorted(found.items()))


def _parse_robots(text: str) -> dict[str, list[tuple[str, str]]]:
    """user-agent (lowercased) -> [(Allow|Disallow, path)] for one host's robots.txt."""
    groups: dict[str, list[tuple[str, str]]] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        name = name.lower()
        if name == "user-agent":
            if in_rules:  # a user-agent after rules starts a new group
                agents, in_rules = [], False
            agents.append(value.lower())
            for agent in agents:
                groups.setdefault(agent, [])
        elif name in ("allow", "disallow"):
            in_rules = True
            if value:  # an empty Disallow allows everything: nothing to carry over
                for agent in agents:
                    groups[agent].append(("Allow" if name == "allow" else "Disallow", value))
    return groups


def merged_robots(snapshot: str | None, root: Path = SNAPSHOTS_DIR) -> str:
    """One root robots.txt for the mirror: every host's rules with '/<host>' prefixed."""
    per_host = {host: _parse_robots(text) for host, text in host_robots(snapshot, root).items()}
    agents = sorted({agent for groups in per_host.values() for agent in groups} - {"*"})
    lines = ["# ratebench offline market: per-host robots.txt merged, host prefixed to each path."]
    for agent in [*agents, "*"]:
        rules: list[tuple[str, str]] = []
        for host, groups in per_host.items():
            # A crawler obeys only its most specific group, so a named group on the mirror must
            # also carry the '*' rules of every host that has no group for that agent.
            for verb, path in groups.get(agent, groups.get("*", [])):
                prefixed = "/" + host + (path if path.startswith(("/", "*")) else "/" + path)
                rules.append((verb, prefixed.replace(f"/{host}*", f"/{host}/*")))
        lines += ["", f"User-agent: {agent}"]
        lines += [f"{verb}: {path}" for verb, path in rules] or ["Disallow:"]
    return "\n".join(lines) + "\n"


def page_paths(snapshot: str | None, root: Path = SNAPSHOTS_DIR) -> list[str]:
    """Every page path any layer up to `snapshot` holds or names in a rule."""
    snapshot = check_snapshot(snapshot, root)
    paths: set[str] = set()
    for date in _layers(snapshot, root):
        base = root / date
        paths.update(normalize("/" + str(f.parent.relative_to(base))) for f in base.rglob("input.html"))
        rules = load_rules(date, root)
        paths.update(rules.removed, rules.redirects, rules.errors)
    return sorted(paths)


def golden_cases(snapshot: str | None, root: Path = SNAPSHOTS_DIR) -> list[GoldenCase]:
    """The pages served with status 200 in `snapshot`, each with its expected extraction."""
    cases = []
    for path in page_paths(snapshot, root):
        resolution = resolve(snapshot, path, root)
        if resolution.status == 200 and resolution.folder is not None:
            folder = resolution.folder
            cases.append(
                GoldenCase(
                    path=path,
                    folder=folder,
                    meta=json.loads((folder / "meta.json").read_text(encoding="utf-8")),
                    expected=json.loads((folder / "output.json").read_text(encoding="utf-8")),
                )
            )
    return cases


def final_resolution(snapshot: str | None, url: str, root: Path = SNAPSHOTS_DIR) -> Resolution:
    """Follow mirror redirects (at most 10) from a real URL to the final answer."""
    path = mirror_path(url)
    for _ in range(10):
        resolution = resolve(snapshot, path, root)
        if resolution.status != 301 or resolution.location is None:
            return resolution
        path = resolution.location
    raise SnapshotError(f"redirect loop from {url} in snapshot {snapshot}")
