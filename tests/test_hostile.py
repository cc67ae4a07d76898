"""Bad input gets a clear, located finding: never a traceback, hang or blow-up."""
from __future__ import annotations

import codecs

import pytest
from conftest import Project

GOOD = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: checkout\n"


def single(project: Project, name: str) -> tuple[int, int, str, str]:
    run = project.check(name)
    assert run.code == 1, run.err
    assert run.err == ""
    (problem,) = run.json["problems"]
    return problem["line"], problem["column"], problem["rule"], problem["message"]


def test_alias_bomb(project: Project) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    project.write("bomb.yaml", "\n".join(lines) + "\n")
    line, column, rule, message = single(project, "bomb.yaml")
    assert rule == "yaml-syntax" and "alias" in message
    assert line >= 2


def test_deep_nesting(project: Project) -> None:
    project.write("deep.yaml", "[" * 20000 + "]" * 20000 + "\n")
    line, column, rule, message = single(project, "deep.yaml")
    assert (rule, line) == ("yaml-syntax", 1) and "nesting deeper than 256" in message


def test_binary_bytes(project: Project) -> None:
    project.write_bytes("blob.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert single(project, "blob.yaml")[:3] == (1, 1, "yaml-syntax")


def test_non_utf8_text_is_located(project: Project) -> None:
    project.write_bytes("latin1.yaml", GOOD.encode() + b"  displayName: Caf\xe9\n")
    line, column, rule, message = single(project, "latin1.yaml")
    assert (line, column, rule) == (5, 19, "yaml-syntax")
    assert "0xe9" in message and "UTF-8" in message


def test_utf8_bom_is_accepted(project: Project) -> None:
    project.write_bytes("bom.yaml", codecs.BOM_UTF8 + GOOD.encode())
    run = project.check("bom.yaml")
    assert (run.code, run.json["problems"]) == (0, [])


def test_utf16_with_bom_is_accepted(project: Project) -> None:
    project.write_bytes("u16.yaml", GOOD.encode("utf-16"))
    assert project.check("u16.yaml").code == 0


def test_python_tag_is_never_constructed(project: Project, tmp_path: object) -> None:
    marker = project.root / "pwned"
    project.write(
        "tag.yaml",
        GOOD + f"  displayName: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    run = project.check("tag.yaml")
    assert not marker.exists()
    rules = [(p["line"], p["rule"]) for p in run.json["problems"]]
    assert (5, "yaml-syntax") in rules  # the tag, located
    assert run.code == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just a string\n", "top-level str value is not a document"),
        ("- 1\n- 2\n", "item 0 of a top-level list is not a mapping"),
        ("", "no documents"),
        ("# only a comment\n", "no documents"),
    ],
)
def test_not_a_document(project: Project, text: str, message: str) -> None:
    project.write("odd.yaml", text)
    line, column, rule, found = single(project, "odd.yaml")
    assert rule == "unknown-kind" and message in found


def test_huge_file_is_checked(project: Project) -> None:
    # several megabytes of valid documents: loaded, checked, no problem
    docs = [GOOD.replace("checkout", f"svc-{i}") for i in range(40000)]
    project.write("big.yaml", "---\n".join(docs))
    run = project.check("big.yaml")
    assert run.code == 0 and run.json["summary"]["documents"] == 40000


def test_over_the_size_limit(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("slopolicy.load.files.MAX_FILE_BYTES", 1000)
    project.write("big.yaml", GOOD + "# " + "x" * 2000 + "\n")
    line, column, rule, message = single(project, "big.yaml")
    assert rule == "yaml-syntax" and "over the 1,000-byte limit" in message


def test_control_characters(project: Project) -> None:
    project.write("ctl.yaml", GOOD + "  displayName: a\x07b\n")
    line, column, rule, message = single(project, "ctl.yaml")
    assert (rule, line) == ("yaml-syntax", 5)


def test_broken_file_does_not_stop_the_others(project: Project) -> None:
    project.write("a.yaml", "key: [unclosed\n")
    project.write("b.yaml", GOOD.replace("checkout", "Bad Name"))
    run = project.check()
    assert [(p["file"], p["rule"]) for p in run.json["problems"]] == [
        ("a.yaml", "yaml-syntax"), ("b.yaml", "schema")
    ]


def test_unknown_kind_in_scan_of_other_family_is_silent(project: Project) -> None:
    project.write("chart/values.yaml", "replicaCount: 3\nimage: {repository: nginx}\n")
    project.write(".github/workflows/ci.yml", "on: [push]\njobs: {}\n")
    run = project.check()
    assert (run.code, run.json["problems"]) == (0, [])


def test_a_tab_is_named(project: Project) -> None:
    project.write("tab.yaml", "apiVersion: openslo/v1\nkind: Service\nmetadata:\n\tname: x\n")
    line, column, rule, message = single(project, "tab.yaml")
    assert (line, column, rule) == (4, 1, "yaml-syntax") and "a tab" in message


def test_an_empty_project_says_nothing_was_found(project: Project) -> None:
    run = project.run("check")
    assert run.code == 0
    assert "no SLO or SLA document was found" in run.out
