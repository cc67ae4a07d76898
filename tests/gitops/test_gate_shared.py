"""``check --base`` analyses each content once for both sides, and the base stays the base's.

The two sides of a pull request are almost all the same bytes, so a file is
parsed and schema-checked once per content (``Gate.analyses``). What a pull
request controls must never make the base side different from what the base
alone gives: each test changes something on the head (a file's content, the
configuration, copies of a file, a broken file) and compares the base side
the gate loaded with the base loaded on its own, in a real repository.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gitrepos import POLICY, GitProject, days_hence, sla

from slopolicy.config.project import open_project
from slopolicy.gitops.gate import Gate, open_gate
from slopolicy.gitops.sides import load_side
from slopolicy.load.readers import CommitReader
from slopolicy.model.documents import SourceFile

SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: {name}
spec:
  ratioMetric:
    counter: true
    good: {{metricSource: {{type: Prometheus, spec: {{query: good}}}}}}
    total: {{metricSource: {{type: Prometheus, spec: {{query: total}}}}}}
"""
BROKEN = "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: [unclosed\n"


def with_slis(repo: GitProject, *names: str) -> None:
    """``names`` as SLIs committed on main, the change branch following it."""
    repo.git("checkout", "-q", "main")
    for name in names:
        repo.write(f"slis/{name}.yaml", SLI.format(name=name))
    repo.commit("slis", date="2025-03-01T12:00:00+00:00")
    repo.git("checkout", "-q", "-B", "change")


def sides(repo: GitProject, monkeypatch: pytest.MonkeyPatch, head: str | None = "change"
          ) -> tuple[Gate, list[SourceFile], list[SourceFile], list[SourceFile]]:
    """The gate, its head side, its base side, and the base side loaded alone."""
    monkeypatch.chdir(repo.root)
    gate = open_gate(open_project([], None), "main", head)
    if head is None:
        from slopolicy.check.analysis import load_files
        from slopolicy.load.discovery import discover

        found = load_files(discover(gate.config, repo.root), repo.root, None, 1, gate.analyses)
    else:
        found = gate.head_files()
    base = list(gate.base_side(found, None).files)
    compare = CommitReader(gate.repo, gate.merge_base, "main")
    alone = load_side(compare, gate.config, repo.root)  # nothing shared with any other side
    return gate, found, base, alone


def seen(files: list[SourceFile]) -> list[tuple[str, Any, bytes | None]]:
    """Each file as the rules see it: path, documents, problems, schema results, bytes."""
    return [(f.path, f.snapshot(), f.raw) for f in files]


def by_path(files: list[SourceFile]) -> dict[str, SourceFile]:
    return {f.path: f for f in files}


def test_a_content_both_sides_hold_is_analysed_once(repo: GitProject,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with_slis(repo, "a", "b", "c")
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(22), target="99.95"))
    repo.commit()
    gate, head, base, alone = sides(repo, monkeypatch)
    # four files a side, one of them changed: five contents, each analysed once
    assert len(head) == len(base) == 4
    assert len(gate.analyses) == 5
    before, after = by_path(base), by_path(head)
    assert before["slis/a.yaml"].documents[0].data is after["slis/a.yaml"].documents[0].data
    assert (before["slas/globex.yaml"].documents[0].data
            is not after["slas/globex.yaml"].documents[0].data)
    assert seen(base) == seen(alone)


def test_a_changed_file_is_the_base_s_own_on_the_base_side(
        repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> None:
    with_slis(repo, "a")
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(22), target="99.95"))
    repo.write("slis/a.yaml", SLI.format(name="renamed-by-the-change"))
    repo.commit()
    _, head, base, alone = sides(repo, monkeypatch)
    assert seen(base) == seen(alone)
    sli = by_path(base)["slis/a.yaml"].documents[0]
    assert (sli.name, by_path(head)["slis/a.yaml"].documents[0].name) == (
        "a", "renamed-by-the-change")
    agreement = by_path(base)["slas/globex.yaml"].documents[0]
    assert str(agreement.spec["objectives"][0]["targetPercent"]) == "99.9"


@pytest.mark.parametrize("policy", [
    # the change turns on a rule, and leaves its SLIs out of the document globs
    POLICY + 'documents:\n  exclude: ["slis/**"]\n',
    # the change removes the configuration: the default preset would read every file
    None,
])
def test_a_change_to_the_policy_changes_nothing_on_the_base_side(
        repo: GitProject, monkeypatch: pytest.MonkeyPatch, policy: str | None) -> None:
    with_slis(repo, "a")
    if policy is None:
        (repo.root / ".slopolicy.yaml").unlink()
    else:
        repo.write(".slopolicy.yaml", policy.replace('"off"', "error"))
    repo.write("elsewhere/sli.yaml", SLI.format(name="elsewhere"))
    repo.commit()
    gate, head, base, alone = sides(repo, monkeypatch)
    assert seen(base) == seen(alone)
    # the base's globs chose the files of both sides
    assert sorted(f.path for f in base) == ["slas/globex.yaml", "slis/a.yaml"]
    assert sorted(f.path for f in head) == ["elsewhere/sli.yaml", "slas/globex.yaml",
                                            "slis/a.yaml"]


def test_a_policy_added_by_the_change_is_not_the_judge(
        repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no configuration on the base, one the change adds decides nothing."""
    repo.git("checkout", "-q", "main")
    repo.git("rm", "-q", ".slopolicy.yaml")
    with_slis(repo, "a")
    repo.write(".slopolicy.yaml", 'extends: default\ndocuments:\n  include: ["slis/**"]\n')
    repo.write("slas/globex.yaml", BROKEN)
    repo.commit()
    gate, head, base, alone = sides(repo, monkeypatch)
    assert gate.judged_by.endswith("the default preset)")
    assert seen(base) == seen(alone)
    assert "slas/globex.yaml" in by_path(base) and "slas/globex.yaml" in by_path(head)
    assert by_path(base)["slas/globex.yaml"].problems == []


def test_one_content_under_several_paths_keeps_each_path(
        repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> None:
    with_slis(repo, "a")
    text = (repo.root / "slis/a.yaml").read_text()
    repo.write("slis/copy-1.yaml", text)
    repo.write("slis/deeper/copy-2.yaml", text)
    repo.commit()
    gate, head, base, alone = sides(repo, monkeypatch)
    assert seen(base) == seen(alone)
    assert len(gate.analyses) == 2  # the SLA and the SLI, whatever their paths
    copies = [f for f in head if f.path.startswith("slis/")]
    assert [f.path for f in copies] == ["slis/a.yaml", "slis/copy-1.yaml",
                                        "slis/deeper/copy-2.yaml"]
    assert [d.source.path for f in copies for d in f.documents] == [f.path for f in copies]
    run = repo.gate("--no-cache")
    found = {(p["file"], p["rule"]) for p in run.json["problems"]}
    assert {("slis/copy-1.yaml", "duplicate-name"),
            ("slis/deeper/copy-2.yaml", "duplicate-name")} <= found


@pytest.mark.parametrize("broken_on", ["head", "base"])
def test_a_file_broken_on_one_side_only(repo: GitProject, monkeypatch: pytest.MonkeyPatch,
                                        broken_on: str) -> None:
    with_slis(repo, "a")
    if broken_on == "base":
        repo.git("checkout", "-q", "main")
        repo.write("slis/a.yaml", BROKEN)
        repo.commit("broken", date="2025-03-02T12:00:00+00:00")
        repo.git("checkout", "-q", "-B", "change")
        repo.write("slis/a.yaml", SLI.format(name="a"))
    else:
        repo.write("slis/a.yaml", BROKEN)
    repo.commit()
    _, head, base, alone = sides(repo, monkeypatch)
    assert seen(base) == seen(alone)
    problems = {"base": by_path(base)["slis/a.yaml"].problems,
                "head": by_path(head)["slis/a.yaml"].problems}
    assert [p.rule for p in problems[broken_on]] == ["yaml-syntax"]
    assert problems["head" if broken_on == "base" else "base"] == []


def test_the_working_tree_shares_with_the_base(repo: GitProject,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with_slis(repo, "a", "b")
    repo.write("slis/b.yaml", BROKEN)  # uncommitted, as the pre-push hook sees an edit
    gate, head, base, alone = sides(repo, monkeypatch, head=None)
    assert seen(base) == seen(alone)
    assert len(gate.analyses) == 4  # the SLA, a, and b on each side
    assert [p.rule for p in by_path(head)["slis/b.yaml"].problems] == ["yaml-syntax"]
    assert by_path(base)["slis/b.yaml"].problems == []


def test_the_verdict_with_and_without_the_cache_is_the_same(repo: GitProject,
                                                            tmp_path: Path) -> None:
    with_slis(repo, "a")
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(22), target="99.95"))
    repo.write("slis/copy.yaml", (repo.root / "slis/a.yaml").read_text())
    repo.commit()
    cold = repo.gate("--no-cache")
    assert repo.rules(cold) == ["duplicate-name", "sla-change-approval"]
    cache = str(tmp_path / "results")
    assert repo.gate("--cache-dir", cache).json == cold.json  # filled from both sides
    assert repo.gate("--cache-dir", cache).json == cold.json  # restored


def test_a_blob_both_commits_hold_is_read_once(repo: GitProject,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``--head REF`` the base reads from git only what the head did not read."""
    with_slis(repo, "a", "b")
    repo.write("slis/b.yaml", SLI.format(name="b-changed"))
    repo.commit()
    monkeypatch.chdir(repo.root)
    gate = open_gate(open_project([], None), "main", "change")
    head = gate.head_files()
    same = repo.git("rev-parse", "main:slis/a.yaml").strip()
    assert gate.base.blobs is not None and same in gate.base.blobs
    # the object is gone from git: only what the head side read can give it to the base
    (repo.root / ".git" / "objects" / same[:2] / same[2:]).unlink()
    base = by_path(list(gate.base_side(head, None).files))
    assert base["slis/a.yaml"].documents[0].name == "a"
    assert base["slis/b.yaml"].documents[0].name == "b"  # read from git: it differs


def _drop(repo: GitProject, path: str) -> None:
    """Delete the object of ``path`` at main from git: only a copy elsewhere can give it."""
    blob = repo.git("rev-parse", f"main:{path}").strip()
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()


def test_the_working_tree_s_copy_of_a_blob_is_not_read_again(repo: GitProject) -> None:
    """Bytes the head side read from the working tree stand for the blob git names by their
    hash: the base side reads from git only the files the change made different."""
    with_slis(repo, "a")
    repo.write("slis/a.yaml", SLI.format(name="a-renamed"))  # an edit, not committed
    _drop(repo, "slas/globex.yaml")
    assert repo.rules(repo.gate("--no-cache")) == []  # the SLA stands, not "added"
    repo.write("slas/globex.yaml", sla(version=2, start=days_hence(22), target="99.95"))
    # other bytes now: the base's own SLA is needed, and git no longer holds it
    assert repo.rules(repo.gate("--no-cache")) == ["sla-change-approval"]


def test_a_sha256_repository_shares_the_same_way(repo: GitProject, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A repository of the SHA-256 object format names blobs by SHA-256: the same holds."""
    other = GitProject(tmp_path / "sha256", capsys, repo.keys)
    other.root.mkdir()
    other.git("init", "-q", "--object-format=sha256", "-b", "main")
    for name in (".slopolicy.yaml", ".slopolicy/allowed_signers", "slas/globex.yaml"):
        other.write(name, (repo.root / name).read_text())
    other.commit("the agreement")
    other.git("checkout", "-q", "-b", "change")
    assert len(other.git("rev-parse", "main:slas/globex.yaml").strip()) == 64
    _drop(other, "slas/globex.yaml")
    monkeypatch.chdir(other.root)
    assert other.rules(other.gate("--no-cache")) == []


THRESHOLD_SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: {name}
spec:
  thresholdMetric: {{metricSource: {{type: Prometheus, spec: {{query: latency}}}}}}
"""
BACKING_SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: globex-availability}
spec:
  service: public-api
  indicatorRef: a
  timeWindow:
    - {duration: 1M, isRolling: false, calendar: {startTime: "2025-01-01 00:00:00", timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives: [{displayName: main, target: 0.95}]
"""


@pytest.mark.parametrize("head_sli", ["ratio", "threshold"])
def test_an_slo_both_sides_hold_is_judged_with_each_side_s_sli(
        repo: GitProject, tmp_path: Path, head_sli: str) -> None:
    """The SLO is the same bytes on both sides, analysed once; what it measures comes
    from its SLI, which the change swaps (a ratio for a threshold, or back). The head
    is judged with the head's SLI, with no cache, filling one and restored from it."""
    ratio, threshold = SLI.format(name="a"), THRESHOLD_SLI.format(name="a")
    before, after = (threshold, ratio) if head_sli == "ratio" else (ratio, threshold)
    repo.git("checkout", "-q", "main")
    repo.write("slis/a.yaml", before)
    repo.write("slos/globex.yaml", BACKING_SLO)
    repo.commit("an SLO behind the agreement", date="2025-03-01T12:00:00+00:00")
    repo.git("checkout", "-q", "-B", "change")
    repo.write("slis/a.yaml", after)
    repo.commit()
    cache = str(tmp_path / "results")
    runs = [repo.gate("--no-cache"), repo.gate("--cache-dir", cache),
            repo.gate("--cache-dir", cache)]
    assert runs[1].json == runs[0].json and runs[2].json == runs[0].json
    found = [(p["rule"], p["message"]) for p in runs[0].json["problems"]]
    unproven = [m for r, m in found if r == "slo-stricter-than-sla"]
    semantics = [m for r, m in found if r == "openslo-semantics"]
    if head_sli == "ratio":  # availability, measured: the numbers say why
        assert unproven and all("SLO 95% per" in m for m in unproven)
        assert semantics == []
    else:  # a latency SLI: what the objective needs, and no numbers
        assert unproven and not any("SLO 95% per" in m for m in unproven)
        assert semantics and all("SLI a is a thresholdMetric" in m for m in semantics)
