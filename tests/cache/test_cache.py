"""The result cache never serves a stale answer; parallel runs match serial ones."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Project

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import sla, slo  # noqa: E402

from slopolicy import runtime
from slopolicy.cache import keys
from slopolicy.cache.store import Cache, content_key, default_dir, open_cache  # noqa: E402
from slopolicy.check import analysis
from slopolicy.load import discovery
from slopolicy.rules.context import Context


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A configuration folder of its own: the key that signs the cache lives there."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def setup(project: Project, pairs: int = 3) -> None:
    project.write(".slopolicy.yaml", "extends: default\n")
    for i in range(pairs):
        project.write(f"slos/svc-{i}.yaml", slo(i))
        project.write(f"slas/customer-{i}.yaml", sla(i))


def cache_files(project: Project) -> list[Path]:
    return list((project.root.parent / "cache").rglob("results-*/*.cache"))


def opened(project: Project) -> Cache:
    """The project's cache as a run opens it (with the user's key)."""
    cache = open_cache(default_dir(), project.root)
    assert cache is not None
    return cache


def test_warm_run_uses_the_cache_and_gives_the_same_answer(project: Project) -> None:
    setup(project)
    cold = project.check()
    assert cache_files(project), "the first run writes the cache"
    warm = project.check()
    assert warm.out == cold.out and warm.code == cold.code == 0


def test_edited_document_is_checked_again(project: Project) -> None:
    setup(project)
    assert project.check().json["problems"] == []
    project.write("slas/customer-1.yaml", sla(1).replace("version: 1", "version: 0"))
    assert [p[3] for p in project.check().problems()] == ["schema"]


def test_edited_referenced_slo_changes_the_sla_verdict(project: Project) -> None:
    setup(project)
    assert project.check().json["problems"] == []
    project.write("slos/svc-2.yaml", slo(2).replace("target: 0.996", "target: 0.98"))
    assert project.check().problems() == [("slos/svc-2.yaml", 34, 15, "slo-stricter-than-sla")]


def test_changed_configuration_applies(project: Project) -> None:
    setup(project)
    project.write("slos/svc-0.yaml", slo(0).replace("target: 0.9995", "target: 0.9992"))
    assert [p["severity"] for p in project.check().json["problems"]] == ["warning"]
    project.write(".slopolicy.yaml", "rules:\n  slo-headroom: error\n")
    assert [p["severity"] for p in project.check().json["problems"]] == ["error"]
    project.write(".slopolicy.yaml", "rules:\n  slo-headroom: {max-budget-ratio: 0.9}\n")
    assert project.check().json["problems"] == []


@pytest.mark.parametrize("name, value", [
    ("__version__", "999.0"),  # a new release
    ("BUNDLE", "config.schema.json"),  # the folder is named after the bundle's bytes: an edit
])
def test_a_new_version_or_schema_does_not_read_old_entries(
    project: Project, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    setup(project, pairs=1)
    project.check()
    first = {p.parent.name for p in cache_files(project)}
    monkeypatch.setattr(f"slopolicy.cache.store.{name}", value)
    project.check()
    assert {p.parent.name for p in cache_files(project)} - first, "a new cache folder"


def test_an_upgraded_plugin_does_not_read_old_entries(tmp_path: Path) -> None:
    key = bytes(32)
    old = Cache(tmp_path, tmp_path, {"plugin owner (acme-rules 1.0)"}, key=key)
    new = Cache(tmp_path, tmp_path, {"plugin owner (acme-rules 1.1)"}, key=key)
    assert old.path != new.path != Cache(tmp_path, tmp_path, key=key).path


def test_edited_slopolicy_code_does_not_read_old_entries() -> None:
    import slopolicy.cache.store
    import slopolicy.rules.credit_tiers

    stamp = slopolicy.cache.store.code_binding()  # a checkout under test: its files
    for module in (slopolicy.cache, slopolicy.rules.credit_tiers):
        source = Path(module.__file__ or "")
        stat = source.stat()
        assert f"{source.parent}/{source.name}:{stat.st_size}:{stat.st_mtime_ns}" in stamp


def test_concurrent_runs_share_one_cache_safely(project: Project) -> None:
    setup(project, pairs=30)
    project.write("slos/svc-3.yaml", slo(3).replace("target: 0.9995", "target: 0.99"))
    env = {**os.environ, "XDG_CACHE_HOME": str(project.root.parent / "cache")}
    assert keys.key_path().parent.parent == project.root.parent / "config"  # inherited
    argv = [sys.executable, "-m", "slopolicy", "check", "--format", "json"]
    runs = [subprocess.Popen(argv, cwd=project.root, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(4)]
    outputs = [run.communicate()[0] for run in runs]
    assert [run.returncode for run in runs] == [1, 1, 1, 1]
    assert len(set(outputs)) == 1 and "slo-stricter-than-sla" in outputs[0]
    again = subprocess.run(argv, cwd=project.root, env=env, capture_output=True, text=True)
    assert again.stdout == outputs[0]
    cache = opened(project)  # every shard (and the indexes, once there are) whole and signed
    assert cache_files(project) and all(cache._read(shard.name) for shard in cache_files(project))


def test_a_new_cache_folder_removes_folders_unused_for_30_days(project: Project) -> None:
    setup(project, pairs=1)
    month_ago = time.time() - 31 * 86400

    def folder(letter: str, files: tuple[str, ...], unused_since: float | None) -> Path:
        path = default_dir() / f"results-{letter * 32}"
        path.mkdir(parents=True)
        for name in files:
            (path / name).write_bytes(b"old")
        if unused_since is not None:
            os.utime(path, (unused_since, unused_since))
        return path

    stale = folder("a", ("00.cache", "index.cache", ".7f.cache-x1y2.tmp"), month_ago)
    older_format = folder("d", ("00.pickle", "index.pickle", ".7f.pickle-x1y2.tmp"), month_ago)
    recent = folder("b", ("00.cache",), None)
    not_ours = folder("c", ("00.cache", "notes.txt"), month_ago)
    project.check()
    assert not stale.exists() and not older_format.exists()
    assert recent.exists() and not_ours.exists() and (not_ours / "notes.txt").exists()


def test_a_corrupt_cache_is_ignored(project: Project) -> None:
    setup(project, pairs=1)
    project.check()
    for path in cache_files(project):
        path.write_bytes(b"not a cache")
    run = project.check()
    assert run.code == 0 and run.json["problems"] == []


def test_no_cache_writes_nothing(project: Project) -> None:
    setup(project, pairs=1)
    project.check("--no-cache")
    assert cache_files(project) == []


def test_cache_dir_option(project: Project, tmp_path: Path) -> None:
    setup(project, pairs=1)
    project.check("--cache-dir", str(tmp_path / "elsewhere"))
    assert list((tmp_path / "elsewhere").glob("results-*/*.cache"))


def test_one_edit_rewrites_only_its_shards(project: Project) -> None:
    setup(project, pairs=40)
    project.check()
    before = {p: p.stat().st_mtime_ns for p in cache_files(project)}
    assert len(before) > 20
    edited = slo(3).replace("target: 0.9995", "target: 0.99")
    project.write("slos/svc-3.yaml", edited)
    assert project.check().problems()  # the edit is seen
    after = {p: p.stat().st_mtime_ns for p in cache_files(project)}
    rewritten = {p.name for p in after if before.get(p) != after[p]} - {"index.cache",
                                                                          "project.cache"}
    # the new content's shard, the old content's, and the shard of the SLA the new
    # finding points into (where its objective is written is remembered with it)
    shards = {f"{content_key(text.encode())[:2]}.cache" for text in (edited, slo(3), sla(3))}
    assert rewritten and rewritten <= shards


def index(project: Project) -> dict[str, tuple[tuple[int, ...], str]]:
    return dict(opened(project).index)  # nothing until something is recorded


def test_unchanged_files_are_known_by_their_signature(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    setup(project)
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)  # files older than the run count as settled
    project.check()
    recorded = index(project)
    assert set(recorded) == {f"slos/svc-{i}.yaml" for i in range(3)} | {
        f"slas/customer-{i}.yaml" for i in range(3)}
    stat = (project.root / "slos/svc-0.yaml").stat()
    assert recorded["slos/svc-0.yaml"][0] == (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns,
                                              stat.st_ino, stat.st_dev)


def test_files_as_new_as_the_run_are_not_recorded(project: Project) -> None:
    setup(project)  # written just now: an edit in the same clock tick could go unseen
    project.check()
    assert cache_files(project)  # the results are kept all the same
    assert not [name for name in index(project) if name.startswith(("slos/", "slas/"))]


def test_an_edit_that_keeps_size_and_modification_time_is_seen(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    setup(project)
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)
    assert project.check().json["problems"] == []
    path = project.root / "slas/customer-1.yaml"
    before = path.stat()
    path.write_text(sla(1).replace("version: 1", "version: 0"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a careless tool might
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert [p[3] for p in project.check().problems()] == ["schema"]


def test_a_run_of_a_commits_files_keeps_the_index(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import git

    setup(project)
    git(project.root, "init", "-q", "-b", "main")  # a real repository, over the test's marker
    git(project.root, "add", "-A")
    git(project.root, "-c", "user.name=A", "-c", "user.email=a@example.com", "commit", "-qm", "x")
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)
    project.check()
    recorded = index(project)
    assert len(recorded) == 6
    assert project.check("--base", "main", "--head", "main").code == 0
    assert index(project) == recorded


def test_a_deleted_file_leaves_the_index(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    setup(project)
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)
    project.check()
    (project.root / "slas/customer-2.yaml").unlink()
    assert project.check().code == 0
    record = opened(project).read_project()  # what a warm check reads instead
    assert record is not None and "slas/customer-2.yaml" not in record.files.path
    assert "slas/customer-0.yaml" in record.files.path


def warm_engine_run(project: Project, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:
    """The documents and problems of a cached run made as `slopolicy check` makes it."""
    from slopolicy.check import engine
    from slopolicy.config.project import open_project

    monkeypatch.chdir(project.root)
    found = open_project([], None)
    with runtime.loading():
        cache = opened(project)
        paths = discovery.discover(found.config, found.repo_root)
        files = analysis.load_files(paths, found.repo_root, cache)
    ctx = Context(files)
    return ctx.documents, engine.check(ctx, found.rules, found.config)


def test_a_warm_run_decodes_only_the_documents_that_changed(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    setup(project, pairs=6)
    # every built-in rule runs (the tiers keep half of the SLA's budget)
    project.write(".slopolicy.yaml",
                  "extends: strict\nrules:\n  slo-headroom: {max-budget-ratio: 0.5}\n")
    project.write("slas/customer-4.yaml", sla(4).replace(
        "      slo: svc-4-availability", "      slo: svc-4-availability\n      objective: internal"))
    project.write("slas/customer-5.yaml", sla(5).replace("      slo: svc-5-availability\n", ""))
    monkeypatch.setattr("slopolicy.cache.store.RACY_NS", 0)
    assert project.check().json["problems"] == []  # cold: the cache is written
    project.write("slas/customer-1.yaml", sla(1) + "# reviewed\n")
    documents, problems = warm_engine_run(project, monkeypatch)
    assert problems == []
    # cross-file rules read the others through the facts they remembered
    read = {d.source.path for d in documents if d.loaded}
    assert read == {"slas/customer-1.yaml"}
    assert len(documents) == 12


def test_a_standing_finding_is_located_without_parsing_its_file_again(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    setup(project, pairs=2)
    project.write("slas/customer-0.yaml", sla(0).replace("creditPercent: 25", "creditPercent: 5"))
    cold = project.check().problems()
    assert [p[3] for p in cold] == ["credit-tiers"]
    documents, problems = warm_engine_run(project, monkeypatch)
    assert [(p.file, p.line, p.column, p.rule) for p in problems] == cold
    [source] = {d.source for d in documents if d.source.path == "slas/customer-0.yaml"}
    assert source._positions is None  # where the finding is was remembered with the document


def test_a_renamed_objective_breaks_the_sla_that_names_it(project: Project) -> None:
    setup(project)
    project.write("slas/customer-0.yaml", sla(0).replace(
        "      slo: svc-0-availability", "      slo: svc-0-availability\n      objective: internal"))
    assert project.check().json["problems"] == []
    project.write("slos/svc-0.yaml", slo(0).replace("displayName: internal", "displayName: inner"))
    assert project.check().problems() == [("slas/customer-0.yaml", 23, 18, "unresolved-reference")]


def test_document_rule_results_are_kept_and_reused(project: Project) -> None:
    setup(project, pairs=1)
    bad = sla(0).replace("creditPercent: 25", "creditPercent: 5")
    project.write("slas/customer-0.yaml", bad)
    cold = project.check()
    warm = project.check()
    assert cold.out == warm.out
    assert [p[3] for p in warm.problems()] == ["credit-tiers"]
    # severity is stamped at each run, so a changed configuration applies to kept results
    project.write(".slopolicy.yaml", "rules:\n  credit-tiers: warning\n")
    assert [p["severity"] for p in project.check().json["problems"]] == ["warning"]


def test_parallel_output_is_identical_to_serial(project: Project) -> None:
    setup(project, pairs=12)
    project.write("slos/svc-3.yaml", slo(3).replace("target: 0.9995", "target: 0.99"))
    project.write("slas/customer-5.yaml", sla(5).replace("customer: customer-5", "custmer: x"))
    serial = project.check("--no-cache", "--jobs", "1")
    parallel = project.check("--no-cache", "--jobs", "2")
    assert parallel.out == serial.out
    assert len(serial.json["problems"]) >= 2


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_on_a_terminal_for_large_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    from slopolicy.check import analysis

    terminal = _Terminal()
    monkeypatch.setattr(analysis.sys, "stderr", terminal)
    work = [(f"f{i}.yaml", b"a: 1\n") for i in range(analysis.PROGRESS_THRESHOLD)]
    assert len(analysis._analyse_all(work, 1)) == len(work)
    assert f"analysed {len(work):,}/{len(work):,} files" in terminal.text
    terminal.text = ""
    analysis._analyse_all(work[:10], 1)
    assert terminal.text == ""  # small sets stay silent


def test_a_long_run_reads_back_what_it_saved(tmp_path: Path) -> None:
    """The language server saves now and then, and keeps restoring files after."""
    key = bytes(32)
    cache = Cache(tmp_path, tmp_path, key=key)
    first, second = sla(0).encode(), sla(1).encode()
    [source] = analysis.load_contents([("slas/a.yaml", first)], cache)
    cache.keep([source])
    again = cache.restore(content_key(first), "slas/a.yaml", None)
    assert again is not None and again.documents[0].data == source.documents[0].data
    [other] = analysis.load_contents([("slas/b.yaml", second)], cache)
    cache.keep([other])  # a second save keeps the first one's entries
    reopened = Cache(tmp_path, tmp_path, key=key)
    assert all(reopened.restore(content_key(raw), "x.yaml", None) is not None
               for raw in (first, second))
