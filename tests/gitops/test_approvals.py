"""Approval evidence: canonical content, records, signatures, reviews and the matching of roles."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from gitrepos import GitProject, Keys, sla
from msgspec.structs import replace

from slopolicy.changes import approvals
from slopolicy.changes.approvals import Evidence, Requirement, Roster, Subject
from slopolicy.gitops import evidence
from slopolicy.load.files import load_text

# -- canonical content -------------------------------------------------------------------

def test_canonical_json_is_sorted_compact_utf8_and_exact() -> None:
    value = {"b": Decimal("99.90"), "a": [1, True, None, "é"], "c": {"z": 0, "y": "x"}}
    assert approvals.canonical_json(value) == (
        '{"a":[1,true,null,"é"],"b":99.90,"c":{"y":"x","z":0}}'.encode())


def test_digest_binds_content_not_formatting() -> None:
    flow = load_text("a.yaml", "kind: SLA\nspec: {objectives: [{name: a, target: 0.999}]}\n")
    block = load_text("b.json", '{"spec": {"objectives": [{"target": 0.999, "name": "a"}]},'
                                ' "kind": "SLA"}')
    other = load_text("c.yaml", "kind: SLA\nspec: {objectives: [{name: a, target: 0.9990}]}\n")
    digest = approvals.digest
    assert digest(_data(flow)) == digest(_data(block))
    assert digest(_data(flow)) != digest(_data(other))  # the text approved is the text bound
    assert digest(_data(flow)).startswith("sha256:") and len(digest(_data(flow))) == 71


def test_a_digest_reuses_the_text_of_the_parts_a_version_shares_and_only_those() -> None:
    """An audit hashes each version with the text of the parts it shares with the version
    before (the very objects): the same digest as from scratch, whatever else is known."""
    from slopolicy.changes.compare import share_unchanged

    text = ("kind: SLA\nmetadata: {name: a, labels: {tier: gold}}\nspec:\n  version: 1\n"
            "  window: {calendar: month, timeZone: UTC}\n  objectives: [{name: a, target: 0.999,"
            " x: [1.50, true, null, 2025-01-01]}]\n")
    before = _data(load_text("a.yaml", text))
    after = _data(load_text("a.yaml", text.replace("version: 1", "version: 2")
                            .replace("target: 0.999", "target: 0.9990")))
    share_unchanged(before, after)
    assert after["metadata"] is before["metadata"]  # type: ignore[index]
    digest, pieces = approvals.digest_sharing(before, {})
    assert digest == approvals.digest(before)
    assert any(value is before["metadata"] for value, _ in pieces.values())  # type: ignore[index]
    found, _ = approvals.digest_sharing(after, pieces)
    assert found == approvals.digest(after) != digest
    # an equal part that is another object is written again, never taken for the known one
    twin = _data(load_text("b.yaml", text))
    lying = {key: (value, "{}") for key, (value, _) in pieces.items()}
    assert approvals.digest_sharing(twin, lying)[0] == digest
    assert approvals.digest_sharing(after, lying)[0] != found  # the shared parts are trusted


def _data(source: object) -> object:
    from slopolicy.text.yamlsource import iter_documents

    return next(iter_documents(source.text)).data  # type: ignore[attr-defined, union-attr]


# -- signatures --------------------------------------------------------------------------

def test_sign_and_verify(keys: Keys) -> None:
    data = b'{"statement":1}'
    signature = evidence.sign(data, keys.private("alice"))
    signers = keys.allowed_signers("alice", "bob").encode()
    assert evidence.verify(data, signature, "alice@acme.example", signers)
    assert not evidence.verify(data, signature, "bob@acme.example", signers)
    assert not evidence.verify(data + b" ", signature, "alice@acme.example", signers)
    assert not evidence.verify(data, signature, "alice@acme.example",
                                keys.allowed_signers("bob").encode())


def test_a_key_in_another_namespace_does_not_verify(keys: Keys) -> None:
    data = b"x"
    signature = evidence.sign(data, keys.private("alice"))
    line = keys.signer_line("alice").replace('namespaces="slopolicy"', 'namespaces="git"')
    assert not evidence.verify(data, signature, "alice@acme.example", line.encode())


# -- records -----------------------------------------------------------------------------

def test_a_written_record_is_a_valid_document(repo: GitProject) -> None:
    run = repo.approve("alice", "legal")
    assert run.code == 0, run.err
    [path] = (repo.root / "approvals").iterdir()
    checked = repo.check(f"approvals/{path.name}")
    assert (checked.code, checked.json["problems"]) == (0, [])
    [doc] = load_text(path.name, path.read_text()).documents
    record = approvals.parse_record(doc)
    assert record is not None
    assert (record.subject.kind, record.subject.name, record.subject.version) == (
        "SLA", "globex-public-api", 1)
    assert (record.approver, record.role, record.decision) == ("alice@acme.example", "legal",
                                                              "approved")
    signers = repo.keys.allowed_signers("alice").encode()
    assert evidence.verify(record.statement(), record.signature, record.approver, signers)


def test_a_broken_record_is_a_schema_problem(repo: GitProject) -> None:
    repo.write("approvals/bad.yaml", """\
        apiVersion: slopolicy/v1
        kind: Approval
        metadata: {name: bad}
        spec:
          subject: {kind: SLA, name: x, digest: "md5:abc"}
          approver: alice@acme.example
          role: legal
          decision: approved
          timestamp: "2025-03-10T12:00:00Z"
        """)
    run = repo.check("approvals/bad.yaml")
    assert run.problems() == [("approvals/bad.yaml", 5, 3, "schema"),
                              ("approvals/bad.yaml", 5, 41, "schema")]
    assert [p["message"] for p in run.json["problems"]] == [
        "'signature' is required here", "expected sha256: and 64 lower-case hex digits"]


def test_approve_picks_the_document(repo: GitProject) -> None:
    two = sla() + "---\n" + sla().replace("globex-public-api", "globex-eu")
    repo.write("slas/globex.yaml", two)
    run = repo.approve("alice", "legal")
    assert run.code == 2
    assert "holds several SLAs (globex-public-api, globex-eu): choose one with --document" \
        in run.err
    assert repo.approve("alice", "legal", "slas/globex.yaml", "--document", "globex-eu").code == 0


def test_approve_refuses_a_private_key_in_the_repository(repo: GitProject) -> None:
    key = repo.root / "id_ed25519"
    key.write_bytes(repo.keys.private("alice").read_bytes())
    run = repo.run("approve", "slas/globex.yaml", "--role", "legal", "--identity",
                   "alice@acme.example", "--key", str(key))
    assert run.code == 2
    assert "a private key inside the repository could be committed" in run.err
    assert not (repo.root / "approvals").exists()


def test_approve_needs_a_key(repo: GitProject) -> None:
    run = repo.run("approve", "slas/globex.yaml", "--role", "legal", "--identity",
                   "alice@acme.example", "--key", str(repo.root / "nope"))
    assert run.code == 2 and "no such file" in run.err


def test_approve_refuses_a_role_the_roster_does_not_have(repo: GitProject) -> None:
    run = repo.run("approve", "slas/globex.yaml", "--role", "lgal", "--identity",
                   "alice@acme.example", "--key", str(repo.keys.private("alice")))
    assert run.code == 2
    assert 'did you mean "legal"?' in run.err
    assert not (repo.root / "approvals").exists()
    run = repo.run("approve", "slas/globex.yaml", "--role", "lawyer", "--identity",
                   "alice@acme.example", "--key", str(repo.keys.private("alice")))
    assert run.code == 2
    assert run.err.startswith("slopolicy: error: --role 'lawyer' is not in approvals.roles "
                              "(roles: "), run.err
    assert run.err.rstrip().endswith(")")  # nothing close: no stray "; " and no hint


# -- judging -----------------------------------------------------------------------------

ROSTER = Roster(
    roles={"legal": ("alice@x", "dave@x"), "sre": ("carol@x", "dave@x")},
    require={"modified": (Requirement("legal", 1),),
             "loosened": (Requirement("legal", 1), Requirement("sre", 1))},
)
SUBJECT = Subject("SLA", "a", approvals.ABSENT, "sha256:" + "0" * 64)


def test_a_roster_is_its_roles_and_people_not_what_it_worked_out() -> None:
    """Who is whom and each identity's roles, worked out when asked, are no part of a roster's
    equality, and a roster made from another with other people works them out again."""
    people = {"ann": ("ann@x", "github:ann")}
    roster = Roster(roles={"legal": ("ann@x",)}, people=people)
    assert roster.roles_of("github:ann") == {"legal"}  # worked out, and remembered
    assert roster == Roster(roles={"legal": ("ann@x",)}, people=people)
    other = replace(roster, people={})
    assert other.roles_of("github:ann") == frozenset() and other != roster


def signed(identity: str, role: str) -> Evidence:
    return Evidence(identity, approvals.SIGNED, "r.yaml", role, frozenset({role}))


@pytest.mark.parametrize(("found", "missing"), [
    ([], [("modified", "legal", 1), ("loosened", "legal", 1), ("loosened", "sre", 1)]),
    ([signed("alice@x", "legal")], [("loosened", "sre", 1)]),
    ([signed("dave@x", "legal"), signed("dave@x", "sre")], [("loosened", "sre", 1)]),
    ([signed("dave@x", "legal"), signed("dave@x", "sre"), signed("carol@x", "sre")], []),
    ([signed("alice@x", "legal"), signed("carol@x", "sre")], []),
])
def test_every_class_needs_distinct_people(found: list[Evidence],
                                           missing: list[tuple[str, str, int]]) -> None:
    result = approvals.judge(SUBJECT, {"modified", "loosened"}, found, ROSTER)
    assert [(s.change_class, s.role, s.missing) for s in result.missing] == missing


def test_a_review_fills_any_role_its_login_holds() -> None:
    review = Evidence("github:Carol-GH", approvals.REVIEW, "review", None, frozenset({"sre"}))
    result = approvals.judge(SUBJECT, {"modified", "loosened"},
                             [review, signed("alice@x", "legal")], ROSTER)
    assert result.satisfied


def test_reviews_keep_each_users_latest_decision(tmp_path: Path) -> None:
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps([
        {"user": {"login": "carol"}, "state": "APPROVED", "commit_id": "a",
         "submitted_at": "2025-03-10T10:00:00Z"},
        {"user": {"login": "carol"}, "state": "COMMENTED", "commit_id": "b",
         "submitted_at": "2025-03-10T11:00:00Z"},
        {"user": {"login": "dave"}, "state": "APPROVED", "commit_id": "a",
         "submitted_at": "2025-03-10T12:00:00Z"},
        {"user": {"login": "dave"}, "state": "DISMISSED", "commit_id": "a",
         "submitted_at": "2025-03-10T13:00:00Z"},
    ]))
    assert [(r.login, r.state, r.commit) for r in evidence.load_reviews(path)] == [
        ("carol", "APPROVED", "a"), ("dave", "DISMISSED", "a")]


def test_noreply_addresses_are_github_logins() -> None:
    authors = approvals.Authors()
    authors.add("12345+Carol-GH@users.noreply.github.com", "commit abc1234")
    assert authors.of("github:carol-gh") == "authored commit abc1234"
    assert authors.of("carol@acme.example") is None


def test_source_date_epoch_pins_the_records_timestamp(repo: GitProject,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1741694400")  # 2025-03-11T12:00:00Z
    assert repo.approve("alice", "legal").code == 0
    [path] = (repo.root / "approvals").iterdir()
    first = path.read_bytes()
    assert '  timestamp: "2025-03-11T12:00:00Z"\n' in first.decode()
    path.unlink()
    assert repo.approve("alice", "legal").code == 0
    assert path.read_bytes() == first  # ed25519 signs deterministically: the same bytes again
    for bad in ("1e9", "-5", "١٢٣", "99999999999999"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", bad)
        run = repo.approve("alice", "legal")
        assert (run.code, run.err) == (
            2, f"slopolicy: error: SOURCE_DATE_EPOCH={bad!r} is not a number of seconds since "
               "1970-01-01 UTC (as `date +%s` prints)\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")  # set but empty: the clock, as if unset
    path.unlink()
    assert repo.approve("alice", "legal").code == 0
    assert '  timestamp: "2025-03-11T12:00:00Z"\n' not in path.read_text()
