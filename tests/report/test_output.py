"""Writing reports to files: a stream is copied in pieces, never read whole."""
from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from slopolicy.report.output import write_atomic


class Pieces(io.StringIO):
    """A report in a temporary file, as `audit` makes it: reading it whole is refused here."""

    def read(self, size: int | None = -1) -> str:
        assert size is not None and size > 0, "the whole report was read into memory"
        return super().read(size)


def test_a_stream_is_copied_in_pieces_to_a_new_file(tmp_path: Path) -> None:
    text = "".join(f"line {n}: {'x' * 50}\n" for n in range(20_000))  # 1.2 MB
    target = tmp_path / "reports" / "audit.json"
    write_atomic(target, Pieces(text))
    assert target.read_text() == text
    assert [p.name for p in target.parent.iterdir()] == ["audit.json"]  # no temporary left


def test_a_stream_is_written_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so the writer can open
    try:
        write_atomic(fifo, Pieces("a small report\n"))
        assert os.read(reader, 100) == b"a small report\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
