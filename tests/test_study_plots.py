"""The layer study's pictures draw the study's numbers; each tile of a boundary grid is model.predict at its snapshot;
the snapshots are the weights the twins had at those epochs."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import plots
from glassnet.datasets import circle
from glassnet.experiments import ModelSpec, boundary_snapshots, layer_study, validation_curve
from glassnet.experiments.placements import install

pytestmark = pytest.mark.peers  # matplotlib and the sweep machinery

SPEC = ModelSpec(hidden=(6, 4), learning_rate=0.02)


@pytest.fixture(scope="module")
def data():
    return circle(120, noise=0.1, seed=1)


@pytest.fixture(scope="module")
def study(data):
    x, y = data
    return layer_study(SPEC, x, y, 0.05, cv=2, epochs=3, seeds=(0,), n_jobs=1, progress=False)


def test_placement_norms_draws_each_mean_norm(study):
    fig = plots.placement_norms(study)
    heights = [patch.get_height() for patch in fig.axes[0].patches]
    # matplotlib adds bars placement by placement: all layers of 'none', then of 'all', ...
    expected = [norm for name in study.names for norm in study.kernel_norms[name]]
    assert heights == pytest.approx(expected)


def test_norm_trajectories_and_attribution_draw_the_study(study):
    fig = plots.norm_trajectories(study, placements=["none", "layer_2"])
    for ax, layer in zip(fig.axes, study.layers):
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == ["none", "layer_2"]
        assert list(lines[1].get_ydata()) == pytest.approx(study.norm_history("layer_2")[layer])
    fig = plots.attribution_parts(study)
    norms = study.attribution_norms()
    assert len(fig.axes) == len(study.names) - 1
    for ax, name in zip(fig.axes, study.names[1:]):
        heights = [patch.get_height() for patch in ax.patches]
        assert heights == pytest.approx(norms[name]["direct"] + norms[name]["indirect"])


def test_study_plots_refuse_what_is_not_a_study(study):
    with pytest.raises(TypeError, match="Argument `study` must be a LayerStudy"):
        plots.placement_norms({"none": [1.0]})
    with pytest.raises(ValueError, match="Argument `placements` must be a non-empty list of the study's"):
        plots.norm_trajectories(study, placements=["layer_9"])
    with pytest.raises(ValueError, match="name a placement other than 'none'"):
        plots.attribution_parts(study, placements=["none"])


def test_snapshots_are_the_twins_weights_at_those_epochs(data):
    x, y = data
    snapshots = boundary_snapshots(SPEC, x, y, lam=0.05, placements=["layer_1"], snapshot_epochs=[0, 2])
    assert list(snapshots) == ["none", "layer_1"] and list(snapshots["none"]) == [0, 2]
    start = [w for w in snapshots["none"][0].get_weights()]
    assert all(np.array_equal(a, b) for a, b in zip(start, snapshots["layer_1"][0].get_weights()))
    by_hand = SPEC.for_targets(y)(0.0, seed=0)
    install(by_hand, [0.05, 0.0, 0.0], "l2")
    by_hand.fit(x, y, epochs=2, batch_size=32, verbose=0, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(by_hand.get_weights(), snapshots["layer_1"][2].get_weights()))
    assert not np.array_equal(start[0], by_hand.get_weights()[0])
    rows = boundary_snapshots(SPEC, x, y, lambdas=[0.0, 0.1], snapshot_epochs=[1])
    assert list(rows) == ["Keras l2 = 0", "Keras l2 = 0.1"]


def test_each_tile_is_model_predict_at_its_snapshot(data):
    x, y = data
    snapshots = boundary_snapshots(SPEC, x[:90], y[:90], lambdas=[0.0, 0.5], snapshot_epochs=[1, 3])
    fig = plots.boundary_grid(snapshots, x[:90], y[:90], x[90:], y[90:], resolution=12)
    assert len(fig.axes) == 4
    low, high = x.astype(np.float64).min(axis=0), x.astype(np.float64).max(axis=0)
    pad = 0.05 * (high - low)
    gx, gy = np.meshgrid(np.linspace(low[0] - pad[0], high[0] + pad[0], 12),
                         np.linspace(low[1] - pad[1], high[1] + pad[1], 12))
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    tiles = [model for row in snapshots.values() for model in row.values()]
    for ax, model in zip(fig.axes, tiles):
        shown = np.asarray(ax.images[0].get_array())
        np.testing.assert_array_equal(shown, model.predict(grid).astype(np.float64).reshape(12, 12))
        assert len(ax.collections) >= 2  # train and test points
    assert fig.axes[0].get_title() == "epoch 1" and fig.axes[0].get_ylabel() == "Keras l2 = 0"


def test_boundary_grid_and_snapshots_refuse_bad_input(data):
    x, y = data
    snapshots = boundary_snapshots(SPEC, x, y, lambdas=[0.0], snapshot_epochs=[1])
    with pytest.raises(TypeError, match="Argument `snapshots` must be a non-empty dict"):
        plots.boundary_grid({}, x, y)
    with pytest.raises(ValueError, match="must give every row the same epochs"):
        plots.boundary_grid({"a": snapshots["Keras l2 = 0"], "b": {2: snapshots["Keras l2 = 0"][1]}}, x, y)
    with pytest.raises(ValueError, match=r"Argument `x` must have shape \(n_samples, 2\)"):
        plots.boundary_grid(snapshots, np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="Argument `resolution` must be at least 2"):
        plots.boundary_grid(snapshots, x, y, resolution=1)
    with pytest.raises(ValueError, match="Give exactly one of `lam`"):
        boundary_snapshots(SPEC, x, y, lam=0.1, lambdas=[0.1], snapshot_epochs=[1])
    with pytest.raises(ValueError, match="Argument `snapshot_epochs` must be a non-empty list"):
        boundary_snapshots(SPEC, x, y, lam=0.1, snapshot_epochs=[0])
    with pytest.raises(ValueError, match="Argument `lambdas` must be a non-empty list"):
        boundary_snapshots(SPEC, x, y, lambdas=[], snapshot_epochs=[1])


def test_epoch_curves_plot_one_line_per_lambda(data):
    x, y = data
    results = validation_curve(SPEC, x, y, [0.0, 0.1], cv=2, epochs=3, n_jobs=1, progress=False)
    fig = plots.epoch_curves(results)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    for line, curve in zip(lines, results.epoch_curves().values()):
        assert list(line.get_ydata()) == pytest.approx(curve)
    with pytest.raises(TypeError, match="Argument `results` must be a SweepResults"):
        plots.epoch_curves({"val_data_loss": [1.0]})


@pytest.mark.parametrize("draw", ["placement_norms", "norm_trajectories", "attribution_parts"])
def test_study_legends_sit_below_every_panel_and_epochs_are_whole(study, draw):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = getattr(plots, draw)(study)
    FigureCanvasAgg(fig).draw()
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    legend = fig.legends[0].get_window_extent()
    assert all(legend.y1 < ax.get_window_extent().y0 for ax in fig.axes) and legend.y0 >= 0
    if draw == "norm_trajectories":  # 3 epochs: ticks 1, 2, 3 only
        low, high = fig.axes[0].get_xlim()
        assert [tick for tick in fig.axes[0].get_xticks() if low <= tick <= high] == [1.0, 2.0, 3.0]
