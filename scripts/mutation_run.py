"""A small mutation run: does each pure rule have a test that notices when it changes?

Usage: ``python scripts/mutation_run.py sheet_followup/cadence.py [more modules...]``

Each mutant is one change to the module's syntax tree (a comparison flipped between < and <=,
== and !=, in and not in; + and -; and and or; a ``not`` dropped; an integer plus one; True and
False swapped). The rules' unit tests run against each mutant in a copy of the checkout, two
at a time; a mutant no test fails on is printed as a survivor, by its line in the module.
Some survivors are equivalent (a cache size, a bound no input can reach) and need no test;
the others are rules no test pins. It takes a few minutes per module on two cores.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = (
    "tests/test_cadence.py",
    "tests/test_rules_edges.py",
    "tests/test_dates.py",
    "tests/test_gifts.py",
    "tests/test_columns.py",
)
_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
}
Mutation = tuple[int, str]  # (node number in ast.walk order, what to change)


def mutations(tree: ast.AST) -> list[Mutation]:
    found: list[Mutation] = []
    for number, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.Compare):
            found += [
                (number, f"compare {j}") for j, op in enumerate(node.ops) if type(op) in _COMPARE
            ]
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            found.append((number, "arithmetic"))
        elif isinstance(node, ast.BoolOp):
            found.append((number, "boolean"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append((number, "not"))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, bool):
            found.append((number, "constant"))
    return found


def mutate(source: str, mutation: Mutation) -> tuple[str, str]:
    """The mutant's source, and what changed where."""
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    number, what = mutation
    node = nodes[number]
    line = getattr(node, "lineno", 0)
    if what.startswith("compare") and isinstance(node, ast.Compare):
        j = int(what.split()[1])
        old = node.ops[j]
        node.ops[j] = _COMPARE[type(old)]()
        change = f"{type(old).__name__} -> {type(node.ops[j]).__name__}"
    elif isinstance(node, ast.BinOp):
        old_op = node.op
        node.op = _ARITHMETIC[type(old_op)]()
        change = f"{type(old_op).__name__} -> {type(node.op).__name__}"
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        change = "and <-> or"
    elif isinstance(node, ast.UnaryOp):
        for parent in nodes:
            for field, value in ast.iter_fields(parent):
                if value is node:
                    setattr(parent, field, node.operand)
                elif isinstance(value, list):
                    value[:] = [node.operand if item is node else item for item in value]
        change = "not dropped"
    elif isinstance(node, ast.Constant) and type(node.value) is bool:
        node.value = not node.value
        change = f"{not node.value} -> {node.value}"
    else:
        assert isinstance(node, ast.Constant) and isinstance(node.value, int)
        node.value += 1
        change = f"{node.value - 1} -> {node.value}"
    return ast.unparse(tree), f"line {line}: {change}"


def survives(work: Path, module: str, source: str, mutation: Mutation) -> str | None:
    """What the mutant changed, when the tests all still pass on it (else None)."""
    mutant, change = mutate(source, mutation)
    (work / module).write_text(mutant, encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
             f"--basetemp={work / '.pytest'}", *TESTS],
            cwd=work,
            capture_output=True,
            timeout=300,
            check=False,
            env={"PYTHONPATH": str(work), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        )  # fmt: skip
        passed = done.returncode == 0
    except subprocess.TimeoutExpired:
        passed = False  # a mutant that hangs the tests is noticed
    finally:
        (work / module).write_text(source, encoding="utf-8")
    return change if passed else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", help="modules to mutate, relative to the checkout")
    args = parser.parse_args()
    ignored = shutil.ignore_patterns(".venv", ".git", "drafts", "__pycache__", ".*_cache")
    with tempfile.TemporaryDirectory(prefix="mutation-") as scratch:
        copies = [Path(scratch) / f"copy{n}" for n in range(2)]
        for copy in copies:
            shutil.copytree(REPO, copy, ignore=ignored)
        for module in args.modules:
            source = (REPO / module).read_text(encoding="utf-8")
            found = mutations(ast.parse(source))

            def run(
                copy: Path, share: list[Mutation], module: str = module, source: str = source
            ) -> list[str]:
                return [c for m in share if (c := survives(copy, module, source, m)) is not None]

            with ThreadPoolExecutor(len(copies)) as pool:  # one copy per thread, never shared
                shares = [found[n :: len(copies)] for n in range(len(copies))]
                survivors = [c for part in pool.map(run, copies, shares) for c in part]
            print(f"{module}: {len(found)} mutants, {len(survivors)} survived", flush=True)
            for change in sorted(survivors, key=lambda c: int(c.split()[1].rstrip(":"))):
                print(f"    {change}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
