"""Hostile input and faults end in findings (or exit 2), never a crash, a hang or lost data.

Real files, FIFOs, device nodes, symlinks, processes and signals; real git
repositories (the ``repo`` fixture of tests/gitops.py).
"""
from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Project, Run, git
from gitrepos import GitProject, sla

SERVICE = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: {name}\n"


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def found(run: Run, rule: str) -> list[tuple[int, int, str]]:
    return [(p["line"], p["column"], p["message"]) for p in run.json["problems"]
            if p["rule"] == rule]


def slopolicy(cwd: Path, *args: str, timeout: float = 120,
              preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process (a hang would otherwise hang the test run)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cwd.parent / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "slopolicy", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def as_other_users() -> Callable[[], None] | None:
    """A preexec_fn under which file permissions bite, as they do for everyone but root.

    Root reads any folder through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH;
    dropping both from the bounding set before exec leaves a root process
    bound by permission bits like any user. Not root: nothing to drop.
    """
    if os.geteuid() != 0:
        return None

    def drop() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


# -- 11: NaN and infinities; option ranges -----------------------------------------------

@pytest.mark.parametrize(("value", "said"), [(".nan", "not a number"), (".inf", "an infinity"),
                                             ("-.inf", "an infinity"), (".NaN", "not a number")])
def test_nan_and_infinities_are_schema_errors(project: Project, value: str, said: str) -> None:
    text = sla(target=value)
    project.write("sla.yaml", text)
    project.write("slo.yaml", SERVICE.format(name="x").replace("Service", "SLO") +
                  f"spec:\n  service: x\n  budgetingMethod: Occurrences\n  objectives:\n"
                  f"    - target: {value}\n")
    run = project.check()
    assert run.code == 1
    errors = {(p["file"], p["line"]) for p in run.json["problems"] if p["rule"] == "schema"
              and said in p["message"]}
    assert ("sla.yaml", line_of(text, "targetPercent: " + value)) in errors
    assert ("slo.yaml", 9) in errors


@pytest.mark.parametrize(("value", "said"), [
    (".nan", "expected a number in (0, 1], got .nan"),
    (".inf", "expected a number in (0, 1], got .inf"),
    ("-1", "expected a number in (0, 1], got -1"),
    ("0", "expected a number in (0, 1], got 0"),
    ("1.5", "expected a number in (0, 1], got 1.5"),
    ("9" * 5000, "an integer of 5,000 digits is too long"),
], ids=["nan", "inf", "negative", "zero", "over-one", "5000-digits"])
def test_option_values_are_finite_and_in_range(project: Project, value: str, said: str) -> None:
    project.write(".slopolicy.yaml", "extends: default\nrules:\n"
                  f"  slo-headroom: {{severity: warning, max-budget-ratio: {value}}}\n")
    project.write("svc.yaml", SERVICE.format(name="x"))
    run = project.check()
    assert run.code == 2, run.err
    assert ".slopolicy.yaml:3:" in run.err and said in run.err


def test_a_ratio_of_one_is_allowed(project: Project) -> None:
    project.write(".slopolicy.yaml", "rules:\n  slo-headroom: {max-budget-ratio: 1}\n")
    project.write("svc.yaml", SERVICE.format(name="x"))
    assert project.check().code == 0


def test_a_target_turned_nan_is_a_loosening(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2, target=".nan"))
    repo.commit("no promise")
    diff = repo.run("diff", "main")
    assert diff.code == 0
    assert "targetPercent: 99.9 → .nan (loosened)" in diff.out
    audit = repo.run("audit")
    assert "99.9 → .nan (loosened)" in audit.out and "nan%" not in audit.out
    gate = repo.gate()
    assert "schema" in repo.rules(gate)
    missing = [p["message"] for p in gate.json["problems"] if p["rule"] == "sla-change-approval"]
    assert missing and "sre" in missing[0]  # a loosening needs sre, not only legal


# -- 17: crashes -------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["9" * 5000, "-" + "1" * 4301, "0x" + "f" * 4000],
                         ids=["5000-digits", "negative-4301-digits", "hex-16000-bits"])
def test_an_integer_too_long_to_convert_is_a_finding(project: Project, number: str) -> None:
    text = sla(version=1).replace("version: 1", f"version: {number}")
    project.write("sla.yaml", text)
    run = project.check()
    assert run.code == 1, run.err
    ((line, column, message),) = found(run, "yaml-syntax")
    assert (line, column) == (line_of(text, "version: "), 12)
    assert "is too long" in message and "4,300 digits" in message


def test_an_integer_too_long_in_history_leaves_the_audit_working(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2).replace("version: 2", "version: " + "9" * 5000))
    repo.commit("a huge version")
    repo.write("slas/globex.yaml", sla(version=3))
    repo.commit("back to normal")
    run = repo.run("audit", "--format", "json")
    assert run.code == 0, run.err
    assert run.json["agreements"]
    html = repo.run("audit", "--format", "html", "--output", "audit.html")
    assert html.code == 0, html.err


# The attack: a 12-character target whose exact value is 10**-99999999. Just past the bound
# (4,301 digits written out) the same path is taken, and without the bound it is read.
TOO_LONG = pytest.mark.parametrize("number", ["1e-99999999", "1e-4301"],
                                   ids=["attack", "just-past"])


def slo_of(target: str) -> str:
    return (SERVICE.format(name="x").replace("Service", "SLO") + "spec:\n  service: x\n"
            f"  budgetingMethod: Occurrences\n  objectives:\n    - target: {target}\n")


@TOO_LONG
def test_a_target_too_long_written_out_is_a_finding_in_check_and_fmt(project: Project,
                                                                     number: str) -> None:
    text = sla(target=number)
    project.write("sla.yaml", text)
    project.write("slo.yaml", slo_of(number))
    run = project.check()
    assert run.code == 1, run.err
    where = {(p["file"], p["line"], p["column"]) for p in run.json["problems"]
             if p["rule"] == "yaml-syntax" and p["message"].startswith(f"the number {number} ")
             and "slopolicy reads numbers of at most 4,300 digits" in p["message"]}
    assert where == {("sla.yaml", line_of(text, "targetPercent: " + number), 22),
                     ("slo.yaml", 9, 15)}
    fmt = project.run("fmt", "--check")
    assert fmt.code == 1, fmt.err
    assert f"sla.yaml:{line_of(text, 'targetPercent: ' + number)}:22: error: the number" in fmt.err


@TOO_LONG
def test_a_target_too_long_written_out_is_a_finding_in_the_gate_diff_and_audit(
        repo: GitProject, number: str) -> None:
    text = sla(version=2, target=number)
    repo.write("slas/globex.yaml", text)
    repo.commit("a target of a hundred million digits")
    gate = repo.gate()
    assert gate.code == 1, gate.err
    assert (line_of(text, "targetPercent: "), 22) in [
        (p["line"], p["column"]) for p in gate.json["problems"] if p["rule"] == "yaml-syntax"]
    assert repo.run("diff", "main").code == 0
    audit = repo.run("audit", "--format", "json")
    assert audit.code == 0, audit.err
    assert audit.json["agreements"]


def test_a_pyrra_target_too_long_written_out_converts_to_an_error_at_it(project: Project) -> None:
    """Text the Pyrra schema lets through (a percentage of 4,301 digits) is never read
    exactly: the converted SLO lacks the target, reported at the original's."""
    text = ("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n"
            f"  name: x\nspec:\n  target: '99.{'9' * 4299}'\n  window: 7d\n  indicator:\n"
            "    bool_gauge:\n      metric: probe_success\n")
    project.write("slo.yaml", text)
    run = project.run("convert", "--to", "openslo/v1", "slo.yaml")
    assert run.code == 1, run.err
    assert "slo.yaml:6:3: error: the converted SLO x is not valid OpenSLO v1" in run.err
    assert "targetPercent" not in run.out


ODD_KEYS = "  x-odd: {1: {a: 1}, '1': {b: 2}, ~: {c: 3}, null: [4]}\n"


def test_null_and_mixed_type_keys_are_findings(project: Project) -> None:
    text = sla().replace("  changeNoticeDays: 30\n", "  changeNoticeDays: 30\n" + ODD_KEYS)
    project.write("sla.yaml", text)
    run = project.check()
    assert run.code == 1 and "internal error" not in run.err
    line = line_of(text, "x-odd")
    assert found(run, "duplicate-key") == [
        (line, 22, f'duplicate key "1" (first defined at line {line}); the later value wins: '
         "remove one of them")]


def test_mixed_type_keys_pass_through_approve_gate_and_audit(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2).replace(
        "  changeNoticeDays: 30\n", "  changeNoticeDays: 30\n" + ODD_KEYS))
    repo.commit("odd keys")
    approved = repo.approve("alice", "legal")
    assert approved.code == 0, approved.err
    repo.commit("legal approves", author="alice")
    for run in (repo.gate(), repo.run("audit", "--format", "json"), repo.run("diff", "main")):
        assert run.code in (0, 1) and "internal error" not in run.err, run.err


@pytest.mark.parametrize(("start", "date"), [("9999-12-31", "2025-03-10T12:00:00+00:00"),
                                             ("2025-01-01", "2099-06-01T12:00:00+00:00"),
                                             ("0001-01-01", "2025-03-10T12:00:00+00:00")])
def test_html_audit_at_the_ends_of_the_calendar(repo: GitProject, start: str, date: str) -> None:
    repo.write("slas/globex.yaml", sla(version=2, start=start))
    repo.commit("far away", date=date)
    run = repo.run("audit", "--format", "html", "--output", "audit.html")
    assert run.code == 0, run.err
    page = (repo.root / "audit.html").read_text()
    assert page.count("<svg") >= 1 and start in page


def test_an_endless_extends_chain_is_a_configuration_error(project: Project) -> None:
    for number in range(1500):
        project.write(f"conf/c{number}.yaml", f"extends: c{number + 1}.yaml\n")
    project.write("conf/c1500.yaml", "extends: default\n")
    project.write(".slopolicy.yaml", "extends: conf/c0.yaml\n")
    run = project.check()
    assert run.code == 2
    assert "is more than 16 files deep" in run.err


def test_output_to_a_folder_is_a_usage_error(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="x"))
    (project.root / "reports").mkdir()
    run = project.run("check", "--output", "reports")
    assert run.code == 2
    assert "cannot write reports: it is a folder" in run.err


def test_output_through_an_unwritable_folder_to_stdout(project: Project) -> None:
    """Not root, /dev is not writable: no temporary file may be needed beside /dev/stdout."""
    project.write("svc.yaml", SERVICE.format(name="x"))
    locked = project.root / "locked"
    locked.mkdir()
    (locked / "out").symlink_to("/dev/stdout")
    locked.chmod(0o555)
    done = slopolicy(project.root, "check", "--format", "json", "--output", "locked/out",
                     preexec=as_other_users())
    assert done.returncode == 0, done.stderr
    assert '"problems": []' in done.stdout
    assert (locked / "out").is_symlink() and os.listdir(locked) == ["out"]


def test_output_to_stdout_keeps_what_the_shell_appends_to(project: Project) -> None:
    """`slopolicy check --output /dev/stdout >> log`: the log keeps its lines."""
    project.write("svc.yaml", SERVICE.format(name="x"))
    (project.root / "stdout").symlink_to("/dev/stdout")
    log = project.write("log.txt", "an earlier line\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(project.root.parent / "cache")}
    with open(log, "a") as appended:
        done = subprocess.run([sys.executable, "-m", "slopolicy", "check", "--output", "stdout",
                               "svc.yaml"], cwd=project.root, env=env, stdout=appended,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert log.read_text() == "an earlier line\nslopolicy: no problems in 1 document in 1 file\n"
    assert (project.root / "stdout").is_symlink()


# -- 18: impossible dates ----------------------------------------------------------------

@pytest.mark.parametrize(("date", "why"), [("2025-02-30", "day is out of range for month"),
                                           ("0000-00-00", "year 0 is out of range"),
                                           ("2025-13-01", "month must be in 1..12")])
def test_impossible_dates_are_schema_errors(project: Project, date: str, why: str) -> None:
    text = sla(start=date)
    project.write("sla.yaml", text)
    run = project.check()
    assert (line_of(text, "from:"), 11, f"'{date}' is not a date on the calendar (YYYY-MM-DD): "
            f"{why}") in found(run, "schema")


# -- 19: hangs ---------------------------------------------------------------------------

def test_a_fifo_is_a_finding_not_a_hang(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="x"))
    os.mkfifo(project.root / "pipe.yaml")
    for extra in (("--no-cache",), (), ()):  # without the cache, then cold and warm with it
        done = slopolicy(project.root, "check", "--format", "json", *extra, timeout=60)
        assert done.returncode == 1, done.stderr
        assert ('"file": "pipe.yaml", "line": 1, "column": 1' in done.stdout.replace("\n", " ")
                or '"file": "pipe.yaml"' in done.stdout)
        assert "a FIFO (named pipe), not a regular file" in done.stdout
    assert stat.S_ISFIFO(os.stat(project.root / "pipe.yaml").st_mode)


def limit_memory() -> None:
    """preexec_fn: 2 GiB of address space, so an unbounded read fails instead of the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_a_committed_symlink_to_dev_zero_is_a_finding(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "svc.yaml").write_text(SERVICE.format(name="x"))
    (root / "zero.yaml").symlink_to("/dev/zero")
    git(root, "add", "-A")
    git(root, "-c", "user.email=dev@acme.example", "-c", "user.name=Dev", "commit", "-qm", "z")
    done = slopolicy(root, "check", "--format", "json", "--no-cache", timeout=60,
                     preexec=limit_memory)
    assert done.returncode == 1, done.stderr
    assert "a symbolic link (to /dev/zero): slopolicy reads documents from regular files " \
        "only" in done.stdout


def test_the_alias_budget_covers_the_whole_file(project: Project) -> None:
    # each document stays under the per-document budget (66,000 nodes); together they do not
    bomb = ["apiVersion: openslo/v1", "kind: Service", "metadata:", "  name: x",
            "  labels: &a {l: [1, 1, 1, 1, 1, 1, 1, 1, 1]}"]
    previous = "a"
    for name in "bcde":
        bomb.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    text = "---\n".join(["\n".join(bomb) + "\n"] * 120)
    assert len(text) < 40_000
    project.write("bombs.yaml", text)
    started = time.monotonic()
    run = project.check("bombs.yaml")
    assert time.monotonic() - started < 30
    messages = [m for _, _, m in found(run, "yaml-syntax")]
    assert messages == ["the file expands to more than 250,000 nodes through aliases (an alias "
                        "bomb?); it was not loaded from this document on"]
    assert 1 <= run.json["summary"]["documents"] <= 3


POLICY = """\
apiVersion: slopolicy/v1
kind: Policy
metadata:
  name: costly
spec:
  rules:
    - id: nested-loops
      match: {{kind: SLA}}
      assert: "{expression}"
    - id: cheap
      match: {{kind: SLA}}
      assert: "spec.version > 0"
"""
TEN = "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"


def costly_project(project: Project, expression: str, slas: int) -> None:
    project.write(".slopolicy.yaml", "extends: default\ndocuments:\n  exclude: [policies/]\n"
                  "policies: [policies/]\nrules:\n  sla-backed-by-slo: \"off\"\n")
    project.write("policies/costly.yaml", POLICY.format(expression=expression))
    for number in range(slas):
        project.write(f"slas/s{number}.yaml", sla().replace("globex-public-api", f"sla-{number}"))


def test_one_costly_evaluation_is_a_finding_of_its_rule(project: Project,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slopolicy.rules.house.EVALUATION_STEPS", 30_000)
    costly_project(project, f"{TEN}.all(a, {TEN}.all(b, {TEN}.all(c, {TEN}.all(d, "
                            f"{TEN}.all(e, {TEN}.all(f, a + b + c + d + e + f >= 0))))))", 1)
    started = time.monotonic()
    run = project.check()
    assert time.monotonic() - started < 60
    assert run.code == 1
    ((line, _, message),) = found(run, "nested-loops")
    assert message == ("cannot evaluate nested-loops on SLA/sla-0: stopped after 30,000 steps, the "
                       "CEL cost limit of one evaluation; make the expression cheaper (fewer "
                       "nested macros over lists)")
    assert found(run, "cheap") == []  # judged, and true


def test_the_run_has_a_cost_limit_too(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slopolicy.rules.house.EVALUATION_STEPS", 100_000)
    monkeypatch.setattr("slopolicy.rules.house.RUN_STEPS", 150_000)
    # about 60,000 steps per SLA: two fit, the third runs out
    costly_project(project, f"{TEN}.all(a, {TEN}.all(b, {TEN}.all(c, a + b + c >= 0)))", 5)
    run = project.check()
    (stopped,) = [p for p in run.json["problems"] if p["rule"] == "nested-loops"]
    judged = int(stopped["file"][len("slas/s"):-len(".yaml")])
    assert judged >= 1  # some SLAs were judged before the budget ran out
    assert stopped["message"] == (
        "nested-loops was stopped here: the house rules took 150,000 steps, the CEL cost limit "
        f"of one run (nested-loops 150,000), so {5 - judged} documents (this one on) went "
        "unjudged by it; make nested-loops cheaper (narrow its match, or avoid a macro over "
        "documents inside another)")
    (cheap,) = found(run, "cheap")  # it runs after the budget is spent: said once, not judged
    assert cheap[2].startswith("cheap was stopped here")


def test_cel_errors_speak_cel(project: Project) -> None:
    costly_project(project, "spec.version.x == 1", 1)
    run = project.check()
    ((_, _, message),) = found(run, "nested-loops")
    assert message == ("cannot evaluate nested-loops on SLA/sla-0: a field of an int was read; "
                       "only maps have fields (test with has() first, or compare type(x) == map)")
    project.write("policies/costly.yaml", POLICY.format(expression="int(1.0 / 0.0) == 1"))
    ((_, _, message),) = found(project.check(), "nested-loops")
    assert "Error" not in message and "celpy" not in message and "out of range" in message


def children(pid: int) -> list[int]:
    found_ = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(status.rsplit(")", 1)[1].split()[1]) == pid:
                found_.append(int(entry))
    return found_


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    for number in range(3000):
        (root / f"s{number}.yaml").write_text(SERVICE.format(name=f"svc-{number}"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    parent = subprocess.Popen([sys.executable, "-m", "slopolicy", "check", "--jobs", "2",
                               "--no-cache"], cwd=root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            workers = children(parent.pid)
            time.sleep(0.01)
        assert len(workers) == 2, "the check ended before its workers could be seen"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert parent.stdout is not None
        # $(slopolicy check) returns when every holder of its stdout is gone
        readable, _, _ = select.select([parent.stdout], [], [], 20)
        assert readable and parent.stdout.read() == b""
        deadline = time.monotonic() + 10
        while any(running(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(running(w) for w in workers)
    finally:
        for worker in workers:
            if running(worker):
                os.kill(worker, signal.SIGKILL)


# -- 20, 21: --output writes through what it must not replace, with the umask's mode -----

@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask) and None
    os.umask(old)


def test_output_writes_through_devices_fifos_and_symlinks(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="x"))
    if os.geteuid() == 0:  # a null device of our own: the real /dev/null is not ours to risk
        device = project.root / "null"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        assert project.run("check", "--output", "null").code == 0
        assert stat.S_ISCHR(os.lstat(device).st_mode)
    fifo = project.root / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert project.run("check", "--output", "report.fifo").code == 0
    reader.join(10)
    assert received and b"no problems" in received[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    (project.root / "link.txt").symlink_to("reports/real.txt")
    (project.root / "reports").mkdir()
    assert project.run("check", "--output", "link.txt").code == 0
    assert os.readlink(project.root / "link.txt") == "reports/real.txt"
    assert "no problems" in (project.root / "reports/real.txt").read_text()


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_written_files_honour_the_umask(repo: GitProject, umask: Callable[[int], None],
                                        mask: int, mode: int) -> None:
    umask(mask)
    assert repo.run("check", "--output", "report.txt").code == 0
    (repo.root / ".slopolicy.yaml").unlink()
    assert repo.run("init").code == 0
    repo.git("checkout", "--", ".slopolicy.yaml")
    repo.write("slas/globex.yaml", sla(version=2, target="99.95"))
    repo.commit("tighten")
    assert repo.approve("alice", "legal").code == 0
    (record,) = (repo.root / "approvals").iterdir()
    for path in (repo.root / "report.txt", repo.root / ".slopolicy.yaml", record):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


def test_a_replaced_file_keeps_its_mode(project: Project, umask: Callable[[int], None]) -> None:
    project.write("svc.yaml", SERVICE.format(name="x"))
    report = project.write("report.txt", "old\n")
    report.chmod(0o640)
    assert project.run("check", "--output", "report.txt").code == 0
    assert stat.S_IMODE(report.stat().st_mode) == 0o640 and "no problems" in report.read_text()


# -- 22: an unreadable folder is a finding -----------------------------------------------

def test_an_unreadable_folder_is_a_finding(project: Project) -> None:
    project.write("svc.yaml", SERVICE.format(name="x"))
    project.write("private/sla.yaml", sla())
    (project.root / "private").chmod(0)
    try:
        done = slopolicy(project.root, "check", "--format", "json", preexec=as_other_users())
    finally:
        (project.root / "private").chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert '"file": "private"' in done.stdout
    assert "cannot read folder: Permission denied; the files in it were not checked" in done.stdout


# -- 23: true messages -------------------------------------------------------------------

def test_a_repository_without_commits_says_so(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    (root / "svc.yaml").write_text(SERVICE.format(name="x"))
    for args in (("check", "--base", "HEAD"), ("check", "--base", "main"), ("diff", "HEAD")):
        done = slopolicy(root, *args)
        assert done.returncode == 2
        assert "this repository has no commits yet; commit first" in done.stderr
        assert "fetch" not in done.stderr


def test_reviews_are_read_from_a_file_or_a_pipe_and_never_past_the_cap(repo: GitProject) -> None:
    # --reviews /dev/zero was read until memory ran out (the process killed, exit 137)
    done = slopolicy(repo.root, "check", "--base", "main", "--reviews", "/dev/zero",
                     timeout=60, preexec=limit_memory)
    assert (done.returncode, done.stderr) == (
        2, "slopolicy: error: --reviews /dev/zero: a character device, not a file or a pipe\n"), done.stderr
    big = repo.root.parent / "reviews.json"
    big.write_text("[" + " " * (32 << 20) + "]")
    run = repo.gate("--reviews", str(big))
    assert (run.code, run.err) == (
        2, f"slopolicy: error: --reviews {big}: over the 33,554,432-byte limit\n")
    # a shell's <(gh api ...) is a pipe: read as a file is
    pipe = repo.root.parent / "reviews.pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_text("[]"))
    writer.start()
    run = repo.gate("--reviews", str(pipe))
    writer.join()
    assert (run.code, run.err) == (0, "")  # read, and the gate judged the branch


def test_a_config_that_is_not_a_regular_file_is_named_as_such(tmp_path: Path) -> None:
    """``--config /dev/zero`` exists: it was called "no such file", and it is never read."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "svc.yaml").write_text(SERVICE.format(name="x"))
    for config in ("/dev/zero", str(tmp_path)):
        done = slopolicy(root, "check", "--no-cache", "--config", config, timeout=60,
                         preexec=limit_memory)
        assert (done.returncode, done.stderr) == (
            2, f"slopolicy: error: --config {config}: not a regular file\n")
    done = slopolicy(root, "check", "--no-cache", "--config", str(tmp_path / "none.yaml"))
    assert (done.returncode, done.stderr) == (
        2, f"slopolicy: error: --config {tmp_path / 'none.yaml'}: no such file\n")
