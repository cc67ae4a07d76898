"""The kinds of document slopolicy reads: one list, by apiVersion family."""
from __future__ import annotations

FAMILIES: dict[str, frozenset[str]] = {
    "openslo/v1": frozenset(
        {
            "SLO",
            "SLI",
            "Service",
            "DataSource",
            "AlertPolicy",
            "AlertCondition",
            "AlertNotificationTarget",
        }
    ),
    "slopolicy/v1": frozenset({"SLA", "Approval", "Policy"}),
}
KNOWN_PREFIXES = ("openslo/", "openslo.com/", "slopolicy/")
SLA_KEY = ("slopolicy/v1", "SLA")
SLO_KEY = ("openslo/v1", "SLO")
SLI_KEY = ("openslo/v1", "SLI")
