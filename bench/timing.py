"""The benchmark's one timing helper: a subject's CPU time as a ratio of a baseline's.

A shared machine makes absolute times noise: another process takes the cores
and every wall figure moves. What a command costs in CPU moves much less, and
a baseline run in the same minute, on the same files, suffers what the
subject suffers. So :func:`measure` runs baseline and subject alternately
(baseline, subject, baseline, subject, ...), takes each run's CPU time (user
plus system) from ``getrusage(RUSAGE_CHILDREN)`` around it, and keeps one
ratio per pair; the bench prints the least and the median of those ratios,
and judges a target by the median. Wall times are kept for information.

``RUSAGE_CHILDREN`` counts a child and every descendant that was waited for:
slopolicy's worker processes and the git commands it starts are, so their
CPU is part of its figure. A descendant left running is not counted.
"""
from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Cmd:
    """One command to time: ``setup`` runs before each run, outside the measurement."""

    argv: Sequence[str]
    cwd: Path
    env: dict[str, str] | None = None
    setup: Callable[[], object] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Sample:
    cpu: float  # seconds of user + system CPU of the child and its waited-for descendants
    wall: float  # seconds from start to exit


@dataclass(frozen=True)
class Ratio:
    """Interleaved samples of a baseline and a subject; one CPU ratio per pair."""

    baseline: tuple[Sample, ...]
    subject: tuple[Sample, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(s.cpu / max(b.cpu, 1e-6) for b, s in zip(self.baseline, self.subject))

    @property
    def min(self) -> float:
        return min(self.ratios)

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    def cpu(self) -> tuple[float, float]:
        """Median CPU seconds of (baseline, subject)."""
        return (statistics.median(s.cpu for s in self.baseline),
                statistics.median(s.cpu for s in self.subject))

    def wall(self) -> tuple[float, float]:
        """Median wall seconds of (baseline, subject)."""
        return (statistics.median(s.wall for s in self.baseline),
                statistics.median(s.wall for s in self.subject))


def children_cpu() -> float:
    """User + system seconds of every child of this process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: Cmd) -> Sample:
    """Run ``cmd`` once (after its setup); it must exit 0."""
    if cmd.setup is not None:
        cmd.setup()
    before, start = children_cpu(), time.perf_counter()
    done = subprocess.run(list(cmd.argv), cwd=cmd.cwd, env=cmd.env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - before
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd.argv)} exited {done.returncode}: {done.stderr[-2000:]}")
    return Sample(cpu, wall)


def measure(baseline: Cmd, subject: Cmd, repeat: int) -> Ratio:
    """``repeat`` interleaved pairs: baseline, subject, baseline, subject, ..."""
    pairs = [(run(baseline), run(subject)) for _ in range(repeat)]
    return Ratio(tuple(b for b, _ in pairs), tuple(s for _, s in pairs))


def show(name: str, ratio: Ratio, target: float | None = None) -> bool:
    """Print ``name``'s line: min and median CPU ratio, then both sides' CPU and wall medians.

    With a ``target``, the median must be at most that (``ok``/``MISSED``).
    """
    ok = target is None or ratio.median <= target
    (bc, sc), (bw, sw) = ratio.cpu(), ratio.wall()
    verdict = "(information)" if target is None else \
        f"(target <= {target}x)  {'ok' if ok else 'MISSED'}"
    print(f"{name:<52} min {_x(ratio.min)} median {_x(ratio.median)}  {verdict}\n"
          f"{'':4}CPU {sc:.2f}s vs {bc:.2f}s, wall {sw:.2f}s vs {bw:.2f}s "
          f"(subject vs baseline, medians of {len(ratio.ratios)})")
    sys.stdout.flush()
    return ok


def _x(ratio: float) -> str:
    """A ratio to three figures below 1 (0.245x), to two decimals above (2.27x)."""
    return f"{ratio:6.3f}x" if ratio < 1 else f"{ratio:6.2f}x"


def peak_rss_mib(argv: Sequence[str], cwd: Path, env: dict[str, str] | None) -> float:
    """Peak resident memory of ``argv`` and its descendants, in MiB, as a parent sees it.

    Measured in a fresh parent: this process's ``RUSAGE_CHILDREN`` peak holds
    the largest child so far, whichever that was.
    """
    probe = ("import resource, subprocess, sys\n"
             "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe, *argv], cwd=cwd, env=env,
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1]) / 1024
