"""A regular install (``pip install .``, as on a hub) carries the packages, never the key.

The wheel holds ``course`` and ``autograder`` and nothing with a solution or a
hidden test; installed into a fresh venv, its ``triad`` finds the sources only
through ``--sources`` or ``TRIAD_SOURCES`` and says so when it has neither.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from autograder.paths import REPO

MARKERS = ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION", "END HIDDEN TESTS", "END SOLUTION")
ASSIGNMENT = "classify-responsibilities"


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300,
                          **kwargs)  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from the checkout (from a copy: pip builds in the source folder)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "triad"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "classroom", "workspace", "build", "*.egg-info", "__pycache__",
        "screenshots", ".pytest_cache", ".ruff_cache"))  # fmt: skip
    step = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                "--no-build-isolation", "--no-index", "--wheel-dir", root / "dist", source])
    assert step.returncode == 0, step.stdout + step.stderr
    (built,) = (root / "dist").glob("triad-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; third-party packages come from this environment."""
    venv = tmp_path_factory.mktemp("venv")
    step = run([sys.executable, "-m", "venv", "--without-pip", venv])
    assert step.returncode == 0, step.stderr
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    ours = sysconfig.get_paths()["purelib"]
    # a plain path, after the venv's own site-packages: this environment's editable hook
    # for Triad is not run, and the installed copy is the one imported
    (site / "zz-shared.pth").write_text(f"{ours}\n")
    step = run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps",
                "--no-index", wheel])  # fmt: skip
    assert step.returncode == 0, step.stdout + step.stderr
    return venv


def test_the_wheel_carries_the_packages_and_no_solution_or_hidden_test(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        tops = {name.split("/", 1)[0] for name in names}
        assert {"course", "autograder"} <= tops, tops
        assert not {"exercises", "lessons", "tests", "deploy"} & tops, tops
        for name in names:
            text = archive.read(name).decode("utf-8", errors="replace")
            found = [marker for marker in MARKERS if marker in text]
            assert not found, f"{name} in the wheel holds {found}"


def test_the_installed_packages_hold_no_solution_or_hidden_test(venv):
    step = run([venv / "bin" / "python", "-c", (
        "import pathlib, course, autograder\n"
        "for package in (course, autograder):\n"
        "    print(pathlib.Path(package.__file__).parent)\n"
    )], cwd=venv)  # fmt: skip
    assert step.returncode == 0, step.stderr
    folders = [Path(line) for line in step.stdout.split()]
    assert len(folders) == 2
    for folder in folders:
        assert folder.is_relative_to(venv), f"{folder} is not the installed copy"
        assert not (folder.parent / "exercises").exists()
        assert not (folder.parent / "lessons").exists()
        for path in folder.rglob("*"):
            if path.is_file():
                text = path.read_bytes().decode("utf-8", errors="replace")
                found = [marker for marker in MARKERS if marker in text]
                assert not found, f"installed {path} holds {found}"


def triad(venv: Path, *args, sources: str | None = None, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAD_")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])  # fmt: skip
    if sources:
        env["TRIAD_SOURCES"] = sources
    return run([venv / "bin" / "triad", *args], env=env, cwd=cwd)


def test_triad_release_from_the_install_finds_the_sources_by_option_or_setting(venv, tmp_path):
    step = triad(venv, "release", "--sources", REPO, "--course-dir", tmp_path / "a", ASSIGNMENT,
                 cwd=tmp_path)  # fmt: skip
    assert step.returncode == 0, step.stdout + step.stderr
    assert f"released {ASSIGNMENT}" in step.stdout
    released = tmp_path / "a" / "release" / ASSIGNMENT / "classify.ipynb"
    text = released.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    source = (tmp_path / "a" / "source" / ASSIGNMENT / "classify.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" in source  # built from the checkout's exercises

    step = triad(venv, "release", "--course-dir", tmp_path / "b", ASSIGNMENT, sources=str(REPO),
                 cwd=tmp_path)  # fmt: skip
    assert step.returncode == 0, step.stdout + step.stderr
    assert (tmp_path / "b" / "release" / ASSIGNMENT / "classify.ipynb").exists()


@pytest.mark.parametrize("command", [["release"], ["distribute", ASSIGNMENT], ["lab",
                                     "--prepare-only"], ["check", ASSIGNMENT]])  # fmt: skip
def test_without_sources_triad_says_which_setting_to_give(venv, tmp_path, command):
    args = [*command, "--exchange", tmp_path / "x"] if command[0] == "distribute" else command
    step = triad(venv, *args, cwd=tmp_path)
    assert step.returncode == 1, step.stdout + step.stderr
    assert "Traceback" not in step.stderr, step.stderr
    (line,) = step.stderr.strip().splitlines()
    assert "TRIAD_SOURCES" in line and "--sources" in line, line
    assert not (tmp_path / "workspace" / "lessons").exists()


def test_sources_that_are_not_a_course_are_named(venv, tmp_path):
    step = triad(venv, "release", "--sources", tmp_path, cwd=tmp_path)
    assert step.returncode == 1 and "Traceback" not in step.stderr, step.stderr
    assert f"{tmp_path} holds no lessons/ and exercises/" in step.stderr, step.stderr
