"""The import graph only points down: a module imports from its own package or from a lower
layer, never from a higher one or from a neighbour in its own layer (imports inside functions
count too; a lazy import is still a dependency).

Read as text with ast, so the check costs milliseconds and runs nothing of the project. A new
package or top-level module must be placed in LAYERS, or this test names it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Top to bottom. Units in one set are neighbours: neither may import the other.
LAYERS: list[set[str]] = [
    {"flows"},
    {"bookrec.serving", "bookrec.training"},
    {"bookrec.evaluation"},
    {"bookrec.lists"},  # the one ranker: its predicted-rating feature is the blend's
    {"bookrec.scoring"},
    {"bookrec.embedding", "bookrec.demo"},
    {"bookrec.warehouse"},
    {"bookrec.holdout"},
    {"bookrec.config"},
    {"bookrec.errors", "bookrec.report_json", "bookrec.sorted_ids"},
    {"bookrec"},  # the package's own __init__
]
RANK = {unit: depth for depth, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str | None:
    """The layer unit a dotted module belongs to: the longest listed prefix."""
    if module == "bookrec":
        return module
    parts = module.split(".")
    for size in range(len(parts), 1 if parts[0] == "bookrec" else 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in RANK:
            return prefix
    return None


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, module) of every import in the source, at any depth, relative ones resolved."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import module` depends on pkg.module, which may sit in another unit
            found += [
                (node.lineno, target if unit_of(full) == unit_of(target) else full)
                for full in (f"{target}.{alias.name}" for alias in node.names)
            ]
    return found


def violations(root: Path) -> list[str]:
    """Every import in bookrec/ and flows/ that points up or sideways, or leaves a module
    in no layer."""
    problems = []
    for path in sorted([*root.glob("bookrec/**/*.py"), *root.glob("flows/**/*.py")]):
        module = module_name(path, root)
        own = unit_of(module)
        where = path.relative_to(root)
        if own is None:
            problems.append(f"{where}: {module} is in no layer; add it to LAYERS")
            continue
        source = path.read_text(encoding="utf-8")
        for line, target in imported_modules(source, module, path.name == "__init__.py"):
            if target.split(".")[0] not in ("bookrec", "flows"):
                continue
            other = unit_of(target)
            if other is None or other == own:
                continue
            if RANK[other] < RANK[own]:
                problems.append(f"{where}:{line}: {own} imports {target}, a higher layer")
            elif RANK[other] == RANK[own]:
                problems.append(f"{where}:{line}: {own} imports {target}, a neighbour")
    return list(dict.fromkeys(problems))


def test_imports_only_point_down():
    problems = violations(ROOT)
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_an_upward_import_inside_a_function_is_caught(tmp_path):
    (tmp_path / "bookrec" / "warehouse").mkdir(parents=True)
    (tmp_path / "bookrec" / "training").mkdir()
    (tmp_path / "bookrec" / "warehouse" / "prepare.py").write_text(
        "def build():\n    from bookrec.demo.generator import write_demo_dataset\n"
    )
    (tmp_path / "bookrec" / "training" / "fit.py").write_text(
        "from bookrec.serving import recommender\nfrom . import triplets\n"
    )
    (tmp_path / "bookrec" / "newthing.py").write_text("")
    assert violations(tmp_path) == [
        "bookrec/newthing.py: bookrec.newthing is in no layer; add it to LAYERS",
        "bookrec/training/fit.py:1: bookrec.training imports bookrec.serving, a neighbour",
        "bookrec/warehouse/prepare.py:2: bookrec.warehouse imports bookrec.demo.generator, "
        "a higher layer",
    ]
