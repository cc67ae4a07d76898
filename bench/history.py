"""An audit workload: a real git history of agreements, written with ``git fast-import``.

    python bench/history.py ROOT [--agreements 50] [--commits 2000]

The first commit holds the policy and, per agreement, an SLA and its backing
SLO (the same documents as ``generate.py``). Every later commit, one every
13 hours from 2022-01-03, changes one agreement the way real ones change: a
new version that starts 30 days after the change, its target up or down;
every 20th commit edits an SLO instead, and a few agreements are moved to
another file. Half the commits carry an ``Approved-by:`` trailer.

Also here: the floor the audit is measured against (``FLOOR``), a script that
does only the unavoidable work: one ``git log --raw`` and one C-loader parse
(ruamel.yaml, ``typ="safe", pure=False``) of every blob it names, read by one
``git cat-file --batch``; ``FLOOR_OWN``, the same with slopolicy's own loader
(``load_bytes``: positions, duplicate keys, exact numbers); and the helpers
that measure the audit against both, in CPU time of interleaved runs, and
its peak memory:

    python bench/history.py ROOT --measure [--repeat 5]
"""
from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import SLA, SLO, TIERS  # noqa: E402

POLICY = """\
extends: default
approvals:
  records: approvals/
  allowedSigners: .slopolicy/allowed_signers
  roles:
    legal: [alice@acme.example, bob@acme.example]
    sre: [carol@acme.example]
  require:
    added: [{role: legal, count: 1}]
    modified: [{role: legal, count: 1}]
    loosened: [{role: legal, count: 1}, {role: sre, count: 1}]
    removed: [{role: legal, count: 1}]
    policy: [{role: sre, count: 1}]
  trailers: counted
"""
TARGETS = ("99.9", "99.95", "99.5", "99.99")
START = datetime.datetime(2022, 1, 3, 9, 0, tzinfo=datetime.timezone.utc)

_FLOOR = r'''
import subprocess, sys
IMPORT
log = subprocess.run(["git", "log", "--raw", "-z", "--no-abbrev", "-M", "--format=%H", "HEAD"],
                     capture_output=True, check=True).stdout.split(b"\0")
raw = [t.lstrip(b"\n") for t in log]
blobs = {t.split(b" ")[3] for t in raw if t.startswith(b":")} - {b"0" * 40}
out = subprocess.run(["git", "cat-file", "--batch"], input=b"\n".join(blobs) + b"\n",
                     capture_output=True, check=True).stdout
pos, parsed = 0, 0
while pos < len(out):
    end = out.index(b"\n", pos)
    size = int(out[pos:end].split(b" ")[2])
    PARSE(out[end + 1:end + 1 + size])
    parsed += 1
    pos = end + 1 + size + 1
print(parsed)
'''
FLOOR = _FLOOR.replace("IMPORT", "from ruamel.yaml import YAML\nyaml = YAML(typ=\"safe\", "
                       "pure=False)").replace("PARSE", "yaml.load")
# The same walk and read, each blob parsed by slopolicy's own loader (positions, duplicate
# keys, exact numbers) instead of the C loader.
FLOOR_OWN = _FLOOR.replace("IMPORT", "from slopolicy.load.files import load_bytes").replace(
    "PARSE(", "load_bytes(\"blob.yaml\", ")
AUDIT = [sys.executable, "-m", "slopolicy", "audit", "--format", "json"]


def sla(i: int, version: int, start: str, target: str) -> str:
    text = SLA.format(i=i, **TIERS[0]).replace("version: 1", f"version: {version}")
    text = text.replace("from: 2025-01-01", f"from: {start}")
    return text.replace("targetPercent: 99.9", f"targetPercent: {target}")


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n%s\n" % (len(raw), raw)


def _commit(number: int, when: datetime.datetime, message: str, files: list[str]) -> bytes:
    stamp = f"{int(when.timestamp())} +0000"
    who = ("Dev", "dev") if number % 3 else ("Erin", "erin")
    head = (f"commit refs/heads/main\nmark :{number}\n"
            f"author {who[0]} <{who[1]}@acme.example> {stamp}\n"
            f"committer {who[0]} <{who[1]}@acme.example> {stamp}\n").encode()
    parent = f"from :{number - 1}\n".encode() if number > 1 else b""
    return head + _data(message) + parent + "".join(files).encode()


def _inline(path: str, text: str) -> str:
    return f"M 100644 inline {path}\n" + _data(text).decode()


def stream(agreements: int, commits: int) -> bytes:
    """The fast-import stream of the whole history."""
    files = [_inline(".slopolicy.yaml", POLICY),
             _inline(".slopolicy/allowed_signers", "# no keys yet\n")]
    for i in range(agreements):
        files += [_inline(f"slos/svc-{i}.yaml", SLO.format(i=i, **TIERS[0])),
                  _inline(f"slas/customer-{i}.yaml", sla(i, 1, "2022-01-01", "99.9"))]
    out = [_commit(1, START - datetime.timedelta(days=2), "the agreements\n", files)]
    versions = [1] * agreements
    paths = [f"slas/customer-{i}.yaml" for i in range(agreements)]
    for number in range(2, commits + 1):
        when = START + datetime.timedelta(hours=13 * number)
        i = (number * 7) % agreements
        trailer = "\nApproved-by: Alice <alice@acme.example>\n" if number % 2 else ""
        if number % 20 == 0:
            target = ("0.9995", "0.9999")[(number // 20) % 2]
            text = SLO.format(i=i, **TIERS[0]).replace("target: 0.9995", f"target: {target}")
            change = _inline(f"slos/svc-{i}.yaml", text)
            out.append(_commit(number, when, f"svc-{i}: SLO {target}\n", [change]))
            continue
        if number % 397 == 0:
            moved = f"slas/moved/customer-{i}.yaml"
            change = f"R {paths[i]} {moved}\n"
            paths[i] = moved
            out.append(_commit(number, when, f"move customer-{i}\n", [change]))
            continue
        versions[i] += 1
        start = (when + datetime.timedelta(days=30)).date().isoformat()
        target = TARGETS[(number // agreements) % len(TARGETS)]
        change = _inline(paths[i], sla(i, versions[i], start, target))
        message = f"customer-{i} v{versions[i]}: {target}\n{trailer}"
        out.append(_commit(number, when, message, [change]))
    return b"".join(out) + b"done\n"


def generate_history(root: Path, agreements: int = 50, commits: int = 2000) -> None:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=root, check=True,
                   input=stream(agreements, commits))
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)


def cpu_runs(commands: Mapping[str, Sequence[str]], cwd: Path, env: Mapping[str, str],
             repeat: int) -> dict[str, list[float]]:
    """CPU seconds (user + system, the process and its children) of each command, run
    ``repeat`` times in turn (interleaved, so a noisy neighbour slows them alike)."""
    found: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(argv, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(argv)} failed: {done.stderr[-2000:]!r}")
            found[name].append(after.ru_utime - before.ru_utime
                               + after.ru_stime - before.ru_stime)
    return found


def peak_rss_mib(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> float:
    """The peak resident memory of one run of ``argv`` (its own process), in MiB."""
    child = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}")
    return usage.ru_maxrss / 1024  # KiB on Linux


def audit_against_floors(root: Path, env: Mapping[str, str], repeat: int
                         ) -> dict[str, tuple[float, float]]:
    """(min, median) CPU seconds of ``audit --format json`` and of both floors."""
    runs = cpu_runs({"audit": AUDIT, "floor": [sys.executable, "-c", FLOOR],
                     "floor_own": [sys.executable, "-c", FLOOR_OWN]}, root, env, repeat)
    return {name: (min(times), statistics.median(times)) for name, times in runs.items()}


def _measure(root: Path, repeat: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    found = audit_against_floors(root, env, repeat)
    for name, (low, mid) in found.items():
        print(f"{name:<10} min {low:6.2f}s  median {mid:6.2f}s")
    for floor in ("floor", "floor_own"):
        print(f"audit / {floor:<10} min {found['audit'][0] / found[floor][0]:5.2f}x  "
              f"median {found['audit'][1] / found[floor][1]:5.2f}x")
    print(f"audit peak RSS {peak_rss_mib(AUDIT, root, env):.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("--agreements", type=int, default=50)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--measure", action="store_true", help="measure the audit of ROOT (an "
                        "existing history) against both floors, and its peak memory")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.measure:
        _measure(args.root, args.repeat)
    else:
        generate_history(args.root, args.agreements, args.commits)
