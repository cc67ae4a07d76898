"""Documents of one name in several files: ``diff`` and ``check --base`` report real changes only.

Four identical copies of one agreement (as third-party folders hold copies of
one SLO) are committed on main; the change branch edits nothing of them, an
unrelated file, one copy, or moves, adds and removes copies.
"""
from __future__ import annotations

from gitrepos import BASE_DATE, GitProject, sla

COPIES = ("slas/a.yaml", "slas/b.yaml", "slas/c.yaml", "slas/d.yaml")
LOOSER = sla(version=2, start="2025-05-01", target="99.5")


def _copies(repo: GitProject, texts: dict[str, str] | None = None) -> None:
    """Main holds the copies (besides slas/globex.yaml, the same agreement); change is main."""
    repo.git("checkout", "-q", "main")
    for path, text in (texts or {p: sla() for p in COPIES}).items():
        repo.write(path, text)
    repo.commit("copies", date=BASE_DATE)
    repo.git("checkout", "-q", "-B", "change")


def _changes(repo: GitProject) -> list[tuple[str, str | None, str]]:
    """What diff says (working tree and change, text and JSON) and check --base: all agree."""
    diff = repo.run("diff", "main", "change", "--format", "json").json["documents"]
    found = [(d["file"], d["previousFile"], d["status"]) for d in diff]
    tree = repo.run("diff", "main", "--format", "json").json["documents"]
    assert [(d["file"], d["previousFile"], d["status"]) for d in tree] == found
    gate = repo.gate().json["changes"]["documents"]
    assert [(d["file"], d["previousFile"], d["status"]) for d in gate] == found
    markdown = repo.run("diff", "main", "--format", "markdown").out.splitlines()[0]
    assert markdown.startswith(f"### slopolicy: {len(found)} document" if found
                               else "### slopolicy: no document changed"), markdown
    return found


def test_unchanged_copies_and_an_unrelated_file_are_no_change(repo: GitProject) -> None:
    _copies(repo)
    repo.write("README.md", "unrelated\n")
    repo.commit()
    assert _changes(repo) == []
    text = repo.run("diff", "main").out
    assert text == "slopolicy: no document changed between main and the working tree\n"


def test_a_change_of_one_copy_is_said_once_in_its_file(repo: GitProject) -> None:
    _copies(repo)
    repo.write("slas/c.yaml", LOOSER)
    repo.commit()
    assert _changes(repo) == [("slas/c.yaml", None, "loosened")]
    run = repo.gate()
    assert run.code == 1
    [finding] = [p for p in run.json["problems"] if p["rule"] == "sla-change-approval"]
    assert finding["file"] == "slas/c.yaml"
    assert sorted(p["file"] for p in run.json["problems"] if p["rule"] == "duplicate-name") == [
        *COPIES[1:], "slas/globex.yaml"]  # the duplicate-name rule reports them as before


def test_copies_the_sides_list_in_another_order_are_no_change(repo: GitProject) -> None:
    """The working tree lists slas/z.yaml before slas/a/z.yaml, a commit the other way round:
    two different copies, unchanged, are no change whichever comes first."""
    _copies(repo, {"slas/z.yaml": sla(target="99.95"), "slas/a/z.yaml": sla()})
    repo.write("README.md", "unrelated\n")
    repo.commit()
    assert _changes(repo) == []


def test_a_copy_added_in_front_is_no_change(repo: GitProject) -> None:
    _copies(repo)
    repo.write("slas/0.yaml", sla())
    repo.commit()
    assert _changes(repo) == []


def test_a_copy_removed_is_no_change_while_an_equal_one_stays(repo: GitProject) -> None:
    _copies(repo)
    (repo.root / "slas/a.yaml").unlink()
    repo.commit()
    assert _changes(repo) == []


def test_a_moved_copy_is_one_move(repo: GitProject) -> None:
    _copies(repo)
    repo.git("mv", "slas/a.yaml", "slas/z.yaml")
    repo.commit()
    assert _changes(repo) == [("slas/z.yaml", "slas/a.yaml", "moved")]


def test_copies_in_one_file_match_by_content_not_position(repo: GitProject) -> None:
    """Deleting the first of two equal copies shifts the third document up: no change."""
    stricter = sla(target="99.95")
    _copies(repo, {"slas/m.yaml": sla() + "---\n" + sla() + "---\n" + stricter})
    repo.write("slas/m.yaml", sla() + "---\n" + stricter)
    repo.commit()
    assert _changes(repo) == []


def test_a_removed_copy_unlike_every_other_is_a_change(repo: GitProject) -> None:
    """The stricter of two different copies removed: a removal of that copy in its file,
    never hidden behind the copy that stays."""
    _copies(repo, {"slas/a.yaml": sla(target="99.95")})
    (repo.root / "slas/a.yaml").unlink()
    repo.commit()
    assert _changes(repo) == [("slas/a.yaml", None, "removed")]
    run = repo.gate()
    assert run.code == 1 and "sla-change-approval" in repo.rules(run)


def test_swapped_copies_are_changes_of_each_file(repo: GitProject) -> None:
    """Two different copies swapped between files: each file's agreement changed."""
    _copies(repo, {"slas/a.yaml": sla(target="99.95")})
    repo.write("slas/a.yaml", sla())
    repo.write("slas/globex.yaml", sla(target="99.95"))
    repo.commit()
    assert _changes(repo) == [("slas/a.yaml", None, "loosened"),
                              ("slas/globex.yaml", None, "tightened")]


def test_approve_signs_the_copy_in_the_file_named(repo: GitProject) -> None:
    """Two copies changed differently: an approval of slas/c.yaml binds to that change alone."""
    _copies(repo)
    repo.write("slas/a.yaml", sla(version=2, start="2025-05-01", target="99.8"))
    repo.write("slas/c.yaml", LOOSER)
    repo.commit()
    for user, role in (("alice", "legal"), ("carol", "sre")):
        run = repo.approve(user, role, "slas/c.yaml")
        assert run.code == 0, run.err
    repo.commit("approvals")
    documents = [d for d in repo.gate().json["changes"]["documents"]
                 if d["document"] == "SLA/globex-public-api"]
    approved = {d["file"]: d["approvals"]["satisfied"] for d in documents}
    assert approved == {"slas/a.yaml": False, "slas/c.yaml": True}
    [c] = [d for d in documents if d["file"] == "slas/c.yaml"]
    assert c["approvals"]["subject"]["after"] != [
        d for d in documents if d["file"] == "slas/a.yaml"][0]["approvals"]["subject"]["after"]


def test_every_copy_of_an_slo_changes_with_its_sli(repo: GitProject) -> None:
    """Two copies of one SLO name an SLI whose good events are made every event: each copy
    is a change, in its own file, not only the first of the name."""
    from test_warm_gate import sli, slo

    _copies(repo, {"slos/sli.yaml": sli("ok"), "slos/a.yaml": slo("copy", "ok"),
                   "slos/b.yaml": slo("copy", "ok", target="0.999")})
    repo.write("slos/sli.yaml", sli("ok", good="sum(requests)"))
    repo.commit()
    gate = repo.gate().json["changes"]["documents"]
    assert sorted((d["document"], d["file"]) for d in gate) == [
        ("SLI/ok", "slos/sli.yaml"), ("SLO/copy", "slos/a.yaml"), ("SLO/copy", "slos/b.yaml")]
