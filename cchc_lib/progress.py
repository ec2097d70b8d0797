"""The one progress bar of the command line (tqdm on stderr, in Vietnamese)."""
from __future__ import annotations

import sys
from typing import Any, Iterable

from tqdm import tqdm


def progress(items: Iterable[Any] | None = None, *, total: int | None = None, desc: str, unit: str,
             enabled: bool | None = None, leave: bool = False) -> tqdm:
    """A bar over `items` (or one updated by hand up to `total`).  `enabled`
    None: shown only on a terminal; False: never; True: always."""
    return tqdm(items, total=total, desc=desc, unit=unit, file=sys.stderr, leave=leave, dynamic_ncols=True,
                disable=None if enabled is None else not enabled)
