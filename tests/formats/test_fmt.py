"""slopolicy fmt: one canonical layout, the same meaning, every comment kept."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, Project, git
from test_slo_formats import DATA

from slopolicy.formats.layout import LayoutError, canonical
from slopolicy.text import yamlsource
from slopolicy.text.comments import comment_lines

REAL = sorted(p for p in DATA.rglob("*.y*ml")
              if "servicelevel" not in p.name and "templates" not in p.parts)
SHIPPED = sorted((REPO / "examples" / "acme").rglob("*.yaml"))


def data(text: str) -> list[object]:
    return [d.data for d in yamlsource.iter_documents(text)
            if not isinstance(d, yamlsource.LoadError)]


@pytest.mark.parametrize("path", REAL + SHIPPED, ids=lambda p: p.name)
def test_the_layout_keeps_meaning_and_comments_and_is_stable(path: Path) -> None:
    text = path.read_text()
    once = canonical(text)
    assert data(once) == data(text)
    assert [c for _, _, c in comment_lines(once)] == [c for _, _, c in comment_lines(text)]
    assert canonical(once) == once


def test_the_canonical_layout() -> None:
    text = (
        "# the checkout flow\n"
        "kind: SLO\n"
        "apiVersion: openslo/v1\n"
        "metadata: {name: checkout, labels: {team: 'shop'}}\n"
        "spec:\n"
        "    service: checkout   # the shop\n"
        "    budgetingMethod: Occurrences\n"
        "    objectives:\n"
        "    - {displayName: internal, targetPercent: 99.90}\n"
        "    description: \"not 99.9\"\n"
        "    alertPolicies: []\n"
    )
    assert canonical(text) == (
        "# the checkout flow\n"
        "apiVersion: openslo/v1\n"
        "kind: SLO\n"
        "metadata:\n"
        "  name: checkout\n"
        "  labels:\n"
        "    team: shop\n"
        "spec:\n"
        "  service: checkout     # the shop\n"  # a comment keeps its column
        "  budgetingMethod: Occurrences\n"
        "  objectives:\n"
        "    - displayName: internal\n"
        "      targetPercent: 99.90\n"
        "  description: not 99.9\n"
        "  alertPolicies: []\n"
    )


def test_keys_are_not_moved_away_from_the_comment_that_introduces_them() -> None:
    text = "kind: Service\n# the version we check\napiVersion: openslo/v1\nmetadata:\n  name: x\n"
    assert canonical(text) == text


def test_text_that_must_stay_quoted_stays_quoted() -> None:
    text = "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nspec:\n  target: '99.0'\n"
    assert "target: '99.0'" in canonical(text)


def test_a_file_whose_layout_would_change_its_meaning_is_refused() -> None:
    with pytest.raises(LayoutError):
        canonical("a: [1,\n")


def test_check_exits_1_and_writes_nothing_until_fmt_writes(project: Project) -> None:
    text = "kind: Service\napiVersion: openslo/v1\nmetadata: {name: checkout}\n"
    path = project.write("svc.yaml", text)
    run = project.run("fmt", "--check", "svc.yaml")
    assert (run.code, run.out) == (1, "would reformat svc.yaml\n")
    assert path.read_text() == text
    run = project.run("fmt", "svc.yaml")
    assert (run.code, run.out) == (0, "reformatted svc.yaml\n")
    assert path.read_text() == "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\n"
    run = project.run("fmt", "--check", "svc.yaml")
    assert run.code == 0 and "0 files would be reformatted, 1 left unchanged" in run.err


def test_a_file_with_crlf_line_ends_keeps_them(project: Project) -> None:
    # as git's core.autocrlf checks files out on Windows: fmt --check must pass them
    laid_out = b"apiVersion: openslo/v1\r\nkind: Service\r\nmetadata:\r\n  name: checkout\r\n"
    (project.root / "ok.yaml").write_bytes(laid_out)
    run = project.run("fmt", "--check", "ok.yaml")
    assert run.code == 0 and "0 files would be reformatted, 1 left unchanged" in run.err
    (project.root / "svc.yaml").write_bytes(
        b"kind: Service   # the shop\r\napiVersion: openslo/v1\r\nmetadata: {name: checkout}\r\n")
    assert project.run("fmt", "svc.yaml").code == 0
    assert (project.root / "svc.yaml").read_bytes() == (
        b"apiVersion: openslo/v1\r\nkind: Service   # the shop\r\nmetadata:\r\n"
        b"  name: checkout\r\n")


def test_other_yaml_is_never_laid_out(project: Project) -> None:
    workflow = "on:    push\njobs: {build: {runs-on: ubuntu-latest}}\n"
    path = project.write(".github/workflows/ci.yaml", workflow)
    run = project.run("fmt", "--check", str(path))
    assert run.code == 0 and path.read_text() == workflow


def test_without_paths_fmt_lays_out_what_the_configuration_selects(project: Project) -> None:
    project.write(".slopolicy.yaml", "documents:\n  include: ['slos/**']\n")
    inside = project.write("slos/svc.yaml", "kind: Service\napiVersion: openslo/v1\n"
                                            "metadata: {name: a}\n")
    outside = project.write("other/svc.yaml", "kind: Service\napiVersion: openslo/v1\n"
                                              "metadata: {name: b}\n")
    before = outside.read_text()
    run = project.run("fmt")
    assert run.code == 0 and run.out == "reformatted slos/svc.yaml\n"
    assert inside.read_text().startswith("apiVersion: openslo/v1\nkind: Service\n")
    assert outside.read_text() == before


def test_broken_yaml_is_reported_and_left_alone(project: Project) -> None:
    text = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: [\n"
    path = project.write("bad.yaml", text)
    run = project.run("fmt", "bad.yaml")
    assert run.code == 1 and run.err.startswith("bad.yaml:4:1: error:")
    assert path.read_text() == text


def test_a_fifo_is_refused_without_waiting(project: Project) -> None:
    fifo = project.root / "slos.yaml"
    os.mkfifo(fifo)  # nobody writes to it: reading it would wait for ever
    for command in (["fmt", "--check", "slos.yaml"], ["convert", "--to", "openslo/v1", "slos.yaml"]):
        run = project.run(*command)
        assert run.code == 1 and "slos.yaml: error: a FIFO (named pipe), not a regular file" in run.err


def test_a_date_off_the_calendar_or_a_tag_its_text_cannot_hold_is_laid_out_as_written(
        project: Project) -> None:
    # check reads such a scalar as its text; fmt's round trip built a date or a number from
    # it and stopped with an internal error (exit 3)
    text = ("kind: Service\napiVersion: openslo/v1\nmetadata:\n  name: checkout\n"
            "  annotations: {reviewed: 2025-02-30, since: 2025-13-01, tier: !!int gold,"
            " on: !!bool maybe}\n")
    path = project.write("svc.yaml", text)
    run = project.run("fmt", "--check", "svc.yaml")
    assert (run.code, run.out) == (1, "would reformat svc.yaml\n")
    assert path.read_text() == text
    assert project.run("fmt", "svc.yaml").code == 0
    assert path.read_text() == (
        "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\n  annotations:\n"
        "    reviewed: 2025-02-30\n    since: 2025-13-01\n    tier: !!int 'gold'\n"
        "    on: !!bool 'maybe'\n")
    assert data(path.read_text()) == data(text)


UNLAID = "kind: Service\napiVersion: openslo/v1\nmetadata: {name: shared}\n"


def linked_project(project: Project) -> Path:
    """A repository whose commit holds two symbolic links into another project's folder of
    SLOs out of layout: one to a file, one to the folder. The other folder is returned."""
    other = project.root.parent / "other-project" / "slos"
    other.mkdir(parents=True)
    (other / "svc.yaml").write_text(UNLAID)
    project.write(".slopolicy.yaml", "documents:\n  include: ['slos/**']\n")
    project.write("slos/own.yaml", "apiVersion: openslo/v1\nkind: Service\nmetadata:\n"
                                   "  name: own\n")
    (project.root / "slos" / "wifi.yaml").symlink_to("../../other-project/slos/svc.yaml")
    (project.root / "slos" / "shared").symlink_to("../../other-project/slos")
    (project.root / ".git").rmdir()
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "-c", "user.name=d", "-c", "user.email=d@x", "commit", "-q", "-m", "links")
    return other


@pytest.mark.parametrize("args", [(), ("--check",), ("slos",), ("slos/wifi.yaml",),
                                  ("slos/shared",), ("slos/shared/",), ("slos/shared/svc.yaml",),
                                  ("slos/shared/../slos/svc.yaml",)],
                         ids=["selected", "check", "folder", "link", "linked-folder",
                              "linked-folder/", "through-link", "dot-dot"])
def test_fmt_never_writes_through_a_symbolic_link(project: Project, args: tuple[str, ...]) -> None:
    """A link the pull request commits is a finding, as `check` says it, never a door to
    rewrite a file outside the project (here another project's SLO, through a link to the file
    or to its folder)."""
    other = linked_project(project)
    run = project.run("fmt", *args)
    assert run.code == 1, run.err
    assert (other / "svc.yaml").read_text() == UNLAID
    assert (project.root / "slos" / "wifi.yaml").is_symlink()
    errors = [line for line in run.err.splitlines() if ": error: " in line]
    assert errors
    if not args or args in (("--check",), ("slos",), ("slos/wifi.yaml",)):
        assert errors == ["slos/wifi.yaml:1:1: error: a symbolic link (to "
                          "../../other-project/slos/svc.yaml): slopolicy reads documents from "
                          "regular files only, as git records a link as its target's name and "
                          "never who changed the content it shows; commit the document itself "
                          "here, or leave the link out of documents.include"]
        check = project.run("check", "slos/wifi.yaml", "--format", "json").json
        assert [(p["file"], p["line"], p["rule"]) for p in check["problems"]] == [
            ("slos/wifi.yaml", 1, "yaml-syntax")]
    elif args[0].startswith("slos/shared/.."):
        assert errors == [f"{args[0]}:1:1: error: a symbolic link on the way to it (a '..' "
                          "after a link): slopolicy rewrites only the regular files of the "
                          "project, never what a link leads to"]
    else:
        assert errors[0].startswith(f"{args[0].rstrip('/')}:1:1: error: slos/shared is a "
                                    "symbolic link (to ../../other-project/slos): slopolicy "
                                    "rewrites only the regular files of the project")


@pytest.mark.parametrize("named", ["slos/wifi.yaml", "slos/shared/svc.yaml"])
def test_convert_in_place_never_writes_through_a_symbolic_link(project: Project,
                                                               named: str) -> None:
    other = linked_project(project)
    sloth = (DATA / "sloth" / "no-alerts.yml").read_text()
    (other / "svc.yaml").write_text(sloth)
    run = project.run("convert", "--to", "openslo/v1", "--in-place", named)
    assert run.code == 1
    assert f"{named}:1:1: error: " in run.err and "symbolic link" in run.err
    assert (other / "svc.yaml").read_text() == sloth
    assert project.run("convert", "--to", "openslo/v1", named).code == 0  # read, to stdout


def test_a_file_swapped_for_a_link_after_it_was_read_is_replaced_not_written_through(
        tmp_path: Path) -> None:
    """fmt reads a regular file, then writes: if a link stands there by then, the link itself
    is refused (exit 2), and what it leads to is never written."""
    from slopolicy.model.errors import UsageError
    from slopolicy.report.output import rewrite_atomic

    outside = tmp_path / "outside.yaml"
    outside.write_text("kept\n")
    link = tmp_path / "doc.yaml"
    link.symlink_to(outside)
    with pytest.raises(UsageError, match="no longer a regular file"):
        rewrite_atomic(link, "written\n")
    assert outside.read_text() == "kept\n" and link.is_symlink()
    regular = tmp_path / "regular.yaml"
    regular.write_text("old\n")
    regular.chmod(0o640)
    rewrite_atomic(regular, "new\n")
    assert regular.read_text() == "new\n" and regular.stat().st_mode & 0o777 == 0o640
