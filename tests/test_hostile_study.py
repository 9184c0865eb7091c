"""Hostile input to the layer study, its report, its plots and `glassnet study`: refused with a clear message before
any fit starts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassnet import Dense, Sequential
from glassnet.cli import main as cli
from glassnet.experiments import ModelSpec, layer_study, write_study_report

pytestmark = pytest.mark.peers

TINY = {"cv": 2, "epochs": 2, "progress": False, "n_jobs": 1}
X = np.random.default_rng(0).normal(size=(30, 3))
Y = (X[:, 0] > 0).astype(float)


class CountingBuilder:
    """A builder that counts its calls: a refused study must not have started its fits."""

    def __init__(self, **layer_arguments):
        self.calls, self.layer_arguments = 0, layer_arguments

    def __call__(self):
        self.calls += 1
        model = Sequential([Dense(4, "relu", **self.layer_arguments), Dense(1, "sigmoid")])
        model.compile("adam", "binary_crossentropy")
        return model


@pytest.mark.parametrize("placements, message", [
    ({"inf": [math.inf, 0.0]}, r"placements\['inf'\]"),
    ({"text": ["0.1", 0.0]}, r"placements\['text'\]"),
    ({"flag": [True, 0.0]}, r"placements\['flag'\]"),
    ({"long": [0.1] * 10_000}, r"placements\['long'\]"),
    ({"x" * 65: [0.1, 0.0]}, "at most 64 characters"),
    ({3: [0.1, 0.0]}, "named by non-empty strings"),
    ([["layer_1"]], "Received: placements"),
])
def test_bad_placements_are_refused_before_any_fit(placements, message, outcome):
    build = CountingBuilder()
    with pytest.raises((ValueError, TypeError), match=message):
        layer_study(build, X, Y, 0.1, placements=placements, **TINY)
    assert build.calls == 1  # the probe only: no fit started
    outcome("refused cleanly")


def test_a_finite_strength_that_overflows_stops_with_the_penalty_named(outcome):
    from glassnet.errors import NonFiniteError

    with pytest.raises(NonFiniteError, match="the penalty of layer_1/kernel is inf"):
        layer_study(ModelSpec(hidden=(3,)), X, Y, 0.1, placements={"big": [1e308, 0.0]}, **TINY)
    outcome("refused cleanly")


@pytest.mark.parametrize("x, y, message", [
    (np.full((30, 3), np.nan), Y, "Argument `x`"),
    (X, Y[:10], "same number of samples"),
    (X[:, 0], Y, "must be a 2-D array"),
    (np.array([["a", "b", "c"]] * 30), Y, "Argument `x`"),
])
def test_bad_data_is_refused(x, y, message, outcome):
    build = CountingBuilder()
    with pytest.raises((ValueError, TypeError), match=message):
        layer_study(build, x, y, 0.1, **TINY)
    assert build.calls == 0
    outcome("refused cleanly")


@pytest.mark.parametrize("arguments, message", [
    ({"activity_regularizer": "l2"}, "has activity_regularizer="),
    ({"bias_regularizer": "l1"}, "has bias_regularizer="),
])
def test_a_model_with_any_penalty_of_its_own_is_refused(arguments, message, outcome):
    build = CountingBuilder(**arguments)
    with pytest.raises(ValueError, match=message):
        layer_study(build, X, Y, 0.1, **TINY)
    assert build.calls == 1
    outcome("refused cleanly")


def test_report_arguments_are_checked_before_a_file_is_written(tmp_path, outcome):
    study = layer_study(ModelSpec(hidden=(3,)), X, Y, 0.1, placements=["all"], **TINY)
    for kwargs, error, message in (({"study": "study"}, TypeError, "Argument `study` must be a LayerStudy"),
                                   ({"title": 3}, TypeError, "Argument `title` must be a str"),
                                   ({"notes": [1]}, TypeError, "Argument `notes` must be a str or a list")):
        arguments = {"study": study, "path": tmp_path, **kwargs}
        with pytest.raises(error, match=message):
            write_study_report(**arguments)
        outcome("refused cleanly")
    assert list(tmp_path.iterdir()) == []
    hostile = layer_study(ModelSpec(hidden=(3,)), X, Y, 0.1, placements={"<script>alert(1)</script>": [0.1, 0.0]},
                          **TINY)
    page = write_study_report(hostile, tmp_path, notes="<img src=x onerror=alert(1)>").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;" in page


def test_too_many_tiles_are_refused(outcome):
    from glassnet import plots

    with pytest.raises(ValueError, match="at most 200 tiles"):
        plots.boundary_grid({f"row {i}": {e: None for e in range(11)} for i in range(20)}, X[:, :2], Y)
    outcome("refused cleanly")


@pytest.mark.parametrize("arguments, message", [
    (["--l2", "nan"], "--l2 must be a finite number"),
    (["--l2", "inf"], "--l2 must be a finite number"),
    (["--l2", "0.1", "--cv", "1"], "--cv must be an integer from 2"),
    (["--l2", "0.1", "--layers", "0"], "--layers must be hidden layer widths"),
    (["--l2", "0.1", "--jobs", "0"], "--jobs must be -1"),
    (["--l2", "0.1", "--convention", "nonsense"], "--convention must be one of"),
])
def test_glassnet_study_refuses_bad_options(tmp_path, capsys, arguments, message, outcome):
    table = tmp_path / "t.csv"
    table.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)), encoding="utf-8")
    out = tmp_path / "out"
    assert cli(["study", "--data", str(table), "--target", "y", "--out", str(out), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
    outcome("refused cleanly")
