"""slopolicy fmt: one canonical layout, the same meaning, every comment kept."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, Project
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
