"""Crash injection for the kill tests: a named point in the build where a test can make the
process die exactly as a power cut or the OOM killer would.

`failpoint("publish.copied")` does nothing unless `EDUWH_FAILPOINT` names that point
(`publish.copied`, or `dbt.event@5` for the fifth time the point is reached). Then it writes one
line to file descriptor 2 — below any redirection of `sys.stderr`, so the test sees it even when
`eduwh run` sends the log to a file — naming the point and every live process of its process
group, and sends SIGKILL to the whole group: the dbt child dies with it, nothing gets to clean up.
Run the build in its own session (the tests do), or the signal reaches whatever started it.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TypeVar

ENV = "EDUWH_FAILPOINT"
_hits: Counter[str] = Counter()
T = TypeVar("T")


def failpoint(name: str) -> None:
    armed = os.environ.get(ENV)
    if not armed or armed.partition("@")[0] != name:
        return
    _hits[name] += 1
    if _hits[name] < int(armed.partition("@")[2] or 1):
        return
    group = os.getpgrp()
    members = "; ".join(f"{pid} {cmd}" for pid, cmd in _group_members(group))
    os.write(2, f"failpoint {name}: SIGKILL to process group {group} [{members}]\n".encode())
    os.killpg(group, signal.SIGKILL)


def _group_members(group: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes in a process group, from /proc (Linux); the
    test checks that the dbt child was among them and that none survived."""
    members = []
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                # "pid (comm) state ppid pgrp …": comm may hold spaces, so split after ")"
                fields = fh.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == group and fields[0] != b"Z":
            members.append((int(entry.name), cmdline))
    return members


def each(name: str, items: Iterable[T]) -> Iterator[T]:
    """Pass `items` through, reaching the failpoint after each one: `dbt.event@5` dies after
    the fifth event dbt streams, while the dbt build is still running."""
    for item in items:
        yield item
        failpoint(name)
