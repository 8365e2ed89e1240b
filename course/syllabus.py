"""The course's order and promises, read from ``syllabus.yml``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    minutes: int
    prepares: tuple[str, ...]

    @property
    def number(self) -> int:
        return int(self.id.split("-", 1)[0])


def _load() -> dict:
    return yaml.safe_load(resources.files("course").joinpath("syllabus.yml").read_text("utf-8"))


def lessons() -> list[Lesson]:
    """The lessons in course order."""
    return [
        Lesson(item["id"], item["title"], int(item["minutes"]), tuple(item.get("prepares", ())))
        for item in _load()["lessons"]
    ]


def assignments() -> dict[str, str]:
    """Assignment id -> title, in course order."""
    return {item["id"]: item["title"] for item in _load()["assignments"]}
