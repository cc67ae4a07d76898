"""The round-trip YAML of the commands that write documents (fmt, convert).

Comments, key order and scalar styles are kept, as ruamel.yaml's round trip
keeps them. Its constructors build a date, a number or a boolean from the
text; where the text is none of those (``2025-02-30``, ``!!int abc``,
``!!bool maybe``) they raise. slopolicy's own loader reads such a scalar as
its text (:mod:`slopolicy.text.yamlsource`), so the writers keep it as
written, with its tag, instead of failing on a file that checks.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter

_STD = "tag:yaml.org,2002:"
_BUILT = ("int", "float", "bool", "timestamp")  # the tags whose constructors read the text


class AsWritten(str):
    """A scalar its tag cannot be built from: its text, and the tag it is written with."""

    tag: str = _STD + "str"


def _kept(construct: Callable[[Any, ScalarNode], Any]) -> Callable[[Any, ScalarNode], Any]:
    def build(constructor: Any, node: ScalarNode) -> Any:
        try:
            return construct(constructor, node)
        except (ValueError, LookupError):  # a day past the month's end, "maybe", "0x"
            kept = AsWritten(node.value)
            kept.tag = node.tag or kept.tag
            return kept

    return build


class _Constructor(RoundTripConstructor):
    pass


for _name in _BUILT:
    _Constructor.add_constructor(_STD + _name,
                                 _kept(RoundTripConstructor.yaml_constructors[_STD + _name]))


class _Representer(RoundTripRepresenter):
    pass


def _as_written(representer: Any, value: AsWritten) -> Any:
    # the same tag and text: plain where the tag is the one YAML gives the text, else with it
    return representer.represent_scalar(value.tag, str(value))


_Representer.add_representer(AsWritten, _as_written)


def roundtrip() -> YAML:
    """A round-trip YAML laid out as slopolicy writes documents."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Representer = _Representer
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long query
    return yaml
