"""slopolicy approve: write a signed Approval record for a document's current content.

The record binds to the ``sha256:`` of the canonical JSON of the document
as the working tree holds it now (or, with ``--removed-from REF``, of the
document a removal deletes; or, for the configuration file, of the policy
files). It is signed with ``ssh-keygen -Y sign -n slopolicy`` and written
atomically into ``approvals.records``; the private key stays where it is.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from slopolicy.model.errors import UsageError
from slopolicy.report.output import write_atomic

if TYPE_CHECKING:
    from slopolicy.changes.approvals import Roster, Subject
    from slopolicy.config.project import Project
    from slopolicy.model.documents import Document

SIGNABLE = ("SLA",)

NAME = "approve"
HELP = "write a signed Approval record"
DESCRIPTION = """\
Sign an approval of a document's current content (the sha256 of its canonical
JSON) with your SSH key (`ssh-keygen -Y sign -n slopolicy`) and write it into
approvals.records. Commit the record with the change; any later edit of the
document voids it. PATH may be the configuration file, to approve a policy
change. The private key never enters the repository.
"""
EPILOG = """\
exit codes:
  0  the record is written (warnings say when a check would not count it)
  2  usage, configuration or repository error

examples:
  # the current content of an SLA
  slopolicy approve slas/globex.yaml --role legal --identity alice@acme.example \\
      --key ~/.ssh/id_ed25519
  # its deletion: the SLA as origin/main holds it
  slopolicy approve slas/globex.yaml --removed-from origin/main --role legal \\
      --identity alice@acme.example --key ~/.ssh/id_ed25519
  # a policy change, signed with a key that ssh-agent holds
  slopolicy approve .slopolicy.yaml --role sre --identity bob@acme.example \\
      --key ~/.ssh/id_ed25519.pub
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="the file holding the document (or "
                        ".slopolicy.yaml for a policy change)")
    parser.add_argument("--role", required=True,
                        help="the role you approve in (approvals.roles)")
    parser.add_argument("--identity", required=True, metavar="ID", help="your identity, as in "
                        "the roster and the allowed signers file, e.g. alice@acme.example")
    parser.add_argument("--key", required=True, metavar="KEY", help="your SSH private key (or "
                        "the public key of one in ssh-agent), e.g. ~/.ssh/id_ed25519")
    parser.add_argument("--document", metavar="NAME", help="the SLA's metadata.name, when PATH "
                        "holds several")
    parser.add_argument("--removed-from", metavar="REF", help="approve the deletion of the "
                        "document PATH held at REF (e.g. origin/main)")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: "
                        ".slopolicy.yaml, searched upward)")


def run(args: argparse.Namespace) -> int:
    # signing, loading and the policy are loaded to run, not to build the parser
    from slopolicy.changes import approvals
    from slopolicy.changes.approvals import Roster
    from slopolicy.config.project import open_project
    from slopolicy.gitops import evidence
    from slopolicy.load import discovery

    project = open_project([args.path], args.config)
    root = project.repo_root
    roster = Roster.from_config(project.config.approvals, project.config.root, root)
    key = _key(Path(args.key).expanduser(), root)
    subject = _subject(args, project, roster)
    _warn_roster(roster, args.role, args.identity)
    timestamp = evidence.now_timestamp()
    data = approvals.statement(subject, args.identity, args.role, "approved", timestamp)
    signature = evidence.sign(data, key)
    name = approvals.record_name(subject, args.role, args.identity)
    target = root / roster.records / f"{name}.yaml"
    write_atomic(target, evidence.render_record(
        name, subject, args.identity, args.role, "approved", timestamp, signature))
    _warn_unverified(data, signature, args.identity, roster, root)
    shown = discovery.relative(target, root)
    what = "the removal of " if subject.removed else ""
    version = f" version {subject.version}" if subject.version is not None else ""
    sys.stdout.write(
        f"wrote {shown}: {args.role} approval by {args.identity} of {what}{subject.label}{version} "
        f"({approvals.short_digest(subject.digest)})\n"
        f"commit it with the change (`git add {shown}`); any later edit of the "
        f"{'policy' if subject.kind == approvals.POLICY_SUBJECT else 'document'} voids it\n")
    return 0


def _key(key: Path, root: Path) -> Path:
    """The signing key, refused when a private key sits inside the repository."""
    if not key.is_file():
        raise UsageError(f"--key {key}: no such file (your SSH private key, or the public key of "
                         "one that ssh-agent holds)")
    inside = root.resolve() in key.resolve().parents
    if inside and b"PRIVATE KEY" in key.read_bytes()[:200]:
        raise UsageError(f"--key {key}: a private key inside the repository could be committed; "
                         "keep it outside (e.g. ~/.ssh/) or use ssh-agent with the public key")
    return key


def _subject(args: argparse.Namespace, project: Project, roster: Roster) -> Subject:
    from slopolicy.changes import approvals
    from slopolicy.changes.approvals import Subject
    from slopolicy.load import discovery
    from slopolicy.load.files import load_bytes

    root = project.repo_root
    rel = discovery.relative(Path(args.path), root)
    if _is_policy(rel, project, roster):
        return _policy_subject(project)
    if args.removed_from:
        return _removal_subject(args, project, rel)
    path = Path(args.path)
    if not path.is_file():
        raise UsageError(f"{args.path}: no such file (to approve a deletion, add "
                         "--removed-from BASE-REF)")
    doc = _pick(load_bytes(rel, path.read_bytes()).documents, args.document, args.path)
    return Subject(doc.kind, doc.name, approvals.digest(doc.data), _version(doc))


def _is_policy(rel: str, project: Project, roster: Roster) -> bool:
    from slopolicy.load import discovery

    config = project.config.path
    config_rel = discovery.relative(config, project.repo_root) if config else None
    return rel in (config_rel, roster.allowed_signers)


def _policy_subject(project: Project) -> Subject:
    """The policy files as the working tree holds them, read as the check reads them
    (the configuration files in every folder: those git tracks or would add)."""
    from slopolicy.config import settings as config_module
    from slopolicy.gitops import git as gitrepo
    from slopolicy.gitops.policy import GitWorktree, policy_subject
    from slopolicy.load import discovery

    root = project.repo_root
    reader = GitWorktree(root, gitrepo.open_repo(root))
    config_rel = discovery.relative(project.config.path, root) if project.config.path else None
    chain = config_module.chain(reader, config_rel) if config_rel else {}
    return policy_subject(reader, project.config, chain, config_rel, root)


def _removal_subject(args: argparse.Namespace, project: Project, rel: str) -> Subject:
    from slopolicy.changes import approvals
    from slopolicy.changes.approvals import Subject
    from slopolicy.gitops import git as gitrepo  # git only for a removal
    from slopolicy.load.files import load_bytes
    from slopolicy.load.readers import CommitReader

    repo = gitrepo.open_repo(project.repo_root)
    commit = repo.resolve(args.removed_from, "--removed-from ref")
    raw = CommitReader(repo, commit, args.removed_from).read_one(rel)
    if raw is None:
        raise UsageError(f"{rel}: no such file at {args.removed_from}")
    doc = _pick(load_bytes(rel, raw).documents, args.document, f"{args.removed_from}:{rel}")
    if Path(args.path).is_file():
        still = [d for d in load_bytes(rel, Path(args.path).read_bytes()).documents
                 if d.identity == doc.identity]
        if still:
            raise UsageError(f"{doc.label} is still in {args.path}: approve its content instead "
                             "(without --removed-from)")
    return Subject(doc.kind, doc.name, approvals.digest(doc.data), _version(doc), removed=True)


def _pick(documents: list[Document], name: str | None, where: str) -> Document:
    candidates = [d for d in documents if d.known and d.kind in SIGNABLE]
    if name is not None:
        chosen = [d for d in candidates if d.name == name]
        if not chosen:
            listed = ", ".join(d.name for d in candidates) or "none"
            raise UsageError(f"{where}: no SLA named {name!r} (SLAs there: {listed})")
        return chosen[0]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise UsageError(f"{where}: holds no SLA to approve (approve the configuration file "
                         "for a policy change)")
    listed = ", ".join(d.name for d in candidates)
    raise UsageError(f"{where} holds several SLAs ({listed}): choose one with --document NAME")


def _version(doc: Document) -> int | None:
    version = doc.spec.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def _warn_roster(roster: Roster, role: str, identity: str) -> None:
    """Say early what the check will say later; the base's roster is the one that counts."""
    if roster.roles and role not in roster.roles:
        # a role the roster does not have is a typo: such a record could never count
        hint = difflib.get_close_matches(role, list(roster.roles), n=1)
        tip = f'did you mean "{hint[0]}"? ' if hint else ""
        raise UsageError(f"--role {role!r} is not in approvals.roles; {tip}"
                         f"(roles: {', '.join(roster.roles)})")
    if role not in roster.roles:
        _warn(f"role {role!r} is not in approvals.roles (no roles are defined); the record will "
              "not count unless the base policy defines it")
    elif role not in roster.roles_of(identity):
        _warn(f"{identity} does not hold role {role!r} in approvals.roles; the record will not "
              "count unless the base policy lists it")


def _warn_unverified(data: bytes, signature: str, identity: str, roster: Roster,
                     root: Path) -> None:
    from slopolicy.gitops import evidence

    if roster.allowed_signers is None:
        _warn("approvals.allowedSigners is not set: no check can verify this signature")
        return
    signers = root / roster.allowed_signers
    if not signers.is_file():
        _warn(f"{roster.allowed_signers} does not exist: no check can verify this signature")
    elif not evidence.verify(data, signature, identity, signers.read_bytes()):
        _warn(f"the signature does not verify for {identity} by {roster.allowed_signers}: add "
              f"this key's line for {identity} there (a policy change), or sign with the key "
              "listed for you")


def _warn(message: str) -> None:
    print(f"slopolicy: warning: {message}", file=sys.stderr)
