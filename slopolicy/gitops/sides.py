"""The documents of one side of a comparison, as the trusted document globs select them."""
from __future__ import annotations

from pathlib import Path

from slopolicy.cache.store import Cache
from slopolicy.check import analysis
from slopolicy.config.settings import Config
from slopolicy.load import discovery
from slopolicy.load.readers import Reader
from slopolicy.model.documents import SourceFile


def load_side(reader: Reader, config: Config, repo_root: Path, cache: Cache | None = None,
              jobs: int | None = 1) -> list[SourceFile]:
    """The documents the globs of ``config`` select on ``reader``'s side (cached by content)."""
    chosen = discovery.select(config, reader.paths(), repo_root)
    blobs = reader.read(chosen)
    return analysis.load_contents(((p, blobs[p]) for p in chosen if p in blobs), cache, jobs)
