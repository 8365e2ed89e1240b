"""Every lesson builds, follows the course skeleton and executes without an error."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.build import lesson_sources, read_text_notebook
from autograder.paths import LESSONS
from course.syllabus import lessons

LESSONS_BY_ID = {lesson.id: lesson for lesson in lessons()}
SECTIONS = ["Learning objectives", "Key points", "Sources"]


def test_every_lesson_file_is_in_the_syllabus_and_back():
    on_disk = {path.stem for path in lesson_sources()}
    assert on_disk == set(LESSONS_BY_ID), "lessons/ and course/syllabus.yml disagree"


def test_the_readmes_lesson_table_is_the_syllabus():
    readme = (LESSONS.parent / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| (.+?) \| (\d+) \| (.+?) \|$", readme, re.M)
    assert [(int(n), title, int(minutes), tuple(re.findall(r"`([^`]+)`", prepares)))
            for n, title, minutes, prepares in rows] == [
        (lesson.number, lesson.title, lesson.minutes, lesson.prepares)
        for lesson in LESSONS_BY_ID.values()
    ]


@pytest.mark.parametrize("lesson_id", sorted(LESSONS_BY_ID))
def test_lesson_follows_the_skeleton(lesson_id):
    lesson = LESSONS_BY_ID[lesson_id]
    text = (LESSONS / f"{lesson_id}.md").read_text(encoding="utf-8")
    assert f"# {lesson.number}. {lesson.title}\n" in text, "first heading must match the syllabus"
    assert f"**Time:** {lesson.minutes} minutes" in text, "time estimate must match the syllabus"
    for section in SECTIONS:
        assert re.search(rf"^## {section}", text, re.M), f"missing section '## {section}'"
    objectives = re.search(r"^## Learning objectives\n(.*?)^## ", text, re.M | re.S).group(1)
    count = len(re.findall(r"^\s*[-*\d]", objectives, re.M))
    assert 3 <= count <= 5, f"{count} learning objectives; the skeleton asks for 3 to 5"
    assert "quiz(" in text or "sorter(" in text, "every lesson has an interactive practice check"


@pytest.mark.parametrize("lesson_id", sorted(LESSONS_BY_ID))
def test_lesson_executes(lesson_id, tmp_path):
    nb = read_text_notebook(LESSONS / f"{lesson_id}.md")
    client = NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{lesson_id}: a cell failed:\n{error}")
    nbformat.validate(nb)
