"""What a pull request writes (document values, file names, commit authors and subjects,
trailers) cannot forge output in any format slopolicy writes: a line of a terminal report,
a GitHub workflow command, a Markdown table row or mention, XML, SARIF, HTML or a formula."""
from __future__ import annotations

import re
from typing import Any

from conftest import Project, git
from gitrepos import CHANGE_DATE, sla

from slopolicy.report.markdown import cell

# What no report line may hold raw: a line break, a terminal escape (ESC, BEL ending a
# window title, 8-bit CSI) or a bidi override
RAW = ("\n", "\r", "\x1b", "\x07", "\x9b", "\u202e")


def hostile_commit(repo: Any, customer: str = "globex") -> None:
    """A loosening committed by an author whose name holds terminal escapes, with a subject
    and a trailer that do too, and the SLA's customer set to ``customer``."""
    text = sla(1, "2025-01-01", "99.5").replace("customer: globex", f"customer: {customer}")
    repo.write("slas/globex.yaml", text)
    git(repo.root, "add", "-A")
    env = {"GIT_AUTHOR_NAME": "Eve \x1b[2J\u202eevil", "GIT_AUTHOR_EMAIL": "eve@x.example",
           "GIT_COMMITTER_NAME": "Eve", "GIT_COMMITTER_EMAIL": "eve@x.example",
           "GIT_AUTHOR_DATE": CHANGE_DATE, "GIT_COMMITTER_DATE": CHANGE_DATE}
    git(repo.root, "commit", "-q", "-m",
        "loosen \x1b]0;pwned\x07\n\nApproved-by: \x1b[32mAlice\u202e <a@x.example>", env=env)


def test_audit_text_shows_escapes_never_raw_terminal_controls(repo: Any) -> None:
    hostile_commit(repo, '"globex\\n  2099-01-01  forged  v9 \\e[31m\\u202e"')
    run = repo.run("audit", "--format", "text")
    assert run.code == 0, run.err
    assert not [c for c in RAW[1:] if c in run.out]
    assert not [line for line in run.out.splitlines() if line.startswith("  2099-01-01")]
    assert "(customer globex\\n  2099-01-01  forged  v9 \\x1b[31m\\u202e, service" in run.out
    assert "Eve \\x1b[2J\\u202eevil <eve@x.example>" in run.out


def test_diff_text_shows_a_changed_value_escaped(repo: Any) -> None:
    hostile_commit(repo, '"globex\\nSLA/forged (slas/forged.yaml): tightened\\e[31m"')
    run = repo.run("diff", "main")
    assert run.code == 0, run.err
    assert "\x1b" not in run.out
    assert not [line for line in run.out.splitlines() if line.startswith("SLA/forged")]
    shown = "globex\\nSLA/forged (slas/forged.yaml): tightened\\x1b[31m"
    assert f"  spec.customer: globex → {shown} (modified)" in run.out.splitlines()


def test_a_skipped_file_named_with_a_line_break_is_one_line_of_the_verbose_log(
        project: Project) -> None:
    project.write("other\n::warning::forged.yaml", "foo: bar\n")
    run = project.run("check", "--format", "github", "-v")
    assert not [line for line in run.err.splitlines() if line.startswith("::")]
    assert "slopolicy: skipped other\\n::warning::forged.yaml:1:1: no apiVersion" in run.err


def mentions(markdown: str) -> list[str]:
    """The @names GitHub would read as a mention of a person or a team (and notify)."""
    return re.findall(r"(?<!\w)@[A-Za-z0-9][\w/-]*", markdown)


def test_check_markdown_quotes_a_name_without_mentioning_anyone(project: Project) -> None:
    project.write("@octocat ![p](p.png).yaml",
                  'apiVersion: openslo/v1\nkind: Service\nmetadata:\n'
                  '  name: "@acme/legal\\r| forged | row |"\nspec: {}\n')
    run = project.run("check", "--format", "markdown")
    table = [line for line in run.out.splitlines() if line.startswith("| ")]
    assert len(table) == 2 and all(line.endswith(" |") for line in table)  # header, one row
    assert mentions(run.out) == []
    assert "@&#8203;octocat !\\[p\\](p.png).yaml:4" in table[1]
    assert "| Service/@&#8203;acme/legal<br>\\| forged \\| row \\| |" in table[1]
    assert "e-mail alice@acme.example" in cell("e-mail alice@acme.example")  # no mention


def test_audit_markdown_quotes_git_and_documents_as_text(repo: Any) -> None:
    """A commit author, a customer and a file name: no image, link, HTML, row or mention."""
    hostile_commit(repo, '"@acme/legal ![p](https://e.example/p.png)\\r| forged | row |"')
    git(repo.root, "mv", "slas/globex.yaml", "slas/`@octocat`<b>.yaml")
    env = {"GIT_AUTHOR_NAME": "@octocat ![t](https://e.example/t.png) [x](https://e.example)",
           "GIT_AUTHOR_EMAIL": "o@x.example", "GIT_COMMITTER_NAME": "O",
           "GIT_COMMITTER_EMAIL": "o@x.example", "GIT_AUTHOR_DATE": CHANGE_DATE,
           "GIT_COMMITTER_DATE": CHANGE_DATE}
    git(repo.root, "commit", "-q", "-m", "move", env=env)
    run = repo.run("audit", "--format", "markdown")
    assert run.code == 0, run.err
    assert mentions(run.out) == []
    assert "![" not in run.out and "](" not in run.out.replace("\\](", "")
    assert "<b>" not in run.out and "\r" not in run.out
    rows = [line for line in run.out.splitlines() if line.startswith("| 20")]
    pipes = {len(re.findall(r"(?<!\\)\|", line)) for line in rows}
    assert pipes == {9, 6}  # eight cells a version or a move, five a policy change; none forged
    assert ("<code>slas/\\`@&#8203;octocat\\`\\<b\\>.yaml</code> · customer @&#8203;acme/legal "
            "!\\[p\\](https://e.example/p.png)<br>\\| forged \\| row \\|") in run.out
