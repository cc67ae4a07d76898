"""examples/ci/gitlab-ci.yml's job, run with bash as GitLab's runner runs it.

A real repository with a real ``origin`` (a bare repository) and a merge
request branch; ``slopolicy`` is this checkout. The one fake is the forge:
an HTTP server on localhost answers GitLab's merge request and approvals
API with recorded JSON. The job's ``pip install`` line is the one line left
out: slopolicy is already installed here.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, git
from gitrepos import small_sla as sla
from ruamel.yaml import YAML

RECIPE = REPO / "examples" / "ci" / "gitlab-ci.yml"
POLICY = """\
approvals:
  roles: {legal: ["gitlab:alice-gl"]}
  require: {modified: [{role: legal, count: 1}]}
rules: {sla-backed-by-slo: "off"}
"""
TOKEN = "glpat-recorded"


@dataclass
class Forge:
    """GitLab's API for merge request 7 of project 42, answered from what the test records."""

    shas: list[str] = field(default_factory=list)  # the head on each read of the merge request
    approvers: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def answer(self, path: str, token: str | None) -> tuple[int, Any]:
        self.requests.append(path)
        if token != TOKEN:
            return 401, {"message": "401 Unauthorized"}
        if path == "/api/v4/projects/42/merge_requests/7":
            sha = self.shas.pop(0) if len(self.shas) > 1 else self.shas[0]
            return 200, {"id": 1, "iid": 7, "project_id": 42, "state": "opened", "sha": sha}
        if path == "/api/v4/projects/42/merge_requests/7/approvals":
            return 200, {"id": 1, "iid": 7, "project_id": 42, "approved": bool(self.approvers),
                         "approved_by": [{"user": {"id": i, "username": u, "name": u}}
                                         for i, u in enumerate(self.approvers)]}
        return 404, {"message": "404 Not found"}


@pytest.fixture
def forge() -> Iterator[tuple[Forge, str]]:
    recorded = Forge()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            status, body = recorded.answer(self.path, self.headers.get("PRIVATE-TOKEN"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorded, f"http://127.0.0.1:{server.server_port}/api/v4"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def merge_request(tmp_path: Path) -> tuple[Path, str]:
    """A clone whose origin holds main, with a branch that tightens the SLA checked out."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    (upstream / ".slopolicy.yaml").write_text(POLICY)
    (upstream / "sla.yaml").write_text(sla(1, "2025-01-01", "99.9"))
    git(upstream, "add", "-A")
    git(upstream, "-c", "user.name=Dev", "-c", "user.email=dev@acme.example", "commit", "-qm",
        "the agreement")
    git(tmp_path, "clone", "-q", "--bare", str(upstream), "origin.git")
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), "project")
    root = tmp_path / "project"
    git(root, "checkout", "-q", "-b", "tighten")
    (root / "sla.yaml").write_text(sla(2, "2099-01-01", "99.95"))
    git(root, "-c", "user.name=Dev", "-c", "user.email=dev@acme.example", "commit", "-qam",
        "tighten")
    git(root, "update-ref", "-d", "refs/remotes/origin/main")  # the job fetches it itself
    return root, git(root, "rev-parse", "HEAD").strip()


def job_script() -> str:
    job = YAML(typ="safe", pure=True).load(RECIPE.read_text())["slopolicy"]
    install, *before = job["before_script"]
    assert install.startswith("pip install ")
    return "\n".join([*before, *job["script"]])


def run_job(root: Path, api: str, tmp: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "GITHUB_", "GITLAB_"))}
    env.update(CI_PIPELINE_SOURCE="merge_request_event", CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
               CI_API_V4_URL=api, CI_PROJECT_ID="42", CI_MERGE_REQUEST_IID="7",
               SLOPOLICY_API_TOKEN=TOKEN, TMPDIR=str(tmp), XDG_CACHE_HOME=str(tmp / "cache"),
               GIT_CONFIG_NOSYSTEM="1")
    env.update(extra)
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", job_script()], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_gitlab_approval_of_the_head_passes_and_every_report_is_written(
    tmp_path: Path, forge: tuple[Forge, str], merge_request: tuple[Path, str]
) -> None:
    (recorded, api), (root, head) = forge, merge_request
    recorded.shas, recorded.approvers = [head], ["alice-gl"]
    done = run_job(root, api, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stdout
    assert recorded.requests == ["/api/v4/projects/42/merge_requests/7",
                                 "/api/v4/projects/42/merge_requests/7/approvals",
                                 "/api/v4/projects/42/merge_requests/7"]
    assert json.loads((root / "gl-code-quality-report.json").read_text()) == []
    assert "<testsuite" in (root / "slopolicy-junit.xml").read_text()
    assert "no problems" in (root / "slopolicy.md").read_text()


def test_without_approval_the_job_fails_and_code_quality_says_why(
    tmp_path: Path, forge: tuple[Forge, str], merge_request: tuple[Path, str]
) -> None:
    (recorded, api), (root, head) = forge, merge_request
    recorded.shas = [head]
    done = run_job(root, api, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    [issue] = json.loads((root / "gl-code-quality-report.json").read_text())
    assert (issue["check_name"], issue["location"]["path"]) == ("sla-change-approval", "sla.yaml")
    assert "gitlab:alice-gl approves the head commit" in issue["description"]


def test_approvals_read_while_the_head_moved_do_not_count(
    tmp_path: Path, forge: tuple[Forge, str], merge_request: tuple[Path, str]
) -> None:
    (recorded, api), (root, head) = forge, merge_request
    recorded.shas, recorded.approvers = [head, "f" * 40], ["alice-gl"]  # a push in between
    done = run_job(root, api, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert not (tmp_path / "slopolicy-approvals.json").exists()


def test_an_unreadable_api_leaves_no_approval_and_still_reports(
    tmp_path: Path, forge: tuple[Forge, str], merge_request: tuple[Path, str]
) -> None:
    (recorded, api), (root, head) = forge, merge_request
    recorded.shas, recorded.approvers = [head], ["alice-gl"]
    done = run_job(root, api, tmp_path, SLOPOLICY_API_TOKEN="wrong")
    assert done.returncode == 1
    assert "could not read the approvals; none counts" in done.stderr
    assert (root / "gl-code-quality-report.json").exists()


def test_a_merged_results_pipeline_is_checked_at_the_merge_requests_head(
    tmp_path: Path, forge: tuple[Forge, str], merge_request: tuple[Path, str]
) -> None:
    """A merged results pipeline checks out a merge commit of the source into the target,
    which no approval names: the job checks the source branch's head, and its Markdown
    links name that commit, not the pipeline's."""
    (recorded, api), (root, head) = forge, merge_request
    git(root, "fetch", "-q", "origin", "main")
    git(root, "checkout", "-q", "--detach", "origin/main")
    git(root, "-c", "user.name=GitLab", "-c", "user.email=noreply@gitlab.example", "merge",
        "-q", "--no-ff", "-m", "Merge branch 'tighten' into 'main'", head)
    merged = git(root, "rev-parse", "HEAD").strip()
    recorded.shas, recorded.approvers = [head], ["alice-gl"]
    done = run_job(root, api, tmp_path, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=head,
                   CI_COMMIT_SHA=merged, CI_PROJECT_URL="https://gitlab.example/acme/slas")
    assert done.returncode == 0, done.stdout + done.stderr
    recorded.approvers = []
    refused = run_job(root, api, tmp_path, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=head,
                      CI_COMMIT_SHA=merged, CI_PROJECT_URL="https://gitlab.example/acme/slas")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    summary = (root / "slopolicy.md").read_text()
    assert f"](https://gitlab.example/acme/slas/-/blob/{head}/sla.yaml#L" in summary
    assert merged not in summary
