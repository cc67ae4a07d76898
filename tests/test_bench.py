"""The benchmark's timing helper: CPU ratios of interleaved runs, on real processes.

No assertion here depends on how fast the machine is: CPU a child is made to
spend is a lower bound of what the helper must count, the order of runs is
read from what the runs wrote, and ratios are checked against the samples.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
try:
    from run import imports
    from timing import Cmd, Ratio, Sample, measure, run, show
finally:
    sys.path.remove(str(REPO / "bench"))

BUSY = 0.2  # CPU seconds the busy child spends before it ends
SPIN = f"import time\nwhile time.process_time() < {BUSY}: pass\n"


def python(code: str, cwd: Path, setup: Callable[[], object] | None = None) -> Cmd:
    return Cmd([sys.executable, "-c", code], cwd, setup=setup)


def test_baseline_and_subject_run_alternately_each_after_its_setup(tmp_path: Path) -> None:
    log = tmp_path / "log"
    setups: list[str] = []

    def append(tag: str) -> str:
        return f"open({str(log)!r}, 'a').write({tag!r})"

    baseline = python(append("b"), tmp_path, lambda: setups.append("B"))
    subject = python(append("s"), tmp_path, lambda: setups.append("S"))
    ratio = measure(baseline, subject, 3)
    assert log.read_text() == "bsbsbs"
    assert setups == ["B", "S", "B", "S", "B", "S"]
    assert len(ratio.baseline) == len(ratio.subject) == len(ratio.ratios) == 3


def test_the_ratio_is_of_cpu_time_not_wall_time(tmp_path: Path) -> None:
    """A sleeping child waits long and costs little; a spinning child costs what it spun."""
    sleep = 2.0
    ratio = measure(python(SPIN, tmp_path), python(f"import time; time.sleep({sleep})", tmp_path),
                    2)
    for busy, sleeper in zip(ratio.baseline, ratio.subject):
        # user + system time of the child, which spun until its own clock said BUSY
        # (rounding of the kernel's accounting aside)
        assert busy.cpu >= BUSY * 0.95
        assert sleeper.wall >= sleep
        assert sleeper.cpu < sleep / 2  # a Python start-up, not the wait
    assert ratio.ratios == tuple(s.cpu / b.cpu for b, s in zip(ratio.baseline, ratio.subject))
    assert ratio.median < 1  # by wall time the sleeper would be the costlier


def test_descendants_the_child_waits_for_count_toward_its_cpu(tmp_path: Path) -> None:
    """As slopolicy's worker processes and git commands do."""
    parent = (f"import subprocess, sys\n"
              f"subprocess.run([sys.executable, '-c', {SPIN!r}], check=True)\n")
    sample = run(python(parent, tmp_path))
    assert sample.cpu >= BUSY * 0.95


def test_a_failing_command_stops_the_benchmark_with_its_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="exited 3: broken"):
        run(python("import sys; sys.stderr.write('broken'); sys.exit(3)", tmp_path))


def test_the_line_prints_min_and_median_and_judges_the_median(
        capsys: pytest.CaptureFixture[str]) -> None:
    ratio = Ratio(baseline=(Sample(1.0, 9.0), Sample(2.0, 9.0), Sample(1.0, 9.0)),
                  subject=(Sample(0.5, 1.0), Sample(0.5, 1.0), Sample(0.9, 1.0)))
    assert ratio.ratios == (0.5, 0.25, 0.9)
    assert show("figure", ratio, 0.6)
    assert not show("figure", ratio, 0.4)  # the least ratio would pass; the median does not
    first, second = capsys.readouterr().out.split("figure")[1:]
    assert "min  0.250x median  0.500x" in first and first.rstrip().endswith(
        "(subject vs baseline, medians of 3)")
    assert "(target <= 0.6x)  ok" in first and "(target <= 0.4x)  MISSED" in second
    assert "CPU 0.50s vs 1.00s, wall 1.00s vs 9.00s" in first


def test_import_time_names_the_modules_a_command_imports(tmp_path: Path) -> None:
    ms, modules = imports(["-c", "import json"], tmp_path, {})
    assert "json" in modules and "json.decoder" in modules and ms > 0
    assert "json" not in imports(["-c", "pass"], tmp_path, {})[1]
