"""The tree shows the architecture, and the imports keep to it: every module of `orchestration`
and `expectations` sits in a declared layer (`orchestration.LAYERS`) and imports only from its
own package and from lower layers; the Dagster definitions import their own layers in
asset-graph order; the README's layout table names what the tree holds and the tests mirror it.

Imports are read with `ast`, not by importing: a lazy import inside a function counts as much as
one at the top of the module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from orchestration import LAYERS
from tests.conftest import PROJECT_DIR

FIRST_PARTY = ("orchestration", "expectations")
# The code location's modules, in the order of the asset graph they define: a module may import
# those before it (the package's __init__ gathers them all into one Definitions object).
DEFINITIONS_ORDER = (
    ("resources",),
    ("raw", "models"),
    ("targets",),
    ("serving",),
    ("automation",),
    ("__init__",),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_DIR).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def first_party_modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for package in FIRST_PARTY
        for p in sorted((PROJECT_DIR / package).rglob("*.py"))
        if "node_modules" not in p.parts
    }


def imported_modules(source: str, module: str, is_package: bool, known: set[str]) -> list[str]:
    """Every first-party module the source imports, anywhere in it. `from package import name`
    counts as importing the submodule when `name` is one."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                package = module.split(".")
                package = package if is_package else package[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            found.append(base)
            found += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
    return [m for m in found if m.split(".")[0] in FIRST_PARTY]


def owner(module: str, declared) -> tuple[int, str] | None:
    """(layer index, declared entry) of a module: the longest declared name it is or is in."""
    matches = [
        (len(entry), i, entry)
        for i, entries in enumerate(declared)
        for entry in entries
        if module == entry or module.startswith(entry + ".")
    ]
    return max(matches)[1:] if matches else None


def layer_violations(
    imports: dict[str, list[str]], declared=LAYERS, root: str = "orchestration"
) -> list[str]:
    """What breaks the layering, one sentence each: a module in no layer, or an import of a
    higher layer or of another package of the same layer."""
    problems = []
    for module, targets in sorted(imports.items()):
        if module == root:  # the package's own __init__, where the layers are declared
            problems += [f"{root} imports {t}: it must import nothing" for t in targets]
            continue
        source = owner(module, declared)
        if source is None:
            problems.append(f"{module} is in no layer: add it to orchestration.LAYERS")
            continue
        for target in targets:
            if target == root:
                continue
            dest = owner(target, declared)
            if dest is None:
                problems.append(f"{module} imports {target}, which is in no layer")
            elif dest[1] == source[1]:
                continue  # within its own package
            elif dest[0] > source[0]:
                problems.append(
                    f"{module} (layer {source[0]}) imports {target} (layer {dest[0]}), a higher "
                    "layer"
                )
            elif dest[0] == source[0]:
                problems.append(
                    f"{module} imports {target}: another package of its own layer {source[0]}"
                )
    return problems


def all_imports() -> dict[str, list[str]]:
    modules = first_party_modules()
    known = set(modules)
    return {
        name: imported_modules(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known
        )
        for name, path in modules.items()
    }


def test_no_module_imports_a_higher_layer_or_a_peer_package():
    imports = all_imports()
    assert "orchestration.ingest.loaders" in imports and "expectations.suite" in imports
    assert layer_violations(imports) == []


def test_the_layer_check_catches_an_import_upwards_sideways_and_an_undeclared_module():
    imports = {
        "orchestration.ingest.loaders": ["orchestration.ingest.readers", "orchestration.settings"],
        "orchestration.serving.publish": ["orchestration.reporting.report"],
        "orchestration.ingest.privacy": ["orchestration.serving.publish"],
        "orchestration.extra": [],
    }
    assert layer_violations(imports) == [
        "orchestration.extra is in no layer: add it to orchestration.LAYERS",
        "orchestration.ingest.privacy imports orchestration.serving.publish: another package "
        "of its own layer 1",
        "orchestration.serving.publish (layer 1) imports orchestration.reporting.report "
        "(layer 2), a higher layer",
    ]
    # a lazy import inside a function counts, and `from package import module` names the module
    source = "def f():\n    from orchestration.serving import publish\n"
    known = {"orchestration.serving.publish"}
    assert imported_modules(source, "orchestration.ingest.x", False, known) == [
        "orchestration.serving",
        "orchestration.serving.publish",
    ]


def test_the_definitions_import_their_layers_in_asset_graph_order():
    package = "orchestration.definitions"
    declared = tuple(tuple(f"{package}.{m}" for m in layer) for layer in DEFINITIONS_ORDER)
    imports = {
        f"{package}.__init__" if name == package else name: [
            f"{package}.__init__" if t == package else t
            for t in targets
            if t == package or t.startswith(package + ".")
        ]
        for name, targets in all_imports().items()
        if name == package or name.startswith(package + ".")
    }
    declared_modules = {m for layer in declared for m in layer}
    assert set(imports) == declared_modules, "declare every module of the package in its order"
    assert layer_violations(imports, declared, root=package) == []


def packages(root: str) -> set[str]:
    return {
        p.name
        for p in (PROJECT_DIR / root).iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }


def test_the_readme_layout_table_names_every_package_and_only_paths_that_exist():
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `([^`]+)` \|", table, re.M))
    for path in named:
        assert (PROJECT_DIR / path).exists(), f"the layout table names {path}, which is not there"
    missing = {f"orchestration/{p}/" for p in packages("orchestration")} - named
    assert missing == set(), "packages the layout table does not name"


def test_the_tests_mirror_the_packages():
    assert packages("tests") <= packages("orchestration") | {"expectations"}
