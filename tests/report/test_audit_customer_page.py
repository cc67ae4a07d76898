"""A customer's page (``audit --format html --audience customer``) of an agreement handed from
one customer to another in place (the same file and name, its ``customer`` edited) shows the
agreement only while it belonged to the page's customer: nothing of the other customer's
versions (its name, contract, credits, objectives, dates or targets) in the history, the chart
or the terms in force; the internal page still shows everything."""
from __future__ import annotations

import html
import re
from typing import Any

import pytest

SHARED = """\
apiVersion: slopolicy/v1
kind: SLA
metadata:
  name: shared-api
  displayName: {display}
spec:
  customer: {customer}
  contract: {contract}
  service: public-api
  version: {version}
  effective:
    from: {start}
  changeNoticeDays: 30
  window:
    calendar: month
    timeZone: UTC
  budgetingMethod: Occurrences
  objectives:
    - name: availability
      indicator: availability
      targetPercent: {target}
{extra}  credits:
    - {{below: {target}, creditPercent: {credit}}}
"""
BATCH = """\
    - name: batch-throughput
      indicator: throughput
      targetPercent: 97.25
"""
# What only Initech's versions say, and what only Globex's say.
INITECH = ("initech", "INITECH-SECRET-777", "2024-11-01", "98.7", "98.8", "batch-throughput",
           "37")
GLOBEX = ("globex", "MSA-2024-117", "2025-06-15", "99.9", "99.95", "2025-08-01")


def shared(customer: str, contract: str, version: int, start: str, target: str, credit: int,
           display: str, extra: str = "") -> str:
    return SHARED.format(customer=customer, contract=contract, version=version, start=start,
                         target=target, credit=credit, display=display, extra=extra)


def handed_over(repo: Any, back: bool = False) -> None:
    """Initech's agreement (v1, v2 tightened) given to Globex in place (v3, spelt ``Globex``),
    which Globex's v4 tightens (spelt ``GLOBEX``: the same customer); ``back``: then given
    back to Initech (v5)."""
    initech = ("initech", "INITECH-SECRET-777")
    repo.write("slas/shared.yaml", shared(*initech, 1, "2024-11-01", "98.7", 37,
                                          "Initech – Batch API", BATCH))
    repo.commit("initech's agreement", date="2025-04-01T12:00:00+00:00")
    repo.write("slas/shared.yaml", shared(*initech, 2, "2024-11-01", "98.8", 37,
                                          "Initech – Batch API", BATCH))
    repo.commit("initech's agreement tightened", date="2025-05-01T12:00:00+00:00")
    repo.write("slas/shared.yaml", shared("Globex", "MSA-2024-117", 3, "2025-06-15", "99.9", 10,
                                          "Globex – Public API"))
    repo.commit("the agreement is globex's now", date="2025-06-01T12:00:00+00:00")
    repo.write("slas/shared.yaml", shared("GLOBEX", "MSA-2024-117", 4, "2025-08-01", "99.95", 10,
                                          "Globex – Public API"))
    repo.commit("globex's agreement tightened", date="2025-07-01T12:00:00+00:00")
    if back:
        repo.write("slas/shared.yaml", shared(*initech, 5, "2025-10-01", "98.9", 37,
                                              "Initech – Batch API"))
        repo.commit("the agreement is initech's again", date="2025-09-01T12:00:00+00:00")


def page(repo: Any, *asked: str, audience: str = "customer") -> str:
    """What the page says (its text, its SVG titles included), as a reader reads it."""
    run = repo.run("audit", "slas/shared.yaml", "--format", "html", "--audience", audience,
                   *asked)
    assert run.code == 0, run.err
    body = run.out.split("</style>", 1)[1]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def absent(text: str, said: tuple[str, ...]) -> list[str]:
    return [s for s in said if s.casefold() in text.casefold()]


def test_the_page_of_the_customer_an_agreement_was_given_to_starts_where_it_was_given(
        repo: Any) -> None:
    handed_over(repo)
    text = page(repo)
    assert absent(text, INITECH + ("Initech – Batch API",)) == []
    # the version that gave it to Globex is an addition, and Globex's own edit is compared
    assert re.findall(r"(v\d) effective \S+ → (\w+)", text) == [("v3", "added"),
                                                                 ("v4", "tightened")]
    assert "objective availability target: 99.9 → 99.95" in text
    assert "2 recorded versions" in text
    assert "Globex – Public API GLOBEX v4 v3 since 2025-06-15 2" in text  # contents row
    assert "from 2025-06-15: 99.9%; from 2025-08-01: 99.95%" in text  # the chart's step line
    terms = page(repo, "--as-of", "2025-08-15")  # Globex's, in force then
    assert "customer GLOBEX, service public-api, contract MSA-2024-117" in terms
    assert "availability: 99.95%" in terms
    # the provider's own page keeps the whole history
    internal = page(repo, audience="internal")
    assert "initech → Globex" in internal and "INITECH-SECRET-777" in internal


def test_the_page_of_the_customer_an_agreement_was_taken_from_ends_where_it_was_taken(
        repo: Any) -> None:
    handed_over(repo)
    text = page(repo, "--until", "2025-05-15")
    assert absent(text, GLOBEX + ("MSA", "Globex – Public API")) == []
    assert "Initech – Batch API initech v2 v2 since 2024-11-01 2" in text
    assert "objective availability target: 98.7 → 98.8" in text
    assert "batch-throughput" in text  # Initech's own objective, on Initech's page


@pytest.mark.parametrize("asked, initech", [
    (("--as-of", "2025-05-20"), False),  # Globex's since: its terms start on 2025-06-15
    (("--as-of", "2025-05-20", "--known-at", "2025-05-20"), True),  # Initech's then
], ids=["before-globex-s-terms", "initech-s-then"])
def test_the_terms_in_force_for_a_customer_are_those_of_the_customer_it_belongs_to(
        repo: Any, asked: tuple[str, ...], initech: bool) -> None:
    handed_over(repo)
    text = page(repo, *asked)
    if not initech:
        assert "No agreement was in force on that date" in text
        assert absent(text, INITECH) == []
    else:
        assert "customer initech, service public-api, contract INITECH-SECRET-777" in text
        assert "availability: 98.8%" in text
    assert absent(text, GLOBEX[:2] + ("99.9",)) == []


def test_an_agreement_given_back_shows_its_customer_only_its_last_holding(repo: Any) -> None:
    """Initech's page of an agreement Globex held in between: from the version that gave it
    back, compared with Initech's own last terms (as an agreement added back), with nothing
    of Globex's."""
    handed_over(repo, back=True)
    text = page(repo)
    assert absent(text, GLOBEX + ("MSA", "Globex – Public API")) == []
    assert re.findall(r"(v\d) effective \S+ → (\w+)", text) == [("v5", "added")]
    assert "added back, against the version removed on 2025-06-01" in text  # no commit hash
    assert "objective availability target: 98.8 → 98.9" in text


def test_an_agreement_ended_and_added_back_for_another_customer_is_theirs_from_its_addition(
        repo: Any) -> None:
    """Initech's agreement removed, and one of its name added for Globex with terms from
    before that day: Globex's page has nothing of Initech's, and the version is no
    retroactive edit there (it is one only against Initech's terms)."""
    repo.write("slas/shared.yaml", shared("initech", "INITECH-SECRET-777", 1, "2024-11-01",
                                          "98.7", 37, "Initech – Batch API", BATCH))
    repo.commit("initech's agreement", date="2025-04-01T12:00:00+00:00")
    repo.git("rm", "-q", "slas/shared.yaml")
    repo.commit("initech's agreement ends", date="2025-05-01T12:00:00+00:00")
    repo.write("slas/shared.yaml", shared("globex", "MSA-2024-117", 1, "2025-01-01", "99.9", 10,
                                          "Globex – Public API"))
    repo.commit("globex's agreement", date="2025-06-01T12:00:00+00:00")
    text = page(repo)
    assert absent(text, INITECH + ("Initech – Batch API", "retroactive", "added back")) == []
    assert re.findall(r"(v\d) effective \S+ → (\w+)", text) == [("v1", "added")]
    internal = page(repo, audience="internal")
    assert "retroactive" in internal and "initech → globex" in internal
