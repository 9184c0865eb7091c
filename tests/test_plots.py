"""glassnet.plots: every plot renders to a non-blank PNG and to SVG, without pyplot, and shows its data."""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

from glassnet import Adam, Dense, Sequential, plots
from glassnet.experiments.results import SweepResults

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LAMBDAS = [0.0, 0.001, 0.01, 0.1, 1.0]
# Validation data loss per λ over two folds: lowest mean at λ = 0.01 (0.40 ± SE 0.05); λ = 0.1 has mean 0.44 ≤
# 0.40 + 0.05, λ = 1 does not, so the one-standard-error rule picks λ = 0.1.
VAL_DATA_LOSS = {0.0: (0.70, 0.60), 0.001: (0.50, 0.46), 0.01: (0.35, 0.45), 0.1: (0.42, 0.46),
                 1.0: (0.90, 0.80)}


def sweep_records(values: dict[float, tuple[float, ...]]) -> list[dict]:
    records = []
    for value, losses in values.items():
        for fold, val_loss in enumerate(losses):
            records.append({
                "value": value, "fold": fold, "seed": 0, "n_train": 80, "n_val": 20,
                "train_loss": 0.2 + value, "train_data_loss": 0.2 + value / 2,
                "train_penalty_loss": value / 2,
                "val_loss": val_loss + value / 2, "val_data_loss": val_loss, "val_penalty_loss": value / 2,
                "train_accuracy": 0.95 - value / 10, "val_accuracy": 1.0 - val_loss,
                "train_error": 0.05 + value / 10, "val_error": val_loss,
                "norms": {"layer_1": 3.0 - value, "layer_2": 1.5 - value / 2},
                "history": {"loss": [0.9, 0.6], "data_loss": [0.8, 0.5], "penalty_loss": [0.1, 0.1]}})
    return records


@pytest.fixture(scope="module")
def lambda_results() -> SweepResults:
    return SweepResults("lambda", LAMBDAS, sweep_records(VAL_DATA_LOSS), metric="accuracy")


@pytest.fixture(scope="module")
def size_results() -> SweepResults:
    sizes = {10: (0.9, 0.8), 20: (0.7, 0.6), 40: (0.5, 0.45)}
    return SweepResults("train_size", list(sizes), sweep_records(sizes), metric="accuracy")


@pytest.fixture(scope="module")
def circle():
    """A seeded 2-D problem: 200 points, labelled 1 inside a circle."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (np.sum(x ** 2, axis=1) < 1.5).astype(np.float64)
    return x, y


@pytest.fixture(scope="module")
def trained(circle):
    x, y = circle
    model = Sequential([Dense(8, activation="relu"), Dense(4, activation="relu"),
                        Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=Adam(learning_rate=0.03), loss="binary_crossentropy", metrics=["accuracy"],
                  lam=0.5)
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0, validation_split=0.25, seed=0)
    return model, history


@pytest.fixture(scope="module")
def untrained(circle):
    model = Sequential([Dense(8, activation="relu"), Dense(4, activation="relu"),
                        Dense(1, activation="sigmoid")], seed=1)
    model.build((None, 2))
    return model


def assert_png_not_blank(data: bytes) -> None:
    assert data[:8] == PNG_SIGNATURE
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    # A blank (single-colour) image has zero variance; a plot has axes, text and data in many colours.
    assert float(pixels[..., :3].var()) > 1e-3
    assert len(np.unique(pixels[..., :3].reshape(-1, 3), axis=0)) > 20


def assert_svg(path: Path) -> None:
    root = ElementTree.parse(path).getroot()  # well-formed XML
    assert root.tag.endswith("svg")
    drawn = [element for element in root.iter() if element.tag.endswith(("path", "use", "image"))]
    assert len(drawn) > 10


@pytest.fixture(scope="module")
def every_plot(lambda_results, size_results, trained, untrained, circle):
    model, history = trained
    x, y = circle
    return {
        "validation_curve": lambda: plots.validation_curve(lambda_results),
        "validation_curve_error": lambda: plots.validation_curve(lambda_results, "error"),
        "learning_curve": lambda: plots.learning_curve(size_results),
        "loss_curves": lambda: plots.loss_curves(history),
        "weight_histograms": lambda: plots.weight_histograms({"L2 trained": model, "initial": untrained}),
        "weight_norms": lambda: plots.weight_norms(history),
        "decision_boundary": lambda: plots.decision_boundary(model, x, y, resolution=60),
    }


@pytest.mark.parametrize("name", ["validation_curve", "validation_curve_error", "learning_curve",
                                  "loss_curves", "weight_histograms", "weight_norms", "decision_boundary"])
def test_every_plot_renders_to_png_and_svg(every_plot, name, tmp_path):
    fig = every_plot[name]()
    assert isinstance(fig, Figure)
    png = plots.save(fig, tmp_path / "sub" / f"{name}.png")
    assert png == tmp_path / "sub" / f"{name}.png"
    assert_png_not_blank(png.read_bytes())
    assert plots.to_png(fig)[:8] == PNG_SIGNATURE
    svg = plots.save(fig, tmp_path / f"{name}.SVG")  # the extension is case-insensitive
    assert_svg(svg)


def test_plots_never_import_pyplot():
    """Headless safety: importing and rendering must not pull in pyplot (which would pick a GUI backend)."""
    code = ("import sys\nfrom glassnet import plots\n"
            "fig = plots.loss_curves({'loss': [1.0, 0.5], 'data_loss': [0.9, 0.4]})\n"
            "plots.to_png(fig)\nprint('matplotlib.pyplot' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_validation_curve_log_axis_zero_tick_and_chosen_lambdas(lambda_results):
    assert (lambda_results.best_lambda, lambda_results.best_lambda_1se) == (0.01, 0.1)
    ax = plots.validation_curve(lambda_results).axes[0]
    assert ax.get_xscale() == "log"

    # λ = 0 is drawn left of the smallest λ > 0, with a tick labelled "0".
    ticks = zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
    labels = {tick.get_text(): position for tick, position in ticks}
    assert "0" in labels and 0 < labels["0"] < 0.001
    assert ax.get_xlim()[0] < labels["0"]

    lines = {line.get_label(): line for line in ax.get_lines()}
    # The strengths are Keras factors (the default convention), with the lecture's λ = 2·m·l2 for m = 80 beside them.
    best, one_se = lines["best: Keras l2 = 0.01 (lecture λ = 1.6 for m = 80)"], \
        lines["1-SE: Keras l2 = 0.1 (lecture λ = 16 for m = 80)"]
    assert set(best.get_xdata()) == {0.01} and set(one_se.get_xdata()) == {0.1}
    assert any(text.get_text() == "best" and text.xy[0] == 0.01 for text in ax.texts)
    assert ax.get_xlabel() == "Keras l2, log scale (lecture λ = 160 × it, for m = 80)"

    # The curves are the means over folds; the validation curve puts λ = 0 at the "0" tick.
    validation = lines["validation (mean)"]
    np.testing.assert_allclose(validation.get_xdata(), [labels["0"], 0.001, 0.01, 0.1, 1.0])
    np.testing.assert_allclose(validation.get_ydata(), [statistics.mean(v) for v in VAL_DATA_LOSS.values()])
    # The 1-SE threshold: min mean J_cv + its standard error = 0.40 + 0.05.
    np.testing.assert_allclose(lines["min J_cv + 1 SE"].get_ydata(), [0.45, 0.45])


def test_validation_curve_without_zero_has_no_zero_tick():
    values = {0.001: (0.5, 0.4), 0.01: (0.3, 0.35), 0.1: (0.6, 0.7)}
    ax = plots.validation_curve(SweepResults("lambda", list(values), sweep_records(values))).axes[0]
    assert "0" not in [tick.get_text() for tick in ax.get_xticklabels()]
    lines = {line.get_label(): tuple(line.get_xdata()) for line in ax.get_lines()}
    assert lines["best: Keras l2 = 0.01 (lecture λ = 1.6 for m = 80)"] == (0.01, 0.01)


def test_strengths_are_labelled_with_their_convention_and_the_lecture_lambda():
    values = {0.0: (0.5, 0.6), 0.01: (0.3, 0.35), 0.1: (0.6, 0.7)}
    records = [{**record, "n_train": 455} for record in sweep_records(values)]  # m = 455, as in breast cancer
    results = SweepResults("lambda", list(values), records, config={"convention": "keras",
                                                                   "loss": "binary_crossentropy"})
    ax = plots.validation_curve(results).axes[0]
    assert ax.get_xlabel() == "Keras l2, log scale (lecture λ = 910 × it, for m = 455)"
    assert "best: Keras l2 = 0.01 (lecture λ = 9.1 for m = 455)" in [line.get_label() for line in ax.get_lines()]
    squared = SweepResults("lambda", list(values), records, config={"convention": "keras", "loss": "mse"})
    assert squared.strength_text(0.01) == "Keras l2 = 0.01 (lecture λ = 4.55 for m = 455)"  # mse: λ = m·l2
    lecture = SweepResults("lambda", list(values), records, config={"convention": "lecture"})
    assert lecture.strength_text(9.1) == "lecture λ = 9.1" and "lecture λ" in lecture.table().splitlines()[0]
    assert results.table().splitlines()[0].split()[:4] == ["Keras", "l2", "lecture", "λ"]


def test_learning_curve_against_train_size(size_results):
    ax = plots.learning_curve(size_results).axes[0]
    assert ax.get_xscale() == "linear"
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["validation (mean)"].get_xdata(), [10, 20, 40])
    np.testing.assert_allclose(lines["validation (mean)"].get_ydata(), [0.85, 0.65, 0.475])
    np.testing.assert_allclose(lines["train (mean)"].get_ydata(), [0.2 + m / 2 for m in (10, 20, 40)])


def test_plot_into_a_given_axes(lambda_results, size_results):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert plots.validation_curve(lambda_results, ax=left) is fig
    assert plots.learning_curve(size_results, ax=right) is fig
    assert left.get_xscale() == "log" and len(right.get_lines()) == 2


def test_loss_curves_show_the_data_and_penalty_parts(trained):
    _, history = trained
    ax = plots.loss_curves(history).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {f"{name} {part}" for name in ("train", "validation")
                          for part in ("loss (data + penalty)", "data loss", "penalty")}
    assert lines["train data loss"].get_linestyle() == "--" and lines["train penalty"].get_linestyle() == ":"
    np.testing.assert_allclose(lines["train penalty"].get_ydata(), history.history["penalty_loss"])
    np.testing.assert_allclose(lines["validation data loss"].get_ydata(), history.history["val_data_loss"])
    np.testing.assert_allclose(lines["train data loss"].get_xdata(), np.arange(1, 16))

    # A plain dict without validation keys draws the train curves only.
    only_train = plots.loss_curves({"loss": [1.0, 0.5], "data_loss": [0.9, 0.4]}).axes[0]
    assert [line.get_label() for line in only_train.get_lines()] == ["train loss (data + penalty)",
                                                                      "train data loss"]


def test_weight_norms_one_line_per_kernel(trained):
    model, history = trained
    ax = plots.weight_norms(history).axes[0]
    assert [line.get_label() for line in ax.get_lines()] == [layer.name for layer in model.layers]
    key = f"norm/{model.layers[0].name}/kernel"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), history.history[key])


def test_weight_histograms_one_subplot_per_dense_layer(trained, untrained):
    model, _ = trained
    fig = plots.weight_histograms({"L2 trained": model, "initial": untrained}, bins=20)
    assert len(fig.axes) == 3
    for ax, layer in zip(fig.axes, model.layers, strict=True):
        labels = [text.get_text() for text in ax.get_legend().get_texts()]
        norm = float(np.linalg.norm(layer.kernel.value.astype(np.float64)))
        assert labels[0] == f"L2 trained (‖W‖ = {norm:.3g})" and labels[1].startswith("initial")
        assert len(ax.patches) == 2  # one filled step histogram per model, overlaid on the same bins


def test_decision_boundary_heat_map_is_the_predicted_probability(trained, circle):
    model, _ = trained
    x, y = circle
    fig = plots.decision_boundary(model, x, y, resolution=50)
    ax = fig.axes[0]
    heat = np.asarray(ax.images[0].get_array())
    assert heat.shape == (50, 50)
    x0, x1, y0, y1 = ax.images[0].get_extent()
    corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]])
    np.testing.assert_allclose(heat[[0, 0, -1, -1], [0, -1, 0, -1]], model.predict(corners)[:, 0], rtol=1e-5)
    assert x0 < x[:, 0].min() and x1 > x[:, 0].max() and y0 < x[:, 1].min() and y1 > x[:, 1].max()
    # The trained model is confident in the middle of the circle and outside it: the 0.5 contour is drawn.
    assert heat[25, 25] > 0.5 > heat[0, 0]
    assert len(ax.collections) == 2  # the P = 0.5 contour and the scattered points
    np.testing.assert_allclose(ax.collections[-1].get_offsets(), x)


def test_decision_boundary_softmax_colours_the_predicted_class(circle):
    x, _ = circle
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    model = Sequential([Dense(8, activation="relu"), Dense(3, activation="softmax")], seed=0)
    ax = plots.decision_boundary(model, x, np.eye(3)[labels], resolution=30).axes[0]
    rgba = np.asarray(ax.images[0].get_array())
    assert rgba.shape == (30, 30, 4)
    assert 0.0 <= rgba[..., 3].min() and rgba[..., 3].max() <= 1.0 and rgba[..., 3].max() > 0


def test_save_refuses_other_extensions(lambda_results, tmp_path):
    fig = plots.validation_curve(lambda_results)
    target = tmp_path / "curve.jpg"
    with pytest.raises(ValueError, match=r"`path` must end in \.png or \.svg.*Received: path='.*curve\.jpg'"):
        plots.save(fig, target)
    assert not target.exists()
    with pytest.raises(TypeError, match="`fig` must be a matplotlib Figure"):
        plots.save("not a figure", tmp_path / "x.png")


def test_decision_boundary_refuses_non_2d_inputs(trained):
    model, _ = trained
    x = np.zeros((10, 3))
    with pytest.raises(ValueError,
                       match=r"`x` must have shape \(n_samples, 2\).*Received: x with shape \(10, 3\)"):
        plots.decision_boundary(model, x, np.zeros(10))
    with pytest.raises(ValueError, match=r"Received: x with shape \(10,\)"):
        plots.decision_boundary(model, np.zeros(10), np.zeros(10))
    with pytest.raises(ValueError, match=r"`y` must have shape \(10,\).*Received: y with shape \(9,\)"):
        plots.decision_boundary(model, np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="Received: resolution=1"):
        plots.decision_boundary(model, np.zeros((10, 2)), np.zeros(10), resolution=1)


def test_bad_arguments_name_themselves(lambda_results, size_results, trained):
    model, _ = trained
    with pytest.raises(ValueError, match=r"param='lambda'.*learning_curve\(\).*Received: results.param="):
        plots.validation_curve(size_results)
    with pytest.raises(ValueError, match=r"param='train_size'.*Received: results.param='lambda'"):
        plots.learning_curve(lambda_results)
    with pytest.raises(ValueError, match=r"`metric` must be one of \[.*'data_loss'.*Received: metric='r2'"):
        plots.validation_curve(lambda_results, "r2")
    with pytest.raises(TypeError, match="`results` must be a SweepResults"):
        plots.validation_curve({"param": "lambda"})
    with pytest.raises(TypeError, match="`ax` must be a matplotlib Axes"):
        plots.validation_curve(lambda_results, ax="left")
    with pytest.raises(ValueError,
                       match=r"`history` must hold 'loss'.*Received: history with keys \['accuracy'\]"):
        plots.loss_curves({"accuracy": [0.5]})
    with pytest.raises(ValueError, match="kernel norms.*Received: history with keys \\['loss'\\]"):
        plots.weight_norms({"loss": [0.5]})
    with pytest.raises(TypeError, match="`history` must be a History"):
        plots.loss_curves([0.5, 0.4])
    with pytest.raises(TypeError, match=r"`models` must be a non-empty dict"):
        plots.weight_histograms(model)
    small = Sequential([Dense(1, activation="sigmoid")], seed=0)
    small.build((None, 2))
    with pytest.raises(ValueError, match=r"same number of Dense layers.*\{'a': 3, 'b': 1\}"):
        plots.weight_histograms({"a": model, "b": small})
    with pytest.raises(ValueError, match=r"built models.*Received: models\['new'\]"):
        plots.weight_histograms({"new": Sequential([Dense(2)])})
