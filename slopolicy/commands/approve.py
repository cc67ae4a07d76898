"""slopolicy approve: write a signed Approval record for one change of a document.

The record names the change it approves: the document, the ``sha256:`` of
the canonical JSON of its content before the change (``absent`` for a new
document) and after it, as the working tree holds it now (``removed`` with
``--removed-from REF``; for the configuration file, the digests of the policy
files). The change is the one from ``--base REF`` (its merge base with HEAD,
as ``check --base`` compares), or by default the document's last change: from
HEAD when the working tree changed it, else from before the last commit that
did. The record is signed with ``ssh-keygen -Y sign -n slopolicy`` and
written atomically into ``approvals.records``; the private key stays where it is.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from slopolicy.commands import ref
from slopolicy.model.errors import UsageError
from slopolicy.report.output import write_atomic

if TYPE_CHECKING:
    from slopolicy.changes.approvals import Roster, Subject
    from slopolicy.config.project import Project
    from slopolicy.gitops.git import GitRepo
    from slopolicy.model.documents import Document

SIGNABLE = ("SLA",)
LAST_CHANGE_DEPTH = 200  # commits searched back for a document's last change


NAME = "approve"
HELP = "write a signed Approval record"
DESCRIPTION = """\
Sign an approval of one change of a document (the sha256 of the canonical JSON
of its content before and after) with your SSH key (`ssh-keygen -Y sign -n
slopolicy`) and write it into approvals.records. Commit the record with the
change; it approves that change only, and any later edit of the document voids
it. PATH may be the configuration file, to approve a policy change. The private
key never enters the repository.
"""
EPILOG = """\
exit codes:
  0  the record is written (warnings say when a check would not count it)
  2  usage, configuration or repository error

examples:
  # the change of an SLA since origin/main, as `check --base origin/main` judges it
  slopolicy approve slas/globex.yaml --base origin/main --role legal \\
      --identity alice@acme.example --key ~/.ssh/id_ed25519
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
    parser.add_argument("--removed-from", metavar="REF", type=ref, help="approve the deletion of the "
                        "document PATH held at REF (e.g. origin/main)")
    parser.add_argument("--base", metavar="REF", type=ref, help="approve the change from REF "
                        "(its merge "
                        "base with HEAD, as `check --base REF` compares; e.g. origin/main); "
                        "default: the document's last change")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: "
                        ".slopolicy.yaml, searched upward)")


def run(args: argparse.Namespace) -> int:
    from slopolicy.changes import approvals
    from slopolicy.changes.approvals import Roster
    from slopolicy.config.project import open_project
    from slopolicy.gitops import evidence
    from slopolicy.gitops import git as gitrepo
    from slopolicy.load import discovery
    from slopolicy.report.terminal import line as one_line

    project = open_project([args.path], args.config)
    root = project.repo_root
    roster = Roster.from_config(project.config.approvals, project.config.root, root)
    key = _key(Path(args.key).expanduser(), root)
    subject, since = _subject(args, project, roster)
    _warn_roster(roster, args.role, args.identity)
    timestamp = evidence.now_timestamp()
    data = approvals.statement(subject, args.identity, args.role, "approved", timestamp)
    name = approvals.record_name(subject, args.role, args.identity)
    target = _record_target(root, roster.records, f"{name}.yaml", gitrepo.open_repo(root))
    signature = evidence.sign(data, key)
    write_atomic(target, evidence.render_record(
        name, subject, args.identity, args.role, "approved", timestamp, signature))
    _warn_unverified(data, signature, args.identity, roster, root)
    shown = discovery.relative(target, root)
    what = "the removal of " if subject.removed else ""
    version = f" version {subject.version}" if subject.version is not None else ""
    sys.stdout.write(  # the document's name and path are the pull request's, shown escaped
        one_line(f"wrote {shown}: {args.role} approval by {args.identity} of {what}"
                 f"{subject.label}{version} ({subject.change}, the change since {since})") + "\n"
        f"commit it with the change (`git add {shown}`); it approves this change only, and any "
        f"later edit of the {'policy' if subject.kind == approvals.POLICY_SUBJECT else 'document'}"
        " voids it\n")
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


def _record_target(root: Path, folder: str, name: str, repo: GitRepo) -> Path:
    """Where the record goes: a regular file in the records folder, inside the repository,
    where a commit can hold it.

    The approver signs on the pull request's checkout, which chooses the folder
    (its configuration) and may hold a symbolic link at the record's name (the
    name is known before it is signed): written through, the record would
    overwrite a file of the approver's. The gate reads records that commits
    hold, inside the repository and never through a link, so nothing else is
    worth writing: not a link, not git's own folder (``.git/hooks/`` runs what
    it holds), not a repository of its own inside this one (a submodule), not
    a path git ignores.
    """
    rel = PurePosixPath(folder)
    why = ("is outside the repository" if rel.is_absolute() or ".." in rel.parts else "")
    named = next((part for part in rel.parts if _git_folder(part)), None) if not why else None
    if named is not None:
        why = f"names the folder {named}, which git keeps for itself and never commits"
    current = root
    for part in [*rel.parts, name] if not why else []:
        current = current / part
        shown = current.relative_to(root).as_posix()
        if current.is_symlink():
            why = f"leads through the symbolic link {shown}"
            break
        if part != name and os.path.lexists(current / ".git"):
            why = (f"is inside {shown}, a repository of its own (a submodule), whose files "
                   "this repository's commits never hold")
            break
    if not why:
        why = repo.never_committed(current.relative_to(root).as_posix()) or ""
    if why:
        raise UsageError(f"approvals.records {folder!r} {why}, so the record would be written "
                         "where no check reads it (records are read from what commits hold, "
                         "inside the repository, never through a link); nothing was written")
    return current


def _git_folder(part: str) -> bool:
    """Whether a path part names git's folder as some file system reads it: ``.GIT`` where
    case does not count, ``.git.`` or ``git~1`` (its short name) on Windows."""
    plain = part.casefold().rstrip(". ")
    return plain in (".git", "git~1")


def _subject(args: argparse.Namespace, project: Project, roster: Roster) -> tuple[Subject, str]:
    """The change approved, and the commit it is the change since (for the message)."""
    from slopolicy.changes import approvals
    from slopolicy.changes.approvals import Subject
    from slopolicy.gitops import git as gitrepo  # git: the change is from a commit
    from slopolicy.load import discovery
    from slopolicy.load.files import load_bytes

    root = project.repo_root
    rel = discovery.relative(Path(args.path), root)
    repo = gitrepo.open_repo(root)
    ref = args.removed_from or args.base
    if _is_policy(rel, project, roster):
        return _policy_change(repo, ref, project, roster)
    if args.removed_from:
        return _removal(args, project, repo, rel)
    path = Path(args.path)
    if not path.is_file():
        raise UsageError(f"{args.path}: no such file (to approve a deletion, add "
                         "--removed-from BASE-REF)")
    doc = _pick(load_bytes(rel, path.read_bytes()).documents, args.document, args.path)
    head = repo.head()

    def changed(rev: str) -> bool:
        then = repo.read_paths(rev, [rel]).get(rel)
        old = [d for d in load_bytes(rel, then).documents if d.identity == doc.identity] \
            if then is not None else []
        return not old or approvals.digest(old[0].data) != approvals.digest(doc.data)

    base = _base(repo, ref, head, [rel], changed)
    if base is None:  # no commit yet: the document is new
        return Subject(doc.kind, doc.name, approvals.ABSENT, approvals.digest(doc.data),
                       _version(doc)), "the empty repository"
    return _document_change(project, repo, base, doc, removed=False), _since(base, ref)


def _base(repo: GitRepo, ref: str | None, head: str | None, paths: list[str],
          changed: Callable[[str], bool], patterns: tuple[str, ...] = ()) -> str | None:
    """The commit the approved change starts from: the merge base with ``ref``, or the
    document's last change (HEAD, when the working tree changed it)."""
    if ref:
        base = repo.resolve(ref, "--base ref")
        return (repo.merge_base(base, head, ref) if head else None) or base
    if head is None:
        return None
    if changed(head):
        return head
    history = repo.history(head, patterns, paths)[-LAST_CHANGE_DEPTH:]
    for commit in reversed(history):
        parent = commit.parents[0] if commit.parents else None
        if parent is None or changed(parent):
            return parent
    raise UsageError(f"{', '.join(paths)}: no change of it in the last {LAST_CHANGE_DEPTH} "
                     "commits; name the change with --base REF (the branch it merges into)")


def _since(base: str, ref: str | None) -> str:
    return f"{ref} ({base[:7]})" if ref else base[:7]


def _document_change(project: Project, repo: GitRepo, base: str, doc: Document,
                     removed: bool) -> Subject:
    """The change of ``doc`` from ``base`` to the working tree, matched as the gate matches."""
    from slopolicy.changes.compare import compare_files
    from slopolicy.gitops.judging import document_subject
    from slopolicy.gitops.sides import load_side
    from slopolicy.load.readers import CommitReader, WorktreeReader

    if not doc.name:  # the gate matches agreements by name: one without a name is no change
        line, column = doc.locate(("metadata",), key=True)
        raise UsageError(f"{doc.source.path}:{line}:{column}: {doc.label} has no metadata.name, "
                         "so no change of it can be approved; `slopolicy check` says what the "
                         "document needs")
    root = project.repo_root
    sides = [load_side(reader, project.config, root) for reader in
             (CommitReader(repo, base, base[:7]), WorktreeReader(root, repo.head()))]
    place = (doc.source.path, doc.index)  # the document named, not a namesake elsewhere
    for change in compare_files(*sides):
        side = change.base if removed else change.head
        if side is not None and (side.source.path, side.index) == place \
                and side.identity == doc.identity and (change.head is None) == removed:
            subject = document_subject(change)
            if subject.before != subject.after:
                return subject
    raise UsageError(f"{doc.label} did not change since {base[:7]}: there is nothing to "
                     "approve (name the change with --base REF)")


def _is_policy(rel: str, project: Project, roster: Roster) -> bool:
    from slopolicy.load import discovery

    config = project.config.path
    config_rel = discovery.relative(config, project.repo_root) if config else None
    return rel in (config_rel, roster.allowed_signers)


def _policy_change(repo: GitRepo, ref: str | None, project: Project, roster: Roster
                   ) -> tuple[Subject, str]:
    """The policy files from the base to the working tree, read as the check reads them."""
    from slopolicy.config import settings as config_module
    from slopolicy.gitops.judging import policy_change_subject, policy_digest_at
    from slopolicy.gitops.policy import GitWorktree
    from slopolicy.load import discovery
    from slopolicy.load.readers import CommitReader

    root = project.repo_root
    config_rel = discovery.relative(project.config.path, root) if project.config.path else None
    here = GitWorktree(root, repo)  # its configuration files as the gate lists them
    now = policy_digest_at(here, config_rel, root)
    head = repo.head()

    def changed(rev: str) -> bool:
        return policy_digest_at(CommitReader(repo, rev, rev[:7]), config_rel, root) != now

    paths = [config_rel or config_module.FILENAME, *([roster.allowed_signers]
                                                     if roster.allowed_signers else [])]
    # a configuration file in any folder is part of the policy: its changes count too
    base = _base(repo, ref, head, paths, changed, (f"*{config_module.FILENAME}",))
    if base is None:
        raise UsageError("this repository has no commit yet: a policy change is judged against "
                         "the policy of a commit; commit the policy first")
    subject = policy_change_subject(CommitReader(repo, base, base[:7]), here, config_rel, root)
    if subject.before == subject.after:
        raise UsageError(f"the policy did not change since {base[:7]}: there is nothing to "
                         "approve (name the change with --base REF)")
    return subject, _since(base, ref)


def _removal(args: argparse.Namespace, project: Project, repo: GitRepo, rel: str
             ) -> tuple[Subject, str]:
    from slopolicy.load.files import load_bytes
    from slopolicy.load.readers import CommitReader

    base = _base(repo, args.removed_from, repo.head(), [rel], lambda rev: True)
    assert base is not None
    raw = CommitReader(repo, base, args.removed_from).read_one(rel)
    if raw is None:
        raise UsageError(f"{rel}: no such file at {args.removed_from}")
    doc = _pick(load_bytes(rel, raw).documents, args.document, f"{args.removed_from}:{rel}")
    if Path(args.path).is_file():
        still = [d for d in load_bytes(rel, Path(args.path).read_bytes()).documents
                 if d.identity == doc.identity]
        if still:
            raise UsageError(f"{doc.label} is still in {args.path}: approve its content instead "
                             "(without --removed-from)")
    return _document_change(project, repo, base, doc, removed=True), _since(base,
                                                                           args.removed_from)


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
    from slopolicy.text.hints import closest_list

    if roster.roles and role not in roster.roles:
        # a role the roster does not have is a typo: such a record could never count
        hint = closest_list(role, list(roster.roles))
        tip = f'; did you mean "{hint[0]}"?' if hint else ""
        raise UsageError(f"--role {role!r} is not in approvals.roles "
                         f"(roles: {', '.join(roster.roles)}){tip}")
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
