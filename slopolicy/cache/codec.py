"""Typed values to JSON-able data and back, checked against their declared types.

:func:`codec` builds, once per type, a pair of functions: ``encode`` turns a
value into data :mod:`json` writes as it is (objects, arrays, strings,
numbers, booleans, null) and ``decode`` turns such data back into a value of
exactly that type, or raises :class:`Malformed`. Records (structs, dataclasses
and named tuples) are objects keyed by their field names; ``Decimal``, dates and
times are their exact text; tuples and lists are arrays. There is no way to
name a type in the data: what a value is comes from the declaration alone,
so reading data never constructs anything the declaration did not name.
"""
from __future__ import annotations

import array
import base64
import binascii
import datetime
import sys
import types
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Generic, TypeVar

from msgspec import Struct

from slopolicy.text.yamlsource import Path

T = TypeVar("T")
Json = Any  # what json.dumps writes and json.loads reads


class Malformed(ValueError):
    """Data that is not a value of the declared type."""


class Codec(Generic[T]):
    """How values of one type become JSON-able data, and back."""

    __slots__ = ("encode", "decode", "kind", "types", "row", "known")

    def __init__(self, encode: Callable[[T], Json], decode: Callable[[Json], T],
                 kind: str, types: frozenset[type] | None = None,
                 row: list[frozenset[type]] | None = None) -> None:
        self.encode = encode  # raises TypeError for a value not of the type
        self.decode = decode  # raises Malformed
        self.kind = kind  # the JSON kind it writes: "string", "number", "array", ...
        # For scalars written as they are: the Python types they read back as
        # (so a long column of them is checked at C speed); for a tuple of such
        # scalars, the types of each place (so a list of them is read in one go).
        self.types = types
        self.row = row
        # For values that repeat: decoded values by their data's digest (see shared)
        self.known: dict[str, T] | None = None

    def then(self, after: Callable[[T], T]) -> Codec[T]:
        """The same data, each decoded value passed through ``after`` (to share equal values)."""
        decode = self.decode
        return Codec(self.encode, lambda data: after(decode(data)), self.kind)

    def shared(self) -> Codec[T]:
        """The same, each distinct datum decoded once per process (the decoded value shared).

        For values that repeat across many documents (the same terms in every
        cache file). Whoever reads data for this codec and knows a digest of
        it (a cache file keeps one per value) looks there first.
        """
        copy = Codec(self.encode, self.decode, self.kind, self.types, self.row)
        copy.known = {}
        return copy


def codec(tp: Any) -> Codec[Any]:
    """The codec of a type: a record, a scalar, or a list, tuple, dict or union of those."""
    try:
        return _BUILT[tp]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation
        return _build(tp)
    built = _BUILT[tp] = _build(tp)
    return built


_BUILT: dict[Any, Codec[Any]] = {}


def _exact(json_kind: str, *kinds: type, what: str = "") -> Codec[Any]:
    """Values of exactly these types (a bool is no int here), written as they are."""
    allowed = frozenset(kinds)
    what = what or " or ".join(kind.__name__ for kind in kinds)

    def encode(value: Any) -> Any:
        if type(value) not in allowed:
            raise TypeError(f"{value!r} is not {what}")
        return value

    def decode(data: Any) -> Any:
        if type(data) not in allowed:
            raise Malformed(f"{data!r} is not {what}")
        return data

    return Codec(encode, decode, json_kind, allowed)


def _textual(kind: type, parse: Callable[[str], Any]) -> Codec[Any]:
    """A type written as its exact text: str(value), parsed back by ``parse``."""
    def encode(value: Any) -> str:
        if type(value) is not kind:
            raise TypeError(f"{value!r} is not {kind.__name__}")
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    def decode(data: Any) -> Any:
        if type(data) is not str:
            raise Malformed(f"{data!r} is not the text of a {kind.__name__}")
        try:
            return parse(data)
        except (ValueError, InvalidOperation):
            raise Malformed(f"{data!r} is not the text of a {kind.__name__}") from None

    return Codec(encode, decode, "string")


def _naive(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is not None:
        raise ValueError("only wall-clock times (no time zone) are kept")
    return value


_SCALARS: dict[Any, Codec[Any]] = {
    str: _exact("string", str),
    int: _exact("number", int),
    bool: _exact("boolean", bool),
    type(None): _exact("null", type(None)),
    Decimal: _textual(Decimal, Decimal),
    Fraction: _textual(Fraction, Fraction),  # "p/q", exact
    datetime.date: _textual(datetime.date, datetime.date.fromisoformat),
    datetime.datetime: _textual(
        datetime.datetime, lambda text: _naive(datetime.datetime.fromisoformat(text))),
}


def _raw() -> Codec[Any]:
    """JSON data as it is (what it means is up to whoever reads it, with a codec of its own)."""
    def same(value: Any) -> Any:
        return value

    return Codec(same, same, "any")


class Raw:
    """The type of JSON data kept as it is, in a record: see :func:`_raw`."""


class Packed(Struct, frozen=True):
    """Marks a column of ints kept as their bytes: ``Annotated[list[int], Packed("q")]``.

    ``i`` is signed 32-bit, ``q`` signed and ``Q`` unsigned 64-bit; the bytes
    are little-endian, in base64. A column of 20,000 numbers is then one
    string, read at C speed (each number in JSON text costs a parse of its own).
    """

    typecode: str


_WIDTHS = {"i": 4, "q": 8, "Q": 8}


def _packed(typecode: str) -> Codec[Any]:
    if array.array(typecode).itemsize != _WIDTHS.get(typecode):
        raise TypeError(f"packed columns are i, q or Q of their usual width, not {typecode!r}")

    def encode(value: Any) -> str:
        if type(value) is not list or not set(map(type, value)) <= {int}:
            raise TypeError(f"{value!r} is not a list of ints")
        try:
            column = array.array(typecode, value)
        except OverflowError:
            raise TypeError(f"{value!r} does not fit 64 bits") from None
        if sys.byteorder == "big":
            column.byteswap()
        return base64.b64encode(column.tobytes()).decode("ascii")

    def decode(data: Any) -> Any:
        if type(data) is not str:
            raise Malformed(f"{data!r} is not a packed column")
        column = array.array(typecode)
        try:
            # not strict about stray characters: the text is the one its file's MAC vouches for
            column.frombytes(binascii.a2b_base64(data))
        except ValueError:  # binascii.Error, or a length that is not a whole number
            raise Malformed("not a packed column of 64-bit ints") from None
        if sys.byteorder == "big":
            column.byteswap()
        return column.tolist()

    return Codec(encode, decode, "string")


def _build(tp: Any) -> Codec[Any]:
    if tp == Path:  # keys that are not strings (YAML allows them) stay what they are
        # a part of a path: a key (any YAML scalar key) or a list index
        return _sequence(_exact("scalar", str, int, bool, float, type(None),
                                what="a key or an index"), tuple)
    if tp in _SCALARS:
        return _SCALARS[tp]
    if tp is Raw:
        return _raw()
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        marks = [mark for mark in args[1:] if isinstance(mark, Packed)]
        if marks and args[0] == list[int]:
            return _packed(marks[0].typecode)
        return codec(args[0])
    if origin is typing.Literal:
        return _literal(args)
    if origin in (typing.Union, types.UnionType):
        return _union([codec(arg) for arg in args])
    if origin is list:
        return _sequence(codec(args[0]), list)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence(codec(args[0]), tuple)
        return _fixed([codec(arg) for arg in args])
    if origin is dict and args and args[0] is str:
        return _mapping(codec(args[1]))
    if isinstance(tp, type) and _field_names(tp) is not None:
        return _record(tp)
    raise TypeError(f"no codec for {tp!r}: declare facts with records, scalars and containers")


def _literal(values: tuple[Any, ...]) -> Codec[Any]:
    allowed = frozenset(values)
    if not all(type(v) is str for v in values):
        raise TypeError("only literal strings are supported")

    def encode(value: Any) -> Any:
        if type(value) is not str or value not in allowed:
            raise TypeError(f"{value!r} is not one of {sorted(allowed)}")
        return value

    def decode(data: Any) -> Any:
        if type(data) is not str or data not in allowed:
            raise Malformed(f"{data!r} is not one of {sorted(allowed)}")
        return data

    return Codec(encode, decode, "string")


def _union(members: list[Codec[Any]]) -> Codec[Any]:
    kinds = [m.kind for m in members]
    if len(set(kinds)) != len(kinds) or "scalar" in kinds and len(kinds) > 1:
        raise TypeError("the members of a union must read back as different kinds of JSON value")
    if len(members) == 2 and kinds[1] == "null":  # Optional: the common case, made quick
        inner = members[0]

        def encode_optional(value: Any) -> Any:
            return None if value is None else inner.encode(value)

        def decode_optional(data: Any) -> Any:
            return None if data is None else inner.decode(data)

        if inner.row is not None:
            return Codec(encode_optional, _rows_decoder(inner.row, optional=True),
                         inner.kind + "?")
        if inner.types is None:
            return Codec(encode_optional, decode_optional, inner.kind + "?")
        scalars = inner.types | {type(None)}

        def decode_scalar(data: Any) -> Any:
            if type(data) not in scalars:
                raise Malformed(f"{data!r} is not {inner.kind} or null")
            return data

        return Codec(encode_optional, decode_scalar, inner.kind + "?", scalars)

    def encode(value: Any) -> Any:
        for member in members:
            try:
                return member.encode(value)
            except TypeError:
                continue
        raise TypeError(f"{value!r} is none of the union's types")

    def decode(data: Any) -> Any:
        for member in members:
            try:
                return member.decode(data)
            except Malformed:
                continue
        raise Malformed(f"{data!r} is none of the union's types")

    every: frozenset[type] | None = frozenset()
    for member in members:
        every = every | member.types if every is not None and member.types is not None else None
    return Codec(encode, decode, "|".join(kinds), every)


def _sequence(item: Codec[Any], kind: type) -> Codec[Any]:
    encode_item, decode_item, scalars = item.encode, item.decode, item.types
    raw = item.kind == "any"  # JSON data as it is: nothing to decode
    if item.row is not None:
        decode_item = _rows_decoder(item.row, many=True)

    def encode(value: Any) -> list[Any]:
        items: list[Any] | tuple[Any, ...] = value
        if type(value) is not kind:
            raise TypeError(f"{value!r} is not a {kind.__name__}")
        if scalars is not None:
            if not set(map(type, items)) <= scalars:
                raise TypeError(f"{value!r} holds a value of another type")
            return list(items)
        return [encode_item(v) for v in items]

    def decode(data: Any) -> Any:
        if type(data) is not list:
            raise Malformed(f"{data!r} is not an array")
        if not data:
            return () if kind is tuple else []
        if scalars is not None:  # checked at once, kept as they are
            if not set(map(type, data)) <= scalars:
                raise Malformed(f"{data!r} holds a value of another type")
            return data if kind is list else tuple(data)
        if raw:
            return data if kind is list else tuple(data)
        if item.row is not None:
            rows: list[Any] = decode_item(data)
            return rows if kind is list else tuple(rows)
        decoded = [decode_item(v) for v in data]
        return decoded if kind is list else tuple(decoded)

    return Codec(encode, decode, "array")


def _fixed(items: list[Codec[Any]]) -> Codec[Any]:
    count = len(items)
    encoders = [c.encode for c in items]
    # scalars are checked together at C speed; the rest decoded one by one
    plain = [(i, c.types) for i, c in enumerate(items) if c.types is not None]
    plain_at = [i for i, _ in plain]
    plain_kinds = [kinds for _, kinds in plain]
    decoded_at = [(i, c.decode) for i, c in enumerate(items) if c.types is None]

    def encode(value: Any) -> list[Any]:
        if type(value) is not tuple or len(value) != count:
            raise TypeError(f"{value!r} is not a tuple of {count}")
        return [c(v) for c, v in zip(encoders, value)]

    def decode(data: Any) -> Any:
        if type(data) is not list or len(data) != count:
            raise Malformed(f"{data!r} is not an array of {count}")
        values = list(data)
        for i, decode_item in decoded_at:
            values[i] = decode_item(data[i])
        if plain and not all(map(frozenset.__contains__, plain_kinds,
                                 map(type, [data[i] for i in plain_at]))):
            raise Malformed(f"{data!r} holds a value of another type")
        return tuple(values)

    if not decoded_at:  # scalars only: read as a row
        return Codec(encode, _rows_decoder(plain_kinds), "array", row=plain_kinds)
    return Codec(encode, decode, "array")


def _rows_decoder(kinds: list[frozenset[type]], optional: bool = False,
                  many: bool = False) -> Callable[[Any], Any]:
    """Reads a tuple of scalars (or null, if ``optional``; or a list of them, if ``many``).

    Their types are checked at C speed, and no function is called per tuple:
    a list of 10,000 references is read in one call.
    """
    count = len(kinds)

    def one(data: Any) -> Any:
        if data is None and optional:
            return None
        if (type(data) is not list or len(data) != count
                or not all(map(frozenset.__contains__, kinds, map(type, data)))):
            raise Malformed(f"{data!r} is not a tuple of {count} of its types")
        return tuple(data)

    def each(data: list[Any]) -> list[Any]:
        for value in data:
            if (type(value) is not list or len(value) != count
                    or not all(map(frozenset.__contains__, kinds, map(type, value)))):
                raise Malformed(f"{value!r} is not a tuple of {count} of its types")
        return list(map(tuple, data))

    return each if many else one


def _mapping(item: Codec[Any]) -> Codec[Any]:
    def encode(value: Any) -> dict[str, Any]:
        if type(value) is not dict or not all(type(k) is str for k in value):
            raise TypeError(f"{value!r} is not a dict of str keys")
        return {k: item.encode(v) for k, v in value.items()}

    def decode(data: Any) -> Any:
        if type(data) is not dict:
            raise Malformed(f"{data!r} is not an object")
        return {k: item.decode(v) for k, v in data.items()}

    return Codec(encode, decode, "object")


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The fields of a record type, in order; None for any other type."""
    if issubclass(cls, Struct):
        return cls.__struct_fields__
    if hasattr(cls, "__dataclass_fields__"):
        import dataclasses  # imported already: the class is one

        return tuple(f.name for f in dataclasses.fields(typing.cast(Any, cls)))
    names: tuple[str, ...] | None = getattr(cls, "_fields", None)
    return names


def _record(cls: type) -> Codec[Any]:
    """A struct, dataclass or named tuple, as an object of its fields (built on first use)."""
    fields: list[tuple[str, Codec[Any]]] = []

    def ready() -> list[tuple[str, Codec[Any]]]:
        # resolved late: a record may refer to itself or to types declared after it
        if not fields:
            hints = typing.get_type_hints(cls, include_extras=True)
            fields.extend((name, codec(hints[name])) for name in _field_names(cls) or ())
        return fields

    def encode(value: Any) -> dict[str, Any]:
        if type(value) is not cls:
            raise TypeError(f"{value!r} is not a {cls.__name__}")
        return {name: c.encode(getattr(value, name)) for name, c in ready()}

    def decode(data: Any) -> Any:
        known = ready()
        if type(data) is not dict or len(data) != len(known):
            raise Malformed(f"{data!r} is not a {cls.__name__}")
        try:
            return cls(*[c.decode(data[name]) for name, c in known])
        except KeyError as exc:
            raise Malformed(f"a {cls.__name__} has {exc}") from None
        except (TypeError, ValueError) as exc:  # the record refuses the values
            if isinstance(exc, Malformed):
                raise
            raise Malformed(f"not a {cls.__name__}: {exc}") from None

    return Codec(encode, decode, "object")
