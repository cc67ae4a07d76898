"""The pull-request gate: ``check --base`` on real repositories, real commits, real signatures."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from conftest import git
from gitrepos import POLICY, TODAY, GitProject, days_hence, sla

# new terms that start after the change (the gate dates it no earlier than today)
TIGHTENED = sla(version=2, start=days_hence(22), target="99.95")
LOOSENED = sla(version=2, start=days_hence(52), target="99.5")


def messages(run: object, rule: str) -> list[str]:
    return [p["message"] for p in run.json["problems"] if p["rule"] == rule]  # type: ignore[attr-defined]


# -- approvals ---------------------------------------------------------------------------

def test_unapproved_tightening_is_blocked(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    run = repo.gate()
    assert run.code == 1
    assert repo.rules(run) == ["sla-change-approval"]
    problem = run.json["problems"][0]
    assert (problem["file"], problem["line"], problem["path"]) == (
        "slas/globex.yaml", 21, "spec.objectives[0].targetPercent")
    assert problem["message"] == (
        "SLA/globex-public-api is tightened (spec.objectives[availability].targetPercent "
        f"99.9 → 99.95, spec.effective.from 2025-01-01 → {days_hence(22)}) and lacks approval: it needs 1 more legal approver (for modified; legal: "
        "alice@acme.example, bob@acme.example, dave@acme.example). To approve, the approver runs "
        "`slopolicy approve slas/globex.yaml --base main --role legal --identity YOUR-ID --key "
        "~/.ssh/id_ed25519` on this change and commits the record in approvals/.")


def test_approved_change_passes(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    approved = repo.approve("alice", "legal")
    assert approved.code == 0, approved.err
    assert approved.out.startswith("wrote approvals/globex-public-api-legal-")
    assert repo.gate().code == 0  # the record is still uncommitted
    repo.commit("approval", author="alice")
    run = repo.gate()
    assert (run.code, run.json["problems"]) == (0, [])
    found = run.json["changes"]["documents"]
    agreement = next(d for d in found if d["document"] == "SLA/globex-public-api")
    assert agreement["approvals"]["satisfied"] is True
    assert [(e["identity"], e["evidence"], e["valid"]) for e in agreement["approvals"]["found"]] \
        == [("alice@acme.example", "signed", True)]


def test_an_edit_after_approval_voids_it(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    repo.approve("alice", "legal")
    repo.write("slas/globex.yaml", TIGHTENED.replace("threshold: 500ms", "threshold: 400ms"))
    repo.commit()
    run = repo.gate()
    assert run.code == 1
    [message] = messages(run, "sla-change-approval")
    assert "the document changed after approval, so it must be approved again" in message


def test_loosening_needs_every_required_role(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", LOOSENED)
    repo.commit()
    repo.approve("alice", "legal")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "is loosened" in message and "1 more sre approver (for loosened" in message
    assert "legal approver" not in message
    assert "--role sre --identity carol@acme.example" not in message  # two sre can sign
    repo.approve("carol", "sre")
    assert repo.gate().code == 0


def test_one_person_fills_one_role_per_class(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", LOOSENED)
    repo.commit()
    repo.approve("dave", "legal")  # dave holds legal and sre
    repo.approve("dave", "sre")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "needs 1 more" in message and "for loosened" in message
    repo.approve("carol", "sre")
    assert repo.gate().code == 0


def test_self_approval_does_not_count(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit(author="alice")
    repo.approve("alice", "legal")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "alice@acme.example authored commit " in message
    assert "nobody approves their own change" in message
    repo.approve("bob", "legal")
    assert repo.gate().code == 0


def test_the_author_is_not_offered_as_an_approver(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit(author="alice")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "legal: bob@acme.example, dave@acme.example)" in message
    assert "--identity alice@acme.example" not in message


def test_a_record_signed_with_another_key_does_not_count(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    signed = repo.approve("alice", "legal", key="mallory")
    assert "does not verify for alice@acme.example" in signed.err  # warned at once
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "its signature does not verify for alice@acme.example by " \
           "main:.slopolicy/allowed_signers" in message


def test_a_tampered_record_does_not_count(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    repo.approve("alice", "legal")
    [record] = (repo.root / "approvals").iterdir()
    record.write_text(record.read_text().replace("alice@acme.example", "bob@acme.example"))
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "its signature does not verify for bob@acme.example" in message


def test_an_approver_outside_the_role_does_not_count(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    run = repo.approve("carol", "legal")
    assert "does not hold role 'legal'" in run.err
    [message] = messages(repo.gate(), "sla-change-approval")
    assert "carol@acme.example does not hold role 'legal' in the base policy" in message


def test_relaxing_the_policy_in_the_same_change_does_not_help(repo: GitProject) -> None:
    repo.write(".slopolicy.yaml", POLICY.replace("legal: [alice", "legal: [mallory@acme.example, "
                                                 "alice").split("  require:")[0])
    with (repo.root / ".slopolicy/allowed_signers").open("a") as f:
        f.write(repo.keys.signer_line("mallory"))
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    repo.approve("mallory", "legal")
    run = repo.gate()
    assert run.code == 1
    assert repo.rules(run) == ["policy-changed", "sla-change-approval"]
    [approval] = messages(run, "sla-change-approval")
    assert "mallory@acme.example does not hold role 'legal' in the base policy" in approval
    [policy] = messages(run, "policy-changed")
    assert policy.startswith("the policy changed (.slopolicy.yaml modified, "
                             ".slopolicy/allowed_signers modified); this check used main's policy")
    assert "`slopolicy approve .slopolicy.yaml --base main --role sre --identity YOUR-ID" in policy
    assert "judged by main's policy" in run.err


def test_an_approved_policy_change(repo: GitProject) -> None:
    repo.write(".slopolicy.yaml", POLICY.replace("bob@acme.example, ", ""))
    repo.commit()
    assert repo.rules(repo.gate()) == ["policy-changed"]
    assert repo.approve("carol", "sre", ".slopolicy.yaml").code == 0
    assert repo.gate().code == 0


def test_a_waiver_added_in_the_change_does_not_waive(repo: GitProject) -> None:
    repo.write(".slopolicy.yaml", POLICY + "waivers:\n  - {rule: sla-change-approval, "
               "reason: trust me, expires: 2099-01-01}\n")
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    run = repo.gate()
    assert not any(p.get("waived") for p in run.json["problems"])
    assert repo.rules(run) == ["policy-changed", "sla-change-approval"]


HOUSE_RULES = """\
apiVersion: slopolicy/v1
kind: Policy
metadata: {name: house}
spec:
  rules:
    - id: sla-names-owner
      severity: error
      match: {kind: SLA}
      assert: has(metadata.owner)
      message: "add metadata.owner: who answers for this agreement"
"""


def with_house_rules_on_main(repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.write("policies/house.yaml", HOUSE_RULES)
    repo.write(".slopolicy.yaml", POLICY + "policies: [policies/]\n")
    repo.commit("house rules", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "--ff-only", "main")


def test_house_rules_are_the_bases(repo: GitProject) -> None:
    with_house_rules_on_main(repo)
    repo.write("policies/house.yaml", HOUSE_RULES.replace("has(metadata.owner)",
                                                          "has(metadata.name)"))
    repo.write("slas/globex.yaml", sla().replace("  owner: accounts@acme.example\n", ""))
    repo.commit()
    assert repo.check().code == 0  # the working tree's own rules pass it
    run = repo.gate()
    assert repo.rules(run) == ["policy-changed", "sla-names-owner"]
    [policy] = messages(run, "policy-changed")
    assert "policies/house.yaml modified" in policy


def test_house_rules_removed_in_the_change_still_judge_it(repo: GitProject) -> None:
    with_house_rules_on_main(repo)
    (repo.root / "policies/house.yaml").unlink()
    repo.write(".slopolicy.yaml", POLICY)
    repo.write("slas/globex.yaml", sla().replace("  owner: accounts@acme.example\n", ""))
    repo.commit()
    run = repo.gate()
    assert repo.rules(run) == ["policy-changed", "sla-names-owner"]


def test_a_metadata_change_needs_nothing(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla().replace("accounts@", "sales@"))
    repo.commit()
    run = repo.gate()
    assert (run.code, run.json["problems"]) == (0, [])
    assert run.json["changes"]["documents"][0]["status"] == "metadata"


def test_a_moved_file_keeps_its_identity(repo: GitProject) -> None:
    (repo.root / "agreements").mkdir()
    (repo.root / "slas/globex.yaml").rename(repo.root / "agreements/globex.yaml")
    repo.commit()
    run = repo.gate()
    assert (run.code, run.json["problems"]) == (0, [])
    [moved] = run.json["changes"]["documents"]
    assert (moved["status"], moved["previousFile"], moved["file"]) == (
        "moved", "slas/globex.yaml", "agreements/globex.yaml")


def test_added_and_removed_agreements_need_approval(repo: GitProject) -> None:
    repo.write("slas/initech.yaml", sla().replace("globex-public-api", "initech-api")
               .replace("customer: globex", "customer: initech"))
    (repo.root / "slas/globex.yaml").unlink()
    repo.commit()
    found = messages(repo.gate(), "sla-change-approval")
    assert [m.split(" It lacks")[0] for m in found] == [
        "SLA/globex-public-api is deleted and lacks approval: it needs 1 more legal approver (for "
        "removed; legal: alice@acme.example, bob@acme.example, dave@acme.example). To approve, "
        "the approver runs `slopolicy approve slas/globex.yaml --removed-from main --role legal "
        "--identity YOUR-ID --key ~/.ssh/id_ed25519` on this change and commits the record in "
        "approvals/.",
        # the agreement added may stand for the one removed: judged as its edit too
        "SLA/initech-api is added, and this change takes away SLA/globex-public-api "
        "(slas/globex.yaml), so it is judged as an edit of that one too, which changes its "
        "terms: spec.customer globex → initech."]
    assert "`slopolicy approve slas/globex.yaml --removed-from main --role legal" in found[0]
    assert repo.approve("bob", "legal", "slas/globex.yaml", "--removed-from", "main").code == 0
    assert repo.approve("bob", "legal", "slas/initech.yaml").code == 0
    assert repo.gate().code == 0


def test_the_cached_base_side_gives_the_same_answer(repo: GitProject) -> None:
    """Both sides are cached by content; a cached base file still locates its problems."""
    on_main(repo, "slas/acme.yaml", sla().replace("globex-public-api", "acme-api"))
    (repo.root / "slas/acme.yaml").unlink()  # a problem located in the base's copy
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    cold = repo.gate()
    [removed] = [p for p in cold.json["problems"] if p["document"] == "SLA/acme-api"]
    assert (removed["file"], removed["line"]) == ("slas/acme.yaml", 4)
    assert repo.gate().out == cold.out  # every file of both sides now from the cache
    assert repo.gate("--no-cache").out == cold.out


def test_select_picks_what_discover_finds(repo: GitProject) -> None:
    from slopolicy.config.settings import load
    from slopolicy.load import discovery
    from slopolicy.load.readers import WorktreeReader
    from slopolicy.rules import builtin_rules

    repo.write(".slopolicy.yaml", POLICY + "documents:\n  include: ['**/*.yaml', '**/*.yml']\n"
               "  exclude: [fixtures/, '**/tmp/', '*.draft.yaml', 'slas/old/**']\n")
    names = ["a.yaml", "b.yml", "c.json", "x.draft.yaml", "fixtures/f.yaml", "deep/fixtures/g.yaml",
             "deep/tmp/h.yaml", "deep/tmpx/i.yaml", "slas/old/j.yaml", "slas/k.yaml",
             "slas/old.yaml"]
    for name in names:
        repo.write(name, "kind: X\n")
    config = load(WorktreeReader(repo.root), ".slopolicy.yaml", repo.root, builtin_rules())
    on_disk = [discovery.relative(p, repo.root) for p in discovery.discover(config, repo.root)]
    tracked = [*names, "slas/globex.yaml", ".slopolicy.yaml", ".slopolicy/allowed_signers"]
    assert sorted(on_disk) == discovery.select(config, tracked, repo.root)
    assert "deep/tmpx/i.yaml" in on_disk and "deep/tmp/h.yaml" not in on_disk


# -- versions and dates ----------------------------------------------------------------

def test_terms_changed_without_a_version_bump(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=1, start=days_hence(22), target="99.95"))
    repo.commit()
    repo.approve("alice", "legal")
    run = repo.gate()
    assert repo.rules(run) == ["sla-version-bump"]
    problem = run.json["problems"][0]
    assert (problem["line"], problem["path"]) == (9, "spec.version")
    assert problem["message"] == (
        "SLA/globex-public-api: the terms changed (spec.effective.from, "
        "spec.objectives[availability].targetPercent) but spec.version is 1, as it was at main "
        "(1); set version: 2 and supersedes: 1, so the new terms are a new version of the "
        "agreement")


def test_retroactive_change(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2, start="2025-01-01", target="99.95"))
    repo.commit()
    repo.approve("alice", "legal")
    run = repo.gate()
    assert repo.rules(run) == ["sla-retroactive-change"]
    problem = run.json["problems"][0]
    assert (problem["line"], problem["path"]) == (11, "spec.effective.from")
    assert problem["message"] == (
        f"SLA/globex-public-api: the terms changed on {TODAY} but the new version takes "
        "effect on 2025-01-01, so it would rewrite a period already past; make the new terms a "
        f"new version with effective.from: {TODAY} or later; the old version stays in force "
        "until then")


def test_loosening_needs_the_notice_the_agreement_asks(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(22), target="99.5"))
    repo.commit()
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    [message] = messages(repo.gate(), "sla-retroactive-change")
    assert message == (
        f"SLA/globex-public-api: the terms are loosened with 22 days' notice (from {TODAY} to "
        f"{days_hence(22)}), but changeNoticeDays requires 30; make the new terms a new version "
        f"with effective.from: {days_hence(30)} or later; the old version stays in force until "
        "then")


def in_auckland(text: str) -> str:
    return text.replace("timeZone: UTC", "timeZone: Pacific/Auckland")


def on_main(repo: GitProject, path: str, text: str) -> None:
    """Make ``text`` part of the base (main), before the change."""
    repo.write(path, text)
    repo.commit("base", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    repo.git("checkout", "-q", "change")


def test_the_change_date_is_the_head_commit_in_the_sla_zone(repo: GitProject) -> None:
    """A head commit dated after today dates the change (the clock dates it otherwise)."""
    on_main(repo, "slas/globex.yaml", in_auckland(sla()))
    repo.write("slas/globex.yaml", in_auckland(sla(version=2, start=days_hence(11),
                                                   target="99.95")))
    repo.commit(date=f"{days_hence(10)}T12:00:00+00:00")  # the next day already in Auckland
    repo.approve("alice", "legal")
    assert repo.rules(repo.gate()) == []
    repo.commit(date=f"{days_hence(11)}T12:00:00+00:00")  # the day after in Auckland: too late
    assert repo.rules(repo.gate()) == ["sla-retroactive-change"]


# -- other evidence --------------------------------------------------------------------

def reviews(repo: GitProject, *items: tuple[str, str, str]) -> str:
    data = [{"user": {"login": login}, "state": state, "commit_id": commit,
             "submitted_at": f"2025-03-10T12:0{i}:00Z"} for i, (login, state, commit)
            in enumerate(items)]
    (repo.root.parent / "reviews.json").write_text(json.dumps(data))
    return str(repo.root.parent / "reviews.json")


def test_a_review_of_the_head_commit_counts(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", LOOSENED)
    head = repo.commit()
    repo.approve("alice", "legal")
    repo_head = repo.commit("approval", author="alice")
    stale = reviews(repo, ("carol-gh", "APPROVED", head))
    [message] = messages(repo.gate("--reviews", stale), "sla-change-approval")
    assert f"approved {head[:7]}, not the head commit {repo_head[:7]}: ask for a new review" \
        in message
    fresh = reviews(repo, ("carol-gh", "APPROVED", repo_head), ("mallory-gh", "APPROVED", repo_head))
    run = repo.gate("--reviews", fresh)
    assert run.code == 0, run.out
    withdrawn = reviews(repo, ("carol-gh", "APPROVED", repo_head),
                        ("carol-gh", "CHANGES_REQUESTED", repo_head))
    assert repo.gate("--reviews", withdrawn).code == 1


def test_reviews_must_be_a_github_export(repo: GitProject) -> None:
    path = repo.root.parent / "reviews.json"
    path.write_text('{"not": "a list"}')
    run = repo.gate("--reviews", str(path))
    assert run.code == 2
    assert "expected the JSON list GitHub returns" in run.err


def test_trailers_are_claimed_unless_the_policy_counts_them(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "tighten\n\nApproved-by: Alice <alice@acme.example>")
    [message] = messages(repo.gate(), "sla-change-approval")
    assert ("Approved-by: trailer in commit " in message
            and "(claimed, alice@acme.example): a commit trailer is only claimed" in message)


def test_counted_trailers(repo: GitProject) -> None:
    on_main(repo, ".slopolicy.yaml",
            POLICY.replace("approvals:\n", "approvals:\n  trailers: counted\n"))
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "tighten\n\nApproved-by: Alice <alice@acme.example>")
    assert repo.gate().code == 0


# -- refs and history --------------------------------------------------------------------

def test_missing_base_ref(repo: GitProject) -> None:
    run = repo.check("--base", "origin/release")
    assert run.code == 2
    assert run.err == (
        "slopolicy: error: base ref 'origin/release' is not in this repository; fetch it first: "
        "`git fetch origin release:refs/remotes/origin/release` (in GitHub Actions: `actions/checkout` with `fetch-depth: 0`)"
        "; slopolicy never passes a change it cannot compare\n")


@pytest.mark.parametrize("args", [
    ("check", "--base", ""), ("check", "--base", "  "), ("check", "--base", "main", "--head", ""),
    ("diff", ""), ("diff", "main", ""),
    ("approve", "slas/globex.yaml", "--role", "legal", "--identity", "alice@acme.example",
     "--key", "KEY", "--base", ""),
])
def test_an_empty_ref_is_refused_not_read_as_none_given(repo: GitProject,
                                                         args: tuple[str, ...]) -> None:
    """An empty CI variable (``--base "$BASE"``) must stop the gate: read as "no --base", an
    unapproved tightening would pass as a plain check; an empty ``--head`` would judge the
    checked-out base against itself."""
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()  # unapproved: `check --base main` fails it
    assert repo.check("--base", "main").code == 1
    with pytest.raises(SystemExit) as refused:  # argparse's usage error, as on a terminal
        repo.run(*args)
    assert refused.value.code == 2
    err = repo.capsys.readouterr().err
    assert "names no commit (an empty variable in CI?)" in err
    assert "never passes a change it cannot compare" in err


def test_shallow_clone_is_refused(repo: GitProject, tmp_path: Path) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    for flags, expected in (
        (["--branch", "change"], "base ref 'origin/main' is not in this repository"),
        (["--branch", "change", "--no-single-branch"], "this is a shallow clone"),
    ):
        clone = tmp_path / f"clone{len(flags)}"
        git(tmp_path, "clone", "-q", "--depth", "1", *flags, f"file://{repo.root}", str(clone))
        repo.root, original = clone, repo.root
        try:
            run = repo.check("--base", "origin/main")
        finally:
            repo.root = original
        assert run.code == 2, run.err
        assert expected in run.err and "fetch-depth: 0" in run.err


def test_head_ref_checks_that_commit(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", TIGHTENED)
    repo.commit()
    repo.write("slas/globex.yaml", "not: [valid")  # the working tree is not what is checked
    run = repo.gate("--head", "change")
    assert repo.rules(run) == ["sla-change-approval"]
    assert run.json["changes"]["head"]["ref"] == "change"


def test_pre_commit_refs_are_honoured(repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> None:
    base = repo.git("rev-parse", "main").strip()
    repo.write("slas/globex.yaml", TIGHTENED)
    head = repo.commit()
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", head)
    run = repo.check()
    assert repo.rules(run) == ["sla-change-approval"]
    assert run.json["changes"]["head"]["commit"] == head


def test_head_needs_base(repo: GitProject) -> None:
    run = repo.check("--head", "change")
    assert (run.code, run.err) == (
        2, "slopolicy: error: --head needs --base: it names the changed side of a comparison\n")


def test_the_base_is_the_merge_base(repo: GitProject) -> None:
    """A change on main after the branch point is not this branch's change."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    repo.commit("main moves on")
    repo.git("checkout", "-q", "change")
    repo.write("README.md", "hello\n")
    repo.commit()
    run = repo.gate()
    assert (run.code, run.json["changes"]["documents"]) == (0, [])


def test_slo_loosened_informs(repo: GitProject) -> None:
    slo = """\
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: public-api-availability
    spec:
      service: public-api
      indicator:
        metadata: {{name: ok}}
        spec:
          ratioMetric:
            counter: true
            good: {{metricSource: {{type: Prometheus, spec: {{query: good}}}}}}
            total: {{metricSource: {{type: Prometheus, spec: {{query: total}}}}}}
      timeWindow:
        - duration: 28d
          isRolling: true
      budgetingMethod: Occurrences
      objectives:
        - displayName: internal
          target: {target}
    """
    on_main(repo, "slos/public-api.yaml", slo.format(target="0.9995"))
    repo.write("slos/public-api.yaml", slo.format(target="0.995"))
    repo.commit()
    run = repo.gate()
    [problem] = [p for p in run.json["problems"] if p["rule"] == "slo-loosened"]
    assert problem["severity"] == "warning"
    assert problem["message"] == (
        "SLO/public-api-availability: spec.objectives[internal].target 0.9995 → 0.995 loosens "
        "the SLO: error budget 20.16 → 201.6 bad minutes per window; check that the SLAs it "
        "backs still hold and that this is intended")


def test_a_broken_base_policy_names_the_ref(repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.write(".slopolicy.yaml", POLICY.replace('sla-backed-by-slo: "off"', "sla-backed: error"))
    repo.commit("typo")
    repo.git("checkout", "-q", "change")
    run = repo.gate()
    assert run.code == 2
    line = POLICY.splitlines().index('  sla-backed-by-slo: "off"') + 1
    assert run.err.startswith(f"slopolicy: error: main:.slopolicy.yaml:{line}:3: rules.sla-backed: "
                              "unknown rule id")


def test_a_broken_base_house_rule_names_the_ref(repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.write("policies/house.yaml", HOUSE_RULES.replace("has(metadata.owner)", "has(metadata.owner"))
    repo.write(".slopolicy.yaml", POLICY + "policies: [policies/house.yaml]\n")
    repo.commit("broken rule")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "--ff-only", "main")
    repo.write("policies/house.yaml", HOUSE_RULES)  # mended in the change: the base still judges
    run = repo.gate()
    assert run.code == 2
    assert run.err.startswith("slopolicy: error: main:policies/house.yaml:9:15: rule sla-names-owner")


def test_a_file_that_no_longer_loads_is_not_silently_deleted(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla() + "  bad: [\n")
    repo.commit()
    run = repo.gate()
    [message] = messages(run, "sla-change-approval")
    assert message.startswith("SLA/globex-public-api cannot be compared: slas/globex.yaml is "
                              "still there but does not read (see its yaml-syntax finding)")
    assert "yaml-syntax" in repo.rules(run)


def test_the_pre_push_hook_is_declared() -> None:
    from conftest import REPO
    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    [hook] = [h for h in hooks if h["id"] == "slopolicy-pre-push"]
    assert (hook["entry"], hook["stages"], hook["pass_filenames"], hook["always_run"]) == (
        "slopolicy check", ["pre-push"], False, True)


def test_ending_an_agreement_is_retroactive_only_in_the_past(repo: GitProject) -> None:
    def ended(until: str) -> str:
        return sla(version=2).replace("from: 2025-01-01", f"from: 2025-01-01\n    until: {until}")

    repo.write("slas/globex.yaml", ended(days_hence(30)))
    repo.commit()
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")  # an end set is a loosening
    assert repo.rules(repo.gate()) == []
    repo.write("slas/globex.yaml", ended("2025-02-01"))
    repo.commit()
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    run = repo.gate()
    assert messages(run, "sla-retroactive-change") == [
        "SLA/globex-public-api: the agreement is made to end on 2025-02-01, before the date of "
        f"the change {TODAY}, so it would rewrite a period already past; end it on {TODAY} "
        "or later"]


def test_missing_ref_suggests_the_close_one(repo: GitProject) -> None:
    run = repo.check("--base", "mian")
    assert run.code == 2
    assert 'did you mean "main"?' in run.err


# -- the policy at a ref, read through a reader ------------------------------------------

@pytest.mark.parametrize(("files", "message"), [
    ({".slopolicy.yaml": POLICY + "policies: [nowhere.yaml]\n"},
     "main:.slopolicy.yaml:16:12: policies: 'nowhere.yaml': no such file or folder (relative "
     "to main:.)"),
    ({"team/.slopolicy.yaml": POLICY + "policies: [rules/]\n"},
     "main:team/.slopolicy.yaml:16:12: policies: 'rules/': no such file or folder (relative "
     "to main:team)"),
    ({".slopolicy.yaml": POLICY.replace("extends: default", "extends: team/base.yaml"),
      "team/base.yaml": "rules:\n  slo-headroom: {max-budget-ratio: half}\n"},
     "main:team/base.yaml:2:18: rules.slo-headroom.max-budget-ratio: expected a number like "
     "0.5, got 'half'"),  # where the file it extends writes it
    ({".slopolicy.yaml": POLICY.replace("extends: default", "extends: team/base.yaml"),
      "team/base.yaml": "approvals: {trailers: sometimes}\n"},
     "main:team/base.yaml:1:23: approvals.trailers: 'sometimes' is not allowed"),
    ({".slopolicy.yaml": POLICY.replace("extends: default", "extends: ../outside.yaml")},
     "main:.slopolicy.yaml:1:10: extends: '../outside.yaml' is neither a preset (default, strict) "
     "nor a file"),
    ({".slopolicy.yaml": POLICY + "policies: [house.yaml]\n", "house.yaml": "rules: [\n"},
     "main:house.yaml:2:1: "),
])
def test_a_broken_base_configuration_names_the_file_at_the_ref(
        repo: GitProject, files: dict[str, str], message: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every error names REF:path (with line and column where it has them), never a
    temporary copy; the working tree, mended in the change, is not what is read, and
    no file on the machine stands in for one the commit lacks."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    (scratch / "outside.yaml").write_text("rules: {}\n")  # beside any temporary folder
    repo.git("checkout", "-q", "main")
    for name, text in files.items():
        repo.write(name, text)
    repo.commit("broken policy", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "--ff-only", "main")
    for name in files:
        if name.endswith(".slopolicy.yaml"):
            repo.write(name, POLICY)
        else:
            (repo.root / name).unlink()
    run = repo.gate(*{name.split("/")[0] + "/" for name in files if "/" in name})
    assert run.code == 2, run.err
    assert run.err.startswith(f"slopolicy: error: {message}"), run.err
    assert str(scratch) not in run.err and str(repo.root) not in run.err


def test_a_house_rule_at_a_ref_comes_from_its_blob(repo: GitProject) -> None:
    from slopolicy.config import settings as config_module
    from slopolicy.gitops.git import open_repo
    from slopolicy.load.readers import CommitReader, WorktreeReader
    from slopolicy.rules import house

    with_house_rules_on_main(repo)
    # the working tree's copy differs and is not committed: the base's blob is what judges
    repo.write("policies/house.yaml", HOUSE_RULES.replace("has(metadata.owner)",
                                                          "has(metadata.name)"))
    git_repo = open_repo(repo.root)
    at_main = CommitReader(git_repo, git_repo.resolve("main"), "main")
    settings = config_module.read(at_main, ".slopolicy.yaml")
    assert settings.files == {".slopolicy.yaml": (POLICY + "policies: [policies/]\n").encode()}
    [based] = house.load(at_main, settings.data["policies"], settings.folder)
    [local] = house.load(WorktreeReader(repo.root), ["policies/"], "")
    assert "Asserts (CEL): has(metadata.owner)" in based.doc
    assert "Asserts (CEL): has(metadata.name)" in local.doc
    assert (based.source, local.source) == ("main:policies/house.yaml:6", "policies/house.yaml:6")
    repo.write("slas/globex.yaml", sla().replace("  owner: accounts@acme.example\n", ""))
    assert repo.rules(repo.gate()) == ["policy-changed", "sla-names-owner"]


def test_readers_name_files_as_the_user_knows_them(repo: GitProject,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from slopolicy.gitops.git import open_repo
    from slopolicy.load.readers import CommitReader, WorktreeReader

    monkeypatch.chdir(repo.root / "slas")  # the working tree's names start where the user is
    git_repo = open_repo(repo.root)
    at_main = CommitReader(git_repo, git_repo.resolve("main"), "main")  # GitRepo is its Tree
    here = WorktreeReader(repo.root)
    assert at_main.read_one("slas/globex.yaml") == here.read_one("slas/globex.yaml")
    assert (at_main.shown("slas/globex.yaml"), here.shown("slas/globex.yaml")) == (
        "main:slas/globex.yaml", "globex.yaml")
    assert (at_main.name("slas/globex.yaml"), here.name("slas/globex.yaml")) == (
        "main:slas/globex.yaml", "slas/globex.yaml")
    assert at_main.join("slas", "../.slopolicy.yaml") == ".slopolicy.yaml"
    assert at_main.join("", "../x.yaml") == "../x.yaml"  # outside: no file of the commit
    assert not at_main.exists("../x.yaml")
    outside = here.join("", "../x.yaml")  # the working tree may name a file beside it
    assert outside == (repo.root.parent / "x.yaml").as_posix()
    assert at_main.is_folder("slas") and not at_main.is_folder("slas/globex.yaml")
    assert at_main.files_in("") == here.files_in("") == [".slopolicy.yaml"]
