"""Where things live (README, "What is where"): what the installed packages hold, and what they do not."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"][
    "find"
]["include"]


def _modules():
    """(path, imported module names) of every Python module of the installed packages."""
    for pattern in PACKAGES:
        for path in sorted((ROOT / pattern.rstrip("*")).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
            names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
            yield path.relative_to(ROOT).as_posix(), names


def test_no_benchmark_ships_in_the_installed_packages():
    """Benchmarks live in bench/ (bench/udf_speed.py, …): no module of kyosai, addin, schemas or
    validator is one or imports one."""
    benchmarks = {path.stem for path in (ROOT / "bench").glob("*.py")}
    assert {"udf_speed", "core_speed", "run"} <= benchmarks
    found = [
        (path, sorted(names & benchmarks))
        for path, names in _modules()
        if "bench" in path.rsplit("/", 1)[-1] or names & (benchmarks | {"bench"})
    ]
    assert found == []


def test_the_command_line_is_the_cli_modules():
    """argparse, the command line, is in kyosai/cli.py (the rules core's sub-commands; ``python -m kyosai``)
    and validator/cli.py (the validator's, with the core's added) and nowhere else."""
    parsers = sorted(path for path, names in _modules() if "argparse" in names)
    assert parsers == ["kyosai/cli.py", "validator/cli.py"]
    main = (ROOT / "kyosai" / "__main__.py").read_text(encoding="utf-8")
    assert "from .cli import main" in main and "argparse" not in main
