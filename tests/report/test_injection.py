"""What a pull request writes (document values, file names, commit authors and subjects,
trailers) cannot forge output in any format slopolicy writes: a line of a terminal report,
a GitHub workflow command, a Markdown table row or mention, XML, SARIF, HTML or a formula."""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import jsonschema
from conftest import HERE, Project, git
from gitrepos import CHANGE_DATE, sla

from slopolicy.report.markdown import cell, code

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
    assert cell("e-mail alice@acme.example") == "e-mail alice@&#8203;acme.example"  # no link


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
            "!\\[p\\](https:&#8203;//e.example/p.png)<br>\\| forged \\| row \\|") in run.out


LURES = "sign at https://evil.example/login or www.evil.example, ceo@evil.example, octo/repo#1"
UNLINKED = ("sign at https:&#8203;//evil.example/login or www&#8203;.evil.example, "
            "ceo@&#8203;evil.example, octo/repo#&#8203;1")


def autolinks(markdown: str) -> list[str]:
    """The text GitHub-flavoured Markdown (and GitHub's references) turns into a link: a URL
    or a www. host, an e-mail address, an issue reference (owner/repo#1, #1, GH-1)."""
    text = html.unescape(markdown)  # as the page shows it: &#8203; a zero-width space
    return re.findall(r"(?i)(?:https?|ftp)://\S+|www\.\S+|[\w.+-]+@[\w-]+\.\w+|"
                      r"(?:[\w.-]+/[\w.-]+)?#[0-9]+|\bGH-[0-9]+", text)


def test_markdown_reports_quote_urls_addresses_and_references_without_linking(
        repo: Any) -> None:
    """A customer holding a URL, a www. host, an e-mail address and another repository's issue:
    each readable, none a link (nor an event on that issue) in check, diff and audit."""
    hostile_commit(repo, f'"{LURES}"')
    runs = [repo.run("check", "--base", "main", "--format", "markdown"),
            repo.run("diff", "main", "--format", "markdown")]
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "change")
    runs.append(repo.run("audit", "--format", "markdown"))
    for run in runs:
        assert run.code in (0, 1), run.err
        assert autolinks(run.out) == []
        assert UNLINKED in run.out
    assert cell("GH-7, !8 and ftp://x.example") == "GH-&#8203;7, !&#8203;8 and ftp:&#8203;//x.example"
    # GitLab's references (the merge request comment): a label, a milestone, a snippet, an epic
    assert cell("~bug %v1 $9 &3, at 99.9% ~ 5") == (
        "\\~&#8203;bug %&#8203;v1 $&#8203;9 \\&&#8203;3, at 99.9% \\~ 5")


# File names git allows that end a line, start a workflow command, decode to one (%0A),
# end a property (, :), end CDATA (]]>) or hold characters XML cannot carry
NAMES = ("a\n::error file=f.yaml::forged%0A::add-mask::x,y:z.yaml",
         "b]]>\x01\x1b[31m \"<&>'#?.yaml", "c %2F\u202e\u2028.yaml")
NAMED = ('apiVersion: openslo/v1\nkind: Service\nmetadata:\n'
         '  name: "x{}\\n::warning::forged%0D]]>\\x01\\e[31m\\u202e"\nspec: {{}}\n')


def test_github_annotations_carry_any_name_as_data_of_one_command(project: Project) -> None:
    for number, name in enumerate(NAMES):
        project.write_bytes(name, NAMED.format(number).encode())
    run = project.run("check", "--format", "github")
    lines = run.out.split("\n")[:-1]  # the runner splits at \n and \r alone, not at U+2028
    assert len(lines) == len(NAMES) + 1 and lines[-1].startswith("slopolicy: ")
    assert "\r" not in run.out
    files = []
    for line in lines[:-1]:
        match = re.fullmatch(r"::error file=([^,:]*),line=4,col=9,title=([^,:]*)::(.*)", line)
        assert match is not None, line
        assert "%" not in re.sub("%(25|0D|0A|3A|2C)", "", match[1] + match[3])
        files.append(match[1].replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
                     .replace("%25", "%"))
    assert sorted(files) == sorted(NAMES)


def test_junit_and_sarif_stay_well_formed_and_valid_whatever_a_name_holds(
        project: Project) -> None:
    for number, name in enumerate(NAMES):
        project.write_bytes(name, NAMED.format(number).encode())
    junit = project.run("check", "--format", "junit").out
    cases = ET.fromstring(junit).findall("testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == sorted(n.replace("\x01", "\ufffd")
                                                            .replace("\x1b", "\ufffd")
                                                            for n in NAMES)
    log = json.loads(project.run("check", "--format", "sarif").out)
    schema = json.loads((HERE / "conformance" / "sarif" / "sarif-schema-2.1.0.json").read_text())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(log)] == []
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]]
    assert all(re.fullmatch(r"[A-Za-z0-9%._~/-]+", uri) for uri in uris)
    assert sorted(unquote(uri) for uri in uris) == sorted(NAMES)


class _Markup(HTMLParser):
    """The elements and attributes a page holds, and the text of its <style> and <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def test_audit_html_for_provider_and_customer_holds_no_markup_from_git_or_documents(
        repo: Any) -> None:
    hostile = "<img src=x onerror=alert(1)>\"'><script>alert(2)</script>javascript:alert(3)"
    hostile_commit(repo, json.dumps(hostile))
    name = '"><svg onload=alert(4)>'  # git drops < and > from an author's name, not a file's
    env = {"GIT_AUTHOR_NAME": f"{name} javascript:x", "GIT_AUTHOR_EMAIL": "o@x.example",
           "GIT_COMMITTER_NAME": "O", "GIT_COMMITTER_EMAIL": "o@x.example",
           "GIT_AUTHOR_DATE": CHANGE_DATE, "GIT_COMMITTER_DATE": CHANGE_DATE}
    git(repo.root, "mv", "slas/globex.yaml", f"slas/{name}.yaml")
    git(repo.root, "commit", "-q", "-m", f"{hostile}\n\nApproved-by: {hostile} <a@x.example>",
        env=env)
    for audience in ("internal", "customer"):
        for asked in ((), ("--as-of", "2025-03-20")):
            run = repo.run("audit", "--format", "html", "--audience", audience,
                           "--title", hostile, *asked)
            assert run.code == 0, run.err
            page = _Markup()
            page.feed(run.out)
            assert not page.tags & {"img", "script", "iframe", "object", "embed", "image"}
            assert not [n for n, _ in page.attributes if n.startswith("on") or n == "src"]
            links = [v for n, v in page.attributes if n in ("href", "xlink:href", "action")]
            assert all(v.startswith("#") for v in links), links
            assert "<script" not in run.out and "<svg onload" not in run.out
            assert "&lt;script&gt;alert(2)&lt;/script&gt;" in run.out  # shown, as text


def test_audit_csv_never_starts_a_cell_with_a_formula_from_git(repo: Any) -> None:
    hostile_commit(repo)
    env = {"GIT_AUTHOR_NAME": "\t=1+1", "GIT_AUTHOR_EMAIL": "o@x.example",
           "GIT_COMMITTER_NAME": "O", "GIT_COMMITTER_EMAIL": "o@x.example",
           "GIT_AUTHOR_DATE": CHANGE_DATE, "GIT_COMMITTER_DATE": CHANGE_DATE}
    repo.write("slas/globex.yaml", sla(1, "2025-01-01", "99.4"))
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "loosen\n\nApproved-by: x <=HYPERLINK(1)@x.example>\n"
        "Approved-by: y <+1@x.example>", env=env)
    rows = list(csv.reader(io.StringIO(repo.run("audit", "--format", "csv").out)))
    cells = [cell for row in rows for cell in row]
    assert [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    approvals = [row[rows[0].index("approvals")] for row in rows[1:]]
    assert any(a.startswith("'=HYPERLINK(1)@x.example") for a in approvals), approvals


def test_a_configuration_error_quoting_a_key_is_one_line_of_stderr(project: Project) -> None:
    project.write(".slopolicy.yaml", 'rules:\n  "x\\n::error::forged \\e[31m": error\n')
    run = project.run("check", "--format", "github")
    assert run.code == 2
    assert run.err == ("slopolicy: error: .slopolicy.yaml:2:3: rules.x\\n::error::forged "
                       "\\x1b[31m: unknown rule id; `slopolicy rules` lists them\n")


def test_fmt_names_a_file_with_a_line_break_on_one_line(project: Project) -> None:
    project.write("a\n::error::forged.yaml",
                  "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: x\nspec:   {}\n")
    run = project.run("fmt", "--check", ".")
    assert run.out == "would reformat a\\n::error::forged.yaml\n"


def test_the_note_on_an_edited_policy_names_its_files_on_one_line(repo: Any) -> None:
    signers = repo.root / ".slopolicy" / "allowed_signers"
    (repo.root / ".slopolicy" / "x\n::error::forged").write_text(signers.read_text())
    repo.write(".slopolicy.yaml", (repo.root / ".slopolicy.yaml").read_text().replace(
        "allowedSigners: .slopolicy/allowed_signers", 'allowedSigners: ".slopolicy/x\\n::error::forged"'))
    repo.commit("move the signers")
    run = repo.gate()
    notes = [line for line in run.err.splitlines() if line.startswith("slopolicy: note:")]
    assert len(notes) == 1 and "x\\n::error::forged" in notes[0], run.err
    assert not [line for line in run.err.splitlines() if line.startswith("::")]


def test_convert_quotes_a_duplicate_key_on_one_line(project: Project) -> None:
    project.write("dup.yaml", 'apiVersion: sloth.slok.dev/v1\nservice: a\n'
                              '"k\\e[31m\\n::error::x": 1\n"k\\e[31m\\n::error::x": 2\n')
    run = project.run("convert", "--to", "openslo/v1", "dup.yaml")
    assert run.err.splitlines()[0] == ('dup.yaml:4:1: error: duplicate key "k\\x1b[31m\\n::error::x" '
                                       "(first defined at line 3); the later value wins: remove one "
                                       "of them")


def test_slopolicy_test_names_a_case_folder_on_one_line(project: Project) -> None:
    case = "tests/c\x1b[2J\u202e\n::error::x"
    project.write(f"{case}/svc.yaml", "apiVersion: openslo/v1\nkind: Service\nmetadata:\n"
                                      '  name: "Bad\\e[31m"\nspec: {}\n')
    project.write(f"{case}/expected.yaml", "findings: []\n")
    run = project.run("test", "tests", "--color", "never")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == "FAIL tests/c\\x1b[2J\\u202e\\n::error::x"
    assert lines[1].startswith('  + found    schema svc.yaml:4:9 "Bad\\u001b[31m" is not a valid')
    assert not [c for c in RAW if c in run.out.replace("\n", "")]


def test_a_code_span_holds_any_backticks_and_line_breaks_of_a_path() -> None:
    assert code("slas/globex.yaml") == "`slas/globex.yaml`"
    assert code("a`b``c.yaml") == "```a`b``c.yaml```"
    assert code("`x\n\n![p](y)") == "`` `x  ![p](y) ``"  # no blank line ends the span


def test_rules_explain_and_the_listing_show_a_house_rule_without_terminal_escapes(
        project: Project) -> None:
    project.write("policies/house.yaml", "apiVersion: slopolicy/v1\nkind: Policy\n"
                  "metadata: {name: house}\nspec:\n  rules:\n    - id: gold\n"
                  '      description: "Evil\\e[2J\\u202e\\nsecond line"\n'
                  '      match: {kind: SLA}\n      assert: "true"\n      message: m\\e[31m\n')
    project.write(".slopolicy.yaml", "policies: [policies/house.yaml]\n")
    explained = project.run("rules", "explain", "gold").out
    assert "Evil\\x1b[2J\\u202e\nsecond line\n" in explained
    assert not [c for c in RAW[1:] if c in explained]
    listed = [line for line in project.run("rules").out.splitlines() if line.startswith("gold ")]
    assert [line.split() for line in listed] == [["gold", "error", "Evil\\x1b[2J\\u202e"]]


def test_approve_names_the_agreement_it_signed_on_one_line(repo: Any) -> None:
    repo.write("slas/globex.yaml", sla(2, "2025-05-01", "99.95").replace(
        "name: globex-public-api", 'name: "globex\\e[2J\\nwrote forged"'))
    repo.commit("tighten")
    run = repo.approve("alice", "legal", "slas/globex.yaml", "--base", "main")
    assert run.code == 0, run.err
    assert "\x1b" not in run.out and not run.out.startswith("wrote forged")
    assert "approval by alice@acme.example of SLA/globex\\x1b[2J\\nwrote forged" in run.out


def test_sarif_shows_a_house_rule_s_help_as_text_never_as_markup(project: Project) -> None:
    project.write("policies/house.yaml", "apiVersion: slopolicy/v1\nkind: Policy\n"
                  "metadata: {name: house}\nspec:\n  rules:\n    - id: gold\n"
                  '      description: "![p](https://e.example/p.png) <img src=x> @octocat"\n'
                  '      match: {kind: SLA}\n      assert: "false"\n      message: "[l](x)"\n')
    project.write(".slopolicy.yaml", "policies: [policies/house.yaml]\n"
                  "rules: {sla-backed-by-slo: off}\n")
    project.write("a.yaml", sla())
    log = json.loads(project.run("check", "--format", "sarif").out)
    (gold,) = [r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "gold"]
    help_markdown = gold["help"]["markdown"]
    assert help_markdown.startswith("# gold\n\n!\\[p\\](https:&#8203;//e.example/p.png) \\<img src=x\\> "
                                    "@&#8203;octocat\n\nDefined in policies/house.yaml:6")
    assert "\n\nMessage: \\[l\\](x)\n" in help_markdown


def test_the_check_text_report_shows_bidi_and_8_bit_controls_of_a_file_name_escaped(
        project: Project) -> None:
    project.write("svc\u202elmy.\x9b2J.yaml", "apiVersion: openslo/v1\nkind: Service\n"
                                              "metadata:\n  name: Bad\nspec: {}\n")
    run = project.run("check", "--format", "text", "--color", "never")
    assert run.out.startswith("svc\\u202elmy.\\x9b2J.yaml:4:9: error [schema] ")
    assert "\u202e" not in run.out and "\x9b" not in run.out


def test_markdown_and_html_show_bidi_controls_as_escapes_never_raw(repo: Any) -> None:
    """A bidi override in a customer's name or a commit author would reorder the words after it
    on a review page or in the HTML report: each is shown as its escape."""
    hostile_commit(repo, '"globex\\u202etnemeerga\\u2066x"')
    assert cell("a\u202eb") == "a\\\\u202eb" and code("a\u2067b") == "`a\\u2067b`"
    for fmt in ("markdown", "html"):
        run = repo.run("audit", "--format", fmt)
        assert run.code == 0, run.err
        assert not [c for c in ("\u202e", "\u2066") if c in run.out], fmt
        assert "tnemeerga" in run.out and "u202etnemeerga" in run.out, fmt


# File names that a GitHub Actions log would read as workflow commands at the start of a line
# (after white space): an annotation, the older ##[ form, and stop-commands, which silences
# every later command of the step
COMMAND_NAMES = ("::error title=forged::a.yaml", "##[warning]b.yaml", " ::stop-commands::x.yaml")
DUPLICATE = "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: same}\n"


def test_text_lines_never_start_a_workflow_command(project: Project) -> None:
    for name in COMMAND_NAMES:
        project.write(name, DUPLICATE)
    run = project.run("check", "--format", "text")
    assert run.code == 1
    lines = run.out.splitlines()
    assert [line for line in lines if line.lstrip().startswith(("::", "##["))] == []
    assert "./##[warning]b.yaml:3:18: error [duplicate-name] " in run.out
    assert "    ./ ::stop-commands::x.yaml:3:18: note: first Service/same" in lines
    assert any(line.startswith("./::error title=forged::a.yaml:3:18: error") for line in lines)


def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(project: Project) -> None:
    """git and the file system allow any bytes in a name; each report is written (it was
    an internal error, exit 3, in all but JUnit): the URI percent-encodes the bytes, and
    text written as UTF-8 has their escape."""
    bad = 'apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: "a b"\n'
    project.write_bytes(os.fsdecode(b"bad\xff\xfe.yaml"), bad.encode())
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "GITHUB_ACTIONS": ""}
    for name in ("text", "json", "github", "sarif", "junit", "markdown", "codeclimate"):
        for output in ((), ("--output", f"../out.{name}")):
            done = subprocess.run([sys.executable, "-m", "slopolicy", "check", "--format", name,
                                   *output], cwd=project.root, env=env, capture_output=True,
                                  timeout=120)
            assert (done.returncode, done.stderr) == (1, b""), (name, output, done.stderr)
    out = project.root.parent
    [problem] = json.loads((out / "out.json").read_text(encoding="utf-8"))["problems"]
    assert problem["file"] == "bad\udcff\udcfe.yaml"
    log = json.loads((out / "out.sarif").read_text(encoding="utf-8"))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bad%FF%FE.yaml"
    assert "bad\\udcff\\udcfe.yaml:4:9: error [schema]" in (out / "out.text").read_text()


def test_diff_shows_a_file_name_that_is_not_utf8(repo: Any) -> None:
    """An agreement moved to a name git holds as bytes: `diff` printed an internal error
    (exit 3) for text and JSON; now the name's bytes are escapes."""
    moved = os.fsdecode(b"slas/glo\xffbex.yaml")
    repo.git("mv", "slas/globex.yaml", moved)
    (repo.root / moved).write_text(sla(2, "2025-01-01", "99.5"))
    repo.commit("move and loosen")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for fmt in ("text", "json"):
        done = subprocess.run([sys.executable, "-m", "slopolicy", "diff", "main", "--format", fmt],
                              cwd=repo.root, env=env, capture_output=True, text=True, timeout=120)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert "slas/glo\\udcffbex.yaml" in done.stdout
