"""Every audit report, byte for byte, on one small real history made the same way each time.

The audit takes shortcuts for speed (shared parts, remembered digests and
verdicts, a writer that encodes many values at once); each is tested against
the long way elsewhere. This holds the whole result: every format and
question asked of a history with SLO edits, a move, trailers, a merge, a
policy edit, a removal and an agreement added back, as its report's SHA-256
(the tool's version left out, so a release changes nothing). A change of any
byte fails here. If it was meant, run with ``SLOPOLICY_GOLDEN=print`` and put
the digests it prints in ``GOLDEN``.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slopolicy import __version__
from slopolicy.cli import main

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
try:
    from history import POLICY, sla, stream
finally:
    sys.path.remove(str(REPO / "bench"))

# What each run asks: its arguments after ``audit``.
QUESTIONS = {
    "text": ["--format", "text"],
    "json": ["--format", "json"],
    "csv": ["--format", "csv"],
    "markdown": ["--format", "markdown"],
    "html": ["--format", "html"],
    "html-customer": ["--format", "html", "--audience", "customer", "--title", "Acme terms"],
    "as-of": ["--format", "json", "--as-of", "2022-06-01"],
    "known-at": ["--format", "text", "--as-of", "2022-06-01", "--known-at", "2022-04-01"],
    "range-verify": ["--format", "text", "--since", "2022-02-01", "--until", "2022-04-15",
                     "--verify"],
    "paths": ["--format", "markdown", "slas/moved", "slos/svc-1.yaml"],
}
GOLDEN = {
    "text": "533e18e7ebbbce7702a4e3388938380f0a75e509d6023d5692831cc692d88dc0",
    "json": "50e66efdb9ad325712525e217b2d50be68ee4f9e29c87c756f4edd84a8312033",
    "csv": "b1ad212820688a70c34779d9520f895c123a5fcc08efef650b21a74ab54b6459",
    "markdown": "09ced517a8961f1c84114e2ef0903e7bb4041c8e45bbe5525a15741184b5679f",
    "html": "c43eb71717c762bbffb91fe56afd9653c54097e1ff94f1d4b0ca98872da58c52",
    # the agreement added back is compared "with the version removed on DATE": no commit hash
    "html-customer": "22c872955a8b0e8355f2d6d8fe01c109f1702338a2f301170de7d9c2005102cb",
    "as-of": "ad8ef3f12d354513ecc538074735d1132bd5a012c0f6708bef504c3605224204",
    "known-at": "b8abed217f6025e07372dd8df8347b3fa80def362793f5ac47fbb09e9392113e",
    "range-verify": "38b06055218b2e0f4a91eac9b59617dc0fc3655332546b18aec4ff56f946286c",
    "paths": "060e7fe97302ebb37ceb295fb146b5170ec5a59856adbc0ba669cedd3975395b",
}


def _git(root: Path, *args: str, when: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Erin", "GIT_AUTHOR_EMAIL": "erin@acme.example",
           "GIT_COMMITTER_NAME": "Erin", "GIT_COMMITTER_EMAIL": "erin@acme.example",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
                   cwd=root, env=env, check=True, capture_output=True)


def _history(root: Path) -> None:
    """398 commits as the benchmark writes them (4 agreements; customer-3 moved at commit 397),
    then a branch merged, a policy edit, a removal and the agreement added back looser."""
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=root, check=True,
                   input=stream(4, 398))
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)
    when = "2022-08-01T10:00:00+02:00"
    _git(root, "checkout", "-q", "-b", "side", when=when)
    (root / "slas/customer-2.yaml").write_text(sla(2, 90, "2022-09-01", "99.95"))
    _git(root, "commit", "-q", "-am", "customer-2 tighter\n\nApproved-by: Alice <alice@acme"
         ".example>", when=when)
    _git(root, "checkout", "-q", "main", when=when)
    _git(root, "merge", "-q", "--no-ff", "-m", "merge side", "side",
         when="2022-08-02T09:00:00+00:00")
    (root / ".slopolicy.yaml").write_text(POLICY.replace("count: 1}]\n  trailers",
                                                          "count: 2}]\n  trailers"))
    _git(root, "commit", "-q", "-am", "two of sre for the policy", when="2022-08-03T09:00:00Z")
    _git(root, "rm", "-q", "slas/moved/customer-3.yaml", when="2022-08-04T09:00:00Z")
    _git(root, "commit", "-q", "-m", "customer-3 ends", when="2022-08-04T09:00:00Z")
    (root / "slas/customer-3.yaml").write_text(sla(3, 1, "2022-07-01", "99.5"))
    _git(root, "add", "slas/customer-3.yaml", when="2022-08-05T09:00:00Z")
    _git(root, "commit", "-q", "-m", "customer-3 again\n\nApproved-by: Bob <bob@acme.example>",
         when="2022-08-05T09:00:00Z")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden") / "history"  # its name is in the reports
    _history(root)
    return root


def _digest(root: Path, args: list[str], out: Path) -> str:
    old = Path.cwd()
    os.chdir(root)
    try:
        main(["audit", *args, "--output", str(out)])
    finally:
        os.chdir(old)
    text = out.read_bytes().replace(__version__.encode(), b"VERSION")
    return hashlib.sha256(text).hexdigest()


def test_every_report_is_what_it_was(history: Path, tmp_path: Path) -> None:
    found = {name: _digest(history, args, tmp_path / name) for name, args in QUESTIONS.items()}
    if os.environ.get("SLOPOLICY_GOLDEN") == "print":
        print("\n".join(f'    "{name}": "{digest}",' for name, digest in found.items()))
    assert found == GOLDEN
