"""The layout holds (issue 13, docs/ARCHITECTURE.md): no import cycle in pumasi/ and sim1365/; the
domain (linkage/, records/, identity/) imports neither Flask nor RQ, not even through what it imports;
no module over 300 lines and no function over 50, counted as the project's pre-stop hook counts."""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("pumasi", "sim1365")
DOMAIN = ("pumasi.linkage", "pumasi.records", "pumasi.identity", "pumasi.transfer")
WEB_AND_QUEUE = ("flask", "flask_login", "flask_wtf", "flask_limiter", "wtforms", "rq")


def _modules():
    """{module name: path} of every module of pumasi/ and sim1365/."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name, path, top_level_only=False):
    """[(imported module, line)] of a module: what `import x` and `from x import y` name, with a
    relative one resolved, and `from package import submodule` taken as the submodule."""
    is_package = path.name == "__init__.py"
    found = []
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join(here + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in MODULES else base, node.lineno))
    return found


def _graph(top_level_only=False):
    return {name: sorted({m for m, _ in _imports(name, path, top_level_only) if m in MODULES} - {name})
            for name, path in MODULES.items()}


def _cycle(graph):
    """One import cycle as [a, b, …, a], or None."""
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in graph:
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_import_cycle():
    assert len(MODULES) > 60
    assert _cycle(_graph()) is None, _cycle(_graph())


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert _cycle({"a": ["b"], "b": [], "c": ["a"]}) is None


def _closure(start, graph):
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += graph[module]
    return seen


@pytest.mark.parametrize("package", DOMAIN)
def test_the_domain_imports_neither_flask_nor_rq(package):
    """Directly (anywhere in its modules), or through what it imports when it is loaded."""
    graph = _graph(top_level_only=True)
    modules = [name for name in MODULES if name == package or name.startswith(package + ".")]
    assert modules
    for module in modules:
        for loaded in _closure(module, graph) | {module}:
            every = _imports(loaded, MODULES[loaded], top_level_only=loaded != module)
            bad = [(m, line) for m, line in every if m.split(".")[0] in WEB_AND_QUEUE]
            assert not bad, f"{module} loads {loaded}, which imports {bad}"


def test_no_module_over_300_lines_and_no_function_over_50():
    big, long = [], []
    for name, path in MODULES.items():
        source = path.read_text()
        if source.count("\n") > 300:
            big.append((name, source.count("\n")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno > 50:
                long.append(f"{name}:{node.lineno} {node.name}")
    assert big == [] and long == [], (big, long)
