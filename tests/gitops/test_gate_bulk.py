"""A change that takes many agreements away and gives many terms: its cost and report grow
with the agreements, not with their square, and it needs what each comparison asks.

The policy (gitrepos.POLICY) asks legal to add, modify or remove an agreement, and legal and
sre to loosen one.
"""
from __future__ import annotations

import random

import pytest
from gitrepos import GitProject, sla

from slopolicy.changes import compare
from slopolicy.load.files import load_bytes
from slopolicy.model.documents import Document

TIERS = ("99.0", "99.5", "99.9")


def agreement(name: str, customer: str, target: str, service: str = "public-api") -> str:
    return (sla(target=target).replace("name: globex-public-api", f"name: {name}")
            .replace("customer: globex", f"customer: {customer}")
            .replace("service: public-api", f"service: {service}"))


def test_customers_renamed_across_many_agreements(repo: GitProject) -> None:
    """Twelve agreements removed and twelve given to new customer names, in three tiers:
    each new one needs what its comparisons with the twelve ask (a loosening, unless it is
    of the strictest tier), while its report keeps only the comparisons that add a class."""
    count = compare.REPLACES_LISTED + 2
    (repo.root / "slas/globex.yaml").unlink()
    for number in range(count):
        repo.write(f"slas/old-{number}.yaml",
                   agreement(f"old-{number}", f"customer-{number}", TIERS[number % 3]))
    repo.commit("twelve agreements")
    repo.git("branch", "-f", "main")
    for number in range(count):
        (repo.root / f"slas/old-{number}.yaml").unlink()
        repo.write(f"slas/new-{number}.yaml",
                   agreement(f"new-{number}", f"client-{number}", TIERS[number % 3]))
    repo.commit("new customer names")
    run = repo.gate("--format", "json")
    assert run.code == 1
    added = {d["document"]: d for d in run.json["changes"]["documents"] if d["status"] == "added"}
    assert len(added) == count
    for number in range(count):
        found = added[f"SLA/new-{number}"]
        tier = TIERS[number % 3]
        wanted = {"added", "modified"} | ({"loosened"} if tier != "99.9" else set()) | (
            {"tightened"} if tier != "99.0" else set())
        assert set(found["classes"]) == wanted, (number, found["classes"])
        shown = found["replaces"]
        # each comparison kept adds a class to those before it; the rest are counted
        assert len(shown) <= 3
        assert len(shown) + found["replacesMore"] == count
        classes: set[str] = set()
        for instead in shown:
            assert not set(instead["classes"]) <= classes
            classes |= set(instead["classes"])
        assert classes | {"added"} == wanted
    approval = [p for p in run.json["problems"] if p["rule"] == "sla-change-approval"]
    assert {p["document"] for p in approval} >= {f"SLA/new-{n}" for n in range(count)}
    loosened = [p for p in approval if p["document"] == "SLA/new-0"]  # tier 99.0
    assert any("1 more sre approver (for loosened" in p["message"] for p in loosened)
    table = repo.gate("--format", "markdown").out
    assert "and 11 more agreements this change takes away, whose terms ask no other approval" in table
    listed = repo.run("diff", "main").out
    assert "  and 11 more agreements this change takes away, whose terms ask no other approval\n" in listed
    # the audit judges the commit as the gate judges the change, and reports it as briefly
    agreements = repo.run("audit", "--format", "json").json["agreements"]
    [version] = next(a for a in agreements if a["document"] == "SLA/new-0")["versions"]
    assert set(version["classes"]) == {"added", "modified", "loosened"}
    assert len(version["replaces"]) + version["replacesMore"] == count


def test_a_few_taken_away_are_each_shown(repo: GitProject) -> None:
    """Up to REPLACES_LISTED agreements taken away, each comparison is in the report."""
    (repo.root / "slas/globex.yaml").unlink()
    for number in range(3):
        repo.write(f"slas/old-{number}.yaml", agreement(f"old-{number}", f"c-{number}", "99.9"))
    repo.commit("three agreements")
    repo.git("branch", "-f", "main")
    for number in range(3):
        (repo.root / f"slas/old-{number}.yaml").unlink()
    repo.write("slas/new.yaml", agreement("new", "client", "99.9"))
    repo.commit("one instead of three")
    [found] = [d for d in repo.gate("--format", "json").json["changes"]["documents"]
               if d["document"] == "SLA/new"]
    assert [r["document"] for r in found["replaces"]] == [f"SLA/old-{n}" for n in range(3)]
    assert "replacesMore" not in found


def each_with_each(removed: list[Document], added: list[Document]
                   ) -> list[tuple[Document, Document]]:
    """The pairing of renames, by the letter of its rule: for each strength, each agreement
    removed in order takes the first added one of exactly that kinship not yet taken."""
    def kinship(old: Document, new: Document) -> int:
        party = compare.parties(old)
        return 2 * (party is not None and party == compare.parties(new)) + (
            old.source.path == new.source.path)

    pairs: list[tuple[Document, Document]] = []
    for strength in (3, 2, 1):
        for old in removed:
            if any(o is old for o, _ in pairs):
                continue
            taken = [n for _, n in pairs]
            new = next((n for n in added if not any(n is t for t in taken)
                        and kinship(old, n) == strength), None)
            if new is not None:
                pairs.append((old, new))
    return pairs


@pytest.mark.parametrize("seed", range(40))
def test_renames_pair_as_the_rule_says(seed: int) -> None:
    """The indexed pairing gives the pairs of the each-with-each one, in its order."""
    r = random.Random(seed)

    def documents(prefix: str) -> list[Document]:
        found = []
        for number in range(r.randint(0, 7)):
            customer = r.choice(["globex", "Globex", "initech", "hooli", '""'])
            text = agreement(f"{prefix}-{number}", customer, "99.9", r.choice(["api", "web"]))
            found += load_bytes(f"slas/{r.choice('abc')}.yaml", text.encode()).documents
        return found

    removed, added = documents("old"), documents("new")
    got = [(id(o), id(n)) for o, n in compare.pair_renames(removed, added)]
    assert got == [(id(o), id(n)) for o, n in each_with_each(removed, added)]


@pytest.mark.parametrize("seed", range(12))
def test_what_a_bulk_change_asks_is_what_each_comparison_asks(seed: int) -> None:
    """Against every comparison made one by one: the classes of each agreement given terms,
    when only the comparisons that add a class are kept and terms seen before are skipped."""
    r = random.Random(seed)

    def documents(prefix: str, count: int) -> list[Document]:
        found = []
        for number in range(count):
            customer = r.choice(["globex", "initech", f"{prefix}-{number}"])
            text = agreement(f"{prefix}-{number}", customer, r.choice(TIERS + ("99.95",)),
                             r.choice(["public-api", "web"]))
            if r.random() < 0.3:
                text = text.replace("99.0", "98.0")  # some credit tiers moved too
            if r.random() < 0.5:  # a contract of its own, or the same as others
                text = text.replace("  service:", f"  contract: {r.choice(['MSA-1', prefix])}\n"
                                    "  service:")
            text = text.replace("version: 1", f"version: {r.choice([1, 2])}")
            found += load_bytes(f"slas/{prefix}-{number}.yaml", text.encode()).documents
        return found

    gone = documents("old", r.randint(compare.REPLACES_LISTED + 1, 24))
    came = documents("new", 4)
    changes = [compare.DocumentChange(*d.identity, base=d, head=None) for d in gone] + [
        compare.DocumentChange(*d.identity, base=None, head=d) for d in came]
    compare.replacements(changes)
    for change in changes[len(gone):]:
        assert change.head is not None
        wanted = frozenset().union(*(compare.compare_earlier(old, change.head).classes
                                     for old in gone))
        got = frozenset().union(*(r.classes for r in change.replaces))
        assert got == wanted
        assert len(change.replaces) + change.replaces_more == len(gone)


@pytest.mark.parametrize("other", ["customer", "contract"])
def test_the_same_terms_for_other_parties_still_ask_a_modification(other: str) -> None:
    """Terms taken away from the agreement's own customer and contract first, then the same
    terms from other customers (or under other contracts): those still make the one given
    terms a modification of theirs."""
    def document(name: str, customer: str, contract: str) -> Document:
        text = agreement(name, customer, "99.9").replace(
            "  service:", f"  contract: {contract}\n  service:")
        [found] = load_bytes(f"slas/{name}.yaml", text.encode()).documents
        return found

    others = range(1, compare.REPLACES_LISTED + 2)
    gone = [document("old-0", "globex", "MSA-1")] + [
        document(f"old-{n}", f"client-{n}" if other == "customer" else "globex",
                 f"MSA-{n + 1}" if other == "contract" else "MSA-1") for n in others]
    head = document("new", "globex", "MSA-1")
    changes = [compare.DocumentChange(*d.identity, base=d, head=None) for d in gone]
    changes.append(compare.DocumentChange(*head.identity, base=None, head=head))
    compare.replacements(changes)
    assert changes[-1].classes == {"added", "modified"}
