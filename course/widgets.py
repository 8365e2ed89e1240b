"""Practice checks for the lessons: small ipywidgets quizzes that explain every choice.

The logic lives in plain classes (``Question``, ``Sorter``) that tests drive
without a browser; ``quiz`` and ``sorter`` wrap them in widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import ipywidgets as widgets

RIGHT, WRONG = "✅", "❌"


@dataclass
class Question:
    """A multiple-choice question; every option carries its own explanation.

    ``options`` maps the text of each choice to ``(is_correct, explanation)``.
    """

    prompt: str
    options: Mapping[str, tuple[bool, str]]

    def __post_init__(self) -> None:
        if not any(correct for correct, _ in self.options.values()):
            raise ValueError(f"question {self.prompt!r} has no correct option")

    def answer(self, choice: str) -> tuple[bool, str]:
        """Return whether ``choice`` is right and the sentence that explains it."""
        if choice not in self.options:
            raise KeyError(f"{choice!r} is not an option of {self.prompt!r}")
        return self.options[choice]


def quiz(prompt: str, options: Mapping[str, tuple[bool, str]]) -> widgets.VBox:
    """A question with one button per option; clicking one explains it.

    Example::

        quiz("Which has a planned end?", {
            "A project": (True, "Projects are temporary: they end when the output is delivered."),
            "A product": (False, "A product lives as long as it serves its market."),
        })
    """
    question = Question(prompt, options)
    feedback = widgets.HTML()
    buttons = []

    def on_click(button: widgets.Button) -> None:
        correct, why = question.answer(button.description)
        for other in buttons:
            other.button_style = ""
        button.button_style = "success" if correct else "danger"
        feedback.value = f"<p>{RIGHT if correct else WRONG} {why}</p>"

    for text in question.options:
        button = widgets.Button(description=text, layout=widgets.Layout(width="auto"))
        button.on_click(on_click)
        buttons.append(button)
    box = widgets.VBox(
        [widgets.HTML(f"<b>{prompt}</b>"), widgets.VBox(buttons), feedback],
        layout=widgets.Layout(border="1px solid #ccc", padding="8px", margin="8px 0"),
    )
    box.question, box.buttons, box.feedback = question, buttons, feedback
    return box


@dataclass
class Sorter:
    """Sort items into categories; each item carries its right category and why.

    ``items`` maps an item's text to ``(category, explanation)``.
    """

    categories: tuple[str, ...]
    items: Mapping[str, tuple[str, str]]
    choices: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for text, (category, _) in self.items.items():
            if category not in self.categories:
                raise ValueError(f"{text!r}: {category!r} is not one of {self.categories}")

    def results(self) -> list[tuple[str, bool | None, str]]:
        """``(item, right?, explanation)`` per item; ``right?`` is ``None`` when unanswered."""
        rows = []
        for text, (category, why) in self.items.items():
            chosen = self.choices.get(text)
            rows.append((text, None if chosen is None else chosen == category, why))
        return rows

    def score(self) -> tuple[int, int]:
        right = sum(1 for _, ok, _ in self.results() if ok)
        return right, len(self.items)


def sorter(categories: tuple[str, ...], items: Mapping[str, tuple[str, str]]) -> widgets.VBox:
    """A drop-down per item and a *Check* button that explains each answer."""
    logic = Sorter(tuple(categories), items)
    dropdowns = {}
    rows = []
    for text in items:
        dropdown = widgets.Dropdown(options=[("choose…", None)] + [(c, c) for c in categories])
        dropdowns[text] = dropdown
        rows.append(
            widgets.HBox([dropdown, widgets.HTML(text)], layout=widgets.Layout(margin="2px 0"))
        )
    check = widgets.Button(description="Check", button_style="primary")
    feedback = widgets.HTML()

    def on_check(_button=None) -> None:
        logic.choices = {text: dropdown.value for text, dropdown in dropdowns.items()}
        lines = []
        for text, ok, why in logic.results():
            mark = "…" if ok is None else RIGHT if ok else WRONG
            lines.append(f"<li>{mark} <i>{text}</i>" + ("" if ok is None else f": {why}") + "</li>")
        right, total = logic.score()
        feedback.value = f"<p><b>{right} of {total} right.</b></p><ul>{''.join(lines)}</ul>"

    check.on_click(on_check)
    box = widgets.VBox(
        rows + [check, feedback],
        layout=widgets.Layout(border="1px solid #ccc", padding="8px", margin="8px 0"),
    )
    box.logic, box.dropdowns, box.check, box.feedback = logic, dropdowns, check, feedback
    return box
