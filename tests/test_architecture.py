"""The floors and rooms of STYLE.md, checked on the source.

Floors: ui -> qa -> embeddings, never back up. Rooms (the stage sub-packages) may import only what their
opening docstring allows; nothing imports `qa.cli` but `ui.cli`, nothing imports `ui`; no import cycles.
"""

import ast

from .conftest import ROOT

PACKAGES = ("embeddings", "qa", "ui")
LAYER = {"embeddings": 0, "qa": 1, "ui": 2}

# room -> rooms (prefixes) it must never import. Everything in `embeddings` that is not a room (build, chunk,
# lexical, sentences, types, errors) is shared ground; build is the one module that joins the build's rooms.
FORBIDDEN = {
    "embeddings.ingest": ("embeddings.encoders", "embeddings.stores", "embeddings.build", "embeddings.chunk"),
    "embeddings.encoders": ("embeddings.ingest", "embeddings.stores", "embeddings.build", "embeddings.chunk"),
    "embeddings.stores": ("embeddings.ingest", "embeddings.encoders", "embeddings.build", "embeddings.chunk"),
    "embeddings.lexical": ("embeddings.ingest", "embeddings.encoders", "embeddings.stores", "embeddings.build"),
    "embeddings.sentences": ("embeddings.ingest", "embeddings.encoders", "embeddings.stores", "embeddings.build"),
    "qa.reading": ("qa.retrieval", "qa.answering", "qa.evaluation", "qa.cli", "embeddings.stores", "embeddings.encoders"),
    "qa.retrieval": ("qa.answering", "qa.evaluation", "qa.cli"),
    "qa.answering": ("qa.evaluation", "qa.cli", "embeddings.stores", "embeddings.encoders", "embeddings.ingest"),
    "qa.evaluation": ("qa.cli",),
    "qa.params": ("qa.retrieval", "qa.answering", "qa.evaluation", "qa.cli"),
    "qa.messages": ("qa.retrieval", "qa.answering", "qa.evaluation", "qa.cli"),
}
# who may import qa.cli: only ui.cli (for `qa index` from `qa chat`) and qa.cli itself
CLI_IMPORTERS = ("qa.cli", "ui.cli")


def _module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path) -> set[str]:
    """Project modules imported anywhere in a file (module level or inside functions), resolved to module names."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([base] if base else [])])
            names = [base, *(f"{base}.{a.name}" for a in node.names)]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in PACKAGES)
    return found


def _files() -> dict[str, object]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _graph() -> dict[str, set[str]]:
    files = _files()
    return {m: {i for i in _imports(p) if i in files and i != m} for m, p in files.items()}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_dependencies_point_one_way():
    wrong = [f"{m} imports {i}" for m, deps in _graph().items() for i in deps if LAYER[i.split(".")[0]] > LAYER[m.split(".")[0]]]
    assert wrong == []


def test_rooms_import_only_what_they_may():
    wrong = [
        f"{m} imports {i}"
        for m, deps in _graph().items()
        for room, banned in FORBIDDEN.items()
        if _within(m, room)
        for i in deps
        if any(_within(i, b) for b in banned)
    ]
    assert wrong == []


def test_nothing_imports_the_cli_or_the_ui():
    graph = _graph()
    wrong = [
        f"{m} imports {i}"
        for m, deps in graph.items()
        for i in deps
        if (_within(i, "qa.cli") and not any(_within(m, c) for c in CLI_IMPORTERS)) or (_within(i, "ui") and not _within(m, "ui"))
    ]
    assert wrong == []


def test_every_module_sits_in_a_room_or_the_shared_ground():
    """The folder listing reads like the pipeline: loose modules at a floor's top are only the shared ones."""
    shared = {
        "embeddings": {"build", "chunk", "lexical", "sentences", "types", "errors"},
        "qa": {"params", "settings", "messages", "errors"},
    }
    loose = [
        m
        for m in _files()
        if m.count(".") == 1
        and m.split(".")[0] in shared
        and m.split(".")[1] not in shared[m.split(".")[0]]
        and not (ROOT / m.replace(".", "/") / "__init__.py").exists()
    ]
    assert loose == []


def test_every_package_says_what_it_holds_and_may_import():
    missing = []
    for init in [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("__init__.py")]:
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        if "import" not in doc.lower():
            missing.append(str(init.relative_to(ROOT)))
    assert missing == []


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


def test_the_checker_sees_imports():
    """The rules above are only worth something if the parser finds relative and absolute imports."""
    deps = _graph()
    assert "qa.retrieval.searcher" in deps["qa.answering.answer"]
    assert "embeddings.lexical" in deps["qa.retrieval.searcher"]
    assert "qa.cli.main" in deps["ui.cli"]
    assert "embeddings.stores.interface" in deps["embeddings.stores.backends"]  # relative, one level
