"""The GitHub Action (action.yml) and the CI recipes of examples/ci/.

The files are validated with check-jsonschema's built-in schemas of GitHub
Actions, GitHub workflows and GitLab CI. The action's shell steps then run
with bash, as the Actions runner runs a composite action (its environment,
step outputs, the job summary, ``if:`` conditions), against a real
repository with a real pull request branch. The install step installs this
checkout into a virtual environment with pip, offline. The one fake is the
forge: ``gh`` on PATH answers ``gh api`` with a recorded reviews JSON.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, git
from gitrepos import small_sla as sla
from ruamel.yaml import YAML

from slopolicy import __version__

ACTION = REPO / "action.yml"
WORKFLOW = REPO / "examples" / "ci" / "github-actions.yml"
GITLAB = REPO / "examples" / "ci" / "gitlab-ci.yml"

pytestmark = pytest.mark.xdist_group("action")  # the install step runs once per worker


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def check_jsonschema(schema: str, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["check-jsonschema", "--builtin-schema", schema, *extra, str(path)],
                          capture_output=True, text=True, timeout=120)


# -- the files are what GitHub and GitLab accept ------------------------------------


def test_action_yml_is_a_valid_action() -> None:
    done = check_jsonschema("vendor.github-actions", ACTION)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_github_workflow_is_a_valid_workflow() -> None:
    done = check_jsonschema("vendor.github-workflows", WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_gitlab_recipe_is_valid_gitlab_ci() -> None:
    done = check_jsonschema("vendor.gitlab-ci", GITLAB, "--data-transform", "gitlab-ci")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schemas_catch_a_broken_action(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace("continue-on-error:", "continue-on-errors:"))
    assert check_jsonschema("vendor.github-actions", broken).returncode == 1


def test_the_action_takes_the_documented_inputs_and_runs_one_check() -> None:
    action = load(ACTION)
    assert {"paths", "base", "fail-on", "format", "reviews"} <= set(action["inputs"])
    assert action["runs"]["using"] == "composite"
    scripts = "\n".join(s.get("run", "") for s in action["runs"]["steps"])
    assert scripts.count('"$SLOPOLICY"') == 1  # one check run writes every report
    assert 'bin/pip" install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in scripts
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert uses == ["github/codeql-action/upload-sarif@v4"]


def test_the_workflow_checks_again_when_a_review_is_submitted() -> None:
    workflow = load(WORKFLOW)
    assert set(workflow["on"]) == {"pull_request", "pull_request_review"}
    assert workflow["permissions"]["pull-requests"] == "read"
    steps = workflow["jobs"]["slopolicy"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert steps[1]["uses"] == f"slopolicy/slopolicy@v{__version__}"


def test_the_gitlab_recipe_runs_one_check_with_every_report() -> None:
    job = load(GITLAB)["slopolicy"]
    script = "\n".join(job["script"])
    assert script.count("slopolicy check") == 1
    for spec in ("codeclimate:gl-code-quality-report.json", "junit:slopolicy-junit.xml",
                 "markdown:slopolicy.md"):
        assert f"--report {spec}" in script
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json",
                                           "junit": "slopolicy-junit.xml"}


# -- the runner ---------------------------------------------------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def lookup(context: Mapping[str, Any], path: str) -> str:
    """A context value by dotted path (``steps.check.outputs.sarif``); '' when absent."""
    assert re.fullmatch(r"[A-Za-z_][\w.-]*", path), f"unsupported expression {path!r}"
    value: Any = context
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)


def substitute(text: str, context: Mapping[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: lookup(context, m.group(1)), text)


def condition(text: str, context: Mapping[str, Any], failed: bool) -> bool:
    """``if:`` as the action writes it: ``always()`` and comparisons with a string, joined by &&."""
    if not text:
        return not failed  # success() is the default
    result = True
    for term in (t.strip() for t in EXPRESSION.sub(r"\1", text).split("&&")):
        if term == "always()":
            continue
        match = re.fullmatch(r"([\w.-]+) (==|!=) '([^']*)'", term)
        assert match, f"unsupported condition {term!r}"
        equal = lookup(context, match.group(1)) == match.group(3)
        result &= equal if match.group(2) == "==" else not equal
    return result if "always()" in text else result and not failed


@dataclass
class Job:
    """What a run of the action left: output, outputs, job summary, steps run and skipped."""

    stdout: str = ""
    summary: str = ""
    failed: bool = False
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    uses: list[tuple[str, dict[str, str]]] = field(default_factory=list)


@dataclass
class Runner:
    """Runs action.yml's steps in ``workspace`` as the Actions runner runs a composite action."""

    workspace: Path
    temp: Path
    env: dict[str, str]
    github: dict[str, Any]
    may_fail: tuple[str, ...] = ("Fail on the problems found",)  # steps a test expects to fail

    def run(self, inputs: Mapping[str, str], skip: tuple[str, ...] = (),
            outputs: Mapping[str, dict[str, str]] | None = None) -> Job:
        action = load(ACTION)
        context: dict[str, Any] = {"github": self.github, "steps": {}}
        context["inputs"] = {name: substitute(str(spec.get("default", "")), context)
                             for name, spec in action["inputs"].items()}
        context["inputs"].update(inputs)
        job = Job(outputs={k: dict(v) for k, v in (outputs or {}).items()})
        for step in action["runs"]["steps"]:
            context["steps"] = {k: {"outputs": v} for k, v in job.outputs.items()}
            if step.get("id") in skip or not condition(step.get("if", ""), context, job.failed):
                continue
            if "uses" in step:
                job.uses.append((step["uses"], {k: substitute(str(v), context)
                                                for k, v in step.get("with", {}).items()}))
                continue
            ok = self.step(step, context, job)
            job.failed |= not ok and not step.get("continue-on-error", False)
        return job

    def step(self, step: Mapping[str, Any], context: Mapping[str, Any], job: Job) -> bool:
        assert step["shell"] == "bash"
        folder = self.temp / f"step-{len(job.ran)}"
        folder.mkdir()
        script, output, summary = (folder / "script.sh", folder / "output",
                                   folder / "summary.md")
        script.write_text(step["run"])
        output.touch()
        summary.touch()
        env = {**self.env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
               **{k: substitute(str(v), context) for k, v in step.get("env", {}).items()}}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, capture_output=True, text=True,
                              timeout=600)
        job.ran.append(step["name"])
        job.stdout += done.stdout
        job.summary += summary.read_text()
        if "id" in step:
            pairs = (line.split("=", 1) for line in output.read_text().splitlines() if line)
            job.outputs[step["id"]] = {k: v for k, v in pairs}
        assert done.returncode == 0 or step["name"] in self.may_fail, (
            step["name"], done.stdout, done.stderr)
        return done.returncode == 0


# -- a pull request to check ----------------------------------------------------------

POLICY = """\
approvals:
  roles: {legal: ["github:alice-gh"]}
  require: {modified: [{role: legal, count: 1}]}
rules: {sla-backed-by-slo: "off"}
"""
FAKE_GH = """\
#!/usr/bin/env bash
# A recorded forge: `gh api` answers the reviews of a pull request.
printf '%s GH_HOST=%s\\n' "$*" "$GH_HOST" >> "$FAKE_GH_LOG"
[ "$1" = api ] || { echo "fake gh: only gh api is recorded" >&2; exit 2; }
[ -n "$GH_TOKEN" ] || { echo "fake gh: no token" >&2; exit 4; }
for arg in "$@"; do
  case "$arg" in repos/*/pulls/*/reviews*) cat "$FAKE_GH_REVIEWS"; exit 0 ;; esac
done
echo "fake gh: nothing recorded for $*" >&2
exit 1
"""


@dataclass
class PullRequest:
    root: Path
    head: str
    runner: Runner
    log: Path
    reviews: Path

    def record(self, *reviews: tuple[str, str, str]) -> None:
        """The reviews the forge returns, as two pages (``gh api --paginate`` prints each)."""
        items = [{"id": i, "user": {"login": login}, "state": state, "commit_id": commit,
                  "submitted_at": f"2025-03-10T12:0{i}:00Z"}
                 for i, (login, state, commit) in enumerate(reviews)]
        self.reviews.write_text(json.dumps(items[:1]) + json.dumps(items[1:]))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The action's install step, run once: this checkout into a virtual environment."""
    temp = tmp_path_factory.mktemp("runner-temp")
    runner = Runner(temp, temp, runner_env(temp), {"token": "ghs_recorded"})
    job = runner.run({}, skip=("reviews", "check"))
    assert job.ran[0] == "Install slopolicy" and not job.failed
    assert job.stdout.strip() == f"slopolicy {__version__}"
    command = job.outputs["install"]["slopolicy"]
    assert command == str(temp / "slopolicy-venv" / "bin" / "slopolicy")
    return job.outputs["install"]


def runner_env(temp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "RUNNER_", "PRE_COMMIT")) and k != "PYTHONPATH"}
    return {**env, "GITHUB_ACTION_PATH": str(REPO), "RUNNER_TEMP": str(temp),
            "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/slos",
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_EVENT_NAME": "pull_request_review",
            "GIT_CONFIG_NOSYSTEM": "1", "XDG_CACHE_HOME": str(temp / "cache"),
            # pip works offline here: the dependencies are those of this Python
            # (the virtual environment sees them) and the build backend too
            "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "false"}


@pytest.fixture
def pull_request(tmp_path: Path) -> PullRequest:
    root = tmp_path / "slos"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@acme.example")
    git(root, "config", "user.name", "Dev")
    (root / ".slopolicy.yaml").write_text(POLICY)
    (root / "sla.yaml").write_text(sla(1, "2025-01-01", "99.9"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the agreement")
    git(root, "update-ref", "refs/remotes/origin/main", "main")  # as actions/checkout fetches it
    git(root, "checkout", "-q", "-b", "tighten")
    (root / "sla.yaml").write_text(sla(2, "2099-01-01", "99.95"))
    git(root, "commit", "-qam", "tighten the availability promise")
    head = git(root, "rev-parse", "HEAD").strip()
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gh").write_text(FAKE_GH)
    (fake / "gh").chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = runner_env(temp)
    log, reviews = tmp_path / "gh.log", tmp_path / "recorded-reviews.json"
    env.update(PATH=f"{fake}{os.pathsep}{env['PATH']}", FAKE_GH_LOG=str(log),
               FAKE_GH_REVIEWS=str(reviews))
    event = {"pull_request": {"number": 7, "base": {"ref": "main"}, "head": {"sha": head}}}
    runner = Runner(root, temp, env, {"token": "ghs_recorded", "event": event})
    return PullRequest(root, head, runner, log, reviews)


def run_action(pr: PullRequest, installed: dict[str, str], **inputs: str) -> Job:
    return pr.runner.run(inputs, skip=("install",), outputs={"install": installed})


def test_an_approving_review_of_the_head_commit_passes_the_check(
    pull_request: PullRequest, installed: dict[str, str]
) -> None:
    pull_request.record(("mallory", "APPROVED", pull_request.head),
                        ("alice-gh", "APPROVED", pull_request.head))
    job = run_action(pull_request, installed)
    assert not job.failed, job.stdout
    assert "Fail on the problems found" not in job.ran
    assert job.outputs["check"]["exit-code"] == "0"
    assert pull_request.log.read_text() == (
        "api --paginate repos/acme/slos/pulls/7/reviews?per_page=100 GH_HOST=github.com\n")
    assert "::error" not in job.stdout
    assert "no problems" in job.summary


def test_without_an_approval_the_job_fails_with_every_report(
    pull_request: PullRequest, installed: dict[str, str]
) -> None:
    pull_request.record(("alice-gh", "CHANGES_REQUESTED", pull_request.head))
    job = run_action(pull_request, installed)
    assert job.failed and job.ran[-1] == "Fail on the problems found"
    # annotations on the diff (the github format)
    assert re.search(r"^::error file=sla.yaml,line=\d+,col=\d+,title=slopolicy "
                     r"\[sla-change-approval\]::", job.stdout, re.M), job.stdout
    # the job summary
    assert "sla-change-approval" in job.summary and "1 error" in job.summary
    # SARIF, handed to code scanning
    [(uses, given)] = job.uses
    assert uses == "github/codeql-action/upload-sarif@v4"
    assert given["category"] == "slopolicy"
    sarif = json.loads(Path(given["sarif_file"]).read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["sla-change-approval"]


def test_reviews_false_asks_the_forge_nothing(
    pull_request: PullRequest, installed: dict[str, str]
) -> None:
    pull_request.record(("alice-gh", "APPROVED", pull_request.head))
    job = run_action(pull_request, installed, reviews="false", **{"upload-sarif": "false"})
    assert job.failed and not pull_request.log.exists()
    assert job.uses == []


def test_a_merge_commit_checkout_is_checked_at_the_pull_requests_head(
    pull_request: PullRequest, installed: dict[str, str]
) -> None:
    """The default checkout of a pull request is a merge commit no review names."""
    git(pull_request.root, "checkout", "-q", "--detach", "main")
    git(pull_request.root, "-c", "user.name=GitHub", "-c", "user.email=noreply@github.com",
        "merge", "-q", "--no-ff", "-m", "Merge tighten into main", "tighten")
    assert git(pull_request.root, "rev-parse", "HEAD").strip() != pull_request.head
    pull_request.record(("alice-gh", "APPROVED", pull_request.head))
    job = run_action(pull_request, installed)
    assert not job.failed, job.stdout


def test_outside_a_pull_request_the_project_is_checked_without_a_base(
    pull_request: PullRequest, installed: dict[str, str]
) -> None:
    pull_request.runner.github["event"] = {}
    (pull_request.root / "bad.yaml").write_text(
        "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: Check Out}\n")
    job = run_action(pull_request, installed, paths="sla.yaml\nbad.yaml")
    assert job.failed and not pull_request.log.exists()
    assert "::error file=bad.yaml,line=3,col=18,title=slopolicy [schema]::" in job.stdout
    assert "sla-change-approval" not in job.stdout


def test_fake_gh_is_the_only_fake(pull_request: PullRequest) -> None:
    """git, ssh-keygen and python are the machine's own."""
    path = pull_request.runner.env["PATH"].split(os.pathsep)
    assert sorted(p.name for p in Path(path[0]).iterdir()) == ["gh"]
    for tool in ("git", "bash", "python3"):
        assert shutil.which(tool, path=os.pathsep.join(path[1:])) is not None


def test_an_error_that_stops_the_check_is_an_annotation_with_its_fix(
    pull_request: PullRequest, installed: dict[str, str], tmp_path: Path
) -> None:
    """A shallow checkout (actions/checkout's default fetch-depth: 1) is exit 2: its fix
    is shown where the pull request's checks are read, not only in the step's log."""
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch",
        f"file://{pull_request.root}", str(shallow))
    git(shallow, "checkout", "-q", "--detach", pull_request.head)
    pull_request.runner.workspace = shallow
    pull_request.runner.may_fail += ("Check SLOs and SLAs",)
    pull_request.record(("alice-gh", "APPROVED", pull_request.head))
    job = run_action(pull_request, installed)
    assert job.failed and job.outputs["check"]["exit-code"] == "2"
    assert "Fail on the problems found" not in job.ran and job.uses == []
    [annotation] = [line for line in job.stdout.splitlines() if line.startswith("::")]
    assert annotation.startswith(
        "::error title=slopolicy (exit 2)::slopolicy: error: this is a shallow clone")
    assert "`fetch-depth: 0`" in annotation
