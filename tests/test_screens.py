"""Reports on any screen (issue 12, item 6): the report has a viewport and tables that scroll rather than widen the
page; plot legends sit outside the data; epoch axes have integer ticks. (The report at phone width in a real
browser: tests/test_displays_browser.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from glassnet import plots
from glassnet.experiments.report import write_report

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from display_pages import Display, objects  # noqa: E402


@pytest.fixture(scope="module")
def shown():
    return objects()


def extents(fig: Figure, legend, ax):
    FigureCanvasAgg(fig).draw()
    return legend.get_window_extent(), ax.get_window_extent()


@pytest.mark.parametrize("draw", ["loss_curves", "weight_norms", "validation_curve", "epoch_curves"])
def test_a_plot_of_its_own_puts_the_legend_below_the_axes(shown, draw):
    source = shown["results"] if draw in ("validation_curve", "epoch_curves") else shown["history"]
    fig = getattr(plots, draw)(source)
    ax = fig.axes[0]
    assert ax.get_legend() is None and len(fig.legends) == 1
    legend, axes = extents(fig, fig.legends[0], ax)
    assert legend.y1 < axes.y0  # below the plot area, under the x label
    assert legend.y0 >= 0 and legend.x0 >= 0 and legend.x1 <= fig.bbox.x1  # and inside the picture


def test_on_the_callers_axes_the_legend_goes_to_the_right(shown):
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    plots.loss_curves(shown["history"], ax=ax)
    legend, axes = extents(fig, ax.get_legend(), ax)
    assert legend.x0 > axes.x1 and not fig.legends


def test_histogram_legends_sit_above_the_bars(shown):
    fig = plots.weight_histograms({"trained": shown["model"]})
    for ax in fig.axes:
        legend, axes = extents(fig, ax.get_legend(), ax)
        assert legend.y0 >= axes.y1 - 1 and legend.y1 <= fig.bbox.y1


@pytest.mark.parametrize("draw", ["loss_curves", "weight_norms"])
def test_epoch_ticks_are_whole_numbers(draw):
    history = {"loss": [0.9, 0.7, 0.6], "data_loss": [0.8, 0.6, 0.5], "penalty_loss": [0.1, 0.1, 0.1],
               "norm/dense/kernel": [1.0, 1.1, 1.2]}
    fig = getattr(plots, draw)(history)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    shown = [tick for tick in ax.get_xticks() if low <= tick <= high]
    assert shown == [1.0, 2.0, 3.0]


def test_report_has_a_viewport_and_every_table_scrolls(shown, tmp_path):
    path = write_report(shown["results"], tmp_path, histories=shown["history"], models={"m": shown["model"]})
    text = path.read_text(encoding="utf-8")
    parsed = Display(text)
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in parsed.attributes("meta")
    # Each table is the only child of a box that scrolls sideways.
    tables = [i for i, (tag, _) in enumerate(parsed.elements) if tag == "table"]
    assert tables and all(parsed.elements[i - 1] == ("div", {"class": "scroll"}) for i in tables)
    assert ".scroll { overflow-x: auto;" in text and "@media (max-width: 40em)" in text
