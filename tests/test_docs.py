"""The project's own documents: in step with the code, and every reference inside the repository.

A person who clones the project has nothing else: every file the documents, docstrings and comments
name must be in it (docs/rules.md and docs/batch-format.md carry the rules and the batch format).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".md", ".py", ".toml", ".html", ".mjs", ".json", ".txt", ".cfg", ".ini", ".yml", ".yaml"}


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [
        ROOT / name
        for name in names
        if Path(name).suffix in TEXT_SUFFIXES and not name.startswith("workbooks/lite/") and (ROOT / name).is_file()
    ]


def test_the_generated_parts_of_the_rules_reference_and_the_batch_format_are_in_step():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_docs.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_every_parameter_has_a_section_in_the_rules_reference():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_docs
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    from kyosai.params import P

    for parameter in P:
        assert f"`{parameter.name}`" in text, parameter.name
    assert build_docs.rules_blocks().keys() == set(re.findall(r"<!-- generated: ([\w.-]+) -->", text))


OUTSIDE = "../" + "shared"  # the workplace's folder beside the repository (spelt so that this file does not name it)
MARKDOWN_LINK = re.compile(r"\]\((?!https?://|mailto:|#)([^)\s#]+)(?:#[^)]*)?\)")
MD_NAME = re.compile(r"(?<![\w/.-])((?:\.\./|[\w.-]+/)*[\w.-]+\.md)\b")


@pytest.mark.parametrize(
    "path", [p for p in tracked_text_files() if p.suffix == ".md"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_link_of_a_document_points_to_a_file_that_exists(path):
    for target in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8")):
        assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} links to {target}, which does not exist"


def test_no_file_names_a_document_outside_the_repository():
    documents = {
        p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("*.md")
        if ".venv" not in p.parts and "node_modules" not in p.parts
    }
    names = {Path(d).name for d in documents}
    wrong = []
    for path in tracked_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if OUTSIDE in text:
            wrong.append(f"{path.relative_to(ROOT)}: {OUTSIDE}")
        for name in MD_NAME.findall(text):
            relative = (path.parent / name).resolve()
            known = name in documents or Path(name).name in names or relative.exists() or (ROOT / name).exists()
            if not known:
                wrong.append(f"{path.relative_to(ROOT)}: {name}")
    assert not wrong, "documents that are not in the repository:\n" + "\n".join(sorted(set(wrong)))
