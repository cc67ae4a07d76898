"""Where the shipped data lives: inside the wheel, or beside the package.

A built wheel carries ``schemas/`` and ``presets/`` as ``slopolicy/_data``;
a source checkout or editable install reads the top-level folders.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent.parent  # the slopolicy package


def data_dir(name: str) -> Path:
    bundled = _PACKAGE / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name


@functools.lru_cache(maxsize=None)
def load_json(folder: str, filename: str) -> Any:
    with open(data_dir(folder) / filename, encoding="utf-8") as f:
        return json.load(f)
