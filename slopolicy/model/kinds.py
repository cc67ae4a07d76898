"""The kinds of document slopolicy reads: one list, by apiVersion family."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    # The formats other tools keep SLOs in: read natively, and each SLO
    # mapped into OpenSLO v1 terms (slopolicy.formats).
    "openslo/v1alpha": frozenset({"SLO", "Service"}),
    "openslo.com/v2alpha": frozenset({"SLO", "SLI", "Service", "DataSource"}),
    "prometheus/v1": frozenset({"PrometheusServiceLevel"}),  # Sloth's own format
    "sloth.slok.dev/v1": frozenset({"PrometheusServiceLevel"}),  # Sloth's Kubernetes CRD
    "pyrra.dev/v1alpha1": frozenset({"ServiceLevelObjective"}),
    "n9/v1alpha": frozenset({"SLO"}),  # Nobl9
}
# The families slopolicy defines the meaning of; the others are mapped into them.
NATIVE = ("openslo/v1", "slopolicy/v1")
# Bytes a file of SLOs holds in any format slopolicy reads: a quick test before parsing.
SLO_MARKERS = (b"openslo", b"prometheus/v1", b"sloth.slok.dev/", b"pyrra.dev/", b"n9/v1alpha")
KNOWN_PREFIXES = ("openslo/", "openslo.com/", "slopolicy/")
# The bytes by which text may spell a marker it does not hold as written: a double-quoted YAML
# or JSON string escapes any character (``slopolicy\/v1``, ``\x2f``, ``\u002f``) and joins
# lines at an escaped line break; UTF-16 and UTF-32 text holds NUL bytes between the letters.
# Narrower than slopolicy.gitops.earlier.unspelt, which looks for names (any character: a
# quote, a tab, an alias): a marker is letters, digits, dots and slashes, which no other escape
# writes and an alias repeats as written where it is anchored.
SPELT_OTHERWISE = (b"\\x", b"\\u", b"\\U", b"\\/", b"\\\n", b"\\\r", b"\x00")


def may_hold(raw: bytes, markers: tuple[bytes, ...]) -> bool:
    """Whether ``raw`` may hold a document of an apiVersion one of ``markers`` is part of:
    a quick test before parsing, which never says no to a file that does."""
    return any(m in raw for m in markers) or any(s in raw for s in SPELT_OTHERWISE)


# apiVersions written the way another version of the same specification spells
# them: the likely fix, ahead of any spelling guess.
RENAMED = {
    "openslo/v2alpha": "openslo.com/v2alpha",
    "openslo.com/v1": "openslo/v1",
    "openslo.com/v1alpha": "openslo/v1alpha",
}
SLA_KEY = ("slopolicy/v1", "SLA")
SLO_KEY = ("openslo/v1", "SLO")
SLI_KEY = ("openslo/v1", "SLI")

# Sloth's own format keys its version ``version: prometheus/v1``, has no kind,
# and is named by its service.
SLOTH_SPEC = "prometheus/v1"
SLOTH_KIND = "PrometheusServiceLevel"
# apiVersions whose documents' names are not identities: a Sloth file is
# named by its service, and several files may serve one service
SHARED_NAMES = frozenset({SLOTH_SPEC})


def declared(data: Mapping[str, Any]) -> tuple[Any, Any]:
    """The apiVersion and kind a document declares (for Sloth's format, the ones it implies)."""
    api = data.get("apiVersion")
    if api is None and "apiVersion" not in data and data.get("version") == SLOTH_SPEC:
        return SLOTH_SPEC, data.get("kind", SLOTH_KIND)
    return api, data.get("kind")


def header_path(api_version: str) -> str:
    """The key that holds a document's version: ``apiVersion``, or Sloth's ``version``."""
    return "version" if api_version == SLOTH_SPEC else "apiVersion"

# The lists of an SLA whose items a name identifies: where each is, its naming field, and
# what an item is called. The change gate pairs items by these names (slopolicy.changes),
# so ``duplicate-name`` reports a name repeated in one of them (slopolicy.rules).
SLA_KEYED_LISTS: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("spec", "objectives"), "name", "objective", "objectives"),
    (("spec", "exclusions"), "name", "exclusion", "exclusions"),
    (("spec", "support", "severities"), "level", "support severity", "severities"),
)
