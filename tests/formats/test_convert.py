"""slopolicy convert --to openslo/v1: other formats' real SLOs written as OpenSLO v1."""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import REPO, Project, Run
from test_slo_formats import DATA, MIX, mixed, verdicts

from slopolicy.formats.convert import convert
from slopolicy.load.files import load_text
from slopolicy.text.comments import comment_lines
from slopolicy.text.yamlsource import LoadedDocument, iter_documents


def convert_cli(project: Project, *args: str) -> Run:
    """``slopolicy convert --to openslo/v1 ARGS`` as users run it; when it says what it wrote
    is valid (exit 0), `slopolicy check` finds it valid too."""
    run = project.run("convert", "--to", "openslo/v1", *args)
    if run.code == 0:
        assert written_schema_errors(project, args, run) == [], run.err
    return run


def written_schema_errors(project: Project, args: tuple[str, ...], run: Run) -> list[str]:
    """`slopolicy check`'s schema errors in what the convert run with ``args`` wrote."""
    if "--output" in args:
        written = [args[args.index("--output") + 1]]
    elif "--in-place" in args:
        written = [arg for arg in args if not arg.startswith("--")]
    else:
        project.write_bytes("stdout.yaml", run.out.encode())
        written = ["stdout.yaml"]
    report = project.run("check", "--format", "json", "--no-cache", "--select", "schema",
                         *written).json
    if written == ["stdout.yaml"]:
        (project.root / "stdout.yaml").unlink()
    return [f'{p["file"]}:{p["line"]}: {p["message"]}' for p in report["problems"]]


def converted_repo(source: Path, target: Path, project: Project) -> Path:
    """``source``'s SLO files converted one by one (with the CLI) into ``target``, its SLAs as they are."""
    shutil.copytree(source / "slas", target / "slas")
    (target / "slos").mkdir()
    for path in sorted((source / "slos").iterdir()):
        out = target / "slos" / f"{path.stem}.yaml"
        run = convert_cli(project, str(path), "--output", str(out))
        assert run.code == 0, run.err
    return target


def test_converted_files_give_the_verdicts_the_originals_gave(
        tmp_path: Path, project: Project) -> None:
    original = mixed(tmp_path / "original")
    converted = converted_repo(original, tmp_path / "converted", project)
    before, after = verdicts(original), verdicts(converted)
    assert after == before  # status, headroom and counterexample of every backing
    assert {status for backings in after.values() for _, _, status, _, _ in backings} == {
        "proven", "violated", "incomparable"}
    # and no SLO of the converted repository is of another format any more
    for path in (converted / "slos").iterdir():
        assert "apiVersion: openslo/v1\n" in path.read_text()
        assert all(d.api_version in ("openslo/v1",) for d in load_text(path.name, path.read_text()).documents)


def test_converted_documents_are_valid_openslo_v1(tmp_path: Path, project: Project) -> None:
    converted = converted_repo(mixed(tmp_path / "original"), project.root, project)
    assert converted == project.root
    report = project.run("check", "--format", "json", "--no-cache", "--select",
                         "schema,unknown-kind,unresolved-reference,openslo-semantics,"
                         "openslo-portability").json
    problems = {(p["rule"], p["severity"], p["file"], p["message"].split(";")[0])
                for p in report["problems"]}
    # as in the original: the v2alpha example's op on a ratio SLI (valid OpenSLO v1, which the
    # Go SDK refuses: a warning), and its DataSource kept elsewhere
    assert problems == {
        ("openslo-portability", "warning", "slos/openslo-v2alpha-slos.yaml",
         "op on an objective of SLI web-successful-requests-ratio, a ratioMetric: the OpenSLO "
         'go-sdk refuses it wherever the SLI is written inline ("property is forbidden")'),
        ("unresolved-reference", "error", "slos/openslo-v2alpha-slos.yaml",
         "DataSource 'my-prometheus' is not defined in the checked documents"),
    }


def test_comments_and_key_order_are_kept() -> None:
    for name in MIX:
        text = (DATA / name).read_text()
        out = convert(text).text
        assert [c for _, _, c in comment_lines(out)] == [c for _, _, c in comment_lines(text)], name
    sloth = convert((DATA / "sloth" / "getting-started.yml").read_text()).text
    # the comment that introduced the SLO introduces it still; labels keep their order
    assert sloth.startswith("# We allow failing (5xx and 429) 1 request every 1000 requests (99.9%).\n")
    assert '    owner: "myteam"\n    repo: "myorg/myservice"\n    tier: "2"\n' not in sloth
    assert "    owner: myteam\n    repo: myorg/myservice\n    tier: '2'\n" in sloth
    nobl9 = convert((DATA / "nobl9" / "honeycomb.yaml").read_text()).text
    # each variant's comment stays above it
    blocks = nobl9.split("---\n")
    slos = [b for b in blocks if "kind: SLO\n" in b]
    assert [b.splitlines()[2] for b in slos] == ["# Time window type: Calendar",
                                                 "# Time window type: Rolling"] * 2


def test_what_openslo_cannot_say_is_reported_at_its_line(project: Project) -> None:
    shutil.copyfile(DATA / "sloth" / "getting-started.yml", project.root / "sloth.yml")
    shutil.copyfile(DATA / "pyrra" / "pyrra-connect-latency.yaml", project.root / "pyrra.yaml")
    run = convert_cli(project, "sloth.yml", "pyrra.yaml")
    assert run.code == 0
    notes = run.err.splitlines()
    assert ("sloth.yml:16:5: note: Sloth's alerting (the page and ticket alerts on multiwindow, "
            "multi-burn-rate windows) is not converted: OpenSLO v1 writes alerts as AlertPolicy "
            "documents") in notes
    assert any(n.startswith("sloth.yml:9:5: note: written out: Sloth does not write an SLO's "
                            "window") for n in notes)
    assert any(n.startswith("pyrra.yaml:1:1: note: Pyrra generates Prometheus recording rules")
               for n in notes)
    assert any(n.startswith("pyrra.yaml:18:7: note: grouping makes an SLO per group") for n in notes)
    assert any(n.startswith("pyrra.yaml:5:3: note: the Kubernetes namespace 'monitoring'")
               for n in notes)
    assert notes[-1] == "slopolicy convert: 2 documents converted to openslo/v1"
    # the SLO, its SLI and Sloth's Service; Pyrra's SLO and SLI
    assert run.out.count("kind: SLO\n") == 2 and run.out.count("kind: SLI\n") == 2
    assert run.out.count("kind: Service\n") == 1


def test_openslo_v1alpha_converts_to_v1(project: Project) -> None:
    for name in ("slos.yaml", "services.yaml"):
        shutil.copyfile(DATA / "openslo" / "v1alpha" / name, project.root / name)
    run = convert_cli(project, "slos.yaml", "services.yaml", "--output", "v1.yaml")
    out = (project.root / "v1.yaml").read_text()
    assert "openslo/v1alpha" not in out
    assert "timeWindows" not in out and "    - duration: 1w\n      isRolling: false\n" in out
    assert "kind: Service\nmetadata:\n  name: example-service\n  displayName: Example Service\n" in out
    # v1alpha has no time slice window, which v1 wants: not invented, so the written SLO is
    # not valid OpenSLO v1 until the user adds one. The note that says what to add is the
    # error, said once (not again in the schema's words); the calendar's startTime, a
    # timestamp to the round-trip loader and text to a reader, is no error
    assert run.code == 1
    assert run.err.splitlines() == [
        "slos.yaml:44:9: error: openslo/v1alpha gives no time slice window; OpenSLO v1 wants "
        "one: add timeSliceWindow (like 1m) to the converted objective",
        "slos.yaml:47:9: note: value means nothing to a ratio objective; OpenSLO v1 allows it "
        "only with a threshold metric: not converted",
        "slopolicy convert: 3 documents converted to openslo/v1; 1 error: what was written is "
        "not valid OpenSLO v1 until it is fixed"]
    assert written_schema_errors(project, ("--output", "v1.yaml"), run) == [
        "v1.yaml:52: budgetingMethod Timeslices needs timeSliceTarget and timeSliceWindow on "
        "every objective"]
    for name in ("slos.yaml", "services.yaml"):
        (project.root / name).unlink()
    report = project.run("check", "--format", "json", "--no-cache").json
    assert [(p["rule"], p["path"]) for p in report["problems"]] == [
        ("schema", "spec.objectives[0]")]  # the timeSliceWindow the note asked for


def test_in_place_rewrites_only_the_converted_files(project: Project) -> None:
    sloth = project.write("sloth.yml", (DATA / "sloth" / "no-alerts.yml").read_text())
    sla = project.write("sla.yaml", (DATA / "slas" / "sloth.yaml").read_text())
    before = sla.read_text()
    run = convert_cli(project, "--in-place", "sloth.yml", "sla.yaml")
    assert run.code == 0 and run.out == ""
    assert "version: \"prometheus/v1\"" not in sloth.read_text()
    assert "kind: SLO" in sloth.read_text()
    assert sla.read_text() == before  # already slopolicy/v1: nothing to convert, nothing written


def test_a_file_of_no_format_slopolicy_reads_is_an_error(project: Project) -> None:
    project.write("ci.yaml", "name: ci\non: push\n")
    project.write("broken.yaml", "version: prometheus/v1\nslos: [\n")
    run = convert_cli(project, "ci.yaml", "broken.yaml")
    assert run.code == 1
    assert "ci.yaml: error: nothing to convert" in run.err
    assert "broken.yaml:3:1: error:" in run.err
    assert convert_cli(project, "missing.yaml").code == 2


def test_an_output_file_is_not_emptied_when_nothing_converts(project: Project) -> None:
    """A run whose every input fails leaves the file an earlier run wrote as it was."""
    kept = project.write("slos-v1.yaml", "apiVersion: openslo/v1\nkind: Service\n")
    project.write("ci.yaml", "name: ci\non: push\n")
    run = convert_cli(project, "ci.yaml", "--output", "slos-v1.yaml")
    assert run.code == 1
    assert "nothing written to slos-v1.yaml" in run.err
    assert kept.read_text() == "apiVersion: openslo/v1\nkind: Service\n"


def test_a_service_is_written_once(project: Project) -> None:
    for name in ("home-wifi.yml", "raw-home-wifi.yml"):
        shutil.copyfile(DATA / "sloth" / name, project.root / name)
    run = convert_cli(project, "home-wifi.yml", "raw-home-wifi.yml")
    assert run.code == 0
    assert run.out.count("kind: Service\n") == 1 and run.out.count("kind: SLO\n") == 3


def test_sloth_labels_written_as_numbers_or_booleans_are_text(project: Project) -> None:
    # Sloth's own example: `generated: true`, `actual_le: 0.2`, read by Sloth as text
    shutil.copyfile(DATA / "sloth" / "victoria-metrics.yml", project.root / "vm.yml")
    report = project.run("check", "--format", "json", "--no-cache", "vm.yml").json
    assert [p for p in report["problems"] if p["rule"] == "schema"] == []
    run = convert_cli(project, "vm.yml", "--output", "vm-v1.yaml")
    assert run.code == 0, run.err
    written = (project.root / "vm-v1.yaml").read_text()
    assert "    generated: 'true'\n" in written and "    actual_le: '0.2'\n" in written
    (project.root / "vm.yml").unlink()
    report = project.run("check", "--format", "json", "--no-cache", "--select", "schema",
                         "vm-v1.yaml").json
    assert report["problems"] == []


def test_a_note_about_the_whole_sloth_document_is_said_once(project: Project) -> None:
    shutil.copyfile(DATA / "sloth" / "victoria-metrics.yml", project.root / "vm.yml")
    run = convert_cli(project, "vm.yml")
    assert run.code == 0, run.err
    notes = run.err.splitlines()[:-1]
    assert len(notes) == len(set(notes))
    assert ("vm.yml:9:1: note: Sloth's SLO plugins change the rules Sloth generates; OpenSLO v1 "
            "has no form for them, so they are not converted") in notes


def test_a_kubernetes_label_with_a_prefix_becomes_an_annotation(project: Project) -> None:
    # Pyrra's own example labels its SLO pyrra.dev/team: a key OpenSLO v1 labels cannot hold
    shutil.copyfile(DATA / "pyrra" / "parca-grpc-queryrange-errors.yaml", project.root / "p.yaml")
    run = convert_cli(project, "p.yaml", "--output", "p-v1.yaml")
    assert run.code == 0, run.err
    assert ("p.yaml:6:5: note: label 'pyrra.dev/team' has a key that an OpenSLO v1 label cannot "
            "have (one segment of letters, digits, '-', '_' and '.', 63 at most): it is an "
            "annotation here") in run.err.splitlines()
    written = (project.root / "p-v1.yaml").read_text()
    assert ("  labels:\n    prometheus: k8s\n    role: alert-rules\n"
            "  annotations:\n    pyrra.dev/team: parca\n") in written
    (project.root / "p.yaml").unlink()
    report = project.run("check", "--format", "json", "--no-cache", "p-v1.yaml").json
    assert report["problems"] == []


def test_a_document_with_no_slo_to_name_is_not_counted_as_converted(project: Project) -> None:
    # Sloth's own test data: `service: ""`, which Sloth refuses; convert wrote an empty file
    # and said "1 document converted"
    shutil.copyfile(DATA / "sloth" / "validate" / "bad" / "bad-k8s.yaml", project.root / "k.yaml")
    run = convert_cli(project, "k.yaml", "--output", "k-v1.yaml")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "k.yaml:1:1: note: not converted: this sloth.slok.dev/v1 PrometheusServiceLevel names "
        "no SLO that slopolicy can read (`slopolicy check` says why); left out of the output")
    assert "0 documents converted" in run.err


def test_in_place_keeps_a_document_whole_when_one_of_its_slos_does_not_convert(
        project: Project) -> None:
    """Rewritten with its other SLOs only, the file lost the SLO with no name (its queries)."""
    text = (DATA / "sloth" / "home-wifi.yml").read_text()
    text = text.replace('- name: "good-wifi-client-satisfaction"', "- name:")
    path = project.write("h.yml", "apiVersion: v1\nkind: ConfigMap\n---\n" + text)
    run = convert_cli(project, "--in-place", "h.yml")
    assert run.code == 1
    assert path.read_text() == "apiVersion: v1\nkind: ConfigMap\n---\n" + text
    assert run.err.splitlines()[-4:] == [
        "h.yml:25:1: note: not converted: this prometheus/v1 PrometheusServiceLevel holds an SLO "
        "that does not convert, so none of its SLOs is; kept as it is",
        "h.yml:32:5: note: not converted: this SLO has no name",
        "h.yml: error: nothing to convert: no document in it converts (the notes above say why)",
        "slopolicy convert: 0 documents converted to openslo/v1; 2 not converted, kept as they "
        "are"]


def test_an_slo_without_a_name_is_reported_not_dropped_in_silence(project: Project) -> None:
    text = (DATA / "sloth" / "home-wifi.yml").read_text()
    project.write("h.yml", text.replace('- name: "good-wifi-client-satisfaction"', "- name:"))
    run = convert_cli(project, "h.yml")
    assert run.code == 0, run.err
    assert "h.yml:29:5: note: not converted: this SLO has no name" in run.err.splitlines()
    assert "name: home-wifi-risk-wifi-client-satisfaction\n" in run.out


def test_a_nobl9_composite_objective_is_reported_not_dropped_in_silence(
        project: Project) -> None:
    # nobl9-go's own composite SLO: its objective combines other SLOs' objectives
    shutil.copyfile(DATA / "nobl9" / "composite_v2_slo.yaml", project.root / "c.yaml")
    run = convert_cli(project, "c.yaml")
    assert ("c.yaml:13:9: note: a Nobl9 composite objective (other SLOs' objectives, weighted) "
            "has no OpenSLO v1 form: not converted, and no SLA can be proven by it"
            ) in run.err.splitlines()
    assert "composite:" not in run.out and "maxDelay" not in run.out
    # so the SLO is written without an indicator, which OpenSLO v1 requires: an error at the
    # original's spec, which lacks it, and exit 1
    assert run.code == 1
    assert ("c.yaml:8:5: error: the converted SLO composite-1-slo is not valid OpenSLO v1 at "
            "spec: an SLO needs indicator or indicatorRef (a composite SLO: one on every "
            "objective)") in run.err.splitlines()
    assert run.err.splitlines()[-1] == (
        "slopolicy convert: 1 document converted to openslo/v1; 1 error: what was written is "
        "not valid OpenSLO v1 until it is fixed")
    assert written_schema_errors(project, (), run) == [
        "stdout.yaml:7: an SLO needs indicator or indicatorRef (a composite SLO: one on every "
        "objective)"]


V2ALPHA_WITHOUT_SERVICE = """\
apiVersion: openslo.com/v2alpha
kind: SLO
metadata:
  name: checkout
spec:
  sliRef: checkout-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
"""


def test_a_v2alpha_slo_without_a_service_is_written_and_said_to_need_one(
        project: Project) -> None:
    # v2alpha lets an SLO name no service; OpenSLO v1 requires spec.service
    project.write("v2.yaml", V2ALPHA_WITHOUT_SERVICE)
    run = convert_cli(project, "v2.yaml", "--output", "v1.yaml")
    assert run.code == 1
    assert run.err.splitlines() == [
        "v2.yaml:5:1: error: openslo.com/v2alpha lets an SLO name no service; OpenSLO v1 wants "
        "one: add service (the name of the Service it belongs to) to the converted SLO",
        "slopolicy convert: 1 document converted to openslo/v1; 1 error: what was written is "
        "not valid OpenSLO v1 until it is fixed"]
    # written all the same, for the user to complete: then it is valid
    written = (project.root / "v1.yaml").read_text()
    assert "  indicatorRef: checkout-errors\n" in written and "service" not in written
    assert written_schema_errors(project, ("--output", "v1.yaml"), run) == [
        "v1.yaml:6: 'service' is required here"]
    project.write("v1.yaml", written.replace("spec:\n", "spec:\n  service: checkout\n"))
    assert written_schema_errors(project, ("--output", "v1.yaml"), run) == []


def test_the_readme_shows_what_convert_says_of_an_invalid_result(project: Project) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n\$ slopolicy (convert [^>\n]*) > (\S+)\n(.*?)\$ echo \$\?\n(\d)\n```",
                      readme, re.S)
    assert shown is not None
    command, output, err, code = shown.groups()
    project.write("checkout.yaml", V2ALPHA_WITHOUT_SERVICE)
    run = project.run(*shlex.split(command))
    project.write_bytes(output, run.out.encode())
    assert (run.err, run.code) == (err, int(code))
    assert "kind: SLO" in (project.root / output).read_text()
    assert "exits `0` when every converted document is valid OpenSLO v1" in readme


def test_a_valid_conversion_exits_0_and_says_nothing_new(project: Project) -> None:
    project.write("v2.yaml", V2ALPHA_WITHOUT_SERVICE.replace(
        "spec:\n", "spec:\n  service: checkout\n"))
    run = convert_cli(project, "v2.yaml")
    assert run.code == 0
    assert run.err == "slopolicy convert: 1 document converted to openslo/v1\n"
    assert "  service: checkout\n" in run.out


def test_a_value_v1_refuses_is_reported_where_the_original_wrote_it(project: Project) -> None:
    # Sloth's own test data: `objective: 101 # BAD!`, written as targetPercent: 101
    shutil.copyfile(DATA / "sloth" / "validate" / "bad" / "bad-aa.yaml", project.root / "s.yml")
    run = convert_cli(project, "s.yml", "--output", "s-v1.yaml")
    assert run.code == 1
    errors = [line for line in run.err.splitlines() if ": error: " in line]
    assert errors == [
        "s.yml:28:16: error: the converted SLO svc01-slo02 is not valid OpenSLO v1 at "
        "spec.objectives[0].targetPercent: expected a percentage in [0, 100), e.g. 99.9"]
    assert (project.root / "s.yml").read_text().splitlines()[27][15:] == "101 # BAD!"
    assert "    - targetPercent: 101  # BAD!\n" in (project.root / "s-v1.yaml").read_text()


FORMATS = sorted(path.relative_to(DATA).as_posix() for path in DATA.rglob("*.y*ml")
                 if path.parts[len(DATA.parts)] in ("nobl9", "openslo", "pyrra", "sloth")
                 and "helm" not in path.parts and "servicelevel" not in path.name)


@pytest.mark.parametrize("name", FORMATS)
def test_convert_reports_every_schema_error_check_finds_in_what_it_wrote(
        project: Project, name: str) -> None:
    """Each real file of every format: as many errors as `slopolicy check` finds in what
    convert wrote, and exit 0 only when it finds none."""
    shutil.copyfile(DATA / name, project.root / "original.yaml")
    run = convert_cli(project, "original.yaml", "--output", "v1.yaml")
    if not (project.root / "v1.yaml").exists():
        assert run.code == 1 and "0 documents converted" in run.err
        return
    found = written_schema_errors(project, ("--output", "v1.yaml"), run)
    errors = [line for line in run.err.splitlines() if line.startswith("original.yaml:")
              and ": error: " in line]
    assert len(errors) == len(found), (run.err, found)
    assert run.code == (1 if found else 0), run.err


def test_a_date_off_the_calendar_is_converted_as_written(project: Project) -> None:
    # the round trip built a date from 2025-02-30 and stopped with an internal error (exit 3)
    text = (DATA / "pyrra" / "pyrra-kubernetes-errors.yaml").read_text()
    project.write("slos.yaml", text + "---\napiVersion: openslo/v1\nkind: Service\n"
                  "metadata:\n  name: kept\n  annotations: {reviewed: 2025-02-30,"
                  " tier: !!int gold}\n")
    run = project.run("convert", "--to", "openslo/v1", "slos.yaml", "--output", "v1.yaml")
    assert run.code == 0, run.err
    out = (project.root / "v1.yaml").read_text()
    assert "  annotations:\n    reviewed: 2025-02-30\n    tier: !!int 'gold'\n" in out


# A kustomize-style manifest: the app's Deployment (an anchor and its alias, comments), its
# Sloth SLOs (Sloth's own example), a ConfigMap, Sloth's own example of a document that
# names no SLO, and a Service already in OpenSLO v1; each piece as its bytes in the file.
MANIFEST_HEAD = """\
# myapp: everything the app needs, in one file
apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp   # the app itself
  labels: &labels
    app: myapp
spec:
  replicas: 3
  template:
    metadata:
      labels: *labels
# the SLOs follow
"""
MANIFEST_TAIL = """\
...
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: myapp-config
data:
  important: "keep me"    # spacing and quotes as written
  flags: {a: 1, b: [x, y]}
---
""" + (DATA / "sloth" / "validate" / "bad" / "bad-k8s.yaml").read_text() + """\
--- # already OpenSLO v1
apiVersion: openslo/v1
kind: Service
metadata:
  name: other
"""


def manifest() -> str:
    return (MANIFEST_HEAD + "---\n" + (DATA / "sloth" / "k8s-getting-started.yml").read_text()
            + MANIFEST_TAIL)


def kinds(text: str) -> list[tuple[str, str]]:
    """The kind and name of every document of ``text``, of any format."""
    found = []
    for document in iter_documents(text):
        assert isinstance(document, LoadedDocument) and document.error is None, document
        found.append((document.data["kind"], document.data["metadata"]["name"]))
    return found


def test_in_place_keeps_every_document_it_does_not_convert_where_it_stood(
        project: Project) -> None:
    """A Deployment, a ConfigMap, a document that does not convert and one already in OpenSLO
    v1 stay byte for byte, with their comments; the Sloth document is replaced, in its place,
    by its conversion (the whole file was its conversion: every other document was lost)."""
    path = project.write("myapp.yaml", manifest())
    to_stdout = convert_cli(project, "myapp.yaml")
    run = convert_cli(project, "--in-place", "myapp.yaml")
    assert run.code == 1 and run.out == ""  # the document that names no SLO is not converted
    # each note at the line and column the conversion of the whole file says it
    assert run.err.splitlines()[:-1] == [
        note.replace("left out of the output", "kept as it is")
        for note in to_stdout.err.splitlines()[:-1]]
    written = path.read_text()
    assert written.startswith(MANIFEST_HEAD + "---\n")
    assert written.endswith(MANIFEST_TAIL)
    converted = written[len(MANIFEST_HEAD):-len(MANIFEST_TAIL)]
    assert kinds(converted) == [("SLO", "myservice-requests-availability"),
                                ("SLI", "myservice-requests-availability"),
                                ("Service", "myservice")]
    assert "# `sloth generate -i ./examples/k8s-getting-started.yml`" in converted  # its comments
    assert kinds(written) == [("Deployment", "myapp"), *kinds(converted),
                              ("ConfigMap", "myapp-config"), ("PrometheusServiceLevel", "svc"),
                              ("Service", "other")]
    err = run.err.splitlines()
    assert ("myapp.yaml:2:1: note: not converted: apiVersion 'apps/v1' is not a format slopolicy "
            "reads; kept as it is") in err
    assert ("myapp.yaml:55:1: note: not converted: apiVersion 'v1' is not a format slopolicy "
            "reads; kept as it is") in err
    assert ("myapp.yaml:63:1: note: not converted: this sloth.slok.dev/v1 PrometheusServiceLevel "
            "names no SLO that slopolicy can read (`slopolicy check` says why); kept as it is"
            ) in err
    assert err[-1] == ("slopolicy convert: 1 document converted to openslo/v1; 3 not converted, "
                       "kept as they are")
    # once converted, a second run has nothing more to convert and writes nothing
    again = convert_cli(project, "--in-place", "myapp.yaml")
    assert again.code == 1 and path.read_text() == written
    assert again.err.splitlines()[-1] == ("slopolicy convert: 0 documents converted to "
                                          "openslo/v1; 3 not converted, kept as they are")


def test_in_place_keeps_crlf_line_ends_in_every_document(project: Project) -> None:
    original = manifest().replace("\n", "\r\n")
    path = project.write_bytes("myapp.yaml", original.encode())
    assert convert_cli(project, "--in-place", "myapp.yaml").code == 1
    written = path.read_bytes().decode()
    assert written.startswith((MANIFEST_HEAD + "---\n").replace("\n", "\r\n"))
    assert written.endswith(MANIFEST_TAIL.replace("\n", "\r\n"))
    assert written.count("\n") == written.count("\r\n") and "kind: SLO\r\n" in written


LISTED = """\
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: myapp}   # the app
  spec:
    image: "nginx:1.25"
- version: prometheus/v1
  service: myapp
  slos:
    - name: availability
      objective: 99.5
      sli: {events: {error_query: errors, total_query: total}}
"""


def test_in_place_never_lays_out_anew_an_object_beside_an_slo_in_one_list(
        project: Project) -> None:
    """A document that is a list of objects: the Deployment in it could only be written anew
    (block style, its quotes and comment moved), not kept byte for byte, so the file is not
    rewritten, and the error says how to convert it."""
    path = project.write("list.yaml", LISTED)
    run = convert_cli(project, "--in-place", "list.yaml")
    assert run.code == 1
    assert ("list.yaml: error: not written: a YAML list of objects holds 1 that slopolicy does "
            "not convert; rewritten, they would be laid out anew, not kept byte for byte: write "
            "the conversions with --output, or give the SLOs documents of their own"
            ) in run.err.splitlines()
    assert path.read_text() == LISTED
    assert convert_cli(project, "--output", "out.yaml", "list.yaml").code == 1  # the way out
    assert ("SLO", "myapp-availability") in kinds((project.root / "out.yaml").read_text())


def test_in_place_rewrites_a_list_that_holds_only_slos(project: Project) -> None:
    path = project.write("list.yaml", LISTED[LISTED.index("- version:"):])
    assert convert_cli(project, "--in-place", "list.yaml").code == 0
    assert kinds(path.read_text()) == [("SLO", "myapp-availability"),
                                       ("SLI", "myapp-availability"), ("Service", "myapp")]


@pytest.mark.parametrize("where", ["stdout", "--output"])
def test_without_in_place_only_converted_and_openslo_documents_are_written(
        project: Project, where: str) -> None:
    project.write("myapp.yaml", manifest())
    args = ("myapp.yaml", "--output", "out.yaml") if where == "--output" else ("myapp.yaml",)
    run = convert_cli(project, *args)
    assert run.code == 1
    written = run.out if where == "stdout" else (project.root / "out.yaml").read_text()
    assert kinds(written) == [("SLO", "myservice-requests-availability"),
                              ("SLI", "myservice-requests-availability"),
                              ("Service", "myservice"), ("Service", "other")]
    err = run.err.splitlines()
    assert ("myapp.yaml:2:1: note: not converted: apiVersion 'apps/v1' is not a format slopolicy "
            "reads; left out of the output") in err
    assert err[-1] == ("slopolicy convert: 1 document converted to openslo/v1; 3 not converted, "
                       "left out of the output")
    assert (project.root / "myapp.yaml").read_text() == manifest()


def test_a_yaml_1_1_directive_is_not_written_before_each_converted_document(
        project: Project) -> None:
    """OpenSLO v1 is written as YAML 1.2: a `%YAML 1.1` repeated before every document, with no
    `...` before it, read back as an empty document between each two."""
    project.write("s.yaml", "%YAML 1.1\n---\n" + (DATA / "sloth" / "no-alerts.yml").read_text())
    run = convert_cli(project, "s.yaml")
    assert run.code == 0, run.err
    assert "%YAML" not in run.out
    assert len(list(iter_documents(run.out))) == run.out.count("---\n") + 1  # none empty


def test_a_rewrite_that_would_not_read_back_as_its_pieces_is_refused() -> None:
    """The last guard of --in-place: a file whose documents would run together is not written."""
    from slopolicy.formats.convert import NotInPlace, _reads_back

    _reads_back("a: 1\n---\nb: 2\n", ["a: 1\n", "---\nb: 2\n"])
    with pytest.raises(NotInPlace, match="does not read back as the documents it keeps"):
        _reads_back("a: 1\nb: 2\n", ["a: 1\n", "b: 2\n"])


def test_the_readme_shows_what_convert_in_place_keeps(project: Project) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n\$ slopolicy (convert [^\n]*--in-place (\S+))\n(.*?)"
                      r"\$ echo \$\?\n(\d)\n```", readme, re.S)
    assert shown is not None
    command, name, err, code = shown.groups()
    deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: caddy\n---\n"
    pyrra = (REPO / "examples" / "coming-from" / "slos" / "caddy-response-latency.yaml")
    path = project.write(name, deployment + pyrra.read_text())
    run = project.run(*shlex.split(command))
    assert (run.err, run.code) == (err, int(code))
    assert path.read_text().startswith(deployment + "apiVersion: openslo/v1\nkind: SLO\n")
