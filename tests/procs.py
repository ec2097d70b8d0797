"""Processes found by an environment tag (used by tests/test_kill.py and bench/soak.py)."""
from __future__ import annotations

import os
from pathlib import Path


def tagged(var: str, tag: str) -> list[tuple[int, str]]:
    """Live processes whose environment carries var=tag (every descendant of
    the command inherits it, wherever it was reparented), zombies excepted:
    (pid, the start of its command line)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if f"{var}={tag}".encode() not in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                continue
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append((int(pid), cmd[:120]))
    return found
