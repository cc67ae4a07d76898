"""slopolicy convert: write the SLOs of another format as OpenSLO v1."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from slopolicy.commands import EXIT_FINDINGS, EXIT_OK
from slopolicy.model.errors import UsageError

if TYPE_CHECKING:
    from slopolicy.text.yamlsource import Path as DocPath

NAME = "convert"
HELP = "write Sloth, Pyrra, Nobl9 and OpenSLO v1alpha/v2alpha SLOs as OpenSLO v1"
DESCRIPTION = """\
Read Sloth (prometheus/v1, sloth.slok.dev/v1), Pyrra (pyrra.dev/v1alpha1),
Nobl9 (n9/v1alpha) and OpenSLO openslo/v1alpha and openslo.com/v2alpha
documents, and write each SLO as an OpenSLO v1 SLO and SLI, with a Service
where the original names one. Comments and key order are kept where OpenSLO
v1 has a place for them. What OpenSLO v1 cannot say (Sloth's alerting, the
rules Pyrra generates) and what the original left unsaid (Sloth's window) is
reported on stderr at its line in the original, never dropped in silence. The
converted documents give the verdicts the originals gave.

What is written: to stdout or --output, the converted documents and those
already in openslo/v1 or slopolicy/v1, nothing else; any other document (a
Kubernetes Deployment, a ConfigMap, a Nobl9 Project, one that does not
convert) is left out of the output, each said in a note at its line. With
--in-place, each converted document is replaced by its conversion where it
stood, and every other document is kept byte for byte, with its comments and
place in the file; a note says so at its line. A document that does not
convert (a Sloth document that names no service, or holds an SLO with no name)
is kept whole as it was, for you to fix and convert again. A file in which
nothing converts is not written, nor one whose rewrite would not read back as
the documents kept and their conversions, nor a YAML list of objects that
holds other objects beside its SLOs (they would be laid out anew: use
--output). What OpenSLO v1 cannot say of a
converted document (the notes) is not in the rewritten file: git keeps the
original.

Each converted document is read back and checked against OpenSLO v1's schema,
as `slopolicy check` reads it. Where the original lacks what OpenSLO v1
requires (a v2alpha SLO may name no service) or holds what it refuses, the
document is written all the same, for you to complete, and each error is
reported on stderr at its line in the original, saying what OpenSLO v1 needs.
"""
EPILOG = """\
exit codes:
  0  converted, and every converted document is valid OpenSLO v1 (notes on stderr
     say what was left out or assumed)
  1  a converted document is not valid OpenSLO v1 (it is written all the same; each
     error on stderr says what to add or change), a file held nothing to convert,
     broken YAML, or a document not converted (an object of no format slopolicy
     reads, or one that does not convert: --in-place keeps it as it was, and
     writes the conversions of the others)
  2  usage error (a missing file)

examples:
  slopolicy convert --to openslo/v1 slos/sloth.yml > slos/openslo.yaml
  slopolicy convert --to openslo/v1 pyrra/*.yaml --output slos/from-pyrra.yaml
  slopolicy convert --to openslo/v1 --in-place slos/legacy.yaml   v1alpha to v1, in place
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files to convert")
    parser.add_argument("--to", required=True, choices=("openslo/v1",),
                        help="the format to write: openslo/v1")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", metavar="FILE", help="write every converted document (and those "
                       "already in openslo/v1 or slopolicy/v1) to FILE (default: stdout)")
    where.add_argument("--in-place", action="store_true", help="replace each converted "
                       "document, in its file, with its conversion; keep every other document "
                       "as it is")


def run(options: argparse.Namespace) -> int:
    from ruamel.yaml.error import YAMLError

    from slopolicy.formats.convert import Converted, NotInPlace, convert
    from slopolicy.load.files import linked_on_the_way, load_bytes, read_regular
    from slopolicy.report.output import rewrite_atomic, write_atomic
    from slopolicy.report.terminal import line

    services: set[str] = set()
    results: list[tuple[Path, Converted]] = []
    failed, refused = False, 0
    for raw in options.paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file")
        linked = linked_on_the_way(path) if options.in_place else None
        if linked is not None:  # replaced in place, what it leads to may be outside the project
            print(f"{line(raw)}:1:1: error: {line(linked)}", file=sys.stderr)
            failed = True
            continue
        data, why = read_regular(path)  # never a FIFO or a device: no wait, no flood
        if data is None:
            print(f"{raw}: error: {why}", file=sys.stderr)
            failed = True
            continue
        loaded = load_bytes(raw, data)
        if loaded.problems:  # broken YAML is reported, never converted by guess
            for problem in loaded.problems:
                print(f"{raw}:{problem.line}:{problem.column}: error: {line(problem.message)}",
                      file=sys.stderr)
            failed = True
            continue
        try:
            result = convert(loaded.text, services, written_errors, options.in_place)
        except YAMLError as problem:  # what the strict loader took and the round-trip one did not
            print(f"{raw}: error: cannot convert: {line(str(problem).splitlines()[0])}",
                  file=sys.stderr)
            failed = True
            continue
        except NotInPlace as problem:  # never a rewrite that loses or changes a document
            print(f"{raw}: error: not written: {line(str(problem))}", file=sys.stderr)
            failed = True
            continue
        for note in result.notes:
            print(f"{raw}:{note.line}:{note.column}: {note.severity}: {line(note.message)}",
                  file=sys.stderr)
        refused += result.refused
        if not result.converted and not result.kept:
            why = ("no document in it converts (the notes above say why)" if result.refused
                   else "no document of a format slopolicy reads")
            print(f"{raw}: error: nothing to convert: {why}", file=sys.stderr)
            failed = True
            continue
        failed = failed or bool(result.refused)
        results.append((path, result))
    errors = sum(result.errors for _, result in results)
    if options.in_place:
        for path, result in results:
            if result.converted:
                rewrite_atomic(path, result.text)
    else:
        text = "---\n".join(result.text for _, result in results if result.text)
        if options.output and not text:
            # an output file from an earlier run is kept, not emptied
            print(f"slopolicy convert: nothing written to {line(options.output)}",
                  file=sys.stderr)
        elif options.output:
            write_atomic(Path(options.output), text)
        else:
            sys.stdout.write(text)
    converted = sum(result.converted for _, result in results)
    invalid = (f"; {errors} error{'s' if errors != 1 else ''}: what was written is not valid "
               f"OpenSLO v1 until {'they are' if errors != 1 else 'it is'} fixed" if errors else "")
    kept = "kept as it is" if refused == 1 else "kept as they are"
    left = (f"; {refused} not converted, {kept if options.in_place else 'left out of the output'}"
            if refused else "")
    print(f"slopolicy convert: {converted} document{'s' if converted != 1 else ''} converted "
          f"to {options.to}{left}{invalid}", file=sys.stderr)
    return EXIT_FINDINGS if failed or errors else EXIT_OK


def written_errors(text: str) -> list[tuple[DocPath, bool, str]]:
    """The schema errors of one written document, read back from its text as `check` reads it.

    Never from the round-trip loader's data: its timestamp is a date, where
    the text holds what a reader takes for a string.
    """
    from slopolicy.load.files import load_text
    from slopolicy.load.schemas import document_errors

    source = load_text("converted.yaml", text)
    found: list[tuple[DocPath, bool, str]] = [
        ((), False, f"the written text does not read back: {problem.message}")
        for problem in source.problems]
    for document in source.documents:
        found.extend(document_errors(document.data))
    return found
