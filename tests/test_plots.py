"""The charts: the right number of bars, nodes and boxes, the right colours, and they render."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from course import planning, plots, scenarios


def by_gid(artists, prefix: str) -> dict[str, object]:
    """Artists whose gid starts with ``prefix``, keyed by the rest of the gid."""
    return {a.get_gid()[len(prefix):]: a for a in artists
            if (a.get_gid() or "").startswith(prefix)}


def render(fig: Figure) -> bytes:
    png = plots.to_png(fig)
    assert png.startswith(b"\x89PNG")
    return png


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """The course's charts never go through pyplot, so nothing piles up or shows twice."""
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


def test_gantt_of_the_digitisation_program():
    fig = plots.gantt(scenarios.digitisation_program())
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    bars = by_gid(ax.patches, "bar:")
    floats = by_gid(ax.patches, "float:")
    assert sorted(bars) == list("ABCDEFG")
    assert list(floats) == ["E"]
    assert (floats["E"].get_x(), floats["E"].get_width()) == (26, 8)
    assert (bars["D"].get_x(), bars["D"].get_width()) == (24, 10)
    colours = {pid: to_hex(bar.get_facecolor()) for pid, bar in bars.items()}
    assert colours["E"] == plots.NORMAL
    assert {colours[p] for p in "ABCDFG"} == {plots.CRITICAL}
    assert [line.get_xdata()[0] for line in ax.lines] == [46]
    assert fig.legends, "a legend explains the colours"
    assert "46 weeks" in ax.get_title()
    render(fig)


def test_gantt_without_highlight_and_with_a_title():
    fig = plots.gantt(scenarios.digitisation_program(), highlight_critical=False, title="Plan")
    bars = by_gid(fig.axes[0].patches, "bar:")
    assert {to_hex(bar.get_facecolor()) for bar in bars.values()} == {plots.NORMAL}
    assert fig.axes[0].get_title() == "Plan"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gantt_of_random_programs(seed):
    projects = scenarios.random_program(10, seed)
    table = planning.schedule(projects)
    ax = plots.gantt(projects).axes[0]
    assert len(by_gid(ax.patches, "bar:")) == 10
    assert sorted(by_gid(ax.patches, "float:")) == sorted(table.index[table["float"] > 0])


def test_network_of_the_digitisation_program():
    projects = scenarios.digitisation_program()
    fig = plots.network(projects)
    ax = fig.axes[0]
    nodes = next(c for c in ax.collections if c.get_gid() == "nodes")
    offsets = nodes.get_offsets()
    assert len(offsets) == 7
    starts = planning.schedule(projects)["start"]
    assert [x for x, _ in offsets] == starts.tolist(), "nodes sit at their earliest start"
    ys = dict(zip(starts.index, (y for _, y in offsets), strict=True))
    assert len({ys[p] for p in "ABCDFG"}) == 1 and ys["E"] != ys["A"], "critical path in one row"
    edges = by_gid(ax.patches, "edge:")
    assert len(edges) == 9
    red = {edge for edge, arrow in edges.items()
           if to_hex(arrow.get_edgecolor()) == plots.CRITICAL}
    # B->D joins two critical projects but D waits for C, so that arrow is not on the path.
    assert red == {"A->B", "B->C", "C->D", "D->F", "F->G"}
    render(fig)


def test_network_of_a_larger_random_program():
    projects = scenarios.random_program(15, 3)
    ax = plots.network(projects).axes[0]
    nodes = next(c for c in ax.collections if c.get_gid() == "nodes")
    assert len(nodes.get_offsets()) == 15
    assert len(by_gid(ax.patches, "edge:")) == sum(map(len, projects["depends_on"]))


def test_benefits_map_short_and_full():
    fig = plots.benefits_map()
    boxes = by_gid(fig.axes[0].texts, "node:")
    layers = pd.Series([key.split(":", 1)[0] for key in boxes]).value_counts().to_dict()
    assert layers == {"output": 7, "benefit": 6, "objective": 2}
    render(fig)
    full = plots.benefits_map(full_chain=True)
    boxes = by_gid(full.axes[0].texts, "node:")
    layers = pd.Series([key.split(":", 1)[0] for key in boxes]).value_counts().to_dict()
    assert layers == {"output": 7, "capability": 6, "outcome": 6, "benefit": 6, "objective": 2}


def test_benefits_map_marks_an_orphan_project():
    projects = scenarios.digitisation_program()
    projects.loc[len(projects)] = ["H", "Intranet redesign", 5, [], "new intranet", "none",
                                   "web", "O1"]
    fig = plots.benefits_map(projects)
    boxes = by_gid(fig.axes[0].texts, "node:output:")
    orphans = [key for key, box in boxes.items() if "(no benefit)" in box.get_text()]
    assert orphans == ["H: new intranet"]
    assert to_hex(boxes["H: new intranet"].get_bbox_patch().get_facecolor()) == plots.ORPHAN
    render(fig)


def test_health_dashboard():
    fig = plots.health_dashboard(scenarios.status_reports())
    bars_ax, scatter_ax = fig.axes
    spi, cpi = by_gid(bars_ax.patches, "spi:"), by_gid(bars_ax.patches, "cpi:")
    assert sorted(spi) == sorted(cpi) == list("ABCDE")
    assert spi["E"].get_height() == pytest.approx(0.7)
    assert to_hex(spi["E"].get_facecolor()) == plots.RAG_COLOURS["red"]
    assert to_hex(cpi["E"].get_facecolor()) == plots.RAG_COLOURS["green"]
    assert to_hex(cpi["C"].get_facecolor()) == plots.RAG_COLOURS["red"]
    points = next(c for c in scatter_ax.collections if c.get_gid() == "points")
    assert len(points.get_offsets()) == 5
    assert "status red" in scatter_ax.get_title()
    render(fig)
    earlier = plots.health_dashboard(scenarios.status_reports(), period=3)
    assert len(by_gid(earlier.axes[0].patches, "spi:")) == 2


def test_figures_show_themselves_in_a_notebook():
    fig = plots.gantt(scenarios.digitisation_program())
    assert fig._repr_png_().startswith(b"\x89PNG")
