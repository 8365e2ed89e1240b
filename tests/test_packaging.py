"""The set-up promises: one dependency list and its mirror, text notebooks, a working CLI."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest
import yaml

from autograder.paths import REPO


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted |= set(extra)
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    mirrored = {req for req in pip if not req.startswith("-e")}
    assert mirrored == wanted, (
        f"environment.yml lacks {sorted(wanted - mirrored)}, has extra {sorted(mirrored - wanted)}"
    )
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.removeprefix("python") == project["requires-python"]


def tracked(*patterns: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", *patterns], cwd=REPO, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_no_built_notebook_is_tracked():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    assert tracked("*.ipynb") == []


def test_text_notebooks_carry_no_outputs():
    sources = list((REPO / "lessons").glob("*.md")) + list((REPO / "exercises").rglob("*.py"))
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert '"outputs"' not in text and "execution_count" not in text, f"{path} has outputs"


SUBCOMMANDS = [
    "release",
    "grade",
    "export",
    "report",
    "check",
    "lab",
    "distribute",
    "collect",
    "return",
]


@pytest.mark.parametrize("command", [[]] + [[name] for name in SUBCOMMANDS])
def test_every_subcommand_has_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "autograder.cli", *command, "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "usage: triad" in result.stdout
    if command:
        assert "--course-dir" in result.stdout or "--workspace" in result.stdout
    else:
        assert all(name in result.stdout for name in SUBCOMMANDS)


def test_readme_course_map_matches_the_syllabus_and_the_exercises():
    from course.syllabus import assignments, lessons

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for lesson in lessons():
        row = f"| {lesson.number} | {lesson.title} | {lesson.minutes} |"
        assert row in readme, f"README lacks or misstates: {row}"
    for assignment in assignments():
        text = "".join(p.read_text() for p in (REPO / "exercises" / assignment).glob("*.py"))
        points = sum(int(n) for n in re.findall(r'"points": (\d+)', text))
        assert f"| `{assignment}` | {points} |" in readme, f"README's points for {assignment}"
