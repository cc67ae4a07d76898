"""slopolicy's benchmark: every target is a CPU ratio against a baseline run here.

    python bench/run.py            # all workloads (a few minutes on 2 cores)
    python bench/run.py --quick    # skip the 100,000-document memory run

Absolute times on a shared machine are noise; ratios measured in the same run
on the same files are not. Each target runs its baseline and its subject
alternately, ``--repeat`` pairs, and compares their CPU time (user + system,
of the process and the children it waits for: ``bench/timing.py``). Each line
prints the least and the median ratio of the pairs and judges the median; the
CPU and wall medians below it are for information.
"""
from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import editor  # noqa: E402
from generate import OLD_MISTAKE, generate  # noqa: E402
from history import AUDIT, FLOOR, FLOOR_OWN, generate_history  # noqa: E402
from timing import Cmd, measure, peak_rss_mib, run, show  # noqa: E402

SLOPOLICY = [sys.executable, "-m", "slopolicy"]
GIT = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str], repeat: int,
          setup: object = None) -> float:
    """Median CPU seconds of ``repeat`` runs; each must exit 0 (:func:`measure` compares)."""
    cmd = Cmd(argv, cwd, env, setup if callable(setup) else None)
    return statistics.median(run(cmd).cpu for _ in range(repeat))


def workload(root: Path, pairs: int) -> list[Path]:
    paths = generate(root, pairs)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return paths


def committed(root: Path, pairs: int) -> Path:
    """A workload of ``2 * pairs`` documents, committed on ``main`` and branch ``base``."""
    workload(root, pairs)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-q", "-m", "base"], check=True)
    subprocess.run([*GIT, "-C", str(root), "branch", "base"], check=True)
    return root


def editing(path: Path) -> Callable[[], None]:
    """A setup that changes ``path`` before each run: one more comment line."""
    counter = iter(range(1_000_000))

    def touch() -> None:
        with open(path, "a") as f:
            f.write(f"# edit {next(counter)}\n")

    return touch


def line(name: str, value: float, baseline: float, target: float, unit: str = "x") -> bool:
    """One ratio of two figures measured apart (prefer :func:`timing.show` of a :func:`measure`)."""
    ratio = value / baseline
    ok = ratio <= target
    print(f"{name:<58} {ratio:6.2f}{unit}  (target <= {target}{unit}; "
          f"{value:.2f}s vs {baseline:.2f}s CPU)  {'ok' if ok else 'MISSED'}")
    return ok


def cold_vs_check_jsonschema(tmp: Path, env: dict[str, str], repeat: int) -> tuple[bool, float]:
    """Cold check of 4,000 documents / check-jsonschema on the same files; warm / cold."""
    root = tmp / "w4000"
    paths = workload(root, 2000)
    schema = tmp / "bundle.json"
    schema.write_text(subprocess.run(SLOPOLICY + ["schema"], capture_output=True, text=True,
                                     check=True).stdout)
    rel = [str(p.relative_to(root)) for p in paths]
    peer = Cmd([_script("check-jsonschema"), "--schemafile", str(schema), *rel], root, env)
    cold = Cmd(SLOPOLICY + ["check", "--no-cache"], root, env)
    ratio = measure(peer, cold, repeat)
    ok = show("cold check, 4,000 docs / check-jsonschema", ratio, 0.25)
    warm = Cmd(SLOPOLICY + ["check", "--cache-dir", str(tmp / "cache4000")], root, env)
    run(warm)
    ok &= show("warm check, nothing changed / cold check", measure(cold, warm, repeat), 0.25)
    return ok, ratio.cpu()[1]


def warm(root: Path, env: dict[str, str], *args: str, touched: bool = True) -> Cmd:
    """A warm check of ``root`` (its cache beside it), one SLA changed before each run."""
    setup = editing(root / "slas" / "customer-7.yaml") if touched else None
    return Cmd([*SLOPOLICY, "check", "--cache-dir", f"{root}-cache", *args], root, env, setup)


def warm_project(tmp: Path, pairs: int, env: dict[str, str]) -> Path:
    """A committed workload of ``2 * pairs`` documents and its warm cache, made once per run."""
    root = tmp / f"w{2 * pairs}"
    if not root.exists():
        committed(root, pairs)
        for _ in range(2):  # the second run also finds every file's stat index entry settled
            run(warm(root, env, touched=False))
    return root


def one_changed_in_20000(tmp: Path, env: dict[str, str], repeat: int) -> bool:
    """Warm runs cost what changed: 20,000 documents against 1,000, one file changed and none."""
    small, large = warm_project(tmp, 500, env), warm_project(tmp, 10000, env)
    ok = show("warm, one file changed, 20,000 docs / 1,000 docs",
              measure(warm(small, env), warm(large, env), repeat), 1.5)
    ok &= show("warm, nothing changed, 20,000 docs / 1,000 docs",
               measure(warm(small, env, touched=False), warm(large, env, touched=False),
                       repeat), 1.5)
    # the pre-push hook and CI: the same change against a base commit
    show("  the same change, --base / without (warm)",
         measure(warm(large, env), warm(large, env, "--base", "base"), repeat))
    # the same project in an editor: `slopolicy lsp`, from an edit to its diagnostics
    figures = asyncio.run(editor.measure(large, Path(f"{large}-cache"), 20, env=env))
    print(editor.report(figures, 20000))
    ok &= figures.median < 0.3
    return one_file_named(large, env, repeat) and ok




STAT_ALL = """\
import os, sys
for path in open(sys.argv[1], "rb").read().split(b"\\0"):
    if path:
        os.lstat(path)
"""


def one_file_named(root: Path, env: dict[str, str], repeat: int) -> bool:
    """The pre-commit hook's command alone, one changed file named in 20,000 documents, warm.

    Clean, the other files have no problem and git is not opened. With a
    problem elsewhere already committed, the check compares with the changed
    file as HEAD holds it, to tell whether the change made that problem. Both
    against ``check-yaml`` of the same file (information: the target is the
    hook as pre-commit runs it, :func:`precommit_vs_check_yaml`).
    """
    name = "slas/customer-7.yaml"
    check_yaml = Cmd([_check_yaml(), name], root, env)
    named = warm(root, env, "--changed", name)
    run(named)
    show("  the hook's command alone / check-yaml FILE",
         measure(check_yaml, named, repeat))
    # The floor under the pre-commit target: a Python process that only reads every file's
    # signature, as any check must that takes no cached answer on trust, and does no more.
    listed = root.parent / f"{root.name}-files"
    listed.write_bytes(subprocess.run(["git", "-C", str(root), "ls-files", "-z"],
                                      capture_output=True, check=True).stdout)
    show("  Python, a stat of each file, no more / check-yaml FILE",
         measure(check_yaml, Cmd([sys.executable, "-c", STAT_ALL, str(listed)], root, env),
                 repeat))
    mistake = root / "slas" / "old-mistake.yaml"
    mistake.write_text(OLD_MISTAKE)
    _commit(root, "an old mistake")
    run(named)
    show("  the same, a problem elsewhere / check-yaml FILE", measure(check_yaml, named, repeat))
    mistake.unlink()  # the workload is clean again for whatever runs next
    _commit(root, "the old mistake mended")
    return True


PRECOMMIT = """\
repos:
  - repo: local
    hooks:
      - id: slopolicy
        name: slopolicy
        entry: {slopolicy} check --changed --cache-dir {cache}
        language: system
        types_or: [yaml, json]
        always_run: true
        require_serial: true
      - id: check-yaml
        name: check-yaml
        entry: {check_yaml}
        language: system
        types: [yaml]
"""


def precommit_vs_check_yaml(tmp: Path, env: dict[str, str], repeat: int) -> bool:
    """`pre-commit run` of the hook, warm, one staged file in 20,000 docs / of check-yaml.

    Both hooks are local ``system`` hooks running in this environment, as the
    released hook runs in its own (``entry: slopolicy check --changed``), so
    pre-commit's own work is on both sides.
    """
    root = warm_project(tmp, 10000, env)
    (root / ".pre-commit-config.yaml").write_text(PRECOMMIT.format(
        slopolicy=" ".join(SLOPOLICY), cache=f"{root}-cache", check_yaml=_check_yaml()))
    _commit(root, "pre-commit")
    touch = editing(root / "slas" / "customer-7.yaml")

    def stage() -> None:
        touch()
        subprocess.run(["git", "-C", str(root), "add", "slas/customer-7.yaml"], check=True)

    pre_commit = [sys.executable, "-m", "pre_commit", "run"]
    hook = Cmd([*pre_commit, "slopolicy"], root, env, stage)
    check_yaml = Cmd([*pre_commit, "check-yaml"], root, env, stage)
    run(hook)  # pre-commit makes its store once
    return show("pre-commit hook, 1 staged of 20,000 docs / check-yaml",
                measure(check_yaml, hook, repeat), 1.0)


def gate_vs_cold(tmp: Path, env: dict[str, str], repeat: int) -> bool:
    """Cold ``check --base`` (both sides, change rules) / cold check, 4,000 documents."""
    root = committed(tmp / "gate4000", 2000)
    editing(root / "slas" / "customer-7.yaml")()
    cold = Cmd(SLOPOLICY + ["check", "--no-cache"], root, env)
    gated = Cmd(SLOPOLICY + ["check", "--no-cache", "--base", "base"], root, env)
    return show("cold check --base, 4,000 docs / cold check", measure(cold, gated, repeat), 1.3)


def bulk_rename_vs_cold(tmp: Path, env: dict[str, str], repeat: int) -> bool:
    """Cold ``check --base`` of a change that gives every SLA of 1,000 documents a new customer
    name (each taken away from its customer and given to another: each is judged as an edit of
    every other, so this is where a cost that grows with the square would show) / cold check."""
    root = committed(tmp / "bulk1000", 500)
    for path in (root / "slas").glob("*.yaml"):
        path.write_text(path.read_text().replace("customer: customer-", "customer: client-"))
    cold = Cmd(SLOPOLICY + ["check", "--no-cache"], root, env)
    # it needs approvals nobody gave: its findings are the point, not its exit code
    gated = Cmd(SLOPOLICY + ["check", "--no-cache", "--base", "base", "--fail-on", "never"],
                root, env)
    return show("cold check --base, 500 SLAs given new customer names / cold check",
                measure(cold, gated, repeat))


def memory_100000(tmp: Path, env: dict[str, str]) -> bool:
    root = tmp / "w100000"
    workload(root, 50000)
    peak = peak_rss_mib(SLOPOLICY + ["check", "--no-cache", "--jobs", "1"], root, env)
    ok = peak < 1024
    print(f"{'100,000 docs, --jobs 1, peak RSS':<52} {peak:6.0f} MiB  (target < 1024 MiB)  "
          f"{'ok' if ok else 'MISSED'}")
    return ok


def imports(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, set[str]]:
    """``python -X importtime``: milliseconds spent importing (wall, in process), modules."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=cwd, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    found = re.findall(r"^import time:\s+(\d+) \|\s+\d+ \| ( *)(\S+)$", done.stderr, re.M)
    return sum(int(own) for own, _, _ in found) / 1000, {name for _, _, name in found}


def startup(tmp: Path, env: dict[str, str], repeat: int) -> bool:
    """Start-up: CPU against a bare ``python -c pass``; import time; jsonschema not imported."""
    root = tmp / "one"
    workload(root, 1)
    (root / "slas" / "customer-0.yaml").unlink()  # one valid SLO
    bare = Cmd([sys.executable, "-c", "pass"], tmp, env)
    show("slopolicy --version / python -c pass", measure(bare, Cmd(SLOPOLICY + ["--version"],
                                                                     tmp, env), repeat))
    check = ["-m", "slopolicy", "check", "--no-cache"]
    show("one-file check / python -c pass", measure(bare, Cmd([sys.executable, *check], root,
                                                                env), repeat))
    profiles = [(imports(["-c", "pass"], root, env), imports(check, root, env))
                for _ in range(repeat)]
    ms = [own for _, (own, _) in profiles]
    modules = set().union(*(names for _, (_, names) in profiles))
    print(f"{'one-file check, import time (wall, -X importtime)':<52} min {min(ms):5.0f} ms "
          f"median {statistics.median(ms):.0f} ms  (python -c pass: "
          f"{statistics.median(own for (own, _), _ in profiles):.0f} ms; {len(modules)} modules)")
    ok = "jsonschema" not in modules
    print(f"{'  jsonschema imported by a valid one-file check':<52} "
          f"{'yes' if not ok else 'no'}  (target: no)  {'ok' if ok else 'MISSED'}")
    return ok


def audit_vs_floor(tmp: Path, env: dict[str, str], repeat: int) -> bool:
    """``audit --format json`` over 2,000 commits and 50 agreements, against both floors
    (git log + C-loader parses; the same with slopolicy's own loader); its memory at 5,000."""
    root = tmp / "history2000"
    generate_history(root, agreements=50, commits=2000)
    audit = Cmd(AUDIT, root, env)
    ok = show("audit, 2,000 commits, 50 SLAs / C-loader floor",
              measure(Cmd([sys.executable, "-c", FLOOR], root, env), audit, repeat), 1.0)
    ok &= show("audit, 2,000 commits, 50 SLAs / own-loader floor",
               measure(Cmd([sys.executable, "-c", FLOOR_OWN], root, env), audit, repeat), 1.5)
    return ok & audit_memory(tmp, env, 5000, 150)


def audit_memory(tmp: Path, env: dict[str, str], commits: int, limit_mib: int) -> bool:
    """Peak RSS of ``audit --format json`` over ``commits`` commits and 50 agreements."""
    root = tmp / f"history{commits}"
    if not root.exists():
        generate_history(root, agreements=50, commits=commits)
    peak = peak_rss_mib(AUDIT, root, env)
    ok = peak <= limit_mib
    print(f"{f'audit, {commits:,} commits / 50 SLAs, peak RSS':<58} {peak:6.0f} MiB (target "
          f"<= {limit_mib} MiB)  {'ok' if ok else 'MISSED'}")
    return ok


def _script(name: str) -> str:
    """The console script ``name`` of this Python's environment, as a hook's own virtual
    environment runs it: the one beside the interpreter, not a version manager's shim
    found first on PATH (pyenv's is a shell script that costs more than check-yaml)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is needed: pip install -e '.[test]'")
    return found


def _check_yaml() -> str:
    return _script("check-yaml")


def _commit(root: Path, message: str) -> None:
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-q", "-m", message], check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-document and 50,000-commit memory runs")
    parser.add_argument("--repeat", type=int, default=5, help="pairs per ratio (default 5)")
    args = parser.parse_args(argv)
    _script("check-jsonschema")
    _check_yaml()
    # As pip installs it: with compiled bytecode (an editable checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module on every start).
    env = {k: v for k, v in os.environ.items()
           if k not in ("GITHUB_ACTIONS", "PRE_COMMIT", "PYTHONDONTWRITEBYTECODE")}
    import slopolicy

    compileall.compile_dir(os.path.dirname(slopolicy.__file__), quiet=1)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"CPU ratios of {args.repeat} interleaved pairs (subject / baseline)")
    with tempfile.TemporaryDirectory(prefix="slopolicy-bench-") as name:
        tmp = Path(name)
        env["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
        env["PRE_COMMIT_HOME"] = str(tmp / "pre-commit")
        results = [cold_vs_check_jsonschema(tmp, env, args.repeat)[0],
                   one_changed_in_20000(tmp, env, args.repeat),
                   precommit_vs_check_yaml(tmp, env, args.repeat),
                   gate_vs_cold(tmp, env, args.repeat),
                   bulk_rename_vs_cold(tmp, env, args.repeat),
                   startup(tmp, env, args.repeat),
                   audit_vs_floor(tmp, env, args.repeat)]
        if not args.quick:
            results.append(memory_100000(tmp, env))
            results.append(audit_memory(tmp, env, 50_000, 300))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
