"""glassnet.sklearn: scikit-learn's estimator checks, its meta-estimators, what each parameter promises."""

from __future__ import annotations

import numpy as np
import pandas
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split, validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from glassnet import L1L2, L2, Dense, Sequential
from glassnet.optimizers import Adam
from glassnet.regularizers import convert
from glassnet.sklearn import GlassNetClassifier, GlassNetRegressor

# Small and fast for the checks, yet accurate enough for check_classifiers_train (accuracy > 0.83; it reaches
# 0.93) and check_regressors_train (R² > 0.5; it reaches 0.87). batch_size=1000 makes all of each check's data
# one batch: only then is fitting with integer sample weights the same as fitting with repeated rows
# (check_sample_weight_equivalence_on_dense_data), as for scikit-learn's MLP, whose own test uses lbfgs there.
CHECKED = dict(hidden_layer_sizes=(16,), learning_rate=0.05, epochs=40, batch_size=1000, random_state=0)


@parametrize_with_checks([GlassNetClassifier(**CHECKED), GlassNetRegressor(**CHECKED)])
def test_passes_scikit_learn_estimator_checks(estimator, check, monkeypatch):
    # check_array_api_input skips itself unless SCIPY_ARRAY_API is set; with it, the check runs (for the NumPy
    # namespace, as for every estimator without array-API support). Set only while each check runs.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    check(estimator)


def _two_blobs(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    x, y = make_blobs(n_samples=n, centers=[[-1.5, 0.0], [1.5, 0.0]], cluster_std=1.0, random_state=seed)
    return x, y


Estimator = GlassNetClassifier | GlassNetRegressor


def _weights_equal(a: Estimator, b: Estimator) -> bool:
    pairs = zip(a.model_.get_weights(), b.model_.get_weights(), strict=True)
    return all(np.array_equal(u, v) for u, v in pairs)


# --- inside scikit-learn's tools ----------------------------------------------------------------------------


def test_pipeline_with_standard_scaler_classifies_breast_cancer():
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    network = GlassNetClassifier(l2=0.01, learning_rate=0.01, epochs=15, random_state=0)
    pipeline = make_pipeline(StandardScaler(), network).fit(x_train, y_train)
    assert pipeline.score(x_test, y_test) > 0.93
    assert pipeline[-1].model_.layers[0].kernel.shape == (30, 25)


def test_grid_search_over_l2_picks_from_the_grid_and_refits():
    x, y = _two_blobs()
    network = GlassNetClassifier(hidden_layer_sizes=(8,), learning_rate=0.02, epochs=20, random_state=0)
    search = GridSearchCV(network, {"l2": [0.0, 0.01, 0.1]}, cv=3, scoring="neg_log_loss").fit(x, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 3 and np.all(np.isfinite(scores))
    assert len(set(scores.tolist())) == 3  # each l2 trained a different network
    assert search.best_estimator_.l2 == search.best_params_["l2"]
    assert search.best_estimator_.n_features_in_ == 2


def test_validation_curve_over_l2_shows_the_training_fit_shrinking():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(150, 2))
    y = np.sin(2 * x[:, 0]) + x[:, 1] ** 2
    network = GlassNetRegressor(hidden_layer_sizes=(16,), learning_rate=0.02, epochs=60, random_state=0)
    train_scores, test_scores = validation_curve(network, x, y, param_name="l2", param_range=[0.0, 0.01, 1.0],
                                                 cv=3)
    assert train_scores.shape == test_scores.shape == (3, 3)
    mean_train = train_scores.mean(axis=1)
    # A large L2 penalty pulls the kernels towards 0, so the network fits its training rows worse
    # (R² 0.85 without it, about 0 with l2=1).
    assert mean_train[0] > mean_train[2] + 0.2


def test_clone_round_trip_keeps_parameters_and_drops_the_fit():
    estimator = GlassNetClassifier(hidden_layer_sizes=(3,), l2=0.5, convention="lecture", epochs=2,
                                   random_state=4).fit(*_two_blobs(30))
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert clone(copy).get_params() == estimator.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    copy.set_params(l2=0.25)
    assert copy.l2 == 0.25 and estimator.l2 == 0.5


def test_architecture_and_optimizer_follow_the_parameters():
    x, y = _two_blobs(30)
    one = GlassNetRegressor(hidden_layer_sizes=5, activation="tanh", optimizer="sgd", learning_rate=0.03,
                            epochs=1, random_state=0).fit(x, y)
    assert [(layer.name, layer.units, layer.activation.name) for layer in one.model_.layers] == [
        ("hidden_1", 5, "tanh"), ("output", 1, "linear")]
    assert type(one.model_.optimizer).__name__ == "SGD" and one.model_.optimizer.learning_rate == 0.03
    none = GlassNetClassifier(hidden_layer_sizes=(), epochs=1, random_state=0).fit(x, y)
    assert [(layer.name, layer.units) for layer in none.model_.layers] == [("output", 1)]


# --- regularization: conventions, and what ends up on the network -------------------------------------------


def test_lecture_lambda_trains_the_same_weights_as_keras_factor_lambda_over_2m():
    x, y = _two_blobs(100)
    lam, m = 0.5, 100  # λ/(2m) = 0.0025 survives convert()'s rounding to 15 significant digits unchanged
    common = dict(hidden_layer_sizes=(6,), learning_rate=0.01, epochs=5, random_state=3)
    lecture = GlassNetClassifier(l2=lam, convention="lecture", **common).fit(x, y)
    keras = GlassNetClassifier(l2=lam / (2 * m), convention="keras", **common).fit(x, y)
    unregularized = GlassNetClassifier(l2=0.0, **common).fit(x, y)
    assert lecture.model_.layers[0].kernel.regularizer == L2(lam / (2 * m))
    assert _weights_equal(lecture, keras)
    assert not _weights_equal(lecture, unregularized)  # the penalty did change the training


@pytest.mark.parametrize("convention", ["keras", "lecture", "torch", "sklearn", "playground", "kappa"])
def test_each_convention_puts_the_converted_keras_factor_on_every_kernel_and_none_on_biases(convention):
    x, y = _two_blobs(40)
    estimator = GlassNetRegressor(hidden_layer_sizes=(4, 3), l2=0.3, convention=convention, batch_size=64,
                                  epochs=1, random_state=0).fit(x, y)
    # batch_size is capped at the 40 rows, and B = 40 is what the 'sklearn' convention divides by. The regressor
    # trains mse (no ½) while the lecture, MLPRegressor and the Playground write ½·squared error.
    expected = L2(convert(0.3, convention, "keras", n_samples=40, batch_size=40, loss="mse"))
    by_hand = {"keras": 0.3, "lecture": 0.3 / 40, "torch": 0.15, "sklearn": 0.3 / 40, "playground": 0.3,
               "kappa": 0.15}[convention]
    assert expected == L2(by_hand)
    for layer in estimator.model_.layers:
        assert layer.kernel.regularizer == expected
        assert layer.bias.regularizer is None


def test_playground_convention_is_refused_for_a_classifier_whose_loss_the_playground_lacks():
    x, y = _two_blobs(40)
    with pytest.raises(ValueError, match=r"Playground trains with ½·squared error only.*Received: loss="):
        GlassNetClassifier(hidden_layer_sizes=(3,), l2=0.3, convention="playground", epochs=1,
                           random_state=0).fit(x, y)


def test_sklearn_convention_with_sample_weights_divides_by_the_weight_sum_or_refuses():
    x, y = _two_blobs(40)
    w = np.linspace(0.5, 2.0, 40)
    one_batch = GlassNetRegressor(hidden_layer_sizes=(3,), l2=0.3, convention="sklearn", batch_size=40,
                                  epochs=1, random_state=0).fit(x, y, sample_weight=w)
    # α·ΣW²/(2·Σw) next to MLPRegressor's ½·squared error: l2 = α/Σw = 0.3/Σw (one output).
    assert one_batch.model_.layers[0].kernel.regularizer.l2 == pytest.approx(0.3 / w.sum(), rel=1e-14)
    with pytest.raises(ValueError, match=r"sum of sample weights.*Received: convention='sklearn', batch_size=8"):
        GlassNetRegressor(hidden_layer_sizes=(3,), l2=0.3, convention="sklearn", batch_size=8, epochs=1,
                          random_state=0).fit(x, y, sample_weight=w)


def test_l1_is_keras_factor_whatever_the_convention_and_zero_strength_means_no_regularizer():
    x, y = _two_blobs(40)
    both = GlassNetRegressor(hidden_layer_sizes=(4,), l1=0.02, l2=0.6, convention="lecture", epochs=1,
                             random_state=0).fit(x, y)
    assert both.model_.layers[0].kernel.regularizer == L1L2(l1=0.02, l2=0.6 / 40)  # regressor: λ/m (½ on mse)
    plain = GlassNetRegressor(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(x, y)
    assert all(layer.kernel.regularizer is None for layer in plain.model_.layers)


def test_with_early_stopping_m_is_the_number_of_rows_trained_on():
    x, y = _two_blobs(100)
    estimator = GlassNetClassifier(hidden_layer_sizes=(4,), l2=0.9, convention="lecture", early_stopping=True,
                                   validation_fraction=0.2, epochs=2, random_state=0).fit(x, y)
    assert estimator.model_.layers[0].kernel.regularizer == L2(convert(0.9, "lecture", "keras", n_samples=80))


def test_history_shows_the_loss_split_into_data_and_penalty():
    x, y = _two_blobs(60)
    estimator = GlassNetClassifier(hidden_layer_sizes=(5,), l2=0.01, epochs=3, random_state=0).fit(x, y)
    history = estimator.history_
    assert len(history["loss"]) == estimator.n_iter_ == 3
    per_layer = history["penalty/hidden_1/kernel"][-1] + history["penalty/output/kernel"][-1]
    assert history["penalty_loss"][-1] == per_layer > 0
    # The penalty the History shows is the one charged: 0.01·ΣW² of each kernel (final epoch's weights differ
    # only by that epoch's steps, so compare with the weights after training at a tolerance of their movement).
    final = sum(0.01 * float(np.sum(layer.kernel.value.astype(float) ** 2)) for layer in estimator.model_.layers)
    assert history["penalty_loss"][-1] == pytest.approx(final, rel=0.05)


def test_the_estimator_trains_exactly_the_sequential_written_by_hand():
    x, y = _two_blobs(50)
    estimator = GlassNetClassifier(hidden_layer_sizes=(5, 3), l2=0.01, learning_rate=0.01, epochs=3,
                                   batch_size=16, random_state=7).fit(x, y)
    model = Sequential([Dense(5, activation="relu"), Dense(3, activation="relu"),
                        Dense(1, activation="sigmoid")], seed=7, dtype="float64")
    model.compile(optimizer=Adam(learning_rate=0.01), loss="binary_crossentropy", regularizer=L2(0.01))
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, seed=7)
    for ours, by_hand in zip(estimator.model_.get_weights(), model.get_weights(), strict=True):
        assert np.array_equal(ours, by_hand)


# --- seeds, labels, outputs ---------------------------------------------------------------------------------


def test_int_random_state_is_bitwise_reproducible_and_none_draws_a_fresh_seed_kept_in_seed_():
    x, y = _two_blobs(60)
    kwargs = dict(hidden_layer_sizes=(6,), epochs=3, batch_size=8)
    first = GlassNetClassifier(random_state=11, **kwargs).fit(x, y)
    second = GlassNetClassifier(random_state=11, **kwargs).fit(x, y)
    assert _weights_equal(first, second) and first.history_ == second.history_ and first.seed_ == 11
    fresh = [GlassNetClassifier(**kwargs).fit(x, y) for _ in range(2)]
    assert fresh[0].seed_ != fresh[1].seed_ and not _weights_equal(fresh[0], fresh[1])
    repeated = GlassNetClassifier(random_state=fresh[0].seed_, **kwargs).fit(x, y)
    assert _weights_equal(repeated, fresh[0])


def test_string_labels_binary_and_multiclass():
    x, y = make_blobs(n_samples=90, centers=[[-3, 0], [3, 0], [0, 4]], random_state=0)
    labels = np.array(["cat", "dog", "emu"])[y]
    kwargs = dict(hidden_layer_sizes=(8,), learning_rate=0.02, epochs=30, random_state=0)
    multi = GlassNetClassifier(**kwargs).fit(x, labels)
    assert multi.classes_.tolist() == ["cat", "dog", "emu"]
    assert multi.model_.layers[-1].units == 3 and multi.model_.loss.name == "sparse_categorical_crossentropy"
    assert multi.score(x, labels) > 0.9
    two = y < 2
    binary = GlassNetClassifier(**kwargs).fit(x[two], labels[two])
    assert binary.model_.layers[-1].units == 1 and binary.model_.loss.name == "binary_crossentropy"
    assert set(binary.predict(x[two])) <= {"cat", "dog"} and binary.score(x[two], labels[two]) > 0.9


def test_predict_proba_rows_sum_to_one_and_binary_has_two_columns():
    x, y = make_blobs(n_samples=60, centers=3, random_state=1)
    multi = GlassNetClassifier(hidden_layer_sizes=(6,), epochs=5, random_state=0).fit(x, y)
    proba = multi.predict_proba(x)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.array_equal(multi.predict(x), multi.classes_[np.argmax(proba, axis=1)])
    binary = GlassNetClassifier(hidden_layer_sizes=(6,), epochs=5, random_state=0).fit(x[y < 2], y[y < 2])
    p = binary.model_.predict(x, verbose=0)[:, 0]
    assert np.array_equal(binary.predict_proba(x), np.column_stack([1 - p, p]))


def test_early_stopping_stops_before_the_last_epoch_and_logs_validation_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.5, size=200)  # the noise puts a floor on val_loss
    estimator = GlassNetRegressor(hidden_layer_sizes=(8,), learning_rate=0.05, epochs=300,
                                  early_stopping=True, patience=3, random_state=0).fit(x, y)
    assert estimator.n_iter_ < 300
    assert len(estimator.history_["val_loss"]) == len(estimator.history_["loss"]) == estimator.n_iter_
    assert estimator.model_.last_fit["n_samples"] == 180  # 10% held out for validation


def test_regressor_fits_a_linear_problem_and_keeps_the_shape_of_y():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 4))
    y = x @ np.array([1.5, -1.0, 0.5, 2.0]) + 0.3 + rng.normal(scale=0.1, size=200)
    estimator = GlassNetRegressor(hidden_layer_sizes=(16,), learning_rate=0.01, epochs=40, random_state=0)
    assert estimator.fit(x, y).score(x, y) > 0.95
    assert estimator.predict(x).shape == (200,)
    small = dict(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    column = GlassNetRegressor(**small).fit(x, y[:, None])
    assert column.predict(x).shape == (200, 1) and column.n_outputs_ == 1
    two = GlassNetRegressor(**small).fit(x, np.column_stack([y, -y]))
    assert two.predict(x).shape == (200, 2) and two.n_outputs_ == 2


@pytest.mark.parametrize(("x_dtype", "network_dtype"), [(np.float32, np.float32), (np.float64, np.float64),
                                                        (np.int64, np.float64)])
def test_the_network_computes_in_float32_for_float32_input_else_in_float64(x_dtype, network_dtype):
    x, y = _two_blobs(40)
    estimator = GlassNetRegressor(hidden_layer_sizes=(3,), epochs=1, random_state=0)
    estimator.fit((x * 10).astype(x_dtype), y)
    assert estimator.model_.dtype == network_dtype
    assert estimator.predict(x).dtype == network_dtype


def test_sample_weight_only_its_ratios_matter():
    x, y = _two_blobs(40)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=40)
    kwargs = dict(hidden_layer_sizes=(4,), epochs=3, batch_size=8, random_state=0)
    plain = GlassNetClassifier(**kwargs).fit(x, y)
    doubled_ones = GlassNetClassifier(**kwargs).fit(x, y, sample_weight=np.full(40, 2.0))
    assert _weights_equal(plain, doubled_ones)  # rescaled to mean 1: all ones, as without weights
    weighted = GlassNetClassifier(**kwargs).fit(x, y, sample_weight=weights)
    assert _weights_equal(weighted, GlassNetClassifier(**kwargs).fit(x, y, sample_weight=2 * weights))
    assert not _weights_equal(weighted, plain)


def test_feature_names_from_a_dataframe():
    x, y = _two_blobs(30)
    frame = pandas.DataFrame(x, columns=["height", "width"])
    estimator = GlassNetClassifier(hidden_layer_sizes=(3,), epochs=1, random_state=0).fit(frame, y)
    assert estimator.feature_names_in_.tolist() == ["height", "width"]
    assert estimator.n_features_in_ == 2


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [
    ("convention", "bogus"), ("convention", "adamw"), ("hidden_layer_sizes", (0,)),
    ("hidden_layer_sizes", (4, -1)), ("activation", "bogus"), ("l2", -0.1), ("l1", float("nan")),
    ("optimizer", "adamw"), ("learning_rate", 0.0), ("epochs", 0), ("batch_size", 0),
    ("validation_fraction", 1.0), ("patience", -1), ("verbose", 3), ("random_state", -1),
])
def test_bad_parameters_raise_value_error_at_fit_naming_the_parameter(name, value):
    estimator = GlassNetClassifier(**{name: value})  # scikit-learn's rule: __init__ only stores
    with pytest.raises(ValueError, match=rf"`{name}`.*Received: {name}="):
        estimator.fit(*_two_blobs(20))
    assert not hasattr(estimator, "model_")


@pytest.mark.parametrize(("name", "value"), [
    ("hidden_layer_sizes", "25"), ("hidden_layer_sizes", (2.5,)), ("early_stopping", "yes"), ("warm_start", 1),
    ("random_state", "seed"), ("l2", "0.1"), ("patience", 1.5), ("verbose", "loud"),
])
def test_parameters_of_the_wrong_type_raise_type_error_naming_the_parameter(name, value):
    with pytest.raises(TypeError, match=rf"`{name}`.*Received: {name}="):
        GlassNetRegressor(**{name: value}).fit(*_two_blobs(20))


def test_early_stopping_needs_a_validation_fraction_that_leaves_rows_on_both_sides():
    x, y = _two_blobs(20)
    with pytest.raises(ValueError, match=r"`validation_fraction` must be in \(0, 1\) with "
                                         r"early_stopping=True. Received: validation_fraction=0.0"):
        GlassNetRegressor(early_stopping=True, validation_fraction=0.0).fit(x, y)
    with pytest.raises(ValueError, match=r"no training or no validation rows for 20 samples. "
                                         r"Received: validation_fraction=0.96"):
        GlassNetRegressor(early_stopping=True, validation_fraction=0.96).fit(x, y)  # floor(20·0.04) = 0


def test_one_class_is_refused_with_or_without_sample_weight():
    x, y = _two_blobs(20)
    with pytest.raises(ValueError, match=r"at least 2 classes.*Received: y with the single label 'a'"):
        GlassNetClassifier().fit(x, np.full(20, "a"))
    with pytest.raises(ValueError, match=r"`sample_weight` gives positive weight to samples of only one "):
        GlassNetClassifier().fit(x, y, sample_weight=(y == 1).astype(float))
