"""Every process-level speed setting, in one place; the domain code stays plain.

* The cyclic garbage collector: off while long-lived objects are built (the
  result cache, restored files, an audit's walk), which then move out of its
  reach (``gc.freeze``), so it does not walk them again and again.
* The worker pool: analysis of many files on every core, workers that die
  with their parent.
* The fast exit: the console script ends without tearing down millions of
  objects one by one.
"""
from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, NoReturn, TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")
H = TypeVar("H", bound=Hashable)


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Build long-lived objects with the cyclic collector off, then freeze them.

    Reading the result cache or parsing a large project builds millions of
    containers and frees almost none. What was loaded is moved out of the
    collector's reach afterwards; :func:`released` gives it back.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def released() -> Iterator[None]:
    """A command's lifetime: what it froze is handed back to the collector at the end."""
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def uncollected() -> Iterator[None]:
    """A command that builds what it keeps to its end, and then ends (an audit): the
    cyclic collector off throughout, its imports and its report included. What such a
    command frees it frees by reference counting; the collector would only walk what
    is kept, again and again, and find next to nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze() -> None:
    """Move everything alive now out of the cyclic collector's reach (see :func:`loading`)."""
    gc.freeze()


class Thaw:
    """For a resident process (the language server), called after each small load.

    A load freezes everything alive (:func:`loading`), the garbage of the
    work before it included, which would then outlive it, some per keystroke
    for the life of the process. Each call hands it back to the collector and
    every ``every`` calls collects it: the collector's own thresholds count
    the whole project, and would wait far longer.
    """

    def __init__(self, every: int = 64) -> None:
        self.every = every
        self.loads = 0

    def __call__(self) -> None:
        gc.unfreeze()
        self.loads += 1
        if self.loads % self.every == 0:
            gc.collect()


class OneCopy:
    """One copy of each equal value lately made (called with a value, gives the copy kept).

    A long history repeats the same few values (an audit keeps a result per
    version): what it keeps shares them. Emptied when full: never more than
    ``size`` values are held.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._kept: dict[Any, Any] = {}

    def __call__(self, value: H) -> H:
        found = self._kept.get(value)
        if found is None:
            if len(self._kept) >= self.size:
                self._kept.clear()
            found = self._kept[value] = value
        return cast(H, found)


def parallel_map(work: Callable[[T], R], batches: Sequence[T], workers: int,
                 done: Callable[[R], None]) -> None:
    """``done(work(batch))`` for each batch in order, on ``workers`` processes when > 1."""
    if workers <= 1:
        for batch in batches:
            done(work(batch))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Forked on Linux, as before 3.14 by default: the worker's parent is this process, which
    # is what it watches (a fork server's children would watch the server).
    linux = sys.platform.startswith("linux")
    context = multiprocessing.get_context("fork") if linux else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_die_with_parent,
                             initargs=(os.getpid() if linux else None,)) as pool:
        for result in pool.map(work, batches):
            done(result)


_PR_SET_PDEATHSIG = 1  # prctl(2)
_WATCH_SECONDS = 0.5


def _die_with_parent(parent: int | None) -> None:
    """A worker's initializer: end the worker when its parent ends, however it ends.

    A worker killed with its parent would otherwise live on, holding the
    parent's stdout open, so ``$(slopolicy check)`` would never return. On
    Linux the kernel sends SIGKILL when the parent dies; elsewhere (or if that
    is refused) a thread watches the parent's pid.
    """
    expected = parent if parent is not None else os.getppid()
    if not _kill_on_parent_death():
        import threading

        threading.Thread(target=_watch_parent, args=(expected,), daemon=True).start()
    if os.getppid() != expected:  # the parent died before the worker could ask
        os._exit(1)


def _kill_on_parent_death() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def exit_now(code: int) -> NoReturn:
    """Flush the output and end the process at once.

    A check of a large repository leaves millions of objects alive; letting
    the interpreter take them apart one by one at exit costs as much as the
    cached check itself (0.4 s for 20,000 documents). Everything is written
    and closed by the time this is called.
    """
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = code or 141
    try:
        sys.stderr.flush()
    finally:
        os._exit(code)
