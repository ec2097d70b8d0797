"""Fingerprints of a report's inputs, like Quarto's freeze.

A report is rendered again only when one of its inputs changed: the
notebook, the catalogue, the batch parameters (including the analyst's
commentary), the data it reads (a unit's report: the unit's own values and
its place in the ranking; the department's report: every value) and the
library (its source, templates and version).  Pure functions: they read
files and return hex digests; `stamp_*` build and check the small JSON
stamp kept beside the outputs.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from cchc_lib.core.dataset import Dataset
from cchc_lib.core.units import Registry

from cchc_lib.project import PACKAGE_DIR as PACKAGE
from cchc_lib.project import VERSION

STAMP_SUFFIX = ".freeze"


def digest(obj: Any) -> str:
    """sha256 of a JSON-able value (keys sorted) or of bytes."""
    data = obj if isinstance(obj, bytes) else json.dumps(obj, sort_keys=True, ensure_ascii=False,
                                                           default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def file_digest(path: str | Path | None) -> str:
    if not path:
        return ""
    p = Path(path)
    return digest(p.read_bytes()) if p.is_file() else f"missing:{p}"


@lru_cache(maxsize=1)
def library_digest() -> str:
    """The library's version plus its source and templates (what renders a report)."""
    h = hashlib.sha256(VERSION.encode())
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css", ".js", ".json", ".yaml")
                   and "__pycache__" not in p.parts)
    for p in files:
        h.update(str(p.relative_to(PACKAGE)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def data_digest(dataset: Dataset, unit: str | None, months: Iterable[Any] | None = None) -> str:
    """A unit's own values (unit None: every unit's) in `months` (default: all):
    what a report reads, since a scorecard depends on the period's values only."""
    keep = None if months is None else set(months)
    return digest(sorted([u, i, str(m), v] for (u, i), by in dataset.values.items() if unit is None or u == unit
                         for m, v in by.items() if keep is None or m in keep))


def evidence_digest(dataset: Dataset, months: Iterable[Any]) -> str:
    """The evidence references typed beside the values of these months (the self-assessment shows them)."""
    keep = set(months)
    return digest(sorted([o.unit, o.indicator, str(o.month), dict(o.extra).get("evidence") or ""]
                         for o in dataset.observations if o.month in keep and dict(o.extra).get("evidence")))


def registry_digest(registry: Registry, unit: str | None) -> str:
    units = [registry.get(unit)] if unit is not None else list(registry)
    return digest([[u.code, u.name, u.kind] for u in units])


def fingerprint(parts: Mapping[str, Any]) -> str:
    return digest(dict(parts))


def stamp(fp: str, formats: Iterable[str], parts: Mapping[str, Any]) -> bytes:
    return json.dumps({"fingerprint": fp, "formats": sorted(formats), "inputs": dict(parts)},
                      ensure_ascii=False, indent=1, sort_keys=True, default=str).encode("utf-8")


def is_fresh(stamp_path: Path, fp: str, formats: Iterable[str], outputs: Iterable[Path]) -> bool:
    """True when the stamp matches and every output the batch asks for exists."""
    try:
        doc = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (doc.get("fingerprint") == fp and set(formats) <= set(doc.get("formats", ()))
            and all(p.is_file() for p in outputs))
