"""Differential fuzzer: a warm ``check --base`` must say, byte for byte, what a cold one says.

Usage: PYTHONPATH=. python scripts/fuzz_warm_gate.py --seeds 0-9 --steps 200

Each seed builds a real git repository from the documents in examples/ and
tests/formats, commits a base on ``main``, and applies random edits on the
branch ``change``; after each step it runs ``slopolicy check --base main``
(sometimes ``--head REF``, sometimes without a base) warm (a cache folder
kept across steps) and cold (``--no-cache``), in text and JSON, in-process,
and compares exit code, stdout and stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SUBPROCESS = 0.05  # the share of runs made in a process of their own
PRE_PUSH = "(pre-push)"  # no arguments: pre-commit's pre-push refs in the environment
DATE = "2025-03-01T12:00:00+00:00"

POLICY = """\
extends: default
documents:
  include: {include}
approvals:
  records: approvals/
  allowedSigners: .slopolicy/allowed_signers
  roles:
    legal: [alice@acme.example, bob@acme.example]
    sre: [carol@acme.example]
  require:
    added: [{{role: legal, count: 1}}]
    modified: [{{role: legal, count: 1}}]
    loosened: [{{role: legal, count: 1}}, {{role: sre, count: 1}}]
    removed: [{{role: legal, count: 1}}]
    policy: [{{role: sre, count: 1}}]
rules:
  sla-backed-by-slo: {backed}
{waivers}{policies}"""
HOUSE = """\
apiVersion: slopolicy/v1
kind: Policy
metadata:
  name: house-rules
spec:
  rules:
    - id: three-nines
      severity: warning
      match: {kind: SLA}
      assert: >-
        spec.objectives.all(o, !has(o.targetPercent) || o.targetPercent >= 99.5)
      message: promises less than 99.5%
    - id: service-exists
      severity: warning
      match: {kind: SLO}
      assert: >-
        documents.exists(d, d.kind == 'Service' && d.metadata.name == spec.service)
      message: no such service
"""
POLICIES = ("", "policies: [house/rules.yaml]\n", "policies: [house/]\n")
WAIVERS = ("", """waivers:
  - {rule: sla-change-approval, document: SLA/globex-public-api, reason: "fuzz", expires: 2099-01-31}
  - {rule: slo-headroom, document: SLO/public-api-availability, reason: "fuzz", expires: 2099-01-31}
  - {rule: sla-version-bump, document: SLA/initech-checkout, reason: "fuzz", expires: 2099-01-31}
""")
INCLUDES = ('["**/*.yaml"]', '["slas/", "slos/", "slis/", "services/"]',
            '["**/*.yaml", "**/*.yml"]', '["s*/**/*.yaml"]')
FOLDERS = ("slas", "slos", "slis", "services", "slas/sub", "slos/a", "slos/z", "a", "zz",
           "other", "slas-x", "s", "slos/a/b")
INLINE_SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: {name}
spec:
  service: {service}
  indicator:
    metadata: {{name: {name}-inline}}
    spec:
      ratioMetric:
        counter: true
        good: {{metricSource: {{type: Prometheus, spec: {{query: 'sum(ok)'}}}}}}
        total: {{metricSource: {{type: Prometheus, spec: {{query: 'sum(all)'}}}}}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: internal
      target: {target}
"""
BROKEN = ("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: [\n",
          "apiVersion: slopolicy/v1\nkind: SLA\nmetadata:\n  name: x\n spec: 1\n",
          "\t- : :\n", "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: }\nspec: {}\n")


def pool() -> list[str]:
    """Every document of the examples and test formats, one text each."""
    files = sorted((ROOT / "examples" / "acme").rglob("*.yaml"))
    files += sorted((ROOT / "tests" / "formats" / "slas").glob("*.yaml"))
    files += sorted((ROOT / "tests" / "formats" / "openslo").rglob("*.yaml"))
    docs: list[str] = []
    for f in files:
        if f.name.startswith(".slopolicy"):
            continue
        for part in re.split(r"(?m)^---\s*$", f.read_text()):
            if "apiVersion" in part:
                docs.append(part.strip("\n") + "\n")
    docs.append(INLINE_SLO.format(name="inline-availability", service="public-api",
                                  target="0.9995"))
    docs.append(INLINE_SLO.format(name="inline-checkout", service="checkout", target="0.999"))
    return docs


class Repo:
    """A real repository with ``main`` and ``change``, and slopolicy run in-process."""

    def __init__(self, root: Path, keys: Path, rng: random.Random) -> None:
        self.root, self.keys, self.rng = root, keys, rng
        self.cache = root.parent / "kept-cache"
        self.tick = 0

    def env(self) -> dict[str, str]:
        self.tick += 1
        date = f"2025-03-{2 + self.tick // 1440:02d}T{(self.tick // 60) % 24:02d}:" \
               f"{self.tick % 60:02d}:00+00:00"
        return {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
                "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@acme.example",
                "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@acme.example"}

    def git(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, env=env or self.env(),
                              capture_output=True, text=True)
        if check and done.returncode:
            raise RuntimeError(f"git {args}: {done.stderr}")
        return done.stdout

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file() and ".git" not in p.parts
                      and p.suffix in (".yaml", ".yml"))

    def docfiles(self) -> list[Path]:
        return [p for p in self.files() if not p.name.startswith(".slopolicy")
                and "approvals" not in p.parts and "house" not in p.parts]

    def run(self, *args: str) -> tuple[int, str, str]:
        if self.rng.random() < SUBPROCESS:  # a process of its own: no state shared
            done = subprocess.run([sys.executable, "-m", "slopolicy", *args], cwd=self.root,
                                  capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            return done.returncode, done.stdout.decode(), done.stderr.decode()
        from slopolicy.cli import main
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        old = Path.cwd()
        os.chdir(self.root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(list(args))
                except SystemExit as exc:  # argparse's usage errors
                    code = int(exc.code or 0)
        finally:
            os.chdir(old)
        out.flush()
        err.flush()
        return code, out.buffer.getvalue().decode(), err.buffer.getvalue().decode()


# ---- edits -----------------------------------------------------------------------------

def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def pick(repo: Repo) -> Path | None:
    files = repo.docfiles()
    return repo.rng.choice(files) if files else None


def edit_target(repo: Repo) -> str:
    f = pick(repo)
    if f is None:
        return "nothing"
    text = f.read_text()
    rng = repo.rng
    spots = list(re.finditer(r"(targetPercent|target): ([0-9.]+)", text))
    if not spots:
        return "no target"
    m = rng.choice(spots)
    if m.group(1) == "target":
        new = rng.choice(["0.9", "0.99", "0.999", "0.9995", "0.99999", "0.95"])
    else:
        new = rng.choice(["95", "99", "99.5", "99.9", "99.95", "99.99", "90"])
    write(f, text[:m.start(2)] + new + text[m.end(2):])
    return f"target {f.relative_to(repo.root)} -> {new}"


def edit_sla_terms(repo: Repo) -> str:
    f = pick(repo)
    if f is None:
        return "nothing"
    text = f.read_text()
    rng = repo.rng
    subs = [(r"version: (\d+)", lambda m: f"version: {int(m.group(1)) + rng.choice([0, 1])}"),
            (r"calendar: month", lambda m: rng.choice(["calendar: week", "calendar: month"])),
            (r"rolling: 30d", lambda m: rng.choice(["rolling: 28d", "rolling: 30d"])),
            (r"threshold: (\w+)", lambda m: f"threshold: {rng.choice(['300ms', '500ms', '1s'])}"),
            (r"from: ([0-9-]+)", lambda m: f"from: {rng.choice(['2025-01-01', '2025-04-01', '2024-06-01'])}"),
            (r"customer: (\S+)", lambda m: f"customer: {rng.choice(['globex', 'initech', m.group(1)])}"),
            (r"budgetingMethod: \w+", lambda m: f"budgetingMethod: {rng.choice(['Occurrences', 'Timeslices'])}")]
    pattern, sub = rng.choice(subs)
    new = re.sub(pattern, sub, text, count=1)
    write(f, new)
    return f"terms {f.relative_to(repo.root)} {pattern}"


def edit_query(repo: Repo) -> str:
    f = pick(repo)
    if f is None:
        return "nothing"
    text = f.read_text()
    spots = list(re.finditer(r"query: (.*)", text))
    if not spots:
        return "no query"
    m = repo.rng.choice(spots)
    new = repo.rng.choice(["sum(requests)", "sum(ok)", "'sum(x{a=\"b\"})'", m.group(1)])
    write(f, text[:m.start(1)] + new + text[m.end(1):])
    return f"query {f.relative_to(repo.root)}"


def edit_name(repo: Repo) -> str:
    f = pick(repo)
    if f is None:
        return "nothing"
    text = f.read_text()
    names = list(re.finditer(r"(?m)^  name: (\S+)|metadata: \{name: ([^,}]+)", text))
    if not names:
        return "no name"
    m = repo.rng.choice(names)
    g = 1 if m.group(1) else 2
    new = repo.rng.choice(["renamed", m.group(g) + "-2", "public-api-availability",
                           "globex-public-api", "public-api-success"])
    write(f, text[:m.start(g)] + new + text[m.end(g):])
    return f"name {f.relative_to(repo.root)} -> {new}"


def move(repo: Repo) -> str:
    f = pick(repo)
    if f is None:
        return "nothing"
    rng = repo.rng
    dest = repo.root / rng.choice(FOLDERS) / (rng.choice([f.stem, "x", "a", "z", "é t", "-n",
                                                          "A", "a b", "\"q\""]) +
                                                rng.choice([".yaml", ".yaml", ".yml"]))
    if dest.exists():
        return "exists"
    dest.parent.mkdir(parents=True, exist_ok=True)
    tracked = repo.git("ls-files", "--", str(f.relative_to(repo.root))).strip()
    if tracked and rng.random() < 0.5:
        repo.git("mv", str(f.relative_to(repo.root)), str(dest.relative_to(repo.root)))
    else:
        f.rename(dest)
    return f"move {f.relative_to(repo.root)} -> {dest.relative_to(repo.root)}"


def duplicate(repo: Repo) -> str:
    rng = repo.rng
    docs = []
    for f in repo.docfiles():
        docs += [d for d in re.split(r"(?m)^---\s*$", f.read_text()) if "apiVersion" in d]
    if not docs:
        return "nothing"
    doc = rng.choice(docs).strip("\n") + "\n"
    dest = repo.root / rng.choice(FOLDERS) / f"dup{rng.randrange(5)}.yaml"
    if dest.exists() and rng.random() < 0.5:
        write(dest, dest.read_text() + "---\n" + doc)
    else:
        write(dest, doc)
    return f"duplicate into {dest.relative_to(repo.root)}"


def add_new(repo: Repo, docs: list[str]) -> str:
    rng = repo.rng
    dest = repo.root / rng.choice(FOLDERS) / f"new{rng.randrange(6)}.yaml"
    write(dest, rng.choice(docs))
    return f"new {dest.relative_to(repo.root)}"


def delete(repo: Repo) -> str:
    f = pick(repo)
    if f is None:
        return "nothing"
    f.unlink()
    return f"delete {f.relative_to(repo.root)}"


def broken(repo: Repo) -> str:
    rng = repo.rng
    if rng.random() < 0.5 and repo.docfiles():
        f = rng.choice(repo.docfiles())
    else:
        f = repo.root / rng.choice(FOLDERS) / f"broken{rng.randrange(3)}.yaml"
    write(f, rng.choice(BROKEN))
    return f"broken {f.relative_to(repo.root)}"


PLAIN = ("foo: bar\n", "", "name: {{ .Values.name }}\n", "apiVersion: v1\nkind: ConfigMap\n",
         "# a comment\n", "---\n---\n")


def plain(repo: Repo) -> str:
    """A document file that becomes YAML of no known apiVersion (or the reverse)."""
    rng = repo.rng
    if rng.random() < 0.7 and repo.docfiles():
        f = rng.choice(repo.docfiles())
    else:
        f = repo.root / rng.choice(FOLDERS) / f"plain{rng.randrange(3)}.yaml"
    write(f, rng.choice(PLAIN))
    return f"plain {f.relative_to(repo.root)}"


def symlink(repo: Repo) -> str:
    """A document path that becomes a link (to a file or a folder), or a link removed."""
    rng = repo.rng
    links = [p for p in repo.root.rglob("*") if p.is_symlink() and ".git" not in p.parts]
    if links and rng.random() < 0.5:
        link = rng.choice(links)
        link.unlink()
        return f"unlink {link.relative_to(repo.root)}"
    files = repo.docfiles()
    if not files:
        return "nothing"
    target = rng.choice(files)
    link = repo.root / rng.choice(FOLDERS) / f"link{rng.randrange(2)}.yaml"
    if link.exists() or link.is_symlink():
        return "exists"
    link.parent.mkdir(parents=True, exist_ok=True)
    if rng.random() < 0.3:
        link = link.with_suffix("")
        link.symlink_to(target.parent.resolve(), target_is_directory=True)
    else:
        link.symlink_to(os.path.relpath(target, link.parent))
    return f"link {link.relative_to(repo.root)}"


def into_folder(repo: Repo) -> str:
    """A document file replaced by a folder of its name that holds it (or .gitattributes
    that makes git store other bytes than the working tree's)."""
    rng = repo.rng
    if rng.random() < 0.3:
        write(repo.root / ".gitattributes", rng.choice(["*.yaml text eol=crlf\n",
                                                        "*.yaml -text\n", ""]))
        return "gitattributes"
    f = pick(repo)
    if f is None:
        return "nothing"
    text = f.read_text()
    f.unlink()
    write(f / "inner.yaml", text)
    return f"into folder {f.relative_to(repo.root)}"


def damage_cache(repo: Repo) -> str:
    """A cache file truncated, its data no longer as signed, or deleted: each is a miss."""
    rng = repo.rng
    files = sorted(repo.cache.rglob("*.cache"))
    if not files:
        return "no cache"
    f = rng.choice(files)
    raw = f.read_bytes()
    how = rng.randrange(3)
    if how == 0:
        f.write_bytes(raw[:len(raw) // 2])
    elif how == 1 and raw.count(b"\n") >= 2:
        start = raw.index(b"\n", raw.index(b"\n") + 1) + 1
        f.write_bytes(raw[:start] + b"x" * (len(raw) - start))
    else:
        f.unlink()
    return f"damage {f.name} ({how})"


def policy(repo: Repo) -> str:
    rng = repo.rng
    choice = rng.randrange(6)
    if choice == 4:
        (repo.root / ".slopolicy.yaml").unlink(missing_ok=True)
        return "policy deleted"
    if choice == 5:
        write(repo.root / rng.choice(FOLDERS) / ".slopolicy.yaml",
              POLICY.format(include='["**/*.yaml"]', backed="warning", waivers="", policies=""))
        return "sub policy in full"
    if choice == 0:
        write(repo.root / ".slopolicy.yaml",
              POLICY.format(include=rng.choice(INCLUDES), backed=rng.choice(['"off"', "warning"]),
                            waivers=rng.choice(WAIVERS), policies=rng.choice(POLICIES)))
        return "policy rewritten"
    if choice == 1:
        signers = repo.root / ".slopolicy" / "allowed_signers"
        line = (repo.keys / "mallory.pub").read_text().strip()
        write(signers, signers.read_text() + f'mallory@acme.example namespaces="slopolicy" {line}\n')
        return "signers + mallory"
    if choice == 2:
        write(repo.root / rng.choice(FOLDERS) / ".slopolicy.yaml", "extends: default\n")
        return "sub policy"
    p = repo.root / ".slopolicy.yaml"
    if not p.exists():
        return "no policy"
    write(p, p.read_text().replace("count: 1}]\n    policy", "count: 2}]\n    policy"))
    return "policy require"


def approve(repo: Repo) -> str:
    """A signed approval of a changed agreement (or of the policy), as an approver makes it."""
    rng = repo.rng
    since = repo.git("merge-base", "main", "HEAD").strip()
    changed = repo.git("diff", "--name-only", since).split() + repo.git(
        "ls-files", "--others", "--exclude-standard").split()
    agreements = [p for p in changed if (repo.root / p).is_file()
                  and "kind: SLA" in (repo.root / p).read_text()]
    if ".slopolicy.yaml" in changed:
        agreements.append(".slopolicy.yaml")
    if not agreements:
        return "nothing to approve"
    path = rng.choice(agreements)
    user, role = rng.choice([("alice", "legal"), ("bob", "legal"), ("carol", "sre")])
    code, out, err = repo.run("approve", path, "--base", "main", "--role", role,
                              "--identity", f"{user}@acme.example", "--key",
                              str(repo.keys / user))
    if code == 2 and "--document" in err:
        return f"approve {path}: several"
    return f"approve {path} {user} -> {code} {err[:60]!r}"


def commit(repo: Repo) -> str:
    repo.commit("step")
    return "commit"


def move_base(repo: Repo) -> str:
    """A commit on main made with a separate index: the working tree is not touched."""
    rng = repo.rng
    env = repo.env()
    index = repo.root.parent / "base-index"
    env["GIT_INDEX_FILE"] = str(index)
    repo.git("read-tree", "main", env=env)
    paths = [p for p in repo.git("ls-tree", "-r", "--name-only", "main", env=env).split("\n")
             if p.endswith(".yaml") and not p.startswith(".slopolicy")]
    if not paths:
        return "nothing"
    path = rng.choice(paths)
    text = repo.git("show", f"main:{path}", env=env)
    if rng.random() < 0.15:
        path, text = rng.choice(FOLDERS) + "/.slopolicy.yaml", "extends: default\n"
    text = re.sub(r"(targetPercent|target): ([0-9.]+)",
                  lambda m: f"{m.group(1)}: {m.group(2)}{rng.randrange(1, 9)}", text, count=1)
    if rng.random() < 0.3:
        path = rng.choice(FOLDERS) + "/based.yaml"
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo.root, input=text,
                          capture_output=True, text=True, check=True).stdout.strip()
    repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = repo.git("write-tree", env=env).strip()
    parent = repo.git("rev-parse", "main").strip()
    new = repo.git("commit-tree", tree, "-p", parent, "-m", "base moves", env=env).strip()
    repo.git("update-ref", "refs/heads/main", new)
    index.unlink()
    return f"base moves {path}"


def land(repo: Repo) -> str:
    """The branch merged as it is (main fast-forwarded to it): whatever the edits made, the
    duplicates and moves among them, is the base from now on."""
    repo.commit("landed")
    repo.git("update-ref", "refs/heads/main", "HEAD")
    return "landed"


def merge_base_in(repo: Repo) -> str:
    if repo.git("status", "--porcelain").strip():
        repo.commit("before merge")
    done = subprocess.run(["git", "merge", "-q", "--no-edit", "main"], cwd=repo.root,
                          env=repo.env(), capture_output=True, text=True)
    if done.returncode:
        repo.git("merge", "--abort", check=False)
        return "merge conflicted"
    return "merged main"


def backdate(repo: Repo) -> str:
    past = time.time() - 3600
    for f in repo.files():
        if repo.rng.random() < 0.7:
            os.utime(f, (past, past))
    return "backdate"


def revert_file(repo: Repo) -> str:
    f = pick(repo)
    if f is None:
        return "nothing"
    rel = str(f.relative_to(repo.root))
    repo.git("checkout", "HEAD", "--", rel, check=False)
    return f"revert {rel}"


# ---- checks ----------------------------------------------------------------------------

class Spy:
    def __init__(self, real: Callable[..., Any]) -> None:
        self.real, self.answered = real, [0, 0]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        found = self.real(*args, **kwargs)
        self.answered[found is not None] += 1
        return found


def compare(repo: Repo, args: list[str], log: list[str]) -> list[str]:
    """The warm and cold runs of ``args`` in text and JSON (and now and then another
    format, or a flag); the differences."""
    rng = repo.rng
    fmts: list[list[str]] = [[], ["--format", "json"]]
    if rng.random() < 0.2:
        fmts.append(["--format", rng.choice(["markdown", "sarif", "junit", "github", "json"])])
    rng.shuffle(fmts)
    extra = rng.choice([[]] * 8 + [["--select", "sla-change-approval,slo-loosened"],
                                   ["--ignore", "sla-change-approval"],
                                   ["--ignore", "slo-headroom"], ["--fail-on", "warning"],
                                   ["--quiet"]])
    fmts = [f + extra for f in fmts]
    if args == [PRE_PUSH]:
        with pre_push():
            return _compare(repo, [], fmts)
    return _compare(repo, args, fmts)


@contextlib.contextmanager
def pre_push() -> Iterator[None]:
    os.environ.update(PRE_COMMIT="1", PRE_COMMIT_FROM_REF="main", PRE_COMMIT_TO_REF="HEAD")
    try:
        yield
    finally:
        for name in ("PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
            del os.environ[name]


def _compare(repo: Repo, args: list[str], fmts: list[list[str]]) -> list[str]:
    diffs = []  # each run cold, then warm once or twice (the second reads what the first kept)
    for fmt in fmts:
        cold = repo.run("check", "--no-cache", *args, *fmt)
        for _ in range(repo.rng.choice([1, 1, 2])):
            warm = repo.run("check", "--cache-dir", str(repo.cache), *args, *fmt)
            if warm != cold:
                diffs.append(f"{args + fmt}: exit warm {warm[0]} cold {cold[0]}\n" + "".join(
                    difflib.unified_diff(cold[1].splitlines(True) + ["--- stderr\n"] +
                                         cold[2].splitlines(True),
                                         warm[1].splitlines(True) + ["--- stderr\n"] +
                                         warm[2].splitlines(True), "cold", "warm")))
                break
    return diffs


def heads(repo: Repo) -> list[str]:
    rng = repo.rng
    if rng.random() < 0.1:  # a project in a folder of the repository
        configs = [p for p in repo.git("ls-tree", "-r", "--name-only", "main").split("\n")
                   if p.endswith("/.slopolicy.yaml")]
        if configs:
            return ["--base", "main", "--config", rng.choice(configs)]
    r = rng.random()
    if r < 0.6:
        return ["--base", "main"]
    if r < 0.75:
        return ["--base", "main", "--head", rng.choice(["HEAD", "change", "HEAD~1"])]
    if r < 0.85:
        return ["--base", rng.choice(["main~1", "HEAD~1", "HEAD"])]
    if r < 0.9:
        return ["--base", "main", rng.choice(["slas", "slos/", "."])]
    if r < 0.95:
        return [PRE_PUSH]
    return []


@contextlib.contextmanager
def environment(tmp: Path) -> Iterator[None]:
    keep = dict(os.environ)
    for name in ("GITHUB_ACTIONS", "PRE_COMMIT", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"):
        os.environ.pop(name, None)
    os.environ.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                      XDG_CACHE_HOME=str(tmp / "xdg-cache"), XDG_CONFIG_HOME=str(tmp / "xdg-config"))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(keep)


def make_keys(folder: Path) -> None:
    folder.mkdir()
    for user in ("alice", "bob", "carol", "mallory"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user,
                        "-f", str(folder / user)], check=True)


def setup(tmp: Path, keys: Path, rng: random.Random, docs: list[str]) -> Repo:
    root = tmp / "repo"
    root.mkdir()
    repo = Repo(root, keys, rng)
    repo.git("init", "-q", "-b", "main")
    write(root / ".slopolicy.yaml", POLICY.format(include=rng.choice(INCLUDES[:2]),
                                                   backed='"off"', waivers=rng.choice(WAIVERS), policies=rng.choice(POLICIES)))
    signers = "".join(
        f'{u}@acme.example namespaces="slopolicy" {(keys / f"{u}.pub").read_text().strip()}\n'
        for u in ("alice", "bob", "carol"))
    write(root / ".slopolicy" / "allowed_signers", signers)
    write(root / "house" / "rules.yaml", HOUSE)
    if rng.random() < 0.75:  # a rule that reads only its document: kept in the index
        write(root / "house" / "rules.yaml", HOUSE.split("    - id: service-exists")[0])
    for i, doc in enumerate(rng.sample(docs, rng.randrange(4, min(14, len(docs))))):
        kind = re.search(r"kind: (\w+)", doc)
        folder = {"SLA": "slas", "SLO": "slos", "SLI": "slis", "Service": "services"}.get(
            kind.group(1) if kind else "", "other")
        if rng.random() < 0.2:
            folder = rng.choice(FOLDERS)
        path = root / folder / f"d{i}.yaml"
        write(path, path.read_text() + "---\n" + doc if path.exists() else doc)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "base")
    repo.git("checkout", "-q", "-b", "change")
    if rng.random() < 0.7:
        repo.run("check", "--cache-dir", str(repo.cache))
    return repo


def fuzz(seed: int, steps: int, docs: list[str], keys: Path, spy: Spy,
         stop_on_first: bool, folder: Path | None = None) -> tuple[int, list[str]]:
    """``steps`` steps of random edits, each compared warm and cold; the steps run, and a
    description of each that diverged (a folder of its own is kept when one did)."""
    rng = random.Random(seed)
    tmp = folder or Path(tempfile.mkdtemp(prefix=f"fuzz{seed}-"))
    found: list[str] = []
    done = 0
    with environment(tmp):
        repo = setup(tmp, keys, rng, docs)
        edits: list[tuple[float, Callable[[], str]]] = [
            (6, lambda: edit_target(repo)), (3, lambda: edit_sla_terms(repo)),
            (3, lambda: edit_query(repo)), (2, lambda: edit_name(repo)),
            (4, lambda: move(repo)), (2, lambda: duplicate(repo)),
            (2, lambda: add_new(repo, docs)), (2, lambda: delete(repo)),
            (1, lambda: broken(repo)), (1, lambda: plain(repo)), (0.5, lambda: symlink(repo)), (0.5, lambda: into_folder(repo)), (0.7, lambda: damage_cache(repo)), (1, lambda: policy(repo)), (2, lambda: approve(repo)),
            (5, lambda: commit(repo)), (1.5, lambda: move_base(repo)),
            (0.5, lambda: merge_base_in(repo)), (1.5, lambda: land(repo)), (2, lambda: backdate(repo)),
            (1.5, lambda: revert_file(repo)),
        ]
        weights = [w for w, _ in edits]
        log: list[str] = []
        for step in range(steps):
            for _ in range(rng.choice([1, 1, 2, 3])):
                _, edit = rng.choices(edits, weights)[0]
                try:
                    log.append(edit())
                except (OSError, RuntimeError) as exc:  # an edit the tree does not allow
                    log.append(f"edit failed: {exc}")
            args = heads(repo)
            try:
                diffs = compare(repo, args, log)
            except Exception as exc:  # a crash of the harness itself is a finding too
                diffs = [f"harness: {type(exc).__name__}: {exc}"]
            done += 1
            if diffs:
                found.append(f"seed {seed} step {step} ({tmp}):\n  edits: {log}\n  " +
                             "\n  ".join(diffs))
                print(found[-1], flush=True)
                if stop_on_first:
                    return done, found
    if not found and folder is None:
        shutil.rmtree(tmp, ignore_errors=True)
    return done, found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--stop", action="store_true", help="stop a seed at its first divergence")
    args = parser.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    sys.path.insert(0, str(ROOT))
    from slopolicy.gitops import warm
    spy = Spy(warm.warm_gate)
    warm.warm_gate = spy
    docs = pool()
    keydir = Path(tempfile.mkdtemp(prefix="fuzzkeys-")) / "keys"
    make_keys(keydir)
    total, bad = 0, 0
    start = time.monotonic()
    for seed in seeds:
        done, found = fuzz(seed, args.steps, docs, keydir, spy, args.stop)
        total += done
        bad += len(found)
        print(f"seed {seed}: {done} steps, {len(found)} divergent; warm answered "
              f"{spy.answered[1]}, fell back {spy.answered[0]}; "
              f"{time.monotonic() - start:.0f}s", flush=True)
    print(f"total: {total} steps over {len(seeds)} seeds, {bad} divergent steps")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
