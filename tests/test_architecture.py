"""The dependency rules of STYLE.md, checked on the source: ui -> qa -> embeddings, and no import cycles."""

import ast

from .conftest import ROOT

PACKAGES = ("embeddings", "qa", "ui")
LAYER = {"embeddings": 0, "qa": 1, "ui": 2}


def _module_name(path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path) -> set[str]:
    """Project modules imported anywhere in a file (module level or inside functions), resolved to module names."""
    module = _module_name(path)
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([package, *([base] if base else [])]) if node.level == 1 else base
            names = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in PACKAGES)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py")}
    return {m: {i for i in _imports(p) if i in files and i != m} for m, p in files.items()}


def test_dependencies_point_one_way():
    wrong = [f"{m} imports {i}" for m, deps in _graph().items() for i in deps if LAYER[i.split(".")[0]] > LAYER[m.split(".")[0]]]
    assert wrong == []


def test_no_import_cycles():
    graph = _graph()
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_checker_sees_imports(tmp_path):
    """The rules above are only worth something if the parser finds relative and absolute imports."""
    deps = _graph()
    assert "qa.retrieve" in deps["qa.answer"] and "embeddings.lexical" in deps["qa.retrieve"]
    assert "qa.cli" in deps["ui.cli"]
