"""A warm ``check --base`` says, byte for byte, what a cold one says, and believes no forged map.

The warm check against a base takes the head from the project index and
compares only the files that differ between the sides, and their groups
(``slopolicy.gitops.warm``). Each test makes a project of several groups on
main in a real repository, warms the cache with a check of the working tree,
makes a change on the branch (committed, or left in the working tree), and
compares the warm ``check --base main`` with a cold one (``--no-cache``), in
text and in JSON, twice: the second run knows the base's blobs from the blob
map the first wrote. A spy on the warm gate says that it answered (it is not
replaced: the real function runs).
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gitrepos import GitProject, sla

from slopolicy.cache import blobs
from slopolicy.cache.store import FORMAT, MAGIC
from slopolicy.gitops import warm

SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: {name}
spec:
  ratioMetric:
    counter: true
    good: {{metricSource: {{type: Prometheus, spec: {{query: '{good}'}}}}}}
    total: {{metricSource: {{type: Prometheus, spec: {{query: 'sum(requests)'}}}}}}
"""
SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: {name}
spec:
  service: {service}
  indicatorRef: {sli}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: internal
      target: {target}
"""
OTHER_SLA = """\
apiVersion: slopolicy/v1
kind: SLA
metadata: {{name: {name}}}
spec:
  customer: {customer}
  service: {service}
  version: 1
  effective: {{from: 2025-01-01}}
  window: {{calendar: month, timeZone: UTC}}
  budgetingMethod: Occurrences
  objectives: [{{name: availability, indicator: availability, targetPercent: {target}}}]
"""


def sli(name: str, good: str = "sum(requests{code!~\\\"5..\\\"})") -> str:
    return SLI.format(name=name, good=good)


def slo(name: str, sli_name: str, service: str = "public-api", target: str = "0.9995") -> str:
    return SLO.format(name=name, sli=sli_name, service=service, target=target)


def other_sla(name: str, customer: str, service: str, target: str = "99") -> str:
    return OTHER_SLA.format(name=name, customer=customer, service=service, target=target)


MAIN = {
    "slos/sli.yaml": sli("public-api-ok"),
    "slos/slo.yaml": slo("public-api-availability", "public-api-ok"),
    "slas/initech.yaml": other_sla("initech-public-api", "initech", "public-api"),
    "billing/sli.yaml": sli("billing-ok"),
    "billing/slo.yaml": slo("billing-availability", "billing-ok", "billing"),
    "billing/hooli.yaml": other_sla("hooli-billing", "hooli", "billing"),
}
# a folder with files and a folder that sorts before them: the working tree lists
# catalog/z.yaml first, a commit catalog/a/z.yaml; both hold an SLO of one name
CATALOG = {
    "catalog/z.yaml": slo("duplicate", "catalog-ok", "catalog", "0.999"),
    "catalog/a/z.yaml": slo("duplicate", "catalog-ok", "catalog", "0.99"),
    "catalog/sli.yaml": sli("catalog-ok"),
}


@pytest.fixture
def project(repo: GitProject, monkeypatch: pytest.MonkeyPatch) -> GitProject:
    """``MAIN`` on main, the branch ``change`` at main, the cache warmed by a plain check."""
    on_main(repo, MAIN)
    monkeypatch.setattr(warm, "warm_gate", Spy(warm.warm_gate))
    return repo


def on_main(repo: GitProject, files: dict[str, str]) -> None:
    """``files`` committed on main, the branch at main, and the cache warmed."""
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("the services", date="2025-03-02T12:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    repo.git("checkout", "-q", "change")
    repo.run("check", "--cache-dir", str(cache_dir(repo)))


class Spy:
    """The real warm gate, and whether each call answered (None: the full check ran)."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real, self.answered = real, list[bool]()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        found = self.real(*args, **kwargs)
        self.answered.append(found is not None)
        return found


def cache_dir(repo: GitProject) -> Path:
    return repo.root.parent / "kept-cache"


def same_as_cold(repo: GitProject, *head: str, warm_expected: bool | None = True
                 ) -> dict[str, Any]:
    """The warm check against main (of the working tree, or ``--head REF``), in text and
    JSON, twice, is the cold one; its JSON. ``warm_expected``: whether the warm gate
    answered each run (None: the first run may run in full)."""
    cold = [repo.run("check", "--no-cache", "--base", "main", *head, *fmt)
            for fmt in TEXT_AND_JSON]
    spy = warm.warm_gate
    assert isinstance(spy, Spy)
    spy.answered.clear()
    for _ in range(2):
        for fmt, expected in zip(TEXT_AND_JSON, cold):
            found = repo.run("check", "--cache-dir", str(cache_dir(repo)), "--base", "main",
                             *head, *fmt)
            assert (found.code, found.out, found.err) == (expected.code, expected.out,
                                                          expected.err)
    if warm_expected is None:
        assert spy.answered[1:] == [True] * 3
    else:
        assert spy.answered == [warm_expected] * 4
    return dict(json.loads(cold[1].out))


TEXT_AND_JSON: tuple[tuple[str, ...], ...] = ((), ("--format", "json"))


def documents(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["document"], d["status"]) for d in report["changes"]["documents"]]


def test_nothing_changed(project: GitProject) -> None:
    report = same_as_cold(project)
    assert documents(report) == []


def test_a_changed_sla(project: GitProject) -> None:
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    project.commit("loosen globex")
    report = same_as_cold(project)
    assert documents(report) == [("SLA/globex-public-api", "loosened")]
    assert "sla-change-approval" in {p["rule"] for p in report["problems"]}


def test_a_changed_sli_an_slo_uses_by_indicator_ref(project: GitProject) -> None:
    project.write("slos/sli.yaml", sli("public-api-ok", good="sum(requests)"))  # uncommitted
    report = same_as_cold(project)
    assert ("SLO/public-api-availability", "modified") in documents(report)
    assert "slo-loosened" in {p["rule"] for p in report["problems"]}


def test_a_deleted_file(project: GitProject) -> None:
    (project.root / "billing" / "hooli.yaml").unlink()
    project.commit("hooli leaves")
    report = same_as_cold(project)
    assert documents(report) == [("SLA/hooli-billing", "removed")]


def test_a_renamed_file(project: GitProject) -> None:
    project.git("mv", "billing/hooli.yaml", "slas/hooli.yaml")
    project.commit("one folder of agreements")
    report = same_as_cold(project)
    assert documents(report) == [("SLA/hooli-billing", "moved")]


def test_a_duplicate_the_sides_list_in_another_order(project: GitProject) -> None:
    on_main(project, CATALOG)
    # an unchanged group whose first document of a name is another file on each side: the
    # full comparison matches each copy with its own, and so must the warm one: no change
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    report = same_as_cold(project)
    assert sorted(documents(report)) == [("SLA/globex-public-api", "tightened")]


# a v2alpha document is two at one place: itself and its openslo/v1 translation
V2ALPHA_SOURCE = """\
- apiVersion: openslo.com/v2alpha
  kind: DataSource
  metadata: {name: prometheus}
  spec:
    type: Prometheus
    connectionDetails:
      - url: http://prometheus.example.com
"""


def test_an_unchanged_copy_of_a_v2alpha_document(project: GitProject) -> None:
    on_main(project, {"other/sources.yaml": V2ALPHA_SOURCE, "team/sources.yaml": V2ALPHA_SOURCE})
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    # neither copy changed: the second is no "move" of the first (the full comparison
    # matched it with the first file's document, the translation holding its own place)
    report = same_as_cold(project)
    assert documents(report) == [("SLA/globex-public-api", "tightened")]


def test_a_v2alpha_slo_whose_cached_data_is_damaged(project: GitProject) -> None:
    slos = (Path(__file__).parents[1] / "formats" / "openslo" / "v2alpha" / "slos.yaml")
    on_main(project, {"v2/slos.yaml": slos.read_text()})
    for shard in cache_dir(project).glob("results-*/??.cache"):
        # the data after the record no longer what was signed (a disk error, a cache
        # restored in part): each document is read from its file again
        raw = shard.read_bytes()
        start = raw.index(b"\n", raw.index(b"\n") + 1) + 1
        shard.write_bytes(raw[:start] + b"x" * (len(raw) - start))
    project.write("v2/slos.yaml", slos.read_text().replace("target: 0.995", "target: 0.99", 1))
    # the base's openslo/v1 translation read again is the translation, not the v2alpha
    # document at its place: one field changed, and its error budgets are known (the
    # first run, which finds the shards damaged, is the full check with the cache)
    report = same_as_cold(project, warm_expected=None)
    found = [(c["status"], [f["path"] for f in c["changes"]])
             for c in report["changes"]["documents"] if c["document"] == "SLO/web-availability"]
    assert found == [("modified", ["spec.objectives[0].target"]),  # as written (v2alpha)
                     ("loosened", ["spec.objectives[Good].target"])]  # and as translated


def test_a_changed_policy_file_on_the_head(project: GitProject) -> None:
    signers = project.root / ".slopolicy" / "allowed_signers"
    signers.write_text(signers.read_text() + project.keys.signer_line("mallory"))
    project.commit("mallory signs too")
    report = same_as_cold(project)
    assert report["changes"]["policy"]["files"] == [
        {"path": ".slopolicy/allowed_signers", "change": "modified"}]


def test_a_changed_configuration_on_the_head(project: GitProject) -> None:
    config = project.root / ".slopolicy.yaml"
    config.write_text(config.read_text().replace('sla-backed-by-slo: "off"',
                                                 'sla-backed-by-slo: "warning"'))
    project.commit("back every SLA")
    # main's settings judge, and the project index was kept for them: the head's documents
    # are served from it all the same
    report = same_as_cold(project)
    assert "policy-changed" in {p["rule"] for p in report["problems"]}


def test_a_new_document_and_a_broken_one(project: GitProject) -> None:
    project.write("slas/new.yaml", other_sla("initech-billing", "initech", "billing"))
    project.write("billing/slo.yaml", "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: [\n")
    report = same_as_cold(project)  # neither committed nor added: the working tree's
    assert sorted(documents(report)) == [("SLA/initech-billing", "added"),
                                         ("SLO/billing-availability", "removed")]


def test_a_base_that_moved_on_since_the_branch(project: GitProject) -> None:
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    project.commit("loosen globex")
    project.git("checkout", "-q", "main")
    project.write("billing/hooli.yaml", other_sla("hooli-billing", "hooli", "billing", "98"))
    project.commit("hooli on main", date="2025-03-05T12:00:00+00:00")
    project.git("checkout", "-q", "change")
    # compared with the merge base, not main's tip: hooli's change is no part of this one
    report = same_as_cold(project)
    assert documents(report) == [("SLA/globex-public-api", "loosened")]


def test_a_document_that_is_a_link_at_the_base(project: GitProject) -> None:
    project.git("checkout", "-q", "main")
    (project.root / "slas" / "link.yaml").symlink_to("initech.yaml")
    project.commit("a link", date="2025-03-05T12:00:00+00:00")
    project.git("checkout", "-q", "change")
    project.git("merge", "-q", "--ff-only", "main")
    (project.root / "slas" / "link.yaml").unlink()
    project.commit("no link")
    # the full check says what a link is: the warm one leaves it to it
    report = same_as_cold(project, warm_expected=False)
    assert documents(report) == []


def test_a_check_against_a_base_keeps_the_project_index(project: GitProject) -> None:
    # CI with a kept cache folder runs only check --base: its first run, in full, keeps
    # the index the next one is served from
    shutil.rmtree(cache_dir(project))
    spy = warm.warm_gate
    assert isinstance(spy, Spy)
    first = project.run("check", "--cache-dir", str(cache_dir(project)), "--base", "main")
    assert (first.code in (0, 1), spy.answered) == (True, [False])
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    project.commit("loosen globex")
    report = same_as_cold(project)
    assert documents(report) == [("SLA/globex-public-api", "loosened")]


def test_a_project_in_a_folder_of_the_repository(project: GitProject) -> None:
    # the configuration of team/ selects its documents only: main's others are no part
    on_main(project, {"team/.slopolicy.yaml": "extends: default\n",
                      "team/slos/sli.yaml": sli("team-ok"),
                      "team/slos/slo.yaml": slo("team-availability", "team-ok", "team")})
    config = ("--config", "team/.slopolicy.yaml")
    project.run("check", "--cache-dir", str(cache_dir(project)), *config)
    project.write("team/slos/sli.yaml", sli("team-ok", good="sum(requests)"))
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    report = same_as_cold(project, *config)
    assert sorted(documents(report)) == [("SLI/team-ok", "modified"),
                                         ("SLO/team-availability", "modified")]


def test_a_head_commit_that_is_the_working_tree(project: GitProject) -> None:
    # pre-push: the commit pushed is checked out, nothing edited since
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    (project.root / "billing" / "hooli.yaml").unlink()
    project.write("slos/sli.yaml", sli("public-api-ok", good="sum(requests)"))
    project.commit("three changes")
    report = same_as_cold(project, "--head", "change")
    assert sorted(documents(report)) == [
        ("SLA/globex-public-api", "loosened"), ("SLA/hooli-billing", "removed"),
        ("SLI/public-api-ok", "modified"), ("SLO/public-api-availability", "modified")]


def test_a_head_commit_that_is_not_the_working_tree(project: GitProject) -> None:
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    project.commit("loosen globex")
    # edited since the commit (or a new document, or one deleted): the commit is loaded
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.95"))
    same_as_cold(project, "--head", "change", warm_expected=False)
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    project.write("slas/new.yaml", other_sla("initech-billing", "initech", "billing"))
    same_as_cold(project, "--head", "change", warm_expected=False)
    (project.root / "slas" / "new.yaml").unlink()
    (project.root / "slos" / "slo.yaml").unlink()
    report = same_as_cold(project, "--head", "change", warm_expected=False)
    assert documents(report) == [("SLA/globex-public-api", "loosened")]


def test_a_forged_blob_map_is_not_believed(project: GitProject) -> None:
    same_as_cold(project)  # the blob map now knows every blob at main
    project.write("slas/globex.yaml", sla(version=2, start="2025-04-01", target="99.5"))
    project.commit("loosen globex")
    [stored] = cache_dir(project).glob("results-*/blobs.cache")
    head, record, data = split(stored.read_bytes())
    known = blobs.decode(record, data)
    base_blob = project.git("rev-parse", "main:slas/globex.yaml").strip()
    now = (project.root / "slas" / "globex.yaml").read_bytes()
    # the forgery: main's agreement "has" the head's content, so the change would not show
    known[base_blob] = hashlib.sha256(now).digest()[:16]
    forged_record, forged_data = blobs.encode(known)
    data_bytes = b"".join(forged_data)
    mac = head.split(b" ")[2]  # the MAC of the true map: the forger has no key to make one
    stored.write_bytes(b"%s %d %s %s\n" % (MAGIC, FORMAT, mac,
                                            hashlib.sha256(data_bytes).hexdigest().encode())
                       + forged_record + b"\n" + data_bytes)
    report = same_as_cold(project)
    assert documents(report) == [("SLA/globex-public-api", "loosened")]


def split(content: bytes) -> tuple[bytes, bytes, bytes]:
    """A cache file's header line, record line and data."""
    head, _, rest = content.partition(b"\n")
    record, _, data = rest.partition(b"\n")
    return head, record, data
