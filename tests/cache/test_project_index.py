"""A warm check redoes only what changed, and finds exactly what a full check finds.

Each test changes a real project on disk between checks and compares the
warm check (the project index, the groups a change touched) with a check
that reads no cache at all, and asserts that the warm check answered.
"""
from __future__ import annotations

import array
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, Run
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import sla, slo  # noqa: E402

from slopolicy.cache import keys  # noqa: E402
from slopolicy.cache import project as project_index  # noqa: E402
from slopolicy.cache.project import Files  # noqa: E402
from slopolicy.cache.store import Cache, default_dir, open_cache  # noqa: E402
from slopolicy.check import incremental  # noqa: E402
from slopolicy.rules import linking  # noqa: E402

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme"


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def acme(project: Project) -> None:
    shutil.copytree(ACME, project.root, dirs_exist_ok=True)


def same_as_cold(project: Project, *args: str) -> Run:
    """A check through the cache, which must say what a check without it says."""
    run = project.check(*args)
    cold = project.check("--no-cache", *args)
    assert (run.code, run.out) == (cold.code, cold.out)
    return run


def index_paths(project: Project) -> list[str]:
    cache = open_cache(default_dir(), project.root)
    assert cache is not None
    record = cache.read_project()
    assert record is not None
    return record.files.path


def test_an_unchanged_project_is_answered_from_the_index(project: Project,
                                                         answers: list[bool]) -> None:
    acme(project)
    cold = same_as_cold(project)
    assert answers == [False]  # no index yet: the full check writes it
    assert same_as_cold(project).out == cold.out
    assert answers == [False, True]
    assert sorted(index_paths(project)) == sorted(
        p.relative_to(ACME).as_posix() for p in ACME.rglob("*.yaml") if p.name != ".slopolicy.yaml")


def test_a_changed_sli_judges_again_the_slos_that_reference_it_in_other_files(
        project: Project, answers: list[bool]) -> None:
    acme(project)
    assert same_as_cold(project).code == 0
    sli = project.root / "slis/checkout.yaml"
    text = sli.read_text()
    start = text.index("  ratioMetric:")
    sli.write_text(text[:start] + "  thresholdMetric:\n    metricSource:\n"
                   "      metricSourceRef: prometheus\n      spec: {query: checkout_seconds}\n")
    run = same_as_cold(project)
    assert answers == [False, True]
    assert ("slos/checkout.yaml", "openslo-semantics") in [(p[0], p[3]) for p in run.problems()]
    sli.write_text(text)
    assert same_as_cold(project).code == 0 and answers[-1]


def test_a_deleted_file_is_seen_where_it_was_referenced(project: Project,
                                                        answers: list[bool]) -> None:
    acme(project)
    same_as_cold(project)
    (project.root / "slos/checkout.yaml").unlink()
    run = same_as_cold(project)
    assert ("slas/initech.yaml", "sla-backed-by-slo") in [(p[0], p[3]) for p in run.problems()]
    assert "slos/checkout.yaml" not in index_paths(project)
    assert same_as_cold(project).out == run.out and answers[-1]


def test_a_renamed_file_keeps_its_findings_under_its_new_name(project: Project,
                                                             answers: list[bool]) -> None:
    acme(project)
    project.write("slos/checkout.yaml", (ACME / "slos/checkout.yaml").read_text()
                  .replace("target: 0.999", "target: 0.95"))
    before = same_as_cold(project)
    assert [p[0] for p in before.problems()].count("slos/checkout.yaml") >= 1
    (project.root / "slos/checkout.yaml").rename(project.root / "slos/checkout-renamed.yaml")
    after = same_as_cold(project)
    assert answers == [False, True]  # the rename was answered from the index
    assert [p[3] for p in after.problems()] == [p[3] for p in before.problems()]
    assert "slos/checkout-renamed.yaml" in [p[0] for p in after.problems()]
    assert "slos/checkout.yaml" not in index_paths(project)


def test_a_changed_configuration_checks_in_full_then_warm_again(project: Project,
                                                               answers: list[bool]) -> None:
    acme(project)
    project.write("slos/checkout.yaml", (ACME / "slos/checkout.yaml").read_text()
                  .replace("target: 0.999", "target: 0.95"))
    first = same_as_cold(project)
    config = project.root / ".slopolicy.yaml"
    config.write_text(config.read_text().replace(
        "rules:\n", "rules:\n  slo-stricter-than-sla: warning\n", 1))
    run = same_as_cold(project)
    assert answers == [False, False]  # the index was written for other settings
    assert run.out != first.out and "warning" in {p["severity"] for p in run.json["problems"]}
    assert same_as_cold(project).out == run.out and answers[-1]


def test_a_new_file_resolves_a_reference_and_a_duplicate_is_seen_in_both(
        project: Project, answers: list[bool]) -> None:
    project.write(".slopolicy.yaml", "extends: default\n")
    for i in range(3):
        project.write(f"slos/svc-{i}.yaml", slo(i))
        project.write(f"slas/customer-{i}.yaml", sla(i))
    project.write("slas/extra.yaml", sla(9).replace("name: customer-9", "name: extra"))
    missing = same_as_cold(project)
    assert [(p[0], p[3]) for p in missing.problems()] == [("slas/extra.yaml",
                                                           "unresolved-reference")]
    project.write("slos/svc-9.yaml", slo(9))
    assert same_as_cold(project).problems() == []
    project.write("slos/copy.yaml", slo(1))  # the same SLO again, in a new file
    run = same_as_cold(project)
    assert [(p[0], p[3]) for p in run.problems()] == [("slos/svc-1.yaml", "duplicate-name")]
    assert answers[1:] == [True, True]


def test_a_file_named_on_the_command_line_is_judged_as_named(project: Project,
                                                            answers: list[bool]) -> None:
    acme(project)
    project.write("notes.yaml", "# nothing slopolicy reads\n")
    same_as_cold(project)
    named = same_as_cold(project, "notes.yaml")
    assert [p[3] for p in named.problems()] == ["unknown-kind"]
    assert same_as_cold(project).problems() == []
    assert answers[1:] == [True, True]


def test_groups_a_change_does_not_touch_are_not_judged_again(
        project: Project, answers: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """An SLO whose terms come from its SLI is not derived again while neither changed."""
    acme(project)
    for i in range(3):
        project.write(f"slos/svc-{i}.yaml", slo(i))
        project.write(f"slas/customer-{i}.yaml", sla(i))
    same_as_cold(project)
    derived: list[str] = []
    terms = linking.slo_terms

    def spy(data: Any, lookup: Any) -> Any:
        derived.append(str(data.get("metadata", {}).get("name")))
        return terms(data, lookup)

    monkeypatch.setattr(linking, "slo_terms", spy)
    project.write("slas/customer-1.yaml", sla(1).replace("contract: MSA-1", "contract: MSA-1b"))
    assert project.check().problems() == []
    assert answers[-1] and "checkout-availability" not in derived
    project.write("slis/checkout.yaml", (ACME / "slis/checkout.yaml").read_text()
                  .replace("Checkouts that complete", "Checkouts that completed"))
    assert project.check().problems() == []
    assert answers[-1] and "checkout-availability" in derived  # its SLI changed


# -- the index is signed, as every cache file -------------------------------------------


def forged_index(project: Project, key: bytes) -> None:
    """An index that says the project has no problems, signed with ``key``."""
    cache = Cache(default_dir(), project.root, key=keys.user_key(default_dir()))
    record = cache.read_project()
    assert record is not None
    Cache(default_dir(), project.root, key=key).write_project(record._replace(problems=[]))


def test_an_index_signed_with_another_key_changes_nothing(project: Project,
                                                          answers: list[bool]) -> None:
    acme(project)
    project.write("slos/checkout.yaml", (ACME / "slos/checkout.yaml").read_text()
                  .replace("target: 0.999", "target: 0.95"))
    cold = same_as_cold(project)
    assert cold.code == 1
    forged_index(project, b"\x01" * 32)
    assert same_as_cold(project).out == cold.out
    assert answers[-1] is False  # not believed: the check ran in full
    forged_index(project, keys.user_key(default_dir()))
    assert project.check().code == 0  # the control: signed with the user's key it is believed


def test_a_damaged_index_is_a_miss(project: Project, answers: list[bool]) -> None:
    acme(project)
    cold = same_as_cold(project)
    cache = Cache(default_dir(), project.root, key=keys.user_key(default_dir()))
    index = cache.path / "project.cache"
    index.write_bytes(index.read_bytes()[:-40])
    assert same_as_cold(project).out == cold.out and answers[-1] is False
    record = cache.read_project()
    assert record is not None
    text, columns = project_index.encode(record)  # signed, but a column cut short
    assert cache._write(project_index.NAME, text, [*columns[:-1], columns[-1][:-4]])
    assert same_as_cold(project).out == cold.out and answers[-1] is False
    assert same_as_cold(project).out == cold.out and answers[-1] is True  # whole again


def test_a_few_changes_are_kept_as_a_delta_and_read_back_as_they_were(
        project: Project, answers: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """Settled files, edited one at a time: the index is not written whole each time."""
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)  # files older than the run count
    project.write(".slopolicy.yaml", "extends: default\n")
    for i in range(4):
        project.write(f"slos/svc-{i}.yaml", slo(i))
        project.write(f"slas/customer-{i}.yaml", sla(i))
    same_as_cold(project)
    same_as_cold(project)  # the folders, settled now, are kept
    cache = open_cache(default_dir(), project.root)
    assert cache is not None
    whole = (cache.path / "project.cache").stat().st_mtime_ns
    edits = [("slos/svc-2.yaml", slo(2).replace("target: 0.996", "target: 0.98")),
             ("slas/customer-1.yaml", sla(1).replace("version: 1", "version: 0")),
             ("slos/svc-2.yaml", slo(2)),
             ("slas/customer-3.yaml", sla(3).replace("slo: svc-3-availability",
                                                     "slo: svc-2-availability"))]
    for path, text in edits:
        project.write(path, text)
        same_as_cold(project)
        assert answers[-1] is True
        assert (cache.path / "project.cache").stat().st_mtime_ns == whole
        assert (cache.path / "project-delta.cache").is_file()
    final = same_as_cold(project)
    found = {(p[0], p[3]) for p in final.problems()}
    assert ("slas/customer-1.yaml", "schema") in found  # an SLA that changed meaning:
    assert ("slos/svc-2.yaml", "slo-stricter-than-sla") in found  # another file's SLO
    (cache.path / "project-delta.cache").write_bytes(b"slopolicy-cache 8 forged\n{}\n")
    assert same_as_cold(project).out == final.out  # without it: the index, and what changed


def test_the_files_whose_signature_changed_are_found_across_chunks(tmp_path: Path) -> None:
    """The stat lookup in chunks finds the rows a file-by-file comparison finds: a file
    rewritten, touched, replaced, gone or on another device, wherever its chunk ends."""
    root = tmp_path / "project"
    (root / "slos").mkdir(parents=True)
    count = 2 * incremental._CHUNK + 7
    rows = [f"slos/svc-{i}.yaml" for i in range(count)]
    for rel in rows:
        (root / rel).write_text("kind: SLO\n")
    device = os.stat(root).st_dev
    files = Files.empty()
    files.path = rows
    for rel in rows:
        st = os.lstat(root / rel)
        files.size.append(st.st_size)
        files.mtime_ns.append(st.st_mtime_ns)
        files.ctime_ns.append(st.st_ctime_ns)
        files.inode.append(st.st_ino)
    folder = os.open(root, os.O_RDONLY)
    try:
        assert incremental._unchanged_files(rows, files, device, folder) == []
        last = incremental._CHUNK - 1  # the last row of the first chunk
        (root / rows[0]).write_text("kind: SLO # longer\n")
        st = os.lstat(root / rows[last])
        os.utime(root / rows[last], ns=(st.st_atime_ns, st.st_mtime_ns + 1))
        (root / "new.yaml").write_text("kind: SLO\n")
        os.replace(root / "new.yaml", root / rows[incremental._CHUNK])  # same size, new inode
        (root / rows[count - 1]).unlink()  # a chunk that cannot be looked up at once
        files.size[count - 3] = -1  # a row kept unsigned (racy) is read again
        expected = [0, last, incremental._CHUNK, count - 3, count - 1]
        assert incremental._unchanged_files(rows, files, device, folder) == expected
        assert incremental._unchanged_files(rows, files, device + 1, folder) == list(range(count))
    finally:
        os.close(folder)


@given(st.lists(st.sampled_from([0, 1, 5, 256, 1280, 327680, 83886080, 2**31 - 1, -2**31])),
       st.sets(st.sampled_from([0, 1, 5, 256, 1280, 327680, 83886080, 2**31 - 1, -2**31, 7])))
def test_the_rows_of_the_groups_touched_are_those_a_scan_finds(column: list[int],
                                                               groups: set[int]) -> None:
    """Sought in the column's bytes (a few groups) or in one pass (many), the same rows: a
    number whose bytes straddle two rows is no row."""
    packed = array.array("i", column)
    assert incremental.rows_in(packed, groups) == [
        row for row, group in enumerate(column) if group in groups]


def test_columns_changed_after_signing_are_not_believed(project: Project,
                                                       answers: list[bool]) -> None:
    """The columns follow the signed record as data, bound by its digest: columns altered to
    say an edited file is unchanged are a miss; the same columns signed are believed."""
    acme(project)
    same_as_cold(project)
    slo_file = project.root / "slos/checkout.yaml"
    slo_file.write_text(slo_file.read_text().replace("target: 0.999", "target: 0.95"))
    cache = Cache(default_dir(), project.root, key=keys.user_key(default_dir()))
    raw = (cache.path / project_index.NAME).read_bytes()
    start = raw.index(b"\n") + 1
    end = raw.index(b"\n", start)
    record, data = raw[start:end], bytearray(raw[end + 1:])
    paths = json.loads(record)["path"]
    row, count, now = paths.index("slos/checkout.yaml"), len(paths), os.lstat(slo_file)
    for column, value in enumerate((now.st_size, now.st_mtime_ns, now.st_ctime_ns,
                                    now.st_ino)):  # a signature, each in its column
        data[8 * (column * count + row):8 * (column * count + row + 1)] = value.to_bytes(
            8, "little", signed=column < 3)
    (cache.path / project_index.NAME).write_bytes(raw[:end + 1] + data)  # the old digest
    assert same_as_cold(project).code == 1 and answers[-1] is False  # not believed
    assert cache._write(project_index.NAME, record, [bytes(data)])  # the control: signed
    assert project.check().code == 0 and answers[-1]  # believed: the edit is not seen


@given(st.lists(st.sampled_from(["a.yaml", "b.yaml", "slas/c.yaml", "d.json"])),
       st.frozensets(st.text(alphabet="abcdsl/.yaml", max_size=8), max_size=12))
def test_the_files_reported_on_are_found_in_scan_order(paths: list[str],
                                                      shown: frozenset[str]) -> None:
    """Sought one by one (a few, as the hook's) or in one pass (more): the same rows."""
    shown = shown | frozenset(paths[:2])
    assert incremental.path_rows(paths, shown) == [
        row for row, path in enumerate(paths) if path in shown]


def test_index_files_a_run_wrote_earlier_put_back_tell_no_stale_answer(
        project: Project, answers: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever can write the cache folder (a CI cache restored from an earlier job) can
    put back the files an earlier run wrote, signed with the user's key: the index of
    the tree when the SLO was fine, a delta of that index, or the stat index. None is
    believed for a file changed since: each answer is the one a check without the
    cache gives."""
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)  # files older than the run count
    acme(project)
    assert same_as_cold(project).code == 0
    assert same_as_cold(project).code == 0 and answers[-1] is True  # the folders settled
    cache = open_cache(default_dir(), project.root)
    assert cache is not None
    names = ("project.cache", "project-delta.cache", "index.cache")

    def saved() -> dict[str, bytes | None]:
        return {name: (cache.path / name).read_bytes() if (cache.path / name).is_file()
                else None for name in names}

    def put_back(files: dict[str, bytes | None]) -> None:
        for name, data in files.items():
            if data is None:
                (cache.path / name).unlink(missing_ok=True)
            else:
                (cache.path / name).write_bytes(data)

    clean = saved()
    project.write("slos/checkout.yaml", (ACME / "slos/checkout.yaml").read_text()
                  .replace("target: 0.999", "target: 0.95"))
    failing = same_as_cold(project)
    assert failing.code == 1 and answers[-1] is True
    first_delta = saved()
    assert first_delta["project-delta.cache"] is not None
    project.write("slis/checkout.yaml",
                  (ACME / "slis/checkout.yaml").read_text() + "# a comment\n")
    assert same_as_cold(project).out == failing.out
    for replayed in (clean, {**clean, "project-delta.cache": None}, first_delta,
                     {**saved(), "project-delta.cache": clean["project-delta.cache"]},
                     {**saved(), "index.cache": clean["index.cache"]}):
        put_back(replayed)
        assert same_as_cold(project).out == failing.out
        assert answers[-1] is True  # answered from the files put back, and the file system


# -- many edits, each checked warm and without the cache ------------------------------------

def _sli(name: str, good: str = "good") -> str:
    return (f"apiVersion: openslo/v1\nkind: SLI\nmetadata: {{name: {name}}}\nspec:\n"
            f"  ratioMetric:\n    counter: true\n"
            f"    good: {{metricSource: {{type: Prometheus, spec: {{query: {good}}}}}}}\n"
            f"    total: {{metricSource: {{type: Prometheus, spec: {{query: total}}}}}}\n")


def _slo(name: str, service: str, sli: str, target: str, window: str = "28d") -> str:
    return (f"apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: {name}}}\nspec:\n"
            f"  service: {service}\n  indicatorRef: {sli}\n"
            f"  timeWindow: [{{duration: {window}, isRolling: true}}]\n"
            f"  budgetingMethod: Occurrences\n  objectives: [{{displayName: main, target: {target}}}]\n")


def _sla(name: str, customer: str, service: str, target: str, slo_name: str = "",
         start: str = "2025-01-01") -> str:
    named = f", slo: {slo_name}" if slo_name else ""
    return (f"apiVersion: slopolicy/v1\nkind: SLA\nmetadata: {{name: {name}}}\nspec:\n"
            f"  customer: {customer}\n  service: {service}\n  version: 1\n"
            f"  effective: {{from: {start}}}\n  window: {{rolling: 28d}}\n"
            f"  budgetingMethod: Occurrences\n  objectives: [{{name: availability, "
            f"indicator: availability, targetPercent: {target}{named}}}]\n")


EDITS = [
    _sli("sli-a"), _sli("sli-a", good="total"), _sli("sli-b"),
    _slo("slo-a", "svc1", "sli-a", "0.999"), _slo("slo-a", "svc1", "sli-a", "0.99"),
    _slo("slo-a", "svc2", "sli-a", "0.9999"), _slo("slo-b", "svc1", "sli-b", "0.9995"),
    _slo("slo-b", "svc2", "sli-b", "0.999", window="7d"),
    _sla("sla-1", "c1", "svc1", "99.9"), _sla("sla-1", "c1", "svc2", "99"),
    _sla("sla-2", "c1", "svc1", "99.5", slo_name="slo-a"),
    _sla("sla-3", "c1", "svc1", "95", start="2025-06-01"),
    "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: svc1\n"
    "  annotations: {slopolicy/max-traffic-ratio: \"10\"}\nspec: {}\n",
    "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: [unclosed\n", "not: a document\n",
]
PLACES = ["a.yaml", "b.yaml", "d1/c.yaml", "d1/d.yaml", "d2/e.yaml", "d2/f/g.yaml"]


def _edit(project: Project, rng: Any) -> None:
    """One edit of the kind a day of work makes: a file written, removed, moved, swapped."""
    root = project.root
    present = [p for p in PLACES if (root / p).exists()]
    roll = rng.random()
    if roll < 0.1:
        project.write(f"slis/{rng.choice('ab')}.yaml",
                      _sli(f"sli-{rng.choice('ab')}", good=rng.choice(["good", "total"])))
    elif roll < 0.25:  # an SLO that proves the agreement of its service, or fails it
        project.write("slos/a.yaml", _slo("slo-a", rng.choice(["svc1", "svc2"]), "sli-a",
                                          rng.choice(["0.999", "0.95"])))
    elif roll < 0.35:
        project.write("slas/1.yaml", _sla("sla-1", "c1", rng.choice(["svc1", "svc2"]),
                                          rng.choice(["99", "99.5"])))
    elif roll < 0.65 or len(present) < 2:
        project.write(rng.choice(PLACES), rng.choice(EDITS))
    elif roll < 0.7:
        (root / rng.choice(present)).unlink()
    elif roll < 0.85:
        source, target = rng.choice(present), rng.choice(PLACES)
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        (root / source).replace(root / target)
    else:
        first, second = rng.sample(present, 2)
        texts = (root / first).read_text(), (root / second).read_text()
        project.write(first, texts[1])
        project.write(second, texts[0])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_day_of_edits_checked_warm_says_what_a_check_without_the_cache_says(
        project: Project, answers: list[bool], monkeypatch: pytest.MonkeyPatch,
        seed: int) -> None:
    """Files written, removed, moved and swapped between SLIs, SLOs, SLAs, a Service's
    traffic ratio and broken YAML, in several folders: after each edit the warm check
    (the project index, the groups the edit touched) gives what a check without the
    cache gives, in every finding and count."""
    import random

    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)  # files older than the run count
    rng = random.Random(seed)
    project.write(".slopolicy.yaml", "extends: default\n")
    project.write("slis/a.yaml", _sli("sli-a"))
    project.write("slis/b.yaml", _sli("sli-b"))
    project.write("slos/a.yaml", _slo("slo-a", "svc1", "sli-a", "0.999"))
    project.write("slas/1.yaml", _sla("sla-1", "c1", "svc1", "99"))
    for place in PLACES[:4]:
        project.write(place, rng.choice(EDITS))
    same_as_cold(project)
    for _ in range(30):
        _edit(project, rng)
        same_as_cold(project)
    assert answers.count(True) >= 10  # most were answered warm
