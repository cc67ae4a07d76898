"""One change that takes an agreement's terms away and gives terms to another customer or service.

The policy (gitrepos.POLICY) asks legal to add, modify or remove an agreement, and legal and
sre to loosen one. Whoever writes a change chooses the names and the spelling, so an
agreement loosened, renamed, moved and given its customer spelt anew must still need the
loosening's approvals: the agreement added is judged as an edit of each one the change takes
away. And a customer spelt another way that a reader takes for the same (``Globex``) is
matched as a rename, so the version and date rules see the edit.
"""
from __future__ import annotations

import pytest
import regex
from gitrepos import TODAY, GitProject, days_hence, document, problems, sla

from slopolicy.text.spelling import fold, shown

CYRILLIC_E = "\u0435"
RESPELT = "gl0bex"  # a digit zero for the letter o: another name, which no fold may join
INITECH = sla(target="99.0").replace("name: globex-public-api", "name: initech-api").replace(
    "customer: globex", "customer: initech")


def on_main(repo: GitProject, path: str, text: str) -> None:
    repo.write(path, text)
    repo.commit("on main", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    repo.git("checkout", "-q", "change")


def disguised_loosening(repo: GitProject) -> None:
    """The globex agreement moved to a file of its own, renamed, its customer respelt and
    its target lowered, with legal's approvals of the addition and the removal only."""
    (repo.root / "slas/globex.yaml").unlink()
    repo.write("slas/globex-api.yaml", sla(target="99.0")
               .replace("name: globex-public-api", "name: globex-api")
               .replace("customer: globex", f"customer: {RESPELT}"))
    repo.commit("move the globex agreement to its own file")
    repo.approve("alice", "legal", "slas/globex-api.yaml")
    repo.approve("alice", "legal", "slas/globex.yaml", "--removed-from", "main")
    repo.commit("legal approves", author="alice")


def test_a_loosening_renamed_moved_and_respelt_needs_the_loosening_approvals(
        repo: GitProject) -> None:
    disguised_loosening(repo)
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    assert (problem["file"], problem["line"], problem["path"]) == (
        "slas/globex-api.yaml", 21, "spec.objectives[0].targetPercent")
    assert problem["message"] == (
        "SLA/globex-api is added, and this change takes away SLA/globex-public-api "
        "(slas/globex.yaml), so it is judged as an edit of that one too, which loosens it: "
        "spec.objectives[availability].targetPercent 99.9 → 99, "
        f"spec.customer globex → {RESPELT}. It lacks approval: it needs 1 more sre "
        "approver (for loosened; sre: carol@acme.example, dave@acme.example, github:carol-gh). "
        "To approve, the approver runs `slopolicy approve slas/globex-api.yaml --base main "
        "--role sre --identity YOUR-ID --key ~/.ssh/id_ed25519` on this change and commits the "
        "record in approvals/; or github:carol-gh approves the head commit on the pull or merge "
        "request (counted with --reviews).")
    added = document(run, "SLA/globex-api")
    assert (added["status"], added["classes"]) == ("added", ["added", "loosened", "modified"])
    [instead] = added["replaces"]  # type: ignore[misc]
    assert (instead["document"], instead["file"], instead["classes"]) == (
        "SLA/globex-public-api", "slas/globex.yaml", ["loosened", "modified"])
    assert {"path": "spec.objectives[availability].targetPercent", "from": 99.9, "to": 99.0,
            "direction": "loosened"} in instead["changes"]
    table = repo.check("--base", "main", "--format", "markdown").out
    assert ("| SLA/globex-api v1 | — | instead of SLA/globex-public-api | added | — | ✅ "
            "alice@&#8203;acme.example (legal, signed)<br>❌ 1 more sre for loosened") in table
    assert ("|  | availability | targetPercent: 99.9 → 99 | loosened | 40.32–44.64 → "
            "403.2–446.4 per calendar month (UTC) |  |") in table
    repo.approve("carol", "sre", "slas/globex-api.yaml")
    repo.commit("sre approves", author="carol")
    assert (passed := repo.gate()).code == 0, passed.json["problems"]


def test_an_agreement_given_a_looser_one_s_place_needs_the_loosening_approvals(
        repo: GitProject) -> None:
    """Two taken away, one added in the looser one's file: paired with it as a rename, it is
    still judged against the stricter one, which it may stand for as well."""
    on_main(repo, "slas/initech.yaml", INITECH)
    (repo.root / "slas/globex.yaml").unlink()
    repo.write("slas/initech.yaml", INITECH.replace("name: initech-api", "name: acme-api")
               .replace("customer: initech", "customer: globex-corp"))
    repo.commit()
    repo.approve("alice", "legal", "slas/initech.yaml")
    repo.approve("alice", "legal", "slas/globex.yaml", "--removed-from", "main")
    repo.commit("legal approves", author="alice")
    run = repo.gate()
    [problem] = problems(run, "sla-change-approval")
    assert str(problem["message"]).startswith(
        "SLA/acme-api is renamed from initech-api (spec.customer initech → globex-corp), and "
        "this change takes away SLA/globex-public-api (slas/globex.yaml), so it is judged as an "
        "edit of that one too, which loosens it: spec.objectives[availability].targetPercent "
        "99.9 → 99, spec.customer globex → globex-corp. It lacks approval")
    assert "it needs 1 more sre approver (for loosened" in str(problem["message"])
    renamed = document(run, "SLA/acme-api")
    assert renamed["renamedFrom"] == "initech-api"
    assert [r["document"] for r in renamed["replaces"]] == ["SLA/globex-public-api"]  # type: ignore[attr-defined]


def test_customers_swapped_in_place_are_judged_against_each_other(repo: GitProject) -> None:
    on_main(repo, "slas/initech.yaml", INITECH)
    repo.write("slas/globex.yaml", sla().replace("customer: globex", "customer: hooli"))
    repo.write("slas/initech.yaml", INITECH.replace("customer: initech", "customer: globex"))
    repo.commit()
    run = repo.gate()
    assert document(run, "SLA/initech-api")["classes"] == ["loosened", "modified"]
    assert document(run, "SLA/globex-public-api")["classes"] == ["modified", "tightened"]
    [message] = [str(p["message"]) for p in problems(run, "sla-change-approval")
                 if p["document"] == "SLA/initech-api"]
    assert message.startswith(
        "SLA/initech-api is modified (spec.customer initech → globex), and this change takes "
        "away SLA/globex-public-api (slas/globex.yaml), so it is judged as an edit of that one "
        "too, which loosens it: spec.objectives[availability].targetPercent 99.9 → 99. It lacks "
        "approval: it needs 1 more legal approver (for modified/loosened; legal: "
        "alice@acme.example, bob@acme.example, dave@acme.example); 1 more sre approver (for "
        "loosened;")


@pytest.mark.parametrize("customer", [
    "Globex",  # letter case
    "\uff47\uff4c\uff4f\uff42\uff45\uff58",  # full-width letters
    "glob\u200bex",  # a zero-width space
    '" globex"',  # a space a reader does not see
    f"glob{CYRILLIC_E}x",  # a Cyrillic letter that looks like the Latin one
    "gl\u03bfbex",  # a Greek omicron
], ids=["case", "full-width", "zero-width", "space", "cyrillic", "greek"])
def test_a_customer_spelt_otherwise_is_a_rename(repo: GitProject, customer: str) -> None:
    (repo.root / "slas/globex.yaml").unlink()
    repo.write("slas/globex-api.yaml", sla(target="99.0")
               .replace("name: globex-public-api", "name: globex-api")
               .replace("customer: globex", f"customer: {customer}"))
    repo.commit()
    run = repo.gate()
    renamed = document(run, "SLA/globex-api")
    assert (renamed["status"], renamed["renamedFrom"]) == ("loosened", "globex-public-api")
    assert "replaces" not in renamed  # its own edit: it stands for nothing else
    assert [p["document"] for p in run.json["problems"]] == ["SLA/globex-api"] * 3
    assert [p["rule"] for p in run.json["problems"]] == [
        "sla-version-bump", "sla-retroactive-change", "sla-change-approval"]
    [retroactive] = problems(run, "sla-retroactive-change")
    assert str(retroactive["message"]).startswith(
        f"SLA/globex-api: the terms changed on {TODAY} but the new version takes effect on "
        "2025-01-01")


def test_an_agreement_added_back_spelt_otherwise_is_found_in_history(repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", "slas/globex.yaml")
    removed = repo.commit("remove the globex agreement", date="2025-03-05T12:00:00+00:00")
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write("slas/globex-2025.yaml", sla(version=2, start=days_hence(60), target="99.5")
               .replace("name: globex-public-api", "name: globex-2025")
               .replace("customer: globex", "customer: GLOBEX"))
    repo.commit("add the globex agreement")
    [problem] = problems(repo.gate(), "sla-change-approval")
    assert str(problem["message"]).startswith(
        f"SLA/globex-2025 is re-added looser than the version removed in {removed[:7]} "
        "(2025-03-05)")
    assert "1 more sre approver (for loosened" in str(problem["message"])


def test_a_loosening_backdated_is_dated_today(repo: GitProject) -> None:
    """Commits dated in the past (before main's last commit, even) give no more notice."""
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(20), target="99.5"))
    repo.commit("loosen", date="2025-03-01T12:00:00+00:00")
    repo.approve("alice", "legal")
    repo.approve("carol", "sre")
    repo.commit("approvals", date="2025-03-01T12:00:00+00:00")
    [problem] = problems(repo.gate(), "sla-retroactive-change")
    assert problem["message"] == (
        f"SLA/globex-public-api: the terms are loosened with 20 days' notice (from {TODAY} to "
        f"{days_hence(20)}), but changeNoticeDays requires 30; make the new terms a new version "
        f"with effective.from: {days_hence(30)} or later; the old version stays in force until "
        "then")


@pytest.mark.parametrize("a, b", [
    ("Globex", "globex"),
    ("\uff27\uff4c\uff4f\uff42\uff45\uff58", "globex"),
    ("glob\u200bex\u200d", "globex"),
    ("  Public API ", "public api"),
    ("Stra\u00dfe", "strasse"),
    ("\u212bngstr\u00f6m", "\u00e5ngstr\u00f6m"),  # the ångström sign is the letter å
    # invisible characters that are not format characters: a combining grapheme joiner, a
    # variation selector, a tag, a Mongolian free variation selector, a Hangul filler (blank)
    ("globe\u034fx", "globex"),
    ("globe\ufe0fx", "globex"),
    ("glob\U000e0065ex\U000e007f", "globex"),
    ("glob\u180bex", "globex"),
    ("\u3164globex\u3164", "globex"),
    ("globex\uffa0", "globex"),  # the half-width Hangul filler
    ("globex\u2800", "globex"),  # the blank Braille pattern reads as a space
    ("glob\u2800ex", "glob ex"),
    # letters that are Latin but not ASCII, and look like ASCII ones
    ("\u0261lobex", "globex"),  # the script g
    ("\u0251cme", "acme"),  # the Latin alpha
    ("\u026aNITECH", "initech"),  # a small capital I
    ("globex\u2010corp", "globex-corp"),  # a hyphen, and the hyphen-minus
])
def test_fold_makes_one_key_of_spellings_a_reader_takes_for_one(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_drops_every_default_ignorable_code_point() -> None:
    """Held against the Unicode property itself (the ``regex`` package's, a table of its
    own): no character that Unicode says renders as nothing may tell two spellings apart."""
    ignorable = regex.compile(r"\p{Default_Ignorable_Code_Point}")
    every = [chr(c) for c in range(0x110000) if ignorable.match(chr(c))]
    assert len(every) > 4000
    assert [hex(ord(c)) for c in every if fold(f"glob{c}ex") != "globex"] == []


def test_fold_reads_letters_of_other_scripts_as_the_latin_ones_they_look_like() -> None:
    assert fold(f"Glob{CYRILLIC_E.upper()}x") == fold(f"glob{CYRILLIC_E}x") == "globex"
    assert fold("\u0433\u043b\u043e\u0431\u0435\u043a\u0441") == fold(  # Cyrillic, in case
        "\u0413\u041b\u041e\u0411\u0415\u041a\u0421")


@pytest.mark.parametrize("a, b", [
    (RESPELT, "globex"),  # other Latin letters and digits: other names
    ("globex-corp", "globex"),
    ("gl\u00f6bex", "globex"),  # a letter with an accent is another letter
    ("\u0433\u043b\u043e\u0431\u0435\u043a\u0441", "\u0433\u043b\u043e\u0431\u0435\u043a\u0441\u0430"),
    ("l", "1"), ("0", "o"), ("rn", "m"),  # ASCII is never read as other ASCII
    ("glob ex", "globex"),  # a space reads as one
])
def test_fold_keeps_other_names_apart(a: str, b: str) -> None:
    assert fold(a) != fold(b)


@pytest.mark.parametrize("text, seen", [
    ("Globex", "Globex"),
    ("Soci\u00e9t\u00e9 G\u00e9n\u00e9rale", "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale"),
    ("Stra\u00dfe", "Stra\u00dfe"),
    ("glob\u0435x", "glob\\u0435x"),
    ("globe\u034fx", "globe\\u034fx"),
    ("glob\u200bex", "glob\\u200bex"),
    ("\uff27lobex", "\\uff27lobex"),
    ("\U000e0067lobex", "\\U000e0067lobex"),
    ("globex\u3164", "globex\\u3164"),
])
def test_shown_spells_out_what_reads_as_another_character(text: str, seen: str) -> None:
    """What a message shows of two spellings that fold joins: where they differ."""
    assert shown(text) == seen


def audited(repo: GitProject, label: str) -> dict[str, object]:
    """The last version of ``label`` in ``slopolicy audit --format json``."""
    agreements = repo.run("audit", "--format", "json").json["agreements"]  # type: ignore[attr-defined]
    [found] = [a for a in agreements if a["document"] == label]
    return found["versions"][-1]  # type: ignore[no-any-return]


def test_the_audit_judges_a_respelt_loosening_as_the_gate_does(repo: GitProject) -> None:
    """The history keeps the same disguise: the version added is judged as an edit of the one
    its commit took away, and lacks sre's approval of the loosening until sre gives it."""
    disguised_loosening(repo)
    version = audited(repo, "SLA/globex-api")
    assert (version["change"], version["classes"]) == ("added", ["added", "loosened", "modified"])
    [instead] = version["replaces"]  # type: ignore[misc]
    assert (instead["document"], instead["file"], instead["classes"]) == (
        "SLA/globex-public-api", "slas/globex.yaml", ["loosened", "modified"])
    assert {"path": "spec.objectives[availability].targetPercent", "from": 99.9, "to": 99.0,
            "direction": "loosened"} in instead["changes"]
    assert version["compliant"] is False
    assert [(m["class"], m["role"], m["count"]) for m in version["missing"]] == [  # type: ignore[attr-defined]
        ("loosened", "sre", 1)]
    assert repo.run("audit", "--verify").code == 1
    text = repo.run("audit")
    assert ("judged as an edit of SLA/globex-public-api (slas/globex.yaml) too, which loosens "
            "it:") in text.out
    page = repo.run("audit", "--format", "html").out
    assert "judged as an edit of SLA/globex-public-api (slas/globex.yaml) too" in page
    # the agreement taken away may be another customer's: not in a customer's page
    shown = repo.run("audit", "--format", "html", "--audience", "customer", "slas/globex-api.yaml")
    assert "globex-public-api" not in shown.out
    repo.approve("carol", "sre", "slas/globex-api.yaml")
    repo.commit("sre approves", author="carol")
    assert audited(repo, "SLA/globex-api")["compliant"] is True
    assert repo.run("audit", "--verify").code == 0


def test_the_audit_leaves_a_rename_that_keeps_its_parties_as_it_was(repo: GitProject) -> None:
    repo.write("slas/globex.yaml", sla().replace("name: globex-public-api", "name: globex-api"))
    repo.commit("rename the globex agreement")
    version = audited(repo, "SLA/globex-api")
    assert (version["change"], "replaces" in version) == ("renamed", False)


def loosened_in_two_commits(repo: GitProject, approver: str) -> None:
    """alice (legal) takes the globex agreement away in one commit; dev gives a looser one to
    the customer respelt in another; ``approver`` approves the new one for legal."""
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.commit("end the globex agreement", author="alice")
    repo.write("slas/globex-api.yaml", sla(version=2, start=days_hence(60), target="99.5")
               .replace("name: globex-public-api", "name: globex-api")
               .replace("customer: globex", f"customer: {RESPELT}"))
    repo.commit("add the new agreement")
    repo.approve("bob", "legal", "slas/globex.yaml", "--removed-from", "main")
    repo.approve(approver, "legal", "slas/globex-api.yaml")
    repo.approve("carol", "sre", "slas/globex-api.yaml")
    repo.commit("approvals", author="carol")


def test_who_took_an_agreement_away_made_the_edit_of_it_it_is_judged_as(
        repo: GitProject) -> None:
    """The agreement added is judged as an edit of the one taken away: whoever took that one
    away made half of the edit, and approves it no more than the same loosening in place."""
    loosened_in_two_commits(repo, "alice")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    assert problem["document"] == "SLA/globex-api"
    message = str(problem["message"])
    assert "it needs 1 more legal approver (for added/modified/loosened" in message
    removal = repo.git("log", "-1", "--format=%h", "--", "slas/globex.yaml").strip()
    found = document(run, "SLA/globex-api")["approvals"]
    assert (f"alice@acme.example authored commit {removal} (it changed slas/globex.yaml, "
            "which held SLA/globex-public-api, an agreement this change takes away), which "
            "changed it: nobody approves their own change") in [
                e.get("reason") for e in found["found"]]  # type: ignore[index]
    # the removal itself was approved by another legal approver: it stands
    assert document(run, "SLA/globex-public-api")["approvals"]["missing"] == []  # type: ignore[index]


def test_another_approver_of_the_agreement_given_terms_counts(repo: GitProject) -> None:
    loosened_in_two_commits(repo, "bob")
    assert (run := repo.gate()).code == 0, run.json["problems"]


def test_the_audit_refuses_the_taker_s_approval_of_the_edit_as_the_gate_does(
        repo: GitProject) -> None:
    """Merged with a merge commit, the pull request is one change in the audit too: the
    commits of its branch made it, the one that took the agreement away among them."""
    loosened_in_two_commits(repo, "alice")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge the change", "change")
    version = audited(repo, "SLA/globex-api")
    assert version["compliant"] is False
    assert [(m["class"], m["role"]) for m in version["missing"]] == [  # type: ignore[attr-defined]
        ("added", "legal"), ("modified", "legal"), ("loosened", "legal")]
    assert repo.run("audit", "--verify").code == 1


def test_an_agreement_taken_away_in_the_working_tree_is_the_uncommitted_change_s(
        repo: GitProject) -> None:
    """Taken away by whoever holds the working tree, not yet committed: they made half the
    edit the agreement added (committed by another) is judged as."""
    repo.write("slas/globex-api.yaml", sla(version=2, start=days_hence(60), target="99.5")
               .replace("name: globex-public-api", "name: globex-api")
               .replace("customer: globex", f"customer: {RESPELT}"))
    repo.commit("add the new agreement")
    repo.approve("alice", "legal", "slas/globex-api.yaml")
    repo.approve("carol", "sre", "slas/globex-api.yaml")
    repo.commit("approvals", author="carol")
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.approve("bob", "legal", "slas/globex.yaml", "--removed-from", "main")
    repo.git("config", "user.email", "alice@acme.example")
    run = repo.gate()
    assert run.code == 1
    [problem] = problems(run, "sla-change-approval")
    assert problem["document"] == "SLA/globex-api"
    assert ("alice@acme.example authored the uncommitted change, which changed it: nobody "
            "approves their own change") in str(problem["message"])
