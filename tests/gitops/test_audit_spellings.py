"""The audit reads an agreement however its file spells it, as check and the gate read it.

The audit skips, unparsed, the files that cannot hold a document of its own; a quick test of
the bytes decides. An apiVersion written with escapes (``slopolicy\\/v1``, as some JSON encoders
write every ``/``; ``\\x2f``; an escaped line break) or a file in UTF-16 holds no
``slopolicy/`` as written: the quick test must not skip it, or a loosening pushed to main in
such a file would pass ``audit --verify``. The policy (gitrepos.POLICY) asks legal and sre to
loosen an agreement.
"""
from __future__ import annotations

import codecs

import pytest
from gitrepos import GitProject, sla

from slopolicy.model.kinds import may_hold

SPELLINGS = {
    "escaped-slash": lambda text: text.replace("apiVersion: slopolicy/v1",
                                               'apiVersion: "slopolicy\\/v1"'),
    "hex-escape": lambda text: text.replace("apiVersion: slopolicy/v1",
                                            'apiVersion: "slopolicy\\x2fv1"'),
    "unicode-escape": lambda text: text.replace("apiVersion: slopolicy/v1",
                                                'apiVersion: "\\u0073lopolicy/v1"'),
    "escaped-line-break": lambda text: text.replace("apiVersion: slopolicy/v1",
                                                    'apiVersion: "slopo\\\n  licy/v1"'),
}


def write(repo: GitProject, text: str, spelling: str) -> None:
    path = repo.root / "slas/globex.yaml"
    if spelling == "utf-16":
        path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    else:
        path.write_text(SPELLINGS[spelling](text), encoding="utf-8")


@pytest.mark.parametrize("spelling", [*SPELLINGS, "utf-16"])
def test_the_audit_reads_an_agreement_however_it_is_spelt(repo: GitProject, spelling: str) -> None:
    write(repo, sla(), spelling)
    repo.commit("the agreement, spelt otherwise")
    assert repo.check().code == 0  # check reads it as the agreement it is
    write(repo, sla(version=2, target="99.0"), spelling)
    repo.commit("loosened, pushed without approvals")
    agreements = repo.run("audit", "--format", "json").json["agreements"]
    [found] = [a for a in agreements if a["document"] == "SLA/globex-public-api"]
    assert found["versions"][-1]["change"] == "loosened"
    assert found["versions"][-1]["compliant"] is False
    assert repo.run("audit", "--verify").code == 1


@pytest.mark.parametrize("spelling", [*SPELLINGS, "utf-16"])
def test_the_quick_test_never_skips_a_file_spelt_otherwise(spelling: str) -> None:
    text = sla()
    raw = (codecs.BOM_UTF16_LE + text.encode("utf-16-le") if spelling == "utf-16"
           else SPELLINGS[spelling](text).encode())
    assert b"slopolicy/" not in raw
    assert may_hold(raw, (b"slopolicy/",))


def test_the_quick_test_skips_yaml_of_no_document() -> None:
    ci = b"jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{run: 'echo \"a\\\\b\"'}]\n"
    assert not may_hold(ci, (b"slopolicy/",))
