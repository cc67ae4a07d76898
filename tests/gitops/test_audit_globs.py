"""Which agreements an audit follows when the document globs of the policy change.

The audit follows every path that the ``documents`` globs of any version of
the configuration in the history selected: an exclude added by an edit never
approved hides no agreement, past or future, and agreements moved to another
folder (the include following) keep their history, an earlier change never
approved included. Real repositories, real signatures.
"""
from __future__ import annotations

from typing import Any

import pytest
from conftest import Run
from gitrepos import GitProject, sla

GLOBEX = "SLA/globex-public-api"


def audit(repo: GitProject, *args: str) -> Run:
    return repo.run("audit", *args)


def globex(data: dict[str, Any]) -> dict[str, Any]:
    [found] = [a for a in data["agreements"] if a["document"] == GLOBEX]
    return found  # type: ignore[no-any-return]


def _policy(repo: GitProject, documents: str) -> None:
    """The policy with ``documents`` (YAML lines) in place of the default globs."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    assert "documents:" not in policy
    repo.write(".slopolicy.yaml", policy + documents)


def test_an_exclude_never_approved_hides_no_agreement(repo: GitProject) -> None:
    """mallory excludes slas/ (no sre approval), then loosens globex with no approval:
    the loosening is in the audit, an audit of the month fails, the agreement is still
    in force, and a PATH still names it."""
    _policy(repo, 'documents:\n  exclude: ["slas/"]\n')
    excluded = repo.commit("keep vendored files out", author="mallory",
                           date="2025-04-10T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.0"))
    loosened = repo.commit("globex v2: 99.0", author="mallory", date="2025-05-20T12:00:00+00:00")
    run = audit(repo, "--format", "json")
    assert run.code == 0, run.err
    data = run.json
    versions = globex(data)["versions"]
    assert [(v["commit"], v["version"], v["change"], v["compliant"]) for v in versions][1:] \
        == [(loosened, 2, "loosened", False)]
    assert [(e["commit"], e["compliant"]) for e in data["policy"]["changes"]][-1:] \
        == [(excluded, False)]
    may = audit(repo, "--verify", "--since", "2025-05-01", "--until", "2025-05-31")
    assert may.code == 1 and loosened[:7] in may.err, may.err
    chosen = audit(repo, "--format", "json", "slas/globex.yaml").json
    assert [a["document"] for a in chosen["agreements"]] == [GLOBEX]
    as_of = audit(repo, "--format", "json", "--as-of", "2025-07-01").json
    assert [(a["document"], a["version"], a["commit"]) for a in as_of["agreements"]] \
        == [(GLOBEX, 2, loosened)]


def test_a_move_with_the_include_following_keeps_the_history(repo: GitProject) -> None:
    """The include names slas/ (approved); globex is loosened with no approval; the
    agreements move to contracts/ and the include follows, with sre's approval of the
    policy edit: the agreement's history starts where it started, the loosening stays
    unapproved, and an unbounded --verify still fails."""
    _policy(repo, 'documents:\n  include: ["slas/*.yaml"]\n')
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    repo.commit("only slas/ holds documents", date="2025-03-05T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.0"))
    loosened = repo.commit("globex v2: 99.0", author="mallory", date="2025-03-10T12:00:00+00:00")
    assert audit(repo, "--verify").code == 1
    policy = (repo.root / ".slopolicy.yaml").read_text()
    (repo.root / "contracts").mkdir()
    repo.git("mv", "slas/globex.yaml", "contracts/globex.yaml")
    repo.write(".slopolicy.yaml", policy.replace('"slas/*.yaml"', '"contracts/*.yaml"'))
    moved = repo.commit("the agreements move to contracts/", date="2025-03-12T12:00:00+00:00")
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    repo.commit("sre approves the move", date="2025-03-13T12:00:00+00:00")
    data = audit(repo, "--format", "json").json
    assert [(e["compliant"]) for e in data["policy"]["changes"]][-2:] == [True, True]
    found = globex(data)
    assert [(v["version"], v["change"], v["compliant"]) for v in found["versions"]] \
        == [(1, "added", True), (2, "loosened", False)]
    assert found["versions"][1]["commit"] == loosened
    assert (found["file"], found["files"]) == (
        "contracts/globex.yaml", ["slas/globex.yaml", "contracts/globex.yaml"])
    assert [(m["commit"], m["from"], m["to"]) for m in found["moves"]] \
        == [(moved, "slas/globex.yaml", "contracts/globex.yaml")]
    verify = audit(repo, "--verify")
    assert verify.code == 1 and loosened[:7] in verify.err, verify.err
    for path in ("slas/", "contracts/globex.yaml"):
        chosen = audit(repo, "--format", "json", path).json
        assert [a["document"] for a in chosen["agreements"]] == [GLOBEX], path


def test_a_path_no_version_of_the_policy_selected_stays_out(repo: GitProject) -> None:
    """The audit follows what the globs of some version selected, not every file that holds
    an SLA: one in folders every version excludes (node_modules/, .tox/: excluded by default)
    is no agreement of the audit, before or after an edit of the globs."""
    for folder in ("node_modules/acme", ".tox/py311"):
        repo.write(f"{folder}/sla.yaml", sla(1).replace("globex-public-api", "vendored"))
    repo.commit("vendored files", date="2025-03-05T12:00:00+00:00")
    _policy(repo, 'documents:\n  include: ["slas/*.yaml"]\n')
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    repo.commit("only slas/ holds documents", date="2025-03-10T12:00:00+00:00")
    data = audit(repo, "--format", "json").json
    assert [a["document"] for a in data["agreements"]] == [GLOBEX]


def test_the_globs_of_a_file_the_configuration_extends_count(repo: GitProject) -> None:
    """The configuration extends policy/base.yaml (approved); an edit of that file alone
    keeps the agreements as contracts/*.sla, mallory loosens one, and an edit of that file
    alone puts the default globs back: each version of what it extends counts, so the
    loosening is in the audit."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    assert policy.startswith("extends: default\n")
    repo.write(".slopolicy.yaml", policy.replace("extends: default", "extends: policy/base.yaml"))
    repo.write("policy/base.yaml", "extends: default\n")
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    repo.commit("the house's base policy", date="2025-03-05T12:00:00+00:00")
    repo.write("policy/base.yaml", 'extends: default\n'
               'documents:\n  include: ["**/*.yaml", "contracts/*.sla"]\n')
    repo.write("contracts/acme.sla", sla(1).replace("globex-public-api", "acme"))
    repo.commit("contracts as .sla files", date="2025-03-06T12:00:00+00:00")
    repo.write("contracts/acme.sla", sla(2, "2025-06-01", "99.0").replace(
        "globex-public-api", "acme"))
    loosened = repo.commit("acme v2: 99.0", author="mallory", date="2025-03-07T12:00:00+00:00")
    repo.write("policy/base.yaml", "extends: default\n")
    repo.commit("the default globs again", author="mallory", date="2025-03-08T12:00:00+00:00")
    data = audit(repo, "--format", "json").json
    [acme] = [a for a in data["agreements"] if a["document"] == "SLA/acme"]
    assert [(v["commit"], v["change"], v["compliant"]) for v in acme["versions"]][1:] \
        == [(loosened, "loosened", False)]


def test_files_of_a_kind_only_an_earlier_version_named_are_followed(repo: GitProject) -> None:
    """The agreements were once kept as contracts/*.sla; mallory loosens one, then puts the
    default globs back (neither approved): the log follows *.sla files too, so the
    loosening is in the audit."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    _policy(repo, 'documents:\n  include: ["**/*.yaml", "contracts/*.sla"]\n')
    repo.write("contracts/acme.sla", sla(1).replace("globex-public-api", "acme"))
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    repo.commit("contracts as .sla files", date="2025-03-05T12:00:00+00:00")
    repo.write("contracts/acme.sla", sla(2, "2025-06-01", "99.0").replace(
        "globex-public-api", "acme"))
    loosened = repo.commit("acme v2: 99.0", author="mallory", date="2025-03-06T12:00:00+00:00")
    repo.write(".slopolicy.yaml", policy)
    repo.commit("the default globs again", author="mallory", date="2025-03-07T12:00:00+00:00")
    data = audit(repo, "--format", "json").json
    [acme] = [a for a in data["agreements"] if a["document"] == "SLA/acme"]
    assert [(v["commit"], v["change"], v["compliant"]) for v in acme["versions"]][1:] \
        == [(loosened, "loosened", False)]
    verify = audit(repo, "--verify")
    assert verify.code == 1 and loosened[:7] in verify.err, verify.err


@pytest.mark.parametrize(("glob", "path"), [
    ("contracts/**", "contracts/globex.sla"),
    ("contracts/*", "contracts/globex"),
    ("contracts/globex.sla", "contracts/globex.sla"),
])
def test_an_agreement_a_glob_selects_by_name_alone_is_followed(repo: GitProject, glob: str,
                                                               path: str) -> None:
    """The include selects files of no YAML or JSON ending (a folder, a name): check and
    the gate read them, so the audit must follow them too, or a loosening pushed straight
    to them would pass every ``--verify``."""
    _policy(repo, f'documents:\n  include: ["{glob}"]\n')
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.write(path, sla())
    repo.commit("the agreement moves", date="2025-03-02T12:00:00+00:00")
    repo.write(path, sla(2, "2025-06-01", "99.0"))
    loosened = repo.commit("loosen, no approvals", author="mallory",
                           date="2025-03-05T12:00:00+00:00")
    assert repo.run("check", path).code == 0  # check reads it
    versions = globex(audit(repo, "--format", "json").json)["versions"]
    assert (loosened, 2, "loosened", False) in [
        (v["commit"], v["version"], v["change"], v["compliant"]) for v in versions]
    run = audit(repo, "--verify", "--since", "2025-03-04", "--until", "2025-03-06")
    assert run.code == 1 and loosened[:7] in run.err, run.err


def test_an_edit_of_an_extended_file_of_any_name_is_a_policy_change(repo: GitProject) -> None:
    """``extends: base.policy``: editing base.policy without approvals is a policy change
    the audit reports (as the gate does), and its exclude hides nothing."""
    policy = (repo.root / ".slopolicy.yaml").read_text()
    assert "extends: default\n" in policy
    repo.write(".slopolicy.yaml", policy.replace("extends: default\n", "extends: base.policy\n"))
    repo.write("base.policy", "extends: default\n")
    repo.commit("the policy's base in a file of its own", date="2025-03-02T12:00:00+00:00")
    repo.write("base.policy", 'extends: default\ndocuments:\n  exclude: ["slas/"]\n')
    edited = repo.commit("exclude slas/, no approvals", author="mallory",
                         date="2025-03-04T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla(2, "2025-06-01", "99.0"))
    loosened = repo.commit("loosen, no approvals", author="mallory",
                           date="2025-03-05T12:00:00+00:00")
    data = audit(repo, "--format", "json").json
    assert (edited, False) in [(e["commit"], e["compliant"]) for e in data["policy"]["changes"]]
    assert (loosened, "loosened", False) in [
        (v["commit"], v["change"], v["compliant"]) for v in globex(data)["versions"]]
