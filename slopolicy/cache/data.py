"""Document data to JSON text and back, exactly, without running code.

The data model is the loader's (:mod:`slopolicy.text.yamlsource`): ``dict``,
``list``, ``str``, ``int``, ``decimal.Decimal`` (exact, however long),
``float`` (only infinities and NaN), ``bool`` and ``None``, with mapping keys
that may be any of those scalars. Almost all of it is plain JSON, so reading
it back is one call to the C decoder: a Decimal is written as a JSON number
with a fraction or an exponent, which the decoder hands to ``Decimal`` as
text (so ``99.950`` stays ``99.950``), and ints are written without either.
The rest (a mapping with a key that is not a string, a huge int, a float
that is a number) is written as a *tagged* object, ``{"\\u0000": [tag,
value]}``, and a mapping whose only key is NUL is tagged too, so reading
back is unambiguous; the tagged objects are rare and cost a walk only when
there are any.
"""
from __future__ import annotations

import json
import math
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

TAG = "\x00"
_TAGGED = '"\\u0000":'  # how a TAG key reads in the JSON text (ASCII-escaped)
# ints beyond Python's default limit on int <-> decimal text are written in hex
_HUGE = 10 ** 4000


class DataError(ValueError):
    """Text that is not document data as :func:`dumps` writes it."""


def dumps(value: Any) -> str:
    """``value`` as JSON text (ASCII); :func:`loads` gives back an equal value of the same types."""
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts)


def loads(text: str | bytes) -> Any:
    """The value :func:`dumps` wrote; :class:`DataError` for anything else."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        raise DataError(f"not JSON: {exc}") from None
    tagged = _TAGGED.encode() if isinstance(text, bytes) else _TAGGED
    if tagged in text:  # type: ignore[operator]
        value = _untag(value)
    return value


def _write(value: Any, out: Any) -> None:
    kind = type(value)
    if kind is str:
        out(_quote(value))
    elif kind is dict:
        if all(type(k) is str for k in value) and not (len(value) == 1 and TAG in value):
            out("{")
            first = True
            for key, item in value.items():
                if not first:
                    out(",")
                first = False
                out(_quote(key))
                out(":")
                _write(item, out)
            out("}")
        else:
            _write_tagged("map", [[k, v] for k, v in value.items()], out)
    elif kind is list:
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _write(item, out)
        out("]")
    elif kind is bool:
        out("true" if value else "false")
    elif value is None:
        out("null")
    elif kind is int:
        if -_HUGE < value < _HUGE:
            out(str(value))
        else:
            _write_tagged("int", hex(value), out)
    elif kind is Decimal:
        _write_decimal(value, out)
    elif kind is float:
        if math.isfinite(value):
            _write_tagged("float", value.hex(), out)
        else:
            out("NaN" if value != value else "Infinity" if value > 0 else "-Infinity")
    else:
        raise TypeError(f"{kind.__name__} is not document data")


def _write_decimal(value: Decimal, out: Any) -> None:
    if not value.is_finite():
        _write_tagged("decimal", str(value), out)
        return
    text = str(value)
    if "." not in text and "E" not in text:
        text += "E0"  # the same Decimal (exponent 0), but a JSON number with an exponent
    out(text)


def _write_tagged(tag: str, value: Any, out: Any) -> None:
    out('{"\\u0000":[')
    out(_quote(tag))
    out(",")
    _write(value, out)
    out("]}")


def _untag(value: Any) -> Any:
    if type(value) is list:
        return [_untag(item) for item in value]
    if type(value) is not dict:
        return value
    if len(value) == 1 and TAG in value:
        return _read_tagged(value[TAG])
    return {key: _untag(item) for key, item in value.items()}


def _read_tagged(tagged: Any) -> Any:
    if type(tagged) is not list or len(tagged) != 2 or type(tagged[0]) is not str:
        raise DataError("a tagged value is [tag, value]")
    tag, value = tagged
    try:
        if tag == "map" and type(value) is list:
            pairs = [_untag(pair) for pair in value]
            if not all(type(p) is list and len(p) == 2 and _scalar(p[0]) for p in pairs):
                raise DataError("a mapping is a list of [scalar key, value]")
            return {key: item for key, item in pairs}
        if tag == "int" and type(value) is str:
            return int(value, 16)
        if tag == "float" and type(value) is str:
            return float.fromhex(value)
        if tag == "decimal" and type(value) is str:
            return Decimal(value)
    except ArithmeticError as exc:  # InvalidOperation
        raise DataError(f"bad {tag}: {exc}") from None
    except ValueError as exc:
        raise DataError(f"bad {tag}: {exc}") from None
    raise DataError(f"unknown tag {tag!r}")


def _scalar(value: Any) -> bool:
    return value is None or type(value) in (str, int, bool, float, Decimal)
