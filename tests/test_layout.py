"""The packages depend one way: each imports only from the layers below it.

commands -> lsp -> report -> gitops -> check -> config -> rules -> changes/cache ->
slo -> load -> formats -> model -> text. Every import counts, at module level, inside a
function or under TYPE_CHECKING: a cycle hidden from the interpreter is still
one for the reader.
"""
from __future__ import annotations

import ast
from pathlib import Path

import slopolicy

PACKAGE = Path(slopolicy.__file__).parent

# Highest first; a package may import from its own layer's package and any lower layer.
LAYERS: list[set[str]] = [
    {"__main__"},
    {"cli"},
    {"commands"},
    {"lsp"},
    {"report"},
    {"gitops"},
    {"check"},
    {"config"},
    {"rules"},
    {"changes", "cache"},
    {"slo"},
    {"load"},
    {"formats"},  # the loader maps other formats' SLOs into OpenSLO v1 as it reads them
    {"model"},
    {"text"},
    {"runtime", "__init__"},
]


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _rank(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").exists() or (PACKAGE / name / "__init__.py").exists()


def imports() -> list[tuple[str, str, str]]:
    """(importing package, imported package, where) for every slopolicy import."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("slopolicy"):
                targets = ([node.module] if node.module != "slopolicy"
                           else [f"slopolicy.{a.name}" if _is_module(a.name) else "slopolicy"
                                 for a in node.names])
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("slopolicy")]
            else:
                continue
            for target in targets:
                found.append((_package(module), _package(target), f"{module}:{node.lineno}"))
    return found


def test_every_package_has_a_layer() -> None:
    packages = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
                if (p.suffix == ".py" or (p / "__init__.py").exists())}
    placed = set().union(*LAYERS)
    assert packages - {"_data"} <= placed, packages - placed


def test_packages_import_only_downward() -> None:
    upward = [f"{where}: {src} imports {dst}" for src, dst, where in imports()
              if src != dst and dst != "__init__" and _rank(dst) <= _rank(src)]
    assert upward == []


def test_the_package_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for src, dst, _ in imports():
        if src != dst:
            graph.setdefault(src, set()).add(dst)
    seen: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: tuple[str, ...]) -> None:
        state = seen.get(node)
        assert state != 1, "cycle: " + " -> ".join(trail + (node,))
        if state == 2:
            return
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, trail + (node,))
        seen[node] = 2

    for node in sorted(graph):
        visit(node, ())
