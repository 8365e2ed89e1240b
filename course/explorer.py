"""The schedule explorer of lesson 5: change durations and dependencies, watch the end date.

Two layers:

* ``explore(projects, weeks, extra_dependencies)`` is a plain function: it
  applies the changes to the program table and returns the new schedule, its
  critical path, its end week and a one-line message comparing it with the
  baseline.  Everything the explorer shows comes from it, and it can be used
  on its own in a notebook cell or a test.
* ``schedule_explorer(projects)`` wraps it in ipywidgets: a slider per
  project's duration, a tick box per team that several projects share (so that
  they run one after the other), a pair of drop-downs to add any dependency,
  and a Gantt chart that is redrawn after every change.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping

import ipywidgets as widgets
import pandas as pd
from IPython.display import Image, display

from course import planning, plots, scenarios


def _describe_path(path: list[str]) -> str:
    return " → ".join(path) if path else "(none)"


def explore(
    projects: pd.DataFrame,
    weeks: Mapping[str, int] | None = None,
    extra_dependencies: Iterable[tuple[str, str]] = (),
    start_date: dt.date | None = None,
) -> dict:
    """Re-plan a program after changing durations or adding dependencies.

    ``weeks`` maps project ids to new durations (``{"E": 12}``);
    ``extra_dependencies`` is a list of ``(before, after)`` pairs, each meaning
    *after must wait for before* (``[("C", "E")]`` puts the data migration
    after the electronic signature work, as when both need the same team).
    The baseline is ``projects`` as given.  With ``start_date``, the end week
    is also turned into a calendar date.

    Returns a ``dict`` with

    ``projects``
        the changed program table;
    ``schedule``
        its ``course.planning.schedule``;
    ``critical_path``
        one critical path, a list of ids;
    ``end_week``, ``baseline_end_week``, ``delay``
        the program's length after and before the changes, and the
        difference in weeks (negative when the program got shorter);
    ``end_date``
        the day the program ends, or ``None`` without a ``start_date``;
    ``changes``
        the changes applied, as short texts such as ``"E 8 → 12 weeks"``;
    ``message``
        one line saying what changed and what it does to the end of the program.

    Raises ``ValueError`` for an unknown id, a duration that is not a whole
    number of weeks, or a dependency that would close a cycle.

    >>> program = scenarios.digitisation_program()
    >>> result = explore(program, {"E": 12}, [("C", "E")])
    >>> result["end_week"], result["delay"], result["critical_path"]
    (48, 2, ['A', 'B', 'C', 'E', 'F', 'G'])
    >>> print(result["message"])  # doctest: +NORMALIZE_WHITESPACE
    E 8 → 12 weeks, C before E: the program ends in week 48, 2 weeks later than planned;
    critical path A → B → C → E → F → G.
    """
    baseline_end = planning.program_weeks(projects)
    weeks = dict(weeks or {})
    before_weeks = dict(zip(projects["id"].astype(str), projects["weeks"], strict=True))
    changed = planning.set_weeks(projects, weeks)
    changes = [f"{pid} {before_weeks[str(pid)]} → {int(value)} weeks"
               for pid, value in sorted(weeks.items())
               if int(value) != before_weeks[str(pid)]]
    for before, after in extra_dependencies:
        current = dict(zip(changed["id"].astype(str), changed["depends_on"], strict=True))
        already = str(before) in planning.parse_dependencies(current.get(str(after)))
        changed = planning.add_dependency(changed, before, after)
        if not already:
            changes.append(f"{before} before {after}")

    table = planning.schedule(changed)
    path = planning.critical_path(changed)
    end = int(table["finish"].max()) if len(table) else 0
    delay = end - baseline_end
    end_date = start_date + dt.timedelta(weeks=end) if start_date else None

    if delay > 0:
        effect = (f"the program ends in week {end}, "
                  f"{delay} week{'s' * (delay != 1)} later than planned")
    elif delay < 0:
        effect = (f"the program ends in week {end}, "
                  f"{-delay} week{'s' * (delay != -1)} earlier than planned")
    elif changes:
        effect = f"the program still ends in week {end}"
    else:
        effect = f"Baseline plan: the program ends in week {end}"
    if end_date:
        effect += f" ({end_date.isoformat()})"
    message = f"{', '.join(changes)}: {effect}" if changes else effect
    message += f"; critical path {_describe_path(path)}."
    return {
        "projects": changed,
        "schedule": table,
        "critical_path": path,
        "end_week": end,
        "baseline_end_week": baseline_end,
        "delay": delay,
        "end_date": end_date,
        "changes": changes,
        "message": message,
    }


def shared_teams(projects: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Teams that work on more than one project: ``[(team, [ids in order of work])]``.

    The ids are in the baseline schedule's order of work (earliest start, then
    id), which is the natural order in which one team would take them on.
    Empty when the table has no ``team`` column.

    >>> shared_teams(scenarios.digitisation_program())
    [('integration', ['C', 'E'])]
    """
    if "team" not in projects.columns:
        return []
    table = planning.schedule(projects)
    rank = {pid: (int(table.at[pid, "start"]), pid) for pid in table.index}
    teams: dict[str, list[str]] = {}
    for pid, team in zip(projects["id"].astype(str), projects["team"], strict=True):
        if isinstance(team, str) and team:
            teams.setdefault(team, []).append(pid)
    return [(team, sorted(ids, key=rank.__getitem__))
            for team, ids in sorted(teams.items()) if len(ids) > 1]


def _and(ids: list[str]) -> str:
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"


def _one_after_another(ids: list[str]) -> list[tuple[str, str]]:
    return list(itertools.pairwise(ids))


class ScheduleExplorer(widgets.VBox):
    """The explorer widget; build it with ``schedule_explorer()``.

    Its parts are attributes, so that a notebook (or a test) can drive it:
    ``sliders`` (``{id: IntSlider}``), ``team_boxes`` (``{team: Checkbox}``),
    ``before``/``after``/``add_button`` (add a dependency), ``reset_button``,
    ``result`` (the message, an ``HTML`` widget), ``chart`` (the ``Output``
    holding the Gantt chart) and ``state`` (the last ``explore`` result).
    """

    def __init__(self, projects: pd.DataFrame, draw: bool = True):
        self.projects = projects.copy()
        self.draw = draw
        self.added: list[tuple[str, str]] = []
        self.state: dict = {}
        self._quiet = False  # True while Reset moves the controls back, to re-plan once
        ids = [str(pid) for pid in projects["id"]]
        weeks = dict(zip(ids, (int(w) for w in projects["weeks"]), strict=True))
        self.sliders = {
            pid: widgets.IntSlider(value=weeks[pid], min=0, max=max(24, 2 * weeks[pid]),
                                   description=f"{pid} (weeks)", continuous_update=False,
                                   style={"description_width": "initial"})
            for pid in ids
        }
        self._team_members = dict(shared_teams(projects))
        self.team_boxes = {
            team: widgets.Checkbox(
                value=False, indent=False,
                description=f"{_and(members)} share the {team} team: {' then '.join(members)}",
                layout=widgets.Layout(width="auto"),
            )
            for team, members in self._team_members.items()
        }
        self.before = widgets.Dropdown(options=ids, description="before", value=ids[0])
        self.after = widgets.Dropdown(options=ids, description="after", value=ids[-1])
        self.add_button = widgets.Button(description="Add dependency")
        self.reset_button = widgets.Button(description="Reset")
        self.result = widgets.HTML()
        self.chart = widgets.Output()

        for control in [*self.sliders.values(), *self.team_boxes.values()]:
            control.observe(self._on_change, names="value")
        self.add_button.on_click(self._on_add)
        self.reset_button.on_click(self._on_reset)

        slider_box = widgets.GridBox(list(self.sliders.values()),
                                     layout=widgets.Layout(grid_template_columns="repeat(3, 1fr)"))
        children = [slider_box]
        if self.team_boxes:
            children.append(widgets.VBox(list(self.team_boxes.values())))
        children += [widgets.HBox([self.before, self.after, self.add_button, self.reset_button]),
                     self.result, self.chart]
        super().__init__(children)
        self.update()

    def extra_dependencies(self) -> list[tuple[str, str]]:
        """The dependencies added on top of the baseline: ticked shared teams, then added pairs."""
        pairs = [pair for team, box in self.team_boxes.items() if box.value
                 for pair in _one_after_another(self._team_members[team])]
        return pairs + [pair for pair in self.added if pair not in pairs]

    def update(self) -> None:
        """Re-plan from the controls' values and redraw the message and the chart."""
        weeks = {pid: slider.value for pid, slider in self.sliders.items()}
        try:
            self.state = explore(self.projects, weeks, self.extra_dependencies())
        except ValueError as error:
            self.result.value = f"<b>Cannot plan this:</b> {error}"
            return
        self.result.value = f"<b>{self.state['message']}</b>"
        if self.draw:
            fig = plots.gantt(self.state["projects"])
            png = plots.to_png(fig)
            with self.chart:
                self.chart.clear_output(wait=True)
                display(Image(data=png, format="png"))

    def _on_change(self, _change: dict) -> None:
        if not self._quiet:
            self.update()

    def _on_add(self, _button: widgets.Button) -> None:
        pair = (self.before.value, self.after.value)
        if pair[0] == pair[1]:
            self.result.value = f"<b>Cannot plan this:</b> {pair[0]} cannot wait for itself."
            return
        try:
            planning.add_dependency(self.state.get("projects", self.projects), *pair)
        except ValueError as error:
            self.result.value = f"<b>Cannot add {pair[0]} before {pair[1]}:</b> {error}"
            return
        if pair not in self.added:
            self.added.append(pair)
        self.update()

    def _on_reset(self, _button: widgets.Button | None = None) -> None:
        self.added.clear()
        self._quiet = True
        try:
            for pid, weeks in zip(self.projects["id"].astype(str), self.projects["weeks"],
                                  strict=True):
                self.sliders[pid].value = int(weeks)
            for box in self.team_boxes.values():
                box.value = False
        finally:
            self._quiet = False
        self.update()


def schedule_explorer(projects: pd.DataFrame | None = None, draw: bool = True) -> ScheduleExplorer:
    """An interactive schedule explorer for a program (default: the digitisation program).

    Move a slider to change a project's duration, tick a shared team to make
    its projects run one after the other, or pick two projects and press
    *Add dependency*; the message and the Gantt chart follow every change.
    *Reset* goes back to the baseline.  Try it on the digitisation program:
    tick the integration team (C then E) and stretch E, and see at which
    duration the program's end starts to move.

    ``draw=False`` skips the chart (the message still updates), which is
    faster where nobody looks at it.
    """
    return ScheduleExplorer(scenarios.digitisation_program() if projects is None else projects,
                            draw=draw)
