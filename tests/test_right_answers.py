"""No silent wrong numbers on the data users bring (issue 9): the headline metric of a sweep follows the loss,
metrics are checked against the targets before anything changes, summary() shows declared regularizers before
build, explain() notes what a learner needs to know."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_wine

import glassnet
from glassnet import L2, Dense, Input, Sequential
from glassnet.experiments import ModelSpec, validation_curve

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 4))
Y_SPARSE = np.arange(60) % 3
Y_ONEHOT = np.eye(3)[Y_SPARSE]
Y_BINARY = (X[:, 0] > 0).astype(float)
Y_REGRESSION = X @ np.array([1.0, -2.0, 0.5, 0.0])


def classifier(outputs: int, activation: str, loss: str, metrics=None, input_shape=None) -> Sequential:
    layers = ([Input(shape=input_shape)] if input_shape else []) + [Dense(5, activation="relu"),
                                                                     Dense(outputs, activation=activation)]
    model = Sequential(layers, seed=0)
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


# --- 1. the headline of a sweep follows the loss -------------------------------------------------------------

HEADLINES = [  # (builder output width, output activation, loss, y, headline)
    (3, "softmax", "sparse_categorical_crossentropy", Y_SPARSE, "accuracy"),
    (3, "softmax", "categorical_crossentropy", Y_ONEHOT, "accuracy"),
    (1, "sigmoid", "binary_crossentropy", Y_BINARY, "accuracy"),
    (3, "sigmoid", "binary_crossentropy", Y_ONEHOT, "accuracy"),
    (1, "linear", "mse", Y_REGRESSION, "mse"),
    (1, "linear", "mae", Y_REGRESSION, "mse"),
    (1, "linear", "huber", Y_REGRESSION, "mse"),
]


@pytest.mark.parametrize("outputs, activation, loss, y, headline", HEADLINES)
def test_sweep_headline_follows_the_loss_when_the_model_reports_no_metric(outputs, activation, loss, y, headline):
    results = validation_curve(lambda lam: classifier(outputs, activation, loss), X, y, [0.0, 0.01], cv=2,
                               epochs=1, n_jobs=1, progress=False)
    assert results.metric == headline
    for record in results.records:
        assert f"val_{headline}" in record
        assert ("val_error" in record) == (headline == "accuracy")
        if headline == "accuracy":
            assert record["val_error"] == 1.0 - record["val_accuracy"]


def test_wine_sweep_with_softmax_and_sparse_labels_reports_accuracy():
    x, y = load_wine(return_X_y=True)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    spec = ModelSpec(hidden=(8,), output_activation="softmax", loss="sparse_categorical_crossentropy",
                     metrics=(), learning_rate=0.01)
    results = validation_curve(spec, x, y, [0.0, 0.001], cv=3, epochs=15, n_jobs=1, progress=False)
    assert results.metric == "accuracy"
    assert min(row["val_accuracy_mean"] for row in results.summary()) > 0.8  # a real, learnable headline


def test_a_sweep_metric_that_does_not_fit_the_targets_is_refused_before_any_fit():
    with pytest.raises(ValueError, match=r"Metric 'mse' needs targets shaped like the output.*"
                                         r"Received: metric containing 'mse'"):
        validation_curve(lambda lam: classifier(3, "softmax", "sparse_categorical_crossentropy"), X, Y_SPARSE,
                         [0.0], cv=2, epochs=1, n_jobs=1, progress=False, metric="mse")


# --- 2. metrics are checked against the targets before anything changes -------------------------------------

INCOMPATIBLE = [  # (outputs, activation, loss, metric, y, the phrase in the message)
    (3, "softmax", "sparse_categorical_crossentropy", "mse", Y_SPARSE, "needs targets shaped like the output"),
    (3, "softmax", "sparse_categorical_crossentropy", "mae", Y_SPARSE, "needs targets shaped like the output"),
    (3, "softmax", "sparse_categorical_crossentropy", "categorical_accuracy", Y_SPARSE, "targets shaped like"),
    (3, "softmax", "sparse_categorical_crossentropy", "binary_accuracy", Y_SPARSE, "targets shaped like"),
    (3, "softmax", "categorical_crossentropy", "sparse_categorical_accuracy", Y_ONEHOT, "needs class indices"),
    (1, "sigmoid", "binary_crossentropy", "categorical_accuracy", Y_BINARY, "needs at least 2 outputs"),
    (1, "sigmoid", "binary_crossentropy", "sparse_categorical_accuracy", Y_BINARY, "needs class indices"),
    (1, "linear", "mse", "categorical_accuracy", Y_REGRESSION, "needs at least 2 outputs"),
]


def _state(model: Sequential):
    return (model.built, model.optimizer.iterations, [w.copy() for w in model.get_weights()] if model.built else [])


@pytest.mark.parametrize("outputs, activation, loss, metric, y, phrase", INCOMPATIBLE)
def test_incompatible_metric_is_refused_at_compile_when_the_output_width_is_known(outputs, activation, loss,
                                                                                  metric, y, phrase):
    model = Sequential([Input(shape=(4,)), Dense(5, activation="relu"), Dense(outputs, activation=activation)])
    with pytest.raises(ValueError, match=rf"Metric '{metric}' .*{phrase}.*Received: metrics containing '{metric}'"):
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy", metric])
    assert not model.compiled  # nothing was set


@pytest.mark.parametrize("outputs, activation, loss, metric, y, phrase", INCOMPATIBLE)
def test_incompatible_metric_is_refused_before_fit_or_evaluate_changes_anything(outputs, activation, loss, metric,
                                                                                y, phrase):
    model = Sequential([Dense(5, activation="relu"), Dense(outputs, activation=activation)], seed=0)
    if "outputs" not in phrase:  # the output width is unknown at compile: only a layout clash is refused there
        with pytest.raises(ValueError, match=rf"Metric '{metric}' .*{phrase}"):
            model.compile(optimizer="adam", loss=loss, metrics=[metric])
        model.compile(optimizer="adam", loss=loss)
        model._metric_specs = [metric]  # as a model file or an older glassnet could leave it: fit still checks
    else:
        model.compile(optimizer="adam", loss=loss, metrics=[metric])
    for call in (lambda: model.fit(X, y, epochs=1, verbose=0), lambda: model.evaluate(X, y)):
        with pytest.raises(ValueError, match=rf"Metric '{metric}' .*{phrase}"):
            call()
        assert _state(model) == (False, 0, [])


def test_callable_metrics_are_dry_run_on_the_targets_before_the_first_update():
    def one_number(y_true, y_pred):
        return np.mean(y_pred)

    def broken(y_true, y_pred):
        return y_true[:, 5]

    for metric, phrase in ((one_number, r"must return one value per row, shape \(2,\).*returning shape \(\)"),
                           (broken, r"failed on the first rows.*IndexError")):
        model = classifier(1, "sigmoid", "binary_crossentropy", metrics=[metric])
        with pytest.raises(ValueError, match=rf"Metric '{metric.__name__}' {phrase}"):
            model.fit(X, Y_BINARY, epochs=1, verbose=0)
        assert _state(model) == (False, 0, [])


@pytest.mark.parametrize("outputs, activation, loss, metrics, y", [
    (3, "softmax", "sparse_categorical_crossentropy", ["accuracy", "sparse_categorical_accuracy"], Y_SPARSE),
    (3, "softmax", "categorical_crossentropy", ["accuracy", "categorical_accuracy", "mse", "mae"], Y_ONEHOT),
    (1, "sigmoid", "binary_crossentropy", ["accuracy", "binary_accuracy", "mse"], Y_BINARY),
    (1, "linear", "mse", ["mse", "mae"], Y_REGRESSION),
])
def test_compatible_metrics_still_train_and_report(outputs, activation, loss, metrics, y):
    model = classifier(outputs, activation, loss, metrics=metrics)
    history = model.fit(X, y, epochs=2, verbose=0)
    assert all(name in history.history for name in metrics)
    assert len(model.evaluate(X, y)) == len(metrics) + 1


# --- 5. summary() before build --------------------------------------------------------------------------------

def test_summary_before_build_shows_declared_and_compile_level_regularizers():
    lines = []
    layer_1 = Dense(units=25, activation="relu", kernel_regularizer=L2(0.01))
    layer_2 = Dense(units=15, activation="relu")
    layer_3 = Dense(units=1, activation="sigmoid", kernel_regularizer=L2(0.01), bias_regularizer=L2(0.5))
    model = Sequential([layer_1, layer_2, layer_3])
    model.compile(optimizer="adam", loss="binary_crossentropy", regularizer=glassnet.L1(0.001))
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert f"{layer_1.name} (Dense)" in text and "0 (unbuilt)" in text
    row = {layer.name: next(line for line in text.splitlines() if line.startswith(layer.name))
           for layer in model.layers}
    assert "kernel: L2(l2=0.01) [layer]" in row[layer_1.name]
    assert "kernel: L1(l1=0.001) [compile]" in row[layer_2.name]
    assert "kernel: L2(l2=0.01) [layer], bias: L2(l2=0.5) [layer]" in row[layer_3.name]
    model.build((None, 4))
    built = []
    model.summary(print_fn=built.append)
    # The same Regularization column before and after build.
    assert [line.split("  ")[-1].strip() for line in text.splitlines()[4:7]] == \
        [line.split("  ")[-1].strip() for line in built[0].splitlines()[4:7]]


def test_summary_before_fit_shows_a_lecture_lambda_waiting_for_m():
    lines = []
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", lam=0.7)
    model.summary(print_fn=lines.append)
    assert lines[0].count("kernel: L2 with the lecture's λ = 0.7 (m at fit) [compile]") == 2


# --- 8. what explain says -----------------------------------------------------------------------------------

def explained_notes(model: Sequential, x: np.ndarray, y: np.ndarray) -> list[str]:
    return model.explain(x, y).notes


def test_explain_notes_raw_scale_inputs_and_not_standardized_ones():
    for scale, shift, feature in ((1000.0, 0.0, 0), (1.0, 50.0, 2), (0.001, 0.0, 3)):
        raw = X.copy()
        raw[:, feature] = raw[:, feature] * scale + shift
        model = classifier(1, "sigmoid", "binary_crossentropy")
        model.fit(raw, Y_BINARY, epochs=1, verbose=0)
        notes = explained_notes(model, raw, Y_BINARY)
        assert any(f"far from unit scale (feature {feature}: mean" in note for note in notes), (scale, shift)
    scaled = classifier(1, "sigmoid", "binary_crossentropy")
    scaled.fit(X, Y_BINARY, epochs=1, verbose=0)
    assert not any("unit scale" in note for note in explained_notes(scaled, X, Y_BINARY))


def test_explain_notes_regression_targets_far_from_unit_scale():
    model = classifier(1, "linear", "mse")
    model.fit(X, Y_REGRESSION * 1000 + 5000, epochs=1, verbose=0)
    assert any("targets are far from unit scale (column 0: mean" in n
               for n in explained_notes(model, X, Y_REGRESSION * 1000 + 5000))
    assert not any("targets are far" in n for n in explained_notes(model, X, Y_REGRESSION / Y_REGRESSION.std()))


def test_explain_notes_dead_relu_units():
    model = classifier(1, "sigmoid", "binary_crossentropy")
    model.build((None, 4))
    kernel, bias = model.layers[0].kernel.value, model.layers[0].bias.value
    bias[:2] = -100.0  # two units that never fire on these inputs
    notes = explained_notes(model, X, Y_BINARY)
    assert any(f"Layer {model.layers[0].name}: 2 of 5 ReLU units output 0 on every row (dead)" in n for n in notes)
    assert kernel.shape == (4, 5)


def test_explain_notes_rows_of_a_single_class():
    model = classifier(3, "softmax", "sparse_categorical_crossentropy")
    model.fit(X, Y_SPARSE, epochs=1, verbose=0)
    notes = explained_notes(model, X[Y_SPARSE == 2], Y_SPARSE[Y_SPARSE == 2])
    assert any("only one class (label 2)" in note for note in notes)
    assert not any("one class" in note for note in explained_notes(model, X, Y_SPARSE))


def test_explain_says_momentum_accumulates_the_penalty():
    model = Sequential([Dense(3, activation="tanh", kernel_regularizer=L2(0.01)), Dense(1, activation="sigmoid")],
                       seed=0)
    model.compile(optimizer=glassnet.SGD(0.1, momentum=0.9), loss="binary_crossentropy")
    model.fit(X, Y_BINARY, epochs=1, verbose=0)
    note = next(n for n in explained_notes(model, X, Y_BINARY) if n.startswith(model.layers[0].kernel.path))
    assert "SGD with momentum μ = 0.9 accumulates it" in note and "10× in all" in note
    assert "rescales" not in note


# --- targets that are valid but not what was meant ------------------------------------------------------------

def test_fit_warns_when_validation_split_holds_out_classes_of_sorted_data():
    x, y = load_wine(return_X_y=True)  # sorted by class, as scikit-learn ships it
    model = classifier(3, "softmax", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match=r"validation_split holds out the last 36 rows .* contain only class 2: "
                                         r"the data looks sorted by class"):
        model.fit(x, y, validation_split=0.2, epochs=1, verbose=0)
    with pytest.warns(UserWarning, match=r"contain classes \[2\] that the training rows lack"):
        classifier(3, "softmax", "sparse_categorical_crossentropy").fit(x, y, validation_split=0.5, epochs=1,
                                                                        verbose=0)
    order = np.random.default_rng(0).permutation(len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        classifier(3, "softmax", "sparse_categorical_crossentropy").fit(x[order], y[order], validation_split=0.2,
                                                                        epochs=1, verbose=0)


def test_fit_warns_about_one_based_labels_and_an_empty_class_0():
    model = classifier(4, "softmax", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match=r"labels are 1..3 and class 0 never appears"):
        model.fit(X, Y_SPARSE + 1, epochs=1, verbose=0)
