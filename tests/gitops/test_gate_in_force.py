"""The terms in force for a customer and service, before and after: not the names that carry them.

The policy (gitrepos.POLICY) asks legal to add, modify or remove an agreement, and legal and
sre to loosen one. An agreement that gets terms in force for a customer and service (added,
given those parties, or brought back into force by an edit of its dates or terms) where that
customer's agreement is taken away, in the same change or in an earlier one, is judged as an
edit of the agreement taken away: a looser one needs the loosening's approvals.
"""
from __future__ import annotations

from pathlib import Path

from gitrepos import GitProject, days_hence, document, gate_in_partial_clone, problems, sla

REMOVED_ON = "2025-03-05T12:00:00+00:00"
# the 2024 terms, expired, kept beside the current ones: 99.0 where the current one says 99.9
EXPIRED = (sla(version=2, start="2024-01-01", target="99.0")
           .replace("name: globex-public-api", "name: globex-public-api-2024")
           .replace("    from: 2024-01-01\n", "    from: 2024-01-01\n    until: 2025-01-01\n"))
REVIVED = (sla(version=4, start=days_hence(60), target="99.0")
           .replace("name: globex-public-api", "name: globex-public-api-2024"))
INITECH = (sla(target="99.0").replace("name: globex-public-api", "name: initech-public-api")
           .replace("customer: globex", "customer: initech"))
GIVEN_TO_GLOBEX = (sla(version=2, start=days_hence(60), target="99.0")
                   .replace("name: globex-public-api", "name: initech-public-api"))
DECOY = (sla(start="2025-01-01", target="95").replace("name: globex-public-api", "name: globex-api")
         .replace("customer: globex", "customer: hooli"))
BACK = (sla(version=4, start=days_hence(60), target="99.5")
        .replace("name: globex-public-api", "name: globex-api"))


def on_main(repo: GitProject, message: str, date: str = REMOVED_ON) -> str:
    """Commit what the working tree holds on main; ``change`` starts again from there."""
    repo.git("checkout", "-q", "main")
    sha = repo.commit(message, date=date)
    repo.git("checkout", "-q", "-B", "change", "main")
    return sha


def audit_versions(repo: GitProject, label: str) -> list[dict[str, object]]:
    found = repo.run("audit", "--format", "json").json["agreements"]
    [agreement] = [a for a in found if a["document"] == label]
    return agreement["versions"]  # type: ignore[no-any-return]


def test_an_expired_agreement_revived_in_place_is_judged_against_the_one_taken_away(
        repo: GitProject) -> None:
    """The change deletes globex's agreement in force (99.9) and puts the expired one for the
    same customer and service (99.0) back in force: the customer's terms loosen."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex-2024.yaml", EXPIRED)
    on_main(repo, "globex: the 2024 terms beside the current ones")
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.write("slas/globex-2024.yaml", REVIVED)
    repo.commit("globex back on the 2024 terms")
    repo.approve("alice", "legal", "slas/globex.yaml", "--removed-from", "main")
    repo.approve("alice", "legal", "slas/globex-2024.yaml", "--base", "main")
    repo.commit("legal approves", author="alice")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    assert problem["file"] == "slas/globex-2024.yaml"
    message = str(problem["message"])
    assert ("this change takes away SLA/globex-public-api (slas/globex.yaml), so it is judged "
            "as an edit of that one too, which loosens it: "
            "spec.objectives[availability].targetPercent 99.9 → 99") in message
    assert "1 more sre approver (for loosened" in message
    [replaced] = document(run, "SLA/globex-public-api-2024")["replaces"]  # type: ignore[misc]
    assert replaced["document"] == "SLA/globex-public-api"
    assert "loosened" in replaced["classes"]
    table = repo.check("--base", "main", "--format", "markdown").out
    assert "| instead of SLA/globex-public-api | edited |" in table
    # the audit judges the commit as the gate judged the pull request
    assert repo.run("audit", "--verify").code == 1
    last = audit_versions(repo, "SLA/globex-public-api-2024")[-1]
    assert last["compliant"] is False
    repo.approve("carol", "sre", "slas/globex-2024.yaml", "--base", "main")
    repo.commit("sre approves", author="carol")
    assert (again := repo.gate()).code == 0, again.json["problems"]


def test_an_edit_in_place_of_another_customer_s_agreement_is_not_compared(
        repo: GitProject) -> None:
    """An agreement edited in place is compared only with the agreements taken away from its
    own customer and service."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/initech.yaml", INITECH)
    on_main(repo, "initech's agreement")
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.write("slas/initech.yaml", INITECH.replace("version: 1", "version: 2")
               .replace("from: 2025-01-01", f"from: {days_hence(60)}"))
    repo.commit("globex ends; initech's agreement starts anew")
    run = repo.gate()
    assert "replaces" not in document(run, "SLA/initech-public-api")


def test_a_customer_given_after_a_removal_is_compared_with_the_version_removed(
        repo: GitProject) -> None:
    """One pull request removes globex's agreement (approved as removed); the next gives a
    weaker agreement for the same service to globex: as an addition for globex would, it is
    compared with the version removed."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/initech.yaml", INITECH)
    on_main(repo, "initech's agreement")
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    removed = on_main(repo, "globex's agreement ends")
    repo.write("slas/initech.yaml", GIVEN_TO_GLOBEX)
    repo.commit("the public-api agreement is globex's now")
    repo.approve("alice", "legal", "slas/initech.yaml", "--base", "main")
    repo.commit("legal approves", author="alice")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    message = str(problem["message"])
    assert f"than the version removed in {removed[:7]} (2025-03-05)" in message
    assert "1 more sre approver (for loosened" in message
    found = document(run, "SLA/initech-public-api")
    assert found["earlier"]["document"] == "SLA/globex-public-api"  # type: ignore[index]
    assert "loosened" in found["classes"]  # type: ignore[operator]
    last = audit_versions(repo, "SLA/initech-public-api")[-1]
    assert last["earlier"]["removedBy"] == removed  # type: ignore[index]
    assert last["compliant"] is False


def test_a_decoy_removed_under_the_name_does_not_hide_the_customer_s_removal(
        repo: GitProject) -> None:
    """Globex's agreement (99.9) is removed; a hooli trial (95) under the name globex's will
    come back with is added and removed; globex's comes back at 99.5 under that name. Against
    the trial it is tighter; against globex's own last terms it is looser: it needs both."""
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    removed = on_main(repo, "globex's agreement ends")
    repo.git("checkout", "-q", "main")
    repo.write("slas/trial.yaml", DECOY)
    on_main(repo, "hooli trial", date="2025-03-06T12:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/trial.yaml")
    decoy = on_main(repo, "hooli trial ends", date="2025-03-07T12:00:00+00:00")
    repo.write("slas/globex.yaml", BACK)
    repo.commit("globex is back")
    repo.approve("alice", "legal")
    repo.commit("legal approves", author="alice")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    message = str(problem["message"])
    assert (f"is re-added looser than the version removed in {removed[:7]} (2025-03-05): "
            "spec.objectives[availability].targetPercent 99.9 → 99.5") in message
    assert "1 more sre approver (for loosened" in message
    found = document(run, "SLA/globex-api")
    assert found["earlier"]["removedBy"] == removed  # type: ignore[index]
    [also] = found["earlierAlso"]  # type: ignore[misc]
    assert (also["removedBy"], also["document"]) == (decoy, "SLA/globex-api")
    assert "tightened" in also["classes"]
    last = audit_versions(repo, "SLA/globex-api")[-1]
    assert last["earlier"]["removedBy"] == removed  # type: ignore[index]
    assert [a["removedBy"] for a in last["earlierAlso"]] == [decoy]  # type: ignore[index]
    assert last["compliant"] is False


def test_a_customer_page_shows_no_comparison_with_another_customer_s_agreement(
        repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.write("slas/hooli.yaml", DECOY.replace("name: globex-api", "name: api-gold"))
    on_main(repo, "globex ends, a hooli trial")
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/hooli.yaml")
    on_main(repo, "the hooli trial ends", date="2025-03-06T12:00:00+00:00")
    repo.write("slas/globex.yaml", sla().replace("name: globex-public-api", "name: api-gold"))
    repo.commit("globex's agreement, called api-gold")
    page = repo.run("audit", "slas/globex.yaml", "--format", "html", "--audience",
                    "customer").out
    assert "hooli" not in page
    assert "added" in page
    internal = repo.run("audit", "slas/globex.yaml", "--format", "html").out
    assert "hooli" in internal  # the provider's own page shows every comparison


def test_a_customer_given_where_the_history_cannot_be_read_is_said(
        repo: GitProject, tmp_path: Path) -> None:
    """A partial clone whose past versions cannot be fetched: an agreement given another
    customer is shown with what could not be read, as an addition is."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/initech.yaml", INITECH)
    on_main(repo, "initech's agreement")
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    on_main(repo, "globex's agreement ends")
    repo.write("slas/initech.yaml", GIVEN_TO_GLOBEX)
    repo.commit("the public-api agreement is globex's now")
    run = gate_in_partial_clone(repo, tmp_path, "slas/initech.yaml")
    assert run.code == 1, run.err
    [warning] = problems(run, "sla-history-unread")
    assert (warning["file"], warning["path"]) == ("slas/initech.yaml", "spec.customer")
    assert str(warning["message"]).startswith(
        "SLA/initech-public-api is given another customer or service, and origin/main's history "
        "could not be searched")


def test_an_expired_agreement_put_back_in_force_after_a_removal_is_compared_with_it(
        repo: GitProject) -> None:
    """One pull request removes globex's agreement in force (approved as removed); the next
    puts the expired one back in force: as an addition would, it is compared with the version
    removed."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex-2024.yaml", EXPIRED)
    on_main(repo, "globex: the 2024 terms beside the current ones")
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    removed = on_main(repo, "globex's agreement ends", date="2025-03-06T12:00:00+00:00")
    repo.write("slas/globex-2024.yaml", REVIVED)
    repo.commit("globex back on the 2024 terms")
    repo.approve("alice", "legal", "slas/globex-2024.yaml", "--base", "main")
    repo.commit("legal approves", author="alice")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    message = str(problem["message"])
    assert message.startswith(
        "SLA/globex-public-api-2024 is put back in force looser than the version of "
        f"SLA/globex-public-api removed in {removed[:7]} (2025-03-06): "
        "spec.objectives[availability].targetPercent 99.9 → 99")
    assert "1 more sre approver (for loosened" in message
    last = audit_versions(repo, "SLA/globex-public-api-2024")[-1]
    assert last["earlier"]["removedBy"] == removed  # type: ignore[index]
    assert last["compliant"] is False


def test_an_agreement_taken_from_a_file_its_expired_one_stays_in_is_still_found(
        repo: GitProject) -> None:
    """The current and the expired agreement share a file; the current one is taken out of
    it, and the expired one (still in the file, still theirs) does not hide that removal."""
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", sla() + "---\n" + EXPIRED)
    on_main(repo, "globex: both agreements in one file")
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex.yaml", EXPIRED)
    removed = on_main(repo, "globex's agreement ends", date="2025-03-06T12:00:00+00:00")
    repo.write("slas/globex.yaml", REVIVED)
    repo.commit("globex back on the 2024 terms")
    found = document(repo.gate(), "SLA/globex-public-api-2024")
    assert found["earlier"]["removedBy"] == removed  # type: ignore[index]
    assert "loosened" in found["classes"]  # type: ignore[operator]


def test_an_agreement_put_back_in_force_where_the_history_cannot_be_read_is_said(
        repo: GitProject, tmp_path: Path) -> None:
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex-2024.yaml", EXPIRED)
    on_main(repo, "globex: the 2024 terms beside the current ones")
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    on_main(repo, "globex's agreement ends", date="2025-03-06T12:00:00+00:00")
    repo.write("slas/globex-2024.yaml", REVIVED)
    repo.commit("globex back on the 2024 terms")
    run = gate_in_partial_clone(repo, tmp_path, "slas/globex-2024.yaml")
    assert run.code == 1, run.err
    [warning] = problems(run, "sla-history-unread")
    assert (warning["file"], warning["path"]) == ("slas/globex-2024.yaml", "spec.effective")
    assert str(warning["message"]).startswith(
        "SLA/globex-public-api-2024 had ended and is put back in force, and origin/main's "
        "history could not be searched")


def test_an_expired_agreement_taken_away_takes_no_terms_in_force(repo: GitProject) -> None:
    """Clearing away an expired agreement (stricter than the one in force) as the one in force
    is edited: the edit is judged as itself, not as an edit of terms that had ended."""
    stricter = EXPIRED.replace("targetPercent: 99.0", "targetPercent: 99.99")
    repo.git("checkout", "-q", "main")
    repo.write("slas/globex-2024.yaml", stricter)
    on_main(repo, "globex: the 2024 terms beside the current ones")
    repo.git("rm", "-q", "slas/globex-2024.yaml")
    repo.write("slas/globex.yaml", sla(version=4, start=days_hence(60), threshold="400ms"))
    repo.commit("the 2024 terms cleared away; latency tightened")
    found = document(repo.gate(), "SLA/globex-public-api")
    assert "replaces" not in found
    assert "loosened" not in found["classes"]  # type: ignore[operator]
