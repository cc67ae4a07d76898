"""Reporters: turning results into output formats, by family (``check``, ``changes``, ``audit``).

Each family lists its formats in one :class:`Registry`: ``--format`` name ->
the module that renders it. The command line offers exactly those names. A
format is a module with ``report(value, stream)``, imported only when it is
chosen, so building the parser imports none of them.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Generic, TextIO, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """``--format`` name -> module (in ``package``) whose ``report(value, stream)`` writes it."""

    def __init__(self, package: str, modules: Mapping[str, str]) -> None:
        self.package = package
        self._modules = dict(modules)

    def names(self) -> list[str]:
        """The format names, in the order ``--help`` lists them."""
        return list(self._modules)

    def get(self, name: str) -> Callable[[T, TextIO], None]:
        """The reporter of ``name``; importing its module is the first time it costs anything."""
        module = importlib.import_module(f"{self.package}.{self._modules[name]}")
        reporter: Callable[[T, TextIO], None] = module.report
        return reporter
