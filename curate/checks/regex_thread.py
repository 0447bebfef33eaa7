"""Run a rule's regex-heavy work in a thread of its own, so that its compiled regexes stay cached.

polars keeps compiled regexes in a cache of 32 per thread (least recently used first out). A rule
set uses more distinct patterns than that, in the same order for every batch, so on the thread
that runs the rules every pattern is evicted before its next use and compiled again in every
batch (boilerplate-lines' alone cost ~15 ms per batch to compile; the big phrase alternations
and the datetime pattern most of it). A rule whose own patterns fit in the cache runs its
matching on a thread of its own: nothing else uses that thread's cache, so its patterns are
compiled once per process. The results are the same; only where the work runs changes (the
calling thread waits, so nothing runs concurrently).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_LOCK = threading.Lock()
# key -> (process id, the executor): a process started by fork gets threads of its own
_THREADS: dict[str, tuple[int, ThreadPoolExecutor]] = {}


def run_in_own_thread(key: str, fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` on the thread kept for `key` (one per key and process), waiting for it."""
    pid = os.getpid()
    with _LOCK:
        entry = _THREADS.get(key)
        if entry is None or entry[0] != pid:
            entry = (pid, ThreadPoolExecutor(1, thread_name_prefix=f"curate-{key}"))
            _THREADS[key] = entry
    return entry[1].submit(fn, *args).result()
