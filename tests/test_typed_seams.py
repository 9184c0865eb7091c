"""The checks behind the typed seams between modules (issue 11: mypy on src/ is clean).

Code that needs a compiled model reads ``model.compiled_loss`` / ``model.compiled_optimizer``; the output width is
``model.output_width(n_features)``; a loss computed from logits reads them through ``last_logits``; a table column's
values, codes and first text are read through accessors typed for that kind of column. Each refuses the case its
type rules out with a clear error, instead of failing on None deep inside.
"""

from __future__ import annotations

import numpy as np
import pytest

from glassnet import SGD, Dense, Input, NotCompiledError, Sequential
from glassnet.datasets import Column, load
from glassnet.layers.base import Layer
from glassnet.losses import MeanSquaredError


def test_compiled_loss_and_optimizer_refuse_an_uncompiled_model():
    model = Sequential([Dense(1)], name="plain")
    for attribute in ("compiled_loss", "compiled_optimizer"):
        with pytest.raises(NotCompiledError, match=rf"You must call `compile\(\)` before reading `{attribute}`. "
                                                   r"Received: an uncompiled model 'plain'"):
            getattr(model, attribute)
    model.compile(optimizer=SGD(0.1), loss="mse")
    assert isinstance(model.compiled_loss, MeanSquaredError) and isinstance(model.compiled_optimizer, SGD)
    assert model.compiled_optimizer.learning_rate == 0.1


class _UnknownWidth(Layer):
    """A custom layer that leaves its output width unknown."""

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (None, None)


def test_output_width():
    assert Sequential([Dense(3), Dense(2)]).output_width(5) == 2
    assert Sequential([Dense(3)]).output_width(1) == 3
    model = Sequential([Dense(3), _UnknownWidth()], name="odd")
    with pytest.raises(ValueError, match=r"The model 'odd' must have an output of known width for 5 input features. "
                                         r"Received: output shape \(None, None\)"):
        model.output_width(5)


def test_a_loss_from_logits_needs_a_forward_pass():
    model = Sequential([Input(shape=(2,)), Dense(1, activation="sigmoid", name="out")], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    y = np.ones((2, 1), np.float32)
    with pytest.raises(ValueError, match=r"computed from the logits of layer 'out', which has none yet: run a "
                                         r"forward pass first. Received: logits=None"):
        model.loss_parts(np.full((2, 1), 0.5, np.float32), y, None)
    model.set_weights([np.zeros((2, 1)), np.zeros(1)])  # z = 0: σ(z) = 0.5, and the loss is log 2
    assert model.loss_parts(model(np.ones((2, 2))), y, None).data == pytest.approx(np.log(2), rel=1e-6)


def test_column_accessors_refuse_the_other_kind():
    numbers = Column("w", values=np.array([1.5, np.nan]), first_missing=(1, "NA"))
    texts = Column("kind", codes=np.array([0, -1], np.int32), vocabulary=("cat",), first_text=(0, "cat"))
    assert numbers.number_values[0] == 1.5 and numbers.missing.tolist() == [False, True]
    assert texts.text_codes.tolist() == [0, -1] and texts.first_text_cell == (0, "cat")
    assert texts.missing.tolist() == [False, True]
    with pytest.raises(TypeError, match=r"Column 'kind' is a text column, which has no number values. "
                                        r"Received: numeric=False"):
        _ = texts.number_values
    with pytest.raises(TypeError, match=r"Column 'w' is a numeric column, which has no text codes. "
                                        r"Received: numeric=True"):
        _ = numbers.text_codes
    with pytest.raises(TypeError, match=r"Column 'w' is a numeric column, which has no text cell. "
                                        r"Received: numeric=True"):
        _ = numbers.first_text_cell


def test_an_npz_target_is_an_array_name(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.arange(4.0).reshape(2, 2), y=np.array([0.0, 1.0]))
    x, y = load(path, "y")
    assert x.tolist() == [[0.0, 1.0], [2.0, 3.0]] and y.tolist() == [0.0, 1.0]
    with pytest.raises(TypeError, match=r"Argument `target` must be the name of an array in .*data\.npz. "
                                        r"Received: target=1"):
        load(path, 1)


@pytest.mark.peers
def test_a_task_without_validation_rows_needs_validation_arrays():
    from glassnet.experiments.tasks import FitSettings, SweepTask, run_task

    task = SweepTask(value=0.0, fold=0, seed=0, lam=0.0, train=np.arange(4), val=None)
    settings = FitSettings(epochs=1, batch_size=2, metric=None, dtype="float32")
    with pytest.raises(ValueError, match=r"Arguments `x_val` and `y_val` must be arrays for a task without "
                                         r"validation rows of x \(task.val=None\). Received: x_val=None, y_val=None"):
        run_task(task, build_model=lambda lam: pytest.fail("built before the arguments were checked"),
                 x=np.zeros((4, 2)), y=np.zeros(4), x_val=None, y_val=None, settings=settings)


@pytest.mark.peers
def test_save_refuses_a_subfigure(tmp_path):
    from matplotlib.figure import Figure

    from glassnet.plots import save

    part = Figure().subfigures(1, 2)[0]
    with pytest.raises(TypeError, match=r"Argument `fig` must be a matplotlib Figure. Received: fig="):
        save(part, tmp_path / "part.png")
    assert not (tmp_path / "part.png").exists()
