"""The cache folder is not trusted: it never runs code, and a planted entry changes no verdict.

Anyone who can write one file there (a CI cache restored after untrusted
jobs, a shared runner's home, a shared ``--cache-dir``) is the attacker;
the key that signs the cache lives in the user's configuration folder.
"""
from __future__ import annotations

import json
import os
import pickle
import secrets
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Project, Run
from gitrepos import GitProject, days_hence, sla

from slopolicy.cache import keys, store
from slopolicy.cache.codec import codec
from slopolicy.cache.records import Ints
from slopolicy.cache.store import FORMAT, Cache, content_key, default_dir
from slopolicy.check import analysis
from slopolicy.load.files import load_text

BROKEN = "slas/customer-1.yaml"


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def setup(project: Project) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from generate import sla as bench_sla
    from generate import slo as bench_slo

    project.write(".slopolicy.yaml", "extends: default\n")
    for i in range(3):
        project.write(f"slos/svc-{i}.yaml", bench_slo(i))
        project.write(f"slas/customer-{i}.yaml", bench_sla(i))


def good_and_broken(project: Project) -> tuple[str, str]:
    good = (project.root / BROKEN).read_text()
    return good, good.replace("version: 1", "version: 0")  # a schema error


def folders(project: Project) -> list[Path]:
    return sorted((project.root.parent / "cache").rglob("results-*"))


def user_key() -> bytes:
    return keys.user_key(default_dir())


def forge(root: Path, path: str, content: bytes, pretend: str, key: bytes) -> None:
    """Plant an entry for ``content`` that says what the analysis of ``pretend`` says.

    The project index (which would answer a warm check without reading the
    entry) is removed, so the next check reads the planted entry.
    """
    [source] = analysis.load_contents([(path, pretend.encode())])
    source.cache_key = content_key(content)
    source.dirty = True
    cache = Cache(default_dir(), root, key=key)
    cache.keep([source])
    (cache.path / "project.cache").unlink(missing_ok=True)


# -- no code runs ------------------------------------------------------------------------


class Payload:
    """Unpickling this creates a file: proof that something ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[object, ...]]:
        return (Path.touch, (self.marker,))


def test_a_pickle_planted_in_the_cache_never_runs(project: Project, tmp_path: Path) -> None:
    setup(project)
    _, broken = good_and_broken(project)
    project.write(BROKEN, broken)
    cold = project.check()
    marker = tmp_path / "ran"
    payload = pickle.dumps({"x": Payload(marker)})
    assert folders(project)
    for folder in folders(project):
        for name in ["index", *(f"{i:02x}" for i in range(256))]:
            for suffix in (".pickle", ".cache"):  # this format's names and the older one's
                (folder / f"{name}{suffix}").write_bytes(payload)
    run = project.check()
    assert not marker.exists()
    assert (run.code, run.out) == (cold.code, cold.out) == (1, cold.out)
    assert [p[3] for p in run.problems()] == ["schema"]


# -- a planted, well-formed entry changes nothing -----------------------------------------


def test_an_entry_signed_with_another_key_does_not_pass_a_broken_file(project: Project) -> None:
    setup(project)
    good, broken = good_and_broken(project)
    project.write(BROKEN, broken)
    assert [p[3] for p in project.check().problems()] == ["schema"]
    forge(project.root, BROKEN, broken.encode(), good, key=secrets.token_bytes(32))
    run = project.check()
    assert run.code == 1 and [p[3] for p in run.problems()] == ["schema"]
    # the forgery is well formed: signed with the user's key it would be believed
    forge(project.root, BROKEN, broken.encode(), good, key=user_key())
    assert project.check().code == 0


def test_an_entry_signed_with_another_key_does_not_approve_a_loosening(repo: GitProject) -> None:
    loosened = sla(version=2, start=days_hence(52), target="99.5")
    repo.write("slas/globex.yaml", loosened)
    repo.commit()
    refused = repo.gate()
    assert refused.code == 1 and repo.rules(refused) == ["sla-change-approval"]
    # the head's loosened file, said to hold the base's terms: no change to approve
    forge(repo.root, "slas/globex.yaml", loosened.encode(), sla(), key=secrets.token_bytes(32))
    run = repo.gate()
    assert run.code == 1 and repo.rules(run) == ["sla-change-approval"]
    forge(repo.root, "slas/globex.yaml", loosened.encode(), sla(), key=user_key())
    assert repo.gate().code == 0  # the control: a correctly signed forgery would pass


def test_a_shard_of_another_folder_or_name_is_not_read(project: Project) -> None:
    """The MAC binds a file to its folder and name: a valid file moved elsewhere is a miss."""
    setup(project)
    cold = project.check()
    cache = Cache(default_dir(), project.root, key=user_key())
    shard = sorted(p for p in cache.path.glob("??.cache"))[0]
    assert cache._read(shard.name) is not None
    other = "00" if shard.name != "00.cache" else "01"
    (cache.path / f"{other}.cache").write_bytes(shard.read_bytes())
    assert cache._read(f"{other}.cache") is None
    elsewhere = Cache(default_dir(), project.root / "slos", key=user_key())
    elsewhere.path.mkdir(parents=True)
    (elsewhere.path / shard.name).write_bytes(shard.read_bytes())
    assert elsewhere._read(shard.name) is None
    assert project.check().out == cold.out


# -- damaged, foreign or wrong-shaped files are misses --------------------------------------


def damaged_runs(project: Project, damage: Callable[[Cache, Path], None]) -> tuple[Run, Run]:
    """A cold run, then a run after ``damage`` was done to every cache file."""
    setup(project)
    _, broken = good_and_broken(project)
    project.write(BROKEN, broken)
    project.write("slos/svc-2.yaml", (project.root / "slos/svc-2.yaml").read_text()
                  .replace("target: 0.996", "target: 0.98"))
    cold = project.check()
    cache = Cache(default_dir(), project.root, key=user_key())
    files = sorted(cache.path.glob("*.cache"))
    assert len(files) > 3 and cache.path / "project.cache" in files
    for path in files:
        damage(cache, path)
    return cold, project.check()


def signed(cache: Cache, path: Path, record: object, data: bytes = b"") -> None:
    """Write ``record`` as the cache writes it, with the user's key: only its shape is wrong."""
    cache._write(path.name, json.dumps(record).encode(), [data])


def record_of(cache: Cache, path: Path) -> tuple[dict[str, object], bytes]:
    found = cache._read(path.name)
    assert found is not None
    data = found[2]()
    assert data is not None and len(data) == found[1]
    return json.loads(found[0]), data


def shards_only(damage: Callable[[Cache, Path], None]) -> Callable[[Cache, Path], None]:
    def apply(cache: Cache, path: Path) -> None:
        if path.name not in ("index.cache", "project.cache"):
            damage(cache, path)
    apply.__name__ = damage.__name__
    return apply


def with_data(damage: Callable[[Cache, Path], None]) -> Callable[[Cache, Path], None]:
    """``damage`` to the files with data after their record: the shards, the project index."""
    def apply(cache: Cache, path: Path) -> None:
        if path.name != "index.cache":
            damage(cache, path)
    apply.__name__ = f"{damage.__name__}_with_the_project_index"
    return apply


def truncate(cache: Cache, path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def other_format(version: int) -> Callable[[Cache, Path], None]:
    def apply(cache: Cache, path: Path) -> None:
        raw = path.read_bytes()
        path.write_bytes(raw.replace(b"slopolicy-cache %d " % FORMAT,
                                     b"slopolicy-cache %d " % version, 1))
    apply.__name__ = f"format_{version}"
    return apply


def not_an_object(cache: Cache, path: Path) -> None:
    signed(cache, path, ["files", "documents"])


def wrong_column_type(cache: Cache, path: Path) -> None:
    record, data = record_of(cache, path)
    if "documents" in record:
        documents = record["documents"]
        assert isinstance(documents, dict)
        documents["name"] = [1 for _ in documents["name"]]
    else:  # the stat index, or the project index
        record["path"] = [None for _ in record["path"]]  # type: ignore[union-attr]
    signed(cache, path, record, data)


def columns_out_of_step(cache: Cache, path: Path) -> None:
    record, data = record_of(cache, path)
    if "documents" in record:
        documents = record["documents"]
        assert isinstance(documents, dict)
        documents["kind"] = [*documents["kind"], "SLA"]
    elif "run" in record:  # the project index: a file more than its columns hold
        record["path"] = [*record["path"], "slas/another.yaml"]  # type: ignore[list-item]
    else:
        record["key"] = [*record["key"], "0" * 64]  # type: ignore[list-item]
    signed(cache, path, record, data)


def facts_outside_the_values(cache: Cache, path: Path) -> None:
    record, data = record_of(cache, path)
    documents = record["documents"]
    assert isinstance(documents, dict)
    packed = codec(Ints)
    documents["places"] = packed.encode([999 for _ in packed.decode(documents["places"])])
    signed(cache, path, record, data)


def facts_of_the_wrong_type(cache: Cache, path: Path) -> None:
    """Facts whose values do not fit their codecs: computed afresh."""
    record, data = record_of(cache, path)
    record["values"] = [{"not": "a fact"} for _ in record["values"]]  # type: ignore[union-attr]
    signed(cache, path, record, data)


def data_not_as_signed(cache: Cache, path: Path) -> None:
    """The data region changed after signing: documents are read from their files again."""
    raw = path.read_bytes()
    start = raw.index(b"\n", raw.index(b"\n") + 1) + 1
    path.write_bytes(raw[:start] + bytes(ord("x") if b != ord("\n") else b for b in raw[start:]))


def data_signed_but_not_json(cache: Cache, path: Path) -> None:
    record, data = record_of(cache, path)
    signed(cache, path, record, b"\xff" * len(data))


def data_region_of_another_length(cache: Cache, path: Path) -> None:
    record, data = record_of(cache, path)
    signed(cache, path, record, data + b"{}")


@pytest.mark.parametrize("damage", [
    truncate, other_format(FORMAT - 1), other_format(FORMAT + 1), not_an_object,
    wrong_column_type, columns_out_of_step, shards_only(facts_outside_the_values),
    shards_only(facts_of_the_wrong_type), shards_only(data_not_as_signed),
    shards_only(data_signed_but_not_json), shards_only(data_region_of_another_length),
    with_data(data_not_as_signed), with_data(data_region_of_another_length),
], ids=lambda damage: getattr(damage, "__name__", "damage"))
def test_a_damaged_or_foreign_cache_file_is_a_miss(
        project: Project, damage: Callable[[Cache, Path], None]) -> None:
    cold, run = damaged_runs(project, damage)
    assert (run.code, run.out, run.err) == (cold.code, cold.out, cold.err)
    assert sorted(p[3] for p in run.problems()) == ["schema", "slo-stricter-than-sla"]
    assert project.check().out == cold.out  # and the cache is whole again


@pytest.mark.parametrize("damage", [data_not_as_signed, data_signed_but_not_json],
                         ids=["not_as_signed", "signed_but_not_json"])
def test_unreadable_data_is_read_from_the_file_again(
        project: Project, damage: Callable[[Cache, Path], None]) -> None:
    setup(project)
    project.check()
    cache = Cache(default_dir(), project.root, key=user_key())
    for path in cache.path.glob("??.cache"):
        damage(cache, path)
    origin = project.root / BROKEN
    raw = origin.read_bytes()
    restored = Cache(default_dir(), project.root, key=user_key()).restore(
        content_key(raw), BROKEN, str(origin))
    assert restored is not None  # the record is sound: only the data is not
    [fresh] = load_text(BROKEN, raw.decode()).documents
    assert restored.documents[0].data == fresh.data


def test_data_of_a_file_replaced_after_it_was_read_is_not_mixed_in(project: Project) -> None:
    """A run reads documents' data late; another run may have replaced the file meanwhile."""
    setup(project)
    project.check()
    origin = project.root / BROKEN
    raw = origin.read_bytes()
    cache = Cache(default_dir(), project.root, key=user_key())
    shard = cache.path / f"{content_key(raw)[:2]}.cache"
    record, data = record_of(cache, shard)
    signed(cache, shard, record, b" " * len(data))  # another file now, of the same size
    restored = cache.restore(content_key(raw), BROKEN, str(origin))
    assert restored is not None
    [fresh] = load_text(BROKEN, raw.decode()).documents
    assert restored.documents[0].data == fresh.data


def test_a_fifo_in_the_cache_folder_does_not_hang_the_run(project: Project) -> None:
    setup(project)
    cold = project.check()
    cache = Cache(default_dir(), project.root, key=user_key())
    for name in ("index.cache", *(p.name for p in cache.path.glob("??.cache"))):
        (cache.path / name).unlink(missing_ok=True)
        os.mkfifo(cache.path / name)
    argv = [sys.executable, "-m", "slopolicy", "check", "--format", "json"]
    done = subprocess.run(argv, cwd=project.root, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (cold.code, cold.out)


# -- the key ---------------------------------------------------------------------------


def test_the_key_is_made_once_private_and_outside_the_cache(project: Project,
                                                             tmp_path: Path) -> None:
    setup(project)
    project.check()
    key = tmp_path / "config" / "slopolicy" / "cache.key"
    assert keys.key_path() == key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not key.resolve().is_relative_to((tmp_path / "cache").resolve())
    text = key.read_text()
    assert len(bytes.fromhex(text.strip())) == 32
    project.check()
    assert key.read_text() == text  # used again, never replaced


def test_concurrent_first_runs_agree_on_one_key(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from slopolicy.cache import keys; "
            "sys.stdout.write(keys.user_key(Path(sys.argv[1])).hex())")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    runs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "cache")], env=env,
                             stdout=subprocess.PIPE, text=True) for _ in range(6)]
    found = {run.communicate()[0] for run in runs}
    assert len(found) == 1 and len(found.pop()) == 64
    assert [p.name for p in (tmp_path / "config" / "slopolicy").iterdir()] == ["cache.key"]


def checks_without_the_cache(project: Project, *args: str) -> Run:
    setup(project)
    cold = project.check("--no-cache")
    run = project.check(*args)
    assert (run.code, run.out) == (cold.code, cold.out)
    assert "checking without the result cache" in run.err
    assert run.err.count("\n") == 1  # one note, nothing else
    return run


def test_a_key_open_to_others_is_not_used(project: Project, tmp_path: Path) -> None:
    key = keys.key_path()
    key.parent.mkdir(parents=True)
    key.write_text(secrets.token_hex(32) + "\n")
    key.chmod(0o644)
    run = checks_without_the_cache(project)
    assert "mode 0644" in run.err
    assert not list((tmp_path / "cache").rglob("*.cache"))


def test_an_unreadable_key_means_no_cache_not_a_failure(project: Project, tmp_path: Path) -> None:
    keys.key_path().mkdir(parents=True)  # a folder where the key should be
    checks_without_the_cache(project)
    assert not list((tmp_path / "cache").rglob("*.cache"))


def test_a_cache_folder_that_holds_the_key_is_not_used(project: Project, tmp_path: Path) -> None:
    inside = tmp_path / "config"
    run = checks_without_the_cache(project, "--cache-dir", str(inside))
    assert "inside the cache folder" in run.err
    assert not list(inside.rglob("results-*"))


def test_a_cache_folder_that_is_a_link_is_not_used(project: Project, tmp_path: Path) -> None:
    setup(project)
    target = tmp_path / "elsewhere"
    target.mkdir()
    fingerprint = store._fingerprint(project.root, ())
    (tmp_path / "cache" / "slopolicy").mkdir(parents=True)
    (tmp_path / "cache" / "slopolicy" / f"results-{fingerprint}").symlink_to(target)
    assert project.check().code == 0
    assert list(target.iterdir()) == []  # nothing written through the link


def test_a_file_saved_during_a_run_keeps_no_positions_of_its_new_text(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor saves a file while a check runs: the file was analysed as it was, and
    its problems are located by reading it again. What that reading finds belongs to
    other bytes: it is not kept for the content analysed, so a later check of that
    content points where a check without the cache points."""
    from slopolicy.check import engine

    setup(project)
    _, broken = good_and_broken(project)
    project.write(BROKEN, broken)
    run_rules = engine.run_rules

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        (project.root / BROKEN).write_text("# a line\n" * 5 + broken)  # all moved down 5
        return run_rules(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "run_rules", saved_meanwhile)
    project.check()
    monkeypatch.setattr(engine, "run_rules", run_rules)
    project.write(BROKEN, broken)  # the content analysed above, again
    cold = project.check("--no-cache")
    assert cold.code == 1 and (BROKEN, 11) in [(p[0], p[1]) for p in cold.problems()]
    assert project.check().problems() == cold.problems()


def test_a_file_replaced_by_a_fifo_during_a_run_is_not_waited_on(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same race, with a FIFO in the file's place when its problems are located: the
    run ends (its problems at the top of the file), and keeps nothing of it."""
    import threading

    from slopolicy.check import engine

    setup(project)
    _, broken = good_and_broken(project)
    project.write(BROKEN, broken)
    path = project.root / BROKEN
    run_rules = engine.run_rules

    def fifo_meanwhile(*args: object, **kwargs: object) -> object:
        path.unlink()
        os.mkfifo(path)
        return run_rules(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "run_rules", fifo_meanwhile)
    done: list[Run] = []
    worker = threading.Thread(target=lambda: done.append(project.check()), daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # let the waiting reader go before failing
        os.close(os.open(path, os.O_WRONLY))
        worker.join(10)
        pytest.fail("the run waited on a FIFO")
    monkeypatch.setattr(engine, "run_rules", run_rules)
    [run] = done
    assert [(p[0], p[1], p[3]) for p in run.problems()] == [(BROKEN, 1, "schema")]
    path.unlink()
    project.write(BROKEN, broken)
    assert project.check().problems() == project.check("--no-cache").problems()


def test_a_file_grown_past_the_cap_during_a_run_is_not_read_to_locate_problems(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same race, with a file over the 32 MiB cap in its place: it is not read (the
    check would not read it either), and its problems stay at the top of the file."""
    from slopolicy.check import engine

    setup(project)
    _, broken = good_and_broken(project)
    project.write(BROKEN, broken)
    path = project.root / BROKEN
    run_rules = engine.run_rules
    padding = "# padding\n" * (33 * 1024 * 1024 // 10)  # the document, 3.4 million lines down

    def grown_meanwhile(*args: object, **kwargs: object) -> object:
        path.write_text(padding + broken)
        return run_rules(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "run_rules", grown_meanwhile)
    run = project.check()
    monkeypatch.setattr(engine, "run_rules", run_rules)
    assert [(p[0], p[1], p[3]) for p in run.problems()] == [(BROKEN, 1, "schema")]
