"""An agreement whose file is still there but does not read: no deletion, and no pass.

A template line (``{{- if .Values.enabled }}``) before the agreement makes the file YAML
only once rendered. The gate cannot know the new terms, so the agreement fails as a change
that cannot be compared, whatever the policy asks of a removal and whatever approvals there
are; deleting the file is a removal, judged as one.
"""
from __future__ import annotations

from gitrepos import POLICY, GitProject, sla

NO_REMOVED = POLICY.replace("    removed: [{role: legal, count: 1}]\n", "")


def without_removed_requirement(repo: GitProject) -> None:
    repo.git("checkout", "-q", "main")
    repo.write(".slopolicy.yaml", NO_REMOVED)
    repo.commit("no approval needed to remove an agreement")
    repo.git("checkout", "-q", "-B", "change", "main")


def test_a_looser_agreement_behind_a_template_line_fails_the_gate(repo: GitProject) -> None:
    without_removed_requirement(repo)
    repo.write("slas/globex.yaml", "{{- if .Values.enabled }}\n" + sla(target="99.0")
               + "{{- end }}\n")
    repo.commit("only when enabled")
    run = repo.gate()
    assert run.code == 1
    found = {(p["rule"], p["line"]): p["message"] for p in run.json["problems"]}
    assert set(found) == {("yaml-syntax", 1), ("sla-change-approval", 4)}
    assert found["yaml-syntax", 1].startswith("SLA/globex-public-api (slopolicy/v1) cannot be "
                                              "read as written: a template action")
    assert found["sla-change-approval", 4] == (
        "SLA/globex-public-api cannot be compared: slas/globex.yaml is still there but does not "
        "read (see its yaml-syntax finding), so its new terms are unknown; no approval counts "
        "for a change that cannot be read, nor does it pass as a deletion. Fix the file, or "
        "delete the agreement, and the change is judged")
    # the yaml-syntax finding turned off by the base policy does not let it through
    repo.git("checkout", "-q", "main")
    repo.write(".slopolicy.yaml", NO_REMOVED + "  yaml-syntax: \"off\"\n")
    repo.commit("no syntax findings")
    repo.git("checkout", "-q", "change")
    repo.git("rebase", "-q", "main")
    again = repo.gate()
    assert (again.code, repo.rules(again)) == (1, ["sla-change-approval"])

    # deleting the file is a removal, judged as one (this policy asks nothing of it)
    repo.git("rm", "-q", "slas/globex.yaml")
    repo.commit("the agreement ends")
    assert (gone := repo.gate()).code == 0, gone.json["problems"]
