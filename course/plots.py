"""Charts of the course: Gantt chart, dependency network, benefits map, health dashboard.

Every function returns a ``matplotlib.figure.Figure`` and draws nothing on
screen by itself: in a notebook, make the figure the last expression of a cell
(or pass it to ``display``) to see it; elsewhere, save it with
``fig.savefig("chart.png")``.  The figures are built without ``pyplot``, so
they are never shown twice and never pile up in memory; the module does not
choose a matplotlib backend.

Colours are fixed for the whole course, and each colour is doubled by a label
or a legend entry so that a chart can be read without telling red from green.
"""

from __future__ import annotations

import io
import itertools
import math
import textwrap

import networkx as nx
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from course import health, planning, scenarios
from course.lessons_support import shown_index

CRITICAL = "#c0392b"
NORMAL = "#2e86c1"
FLOAT = "#d6eaf8"
ORPHAN = "#f5b041"
RAG_COLOURS = {"green": "#27ae60", "amber": "#f39c12", "red": "#c0392b"}
LAYER_COLOURS = {
    "output": "#d6eaf8",
    "capability": "#d1f2eb",
    "outcome": "#fcf3cf",
    "benefit": "#fadbd8",
    "objective": "#e8daef",
}
LAYER_TITLES = {"output": "outputs", "capability": "capabilities", "outcome": "outcomes",
                "benefit": "benefits", "objective": "objectives"}


class CourseFigure(Figure):
    """A matplotlib figure that shows itself as a PNG image in Jupyter.

    Without it, a figure made without ``pyplot`` would show as a line of text
    in a notebook that has not imported ``pyplot``.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (used by the widgets to redraw a chart)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _label(pid: str, name: object, width: int = 34) -> str:
    if not isinstance(name, str) or not name:
        return str(pid)
    return f"{pid}  {textwrap.shorten(name, width=width, placeholder='...')}"


def gantt(projects: pd.DataFrame, highlight_critical: bool = True,
          title: str | None = None) -> Figure:
    """A Gantt chart of the program's earliest schedule.

    One horizontal bar per project from its earliest start to its earliest
    finish (in weeks), in an order of work from top to bottom.  Critical
    projects are drawn in red when ``highlight_critical`` is true; a project's
    float is drawn as a light bar after it, reaching to its latest finish; a
    dashed line marks the program's end.

    Each duration bar has the gid ``"bar:<id>"`` and each float bar
    ``"float:<id>"`` (handy in tests: ``[p.get_gid() for p in ax.patches]``).
    """
    table = planning.schedule(projects)
    names = {}
    if "name" in projects.columns:
        names = dict(zip(projects["id"].astype(str), projects["name"], strict=True))
    end = int(table["finish"].max()) if len(table) else 0

    fig = CourseFigure(figsize=(10, 0.5 * len(table) + 2), layout="constrained")
    ax = fig.add_subplot()
    ys = range(len(table))
    for y, (pid, row) in enumerate(table.iterrows()):
        colour = CRITICAL if highlight_critical and row["critical"] else NORMAL
        bar = ax.barh(y, row["weeks"], left=row["start"], color=colour, height=0.6)
        bar.patches[0].set_gid(f"bar:{pid}")
        if row["weeks"]:
            ax.text(row["start"] + row["weeks"] / 2, y, f"{row['weeks']} w", ha="center",
                    va="center", color="white", fontsize=8)
        if row["float"] > 0:
            slack = ax.barh(y, row["float"], left=row["finish"], color=FLOAT, height=0.6,
                            edgecolor=NORMAL, linewidth=0.5)
            slack.patches[0].set_gid(f"float:{pid}")
    ax.axvline(end, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(list(ys), [_label(pid, names.get(pid)) for pid in table.index])
    ax.invert_yaxis()
    ax.set_xlabel("weeks from the program's start")
    ax.set_xlim(0, max(end, 1) * 1.03)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(title or f"Program schedule: {end} weeks")
    handles = [Patch(color=NORMAL, label="project (earliest dates)"),
               Patch(facecolor=FLOAT, edgecolor=NORMAL, label="float")]
    if highlight_critical:
        handles.insert(0, Patch(color=CRITICAL, label="critical project (zero float)"))
    handles.append(Line2D([], [], color="black", linestyle="--", label=f"program end: week {end}"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    return fig


def _lanes(table: pd.DataFrame, path: list[str]) -> dict[str, int]:
    """A lane (row) per project: the critical path on lane 0, others where they fit."""
    lanes = {pid: 0 for pid in path}
    busy: dict[int, list[tuple[int, int]]] = {0: [(table.at[p, "start"], table.at[p, "finish"])
                                                 for p in path]}
    for pid, row in table.iterrows():
        if pid in lanes:
            continue
        span = (row["start"], max(row["finish"], row["start"] + 1))
        candidates = (lane for k in itertools.count(1) for lane in (k, -k))
        lane = next(lane for lane in candidates
                    if all(span[1] <= a or b <= span[0] for a, b in busy.get(lane, [])))
        lanes[pid] = lane
        busy.setdefault(lane, []).append(span)
    return lanes


def network(projects: pd.DataFrame) -> Figure:
    """The dependency network, laid out from left to right by earliest start.

    Each node is a project, labelled with its id and duration and placed at
    its earliest start week; the critical path runs along the middle row.  An
    arrow ``u -> v`` means *u must finish before v starts*.  Critical nodes
    are red; an arrow is red when it is *tight* (both ends critical and v
    starts the week u finishes), i.e. when it is part of a critical path.

    The node collection has the gid ``"nodes"``; each arrow has the gid
    ``"edge:<u>-><v>"``.
    """
    graph = planning.dependency_graph(projects)
    table = planning.schedule(projects)
    path = planning.critical_path(projects)
    lanes = _lanes(table, path)
    pos = {pid: (float(table.at[pid, "start"]), -float(lanes[pid])) for pid in table.index}
    tight = [(u, v) for u, v in graph.edges
             if table.at[u, "critical"] and table.at[v, "critical"]
             and table.at[u, "finish"] == table.at[v, "start"]]
    loose = [edge for edge in graph.edges if edge not in tight]

    width = max(6.0, 0.22 * float(table["finish"].max() if len(table) else 0) + 3)
    height = max(3.0, 1.1 * (max(lanes.values(), default=0) - min(lanes.values(), default=0)) + 2)
    fig = CourseFigure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    nodes = list(table.index)
    colours = [CRITICAL if table.at[pid, "critical"] else NORMAL for pid in nodes]
    collection = nx.draw_networkx_nodes(graph, pos, nodelist=nodes, node_color=colours,
                                        node_size=1100, ax=ax)
    collection.set_gid("nodes")
    # Arrows between projects of the same row bow upwards, so as not to cross the boxes between.
    same_row = [(u, v) for u, v in loose if lanes[u] == lanes[v]]
    other = [edge for edge in loose if edge not in same_row]
    styles = ((other, "#7f8c8d", 1.2, 0.08), (same_row, "#7f8c8d", 1.2, -0.3),
              (tight, CRITICAL, 2.5, 0.0))
    for edges, colour, size, rad in styles:
        if not edges:
            continue
        arrows = nx.draw_networkx_edges(graph, pos, edgelist=edges, edge_color=colour,
                                        width=size, arrows=True, arrowsize=14, node_size=1100,
                                        connectionstyle=f"arc3,rad={rad}", ax=ax)
        for (u, v), arrow in zip(edges, arrows, strict=True):
            arrow.set_gid(f"edge:{u}->{v}")
    labels = {pid: f"{pid}\n{table.at[pid, 'weeks']} w" for pid in nodes}
    nx.draw_networkx_labels(graph, pos, labels=labels, font_color="white", font_size=9, ax=ax)
    ax.tick_params(left=False, labelleft=False, bottom=True, labelbottom=True)
    ax.set_xlabel("earliest start (week)")
    end = int(table["finish"].max()) if len(table) else 0
    ys = [y for _, y in pos.values()] or [0.0]
    ax.set_xlim(-0.06 * max(end, 1) - 1, end + 1)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.9)
    ax.set_title(f"Dependency network: critical path {' → '.join(path)} ({end} weeks)")
    ax.legend(handles=[Patch(color=CRITICAL, label="critical"),
                       Patch(color=NORMAL, label="has float")], loc="upper left", fontsize=8)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    return fig


def benefits_map(projects: pd.DataFrame | None = None, register: pd.DataFrame | None = None,
                 goals: pd.DataFrame | None = None, full_chain: bool = False) -> Figure:
    """The benefits map: how project outputs lead to benefits and objectives.

    Columns from left to right: project outputs, benefits, strategic
    objectives; with ``full_chain=True`` the capabilities and outcomes between
    outputs and benefits are shown too (MSP's benefit chain).  The arrows come
    from ``course.scenarios.benefit_chain``; defaults are the digitisation
    scenario's tables.  A project whose output reaches no benefit is an
    *orphan*: it is drawn in orange and marked "(no benefit)".

    Each box is a text artist with the gid ``"node:<layer>:<label>"``.
    """
    projects = scenarios.digitisation_program() if projects is None else projects
    edges = scenarios.benefit_chain(projects, register, goals, full_chain=full_chain)
    layers = ["output", "capability", "outcome", "benefit", "objective"] if full_chain \
        else ["output", "benefit", "objective"]
    outputs = [f"{pid}: {out}" for pid, out in zip(projects["id"], projects["output"], strict=True)]
    linked = set(edges["source"])
    graph = nx.DiGraph()
    graph.add_nodes_from(outputs)
    graph.add_edges_from(zip(edges["source"], edges["target"], strict=True))
    layer_of = dict(zip(edges["source"], edges["source_layer"], strict=True))
    layer_of |= dict(zip(edges["target"], edges["target_layer"], strict=True))
    layer_of |= {out: "output" for out in outputs}

    # Place each column's boxes in the order of the boxes that point to them, to limit crossings.
    rank: dict[str, float] = {out: i for i, out in enumerate(outputs)}
    columns: dict[str, list[str]] = {"output": outputs}
    for layer in layers[1:]:
        members = [n for n in dict.fromkeys(edges["target"]) if layer_of[n] == layer]
        for node in members:
            sources = [rank[s] for s in graph.predecessors(node) if s in rank]
            rank[node] = sum(sources) / len(sources) if sources else 0.0
        columns[layer] = sorted(members, key=lambda n: (rank[n], n))
        rank |= {node: i for i, node in enumerate(columns[layer])}

    tallest = max(len(nodes) for nodes in columns.values())
    fig = CourseFigure(figsize=(3.2 * len(layers), 0.85 * tallest + 1.5), layout="constrained")
    ax = fig.add_subplot()
    boxes = {}
    for x, layer in enumerate(layers):
        nodes = columns[layer]
        ax.text(x, tallest + 0.2, LAYER_TITLES[layer], ha="center", va="bottom",
                fontweight="bold")
        for i, node in enumerate(nodes):
            y = tallest - (i + 0.5) * tallest / len(nodes)
            orphan = layer == "output" and node not in linked
            text = textwrap.fill(node, 24) + ("\n(no benefit)" if orphan else "")
            boxes[node] = ax.text(
                x, y, text, ha="center", va="center", fontsize=8,
                gid=f"node:{layer}:{node}",
                bbox={"boxstyle": "round,pad=0.4",
                      "facecolor": ORPHAN if orphan else LAYER_COLOURS[layer],
                      "edgecolor": "#566573"},
            )
    for source, target in graph.edges:
        ax.annotate("", xy=(0, 0.5), xycoords=boxes[target], xytext=(1, 0.5),
                    textcoords=boxes[source],
                    arrowprops={"arrowstyle": "->", "color": "#566573", "linewidth": 0.8})
    ax.set_xlim(-0.6, len(layers) - 0.4)
    ax.set_ylim(-0.1, tallest + 0.7)
    ax.axis("off")
    ax.set_title("Benefits map: from project outputs to strategic objectives")
    return fig


def health_dashboard(reports: pd.DataFrame, period: int | None = None) -> Figure:
    """Program health at a glance: each project's SPI and CPI, coloured by RAG.

    Left: SPI (solid) and CPI (hatched) bars per project, each coloured by its
    own index, with the course's amber and red thresholds as lines; under each
    pair, the project's RAG (the worse of the two).  Right: SPI against CPI, one point per
    project, with lines at 1 splitting late from early and over from under
    budget.  ``period`` defaults to the last period reported.

    Bars have the gids ``"spi:<id>"`` and ``"cpi:<id>"``; the points' collection
    has the gid ``"points"``.
    """
    program = health.program_health(reports, period)
    used = program["period"]
    table = health.earned_value(reports, used)
    ids = [str(pid) for pid in table.index]
    colours = [RAG_COLOURS[c] for c in table["rag"]]  # the points: each project's RAG
    # Each bar is coloured by its own index; a project's status is the worse of its two bars.
    spi_colours = [RAG_COLOURS[health.rag(x, math.nan)] for x in table["spi"]]
    cpi_colours = [RAG_COLOURS[health.rag(math.nan, x)] for x in table["cpi"]]

    fig = CourseFigure(figsize=(12, 4.8), layout="constrained")
    bars_ax, scatter_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    xs = range(len(ids))
    spi_bars = bars_ax.bar([x - 0.2 for x in xs], table["spi"].fillna(0), width=0.4,
                           color=spi_colours, edgecolor="black")
    cpi_bars = bars_ax.bar([x + 0.2 for x in xs], table["cpi"].fillna(0), width=0.4,
                           color=cpi_colours, edgecolor="black", hatch="//")
    for pid, spi_bar, cpi_bar in zip(ids, spi_bars, cpi_bars, strict=True):
        spi_bar.set_gid(f"spi:{pid}")
        cpi_bar.set_gid(f"cpi:{pid}")
    bars_ax.axhline(1.0, color="black", linewidth=0.8)
    bars_ax.axhline(health.AMBER, color=RAG_COLOURS["amber"], linestyle="--", linewidth=1)
    bars_ax.axhline(health.RED, color=RAG_COLOURS["red"], linestyle="--", linewidth=1)
    bars_ax.set_xticks(list(xs), [f"{pid}\n{c}" for pid, c in zip(ids, table["rag"], strict=True)])
    low = min(0.5, float(table[["spi", "cpi"]].min().min()) - 0.05)
    bars_ax.set_ylim(low, max(1.2, float(table[["spi", "cpi"]].max().max()) + 0.05))
    bars_ax.set_ylabel("index (1 = on plan)")
    bars_ax.set_title(f"Period {used}: SPI (solid) and CPI (hatched)")
    bars_ax.legend(handles=[Patch(facecolor="white", edgecolor="black", label="SPI"),
                            Patch(facecolor="white", edgecolor="black", hatch="//", label="CPI"),
                            Line2D([], [], color=RAG_COLOURS["amber"], linestyle="--",
                                   label=f"amber below {health.AMBER}"),
                            Line2D([], [], color=RAG_COLOURS["red"], linestyle="--",
                                   label=f"red below {health.RED}")],
                   loc="lower left", fontsize=8)

    points = scatter_ax.scatter(table["spi"], table["cpi"], c=colours, s=90, edgecolors="black",
                                zorder=3)
    points.set_gid("points")
    for pid, spi, cpi in zip(ids, table["spi"], table["cpi"], strict=True):
        scatter_ax.annotate(pid, (spi, cpi), xytext=(6, 6), textcoords="offset points")
    lo, hi = bars_ax.get_ylim()
    scatter_ax.set_xlim(lo, hi)
    scatter_ax.set_ylim(lo, hi)
    scatter_ax.axvline(1.0, color="black", linewidth=0.8)
    scatter_ax.axhline(1.0, color="black", linewidth=0.8)
    for x, y, text, ha, va in ((0.02, 0.02, "late, over budget", "left", "bottom"),
                               (0.98, 0.02, "ahead, over budget", "right", "bottom"),
                               (0.02, 0.98, "late, under budget", "left", "top"),
                               (0.98, 0.98, "ahead, under budget", "right", "top")):
        scatter_ax.text(x, y, text, ha=ha, va=va, fontsize=8, color="#566573",
                        transform=scatter_ax.transAxes)
    scatter_ax.set_xlabel("SPI (schedule)")
    scatter_ax.set_ylabel("CPI (cost)")
    scatter_ax.set_title(f"Program: SPI {shown_index(program['spi']):.2f}, "
                         f"CPI {shown_index(program['cpi']):.2f}, "
                         f"status {program['rag']}")
    return fig
