"""The documents of one side of a comparison, as the trusted document globs select them."""
from __future__ import annotations

from pathlib import Path

from slopolicy.cache.store import Cache
from slopolicy.check import analysis
from slopolicy.config.settings import Config
from slopolicy.load import discovery
from slopolicy.load.files import symlink_file
from slopolicy.load.readers import Reader
from slopolicy.model.documents import SourceFile


def load_side(reader: Reader, config: Config, repo_root: Path, cache: Cache | None = None,
              jobs: int | None = 1, analyses: analysis.Analyses | None = None
              ) -> list[SourceFile]:
    """The documents the globs of ``config`` select on ``reader``'s side (cached by content).

    A symbolic link the globs select is a finding, as in the working tree.
    ``analyses``: contents the run analysed already (the other side's), shared.
    """
    links = reader.links()
    chosen = discovery.select(config, [*reader.paths(), *links], repo_root)
    linked = reader.link_targets(chosen) if links else {}
    blobs = reader.read(p for p in chosen if p not in linked)
    loaded = analysis.load_contents(((p, blobs[p]) for p in chosen if p in blobs), cache, jobs,
                                    analyses)
    if not linked:
        return loaded
    by_path = {f.path: f for f in loaded}
    by_path.update((p, symlink_file(p, target)) for p, target in linked.items())
    return [by_path[p] for p in chosen if p in by_path]
