"""glassnet.sklearn beyond one fit: class_weight, warm_start, partial_fit, the loss curves, and explain (of the
estimator and of a fitted Pipeline from its raw input). scikit-learn's own checks are in test_sklearn.py."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from glassnet import L2
from glassnet.sklearn import GlassNetClassifier, GlassNetRegressor, explain_pipeline

SMALL = dict(hidden_layer_sizes=(5,), learning_rate=0.02, epochs=3, batch_size=16, random_state=0)


def blobs(n=80, seed=0, centers=((-1.5, 0.0), (1.5, 0.0))):
    x, y = make_blobs(n_samples=n, centers=list(centers), cluster_std=1.0, random_state=seed)
    return x, y


def weights_of(estimator):
    return estimator.model_.get_weights()


def same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(weights_of(a), weights_of(b), strict=True))


# --- class_weight -------------------------------------------------------------------------------------------
def test_class_weight_multiplies_the_sample_weights_and_only_its_ratios_matter():
    x, y = blobs()
    labels = np.array(["no", "yes"])[y]
    by_class = GlassNetClassifier(class_weight={"no": 1.0, "yes": 3.0}, **SMALL).fit(x, labels)
    by_row = GlassNetClassifier(**SMALL).fit(x, labels, sample_weight=np.where(y == 1, 3.0, 1.0))
    assert same_weights(by_class, by_row)
    assert same_weights(by_class, GlassNetClassifier(class_weight={"no": 2, "yes": 6}, **SMALL).fit(x, labels))
    both = GlassNetClassifier(class_weight={"no": 1.0, "yes": 3.0}, **SMALL).fit(x, labels, sample_weight=x[:, 1] ** 2)
    assert same_weights(both, GlassNetClassifier(**SMALL).fit(x, labels, sample_weight=x[:, 1] ** 2 *
                                                                np.where(y == 1, 3.0, 1.0)))
    assert not same_weights(by_class, GlassNetClassifier(**SMALL).fit(x, labels))


def test_balanced_class_weight_is_scikit_learns_and_lifts_the_recall_of_the_rare_class():
    x, y = blobs(200, centers=((-0.5, 0.0), (0.5, 0.0)))
    rare = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:15]])  # 100 against 15
    x, y = x[rare], y[rare]
    balanced = GlassNetClassifier(class_weight="balanced", **SMALL).fit(x, y)
    assert same_weights(balanced, GlassNetClassifier(**SMALL).fit(x, y, sample_weight=compute_sample_weight(
        "balanced", y)))
    plain = GlassNetClassifier(**{**SMALL, "epochs": 30}).fit(x, y)
    lifted = GlassNetClassifier(class_weight="balanced", **{**SMALL, "epochs": 30}).fit(x, y)
    recall = [np.mean(model.predict(x[y == 1]) == 1) for model in (plain, lifted)]
    assert recall[1] > recall[0] + 0.2


@pytest.mark.parametrize("class_weight, error, message", [
    ({0: 1.0, 7: 2.0}, ValueError, r"`class_weight` must weigh labels of the classes \[0, 1\]. Received: "
                                   r"class_weight with the labels \[7\]"),
    ({0: -1.0}, ValueError, r"a finite weight ≥ 0. Received: class_weight\[0\]=-1.0"),
    ({0: float("nan")}, ValueError, r"Received: class_weight\[0\]=nan"),
    ({0: "heavy"}, ValueError, r"Received: class_weight\[0\]='heavy'"),
    ("even", ValueError, r"`class_weight` must be None, 'balanced' or a dict \{label: weight\}. Received: "
                         r"class_weight='even'"),
    ([1.0, 2.0], TypeError, r"Received: class_weight=\[1.0, 2.0\]"),
    ({0: 0.0, 1: 0.0}, ValueError, r"must give some row a weight > 0. Received: every row weighs 0"),
])
def test_a_bad_class_weight_is_refused_naming_it_and_nothing_is_fitted(class_weight, error, message):
    estimator = GlassNetClassifier(class_weight=class_weight, **SMALL)
    with pytest.raises(error, match=message):
        estimator.fit(*blobs(30))
    assert not hasattr(estimator, "model_")


# --- warm_start ---------------------------------------------------------------------------------------------
def test_warm_start_trains_the_fitted_network_further_and_the_curves_add_up():
    x, y = blobs()
    first = GlassNetClassifier(**SMALL).fit(x, y)
    before = weights_of(first)
    first.set_params(warm_start=True, epochs=2, learning_rate=1e-12)  # steps too small to move the weights
    first.fit(x, y)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(weights_of(first), before))
    assert first.n_iter_ == 5 and len(first.loss_curve_) == 5
    cold = GlassNetClassifier(**{**SMALL, "epochs": 2, "learning_rate": 1e-12}).fit(x, y)
    assert not all(np.allclose(a, b, atol=1e-3) for a, b in zip(weights_of(cold), before))
    assert cold.n_iter_ == 2


def test_warm_start_along_a_regularization_path_puts_each_new_penalty_on_the_kernels():
    x, y = blobs()
    estimator = GlassNetClassifier(warm_start=True, **SMALL)
    for l2 in (0.0, 0.01, 0.1):
        estimator.set_params(l2=l2).fit(x, y)
        expected = None if l2 == 0 else L2(l2)
        assert [layer.kernel.regularizer for layer in estimator.model_.layers] == [expected, expected]
    assert len(estimator.penalty_loss_curve_) == 9 and estimator.penalty_loss_curve_[:3] == [0.0, 0.0, 0.0]
    assert min(estimator.penalty_loss_curve_[6:]) > max(estimator.penalty_loss_curve_[3:6]) > 0


@pytest.mark.parametrize("change, message", [
    (dict(hidden_layer_sizes=(6,)), r"hidden_layer_sizes=\(5,\), activation='relu', 1 output\(s\). Refit without "
                                    r"warm_start to change it. Received: hidden_layer_sizes=\(6,\)"),
    (dict(activation="tanh"), r"Received: hidden_layer_sizes=\(5,\), activation='tanh'"),
])
def test_warm_start_refuses_another_architecture(change, message):
    x, y = blobs()
    estimator = GlassNetClassifier(warm_start=True, **SMALL).fit(x, y)
    with pytest.raises(ValueError, match=message):
        estimator.set_params(**change).fit(x, y)


def test_warm_start_refuses_other_classes_and_other_features():
    x, y = blobs()
    estimator = GlassNetClassifier(warm_start=True, **SMALL).fit(x, y)
    with pytest.raises(ValueError, match=r"`y` must hold its classes \[0, 1\]. Received: y with the classes \[0, 2\]"):
        estimator.fit(x, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match=r"X has 3 features, but GlassNetClassifier is expecting 2 features"):
        estimator.fit(np.column_stack([x, x[:, 0]]), y)
    regressor = GlassNetRegressor(warm_start=True, **SMALL).fit(x, x[:, 0])
    with pytest.raises(ValueError, match=r"Received: hidden_layer_sizes=\(5,\), activation='relu' and targets "
                                         r"with 2 column\(s\)"):
        regressor.fit(x, x)


# --- partial_fit --------------------------------------------------------------------------------------------
def test_partial_fit_continues_the_optimizer_one_epoch_per_call():
    x, y = blobs(60)
    one_batch = dict(SMALL, batch_size=1000)  # all rows in one batch: the order of the rows hardly matters
    streamed = GlassNetClassifier(**one_batch)
    for _ in range(4):
        streamed.partial_fit(x, y, classes=[0, 1])
    assert streamed.n_iter_ == 4 and len(streamed.loss_curve_) == 4
    assert streamed.model_.optimizer.iterations == 4
    whole = GlassNetClassifier(**{**one_batch, "epochs": 4}).fit(x, y)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(weights_of(streamed), weights_of(whole)))
    # Four fits of one epoch each restart Adam every time (its bias correction too): a different path.
    restarted = GlassNetClassifier(**{**one_batch, "epochs": 1, "warm_start": True})
    for _ in range(4):
        restarted.fit(x, y)
    assert not all(np.allclose(a, b, atol=1e-4) for a, b in zip(weights_of(restarted), weights_of(whole)))


def test_partial_fit_takes_labels_of_the_declared_classes_a_chunk_at_a_time():
    x, y = blobs(60)
    labels = np.array(["cat", "dog", "emu"])[np.where(x[:, 1] > 1, 2, y)]
    estimator = GlassNetClassifier(**SMALL)
    estimator.partial_fit(x[:20], labels[:20], classes=["emu", "dog", "cat"])
    estimator.partial_fit(x[20:25][labels[20:25] == "cat"], labels[20:25][labels[20:25] == "cat"])  # one class
    estimator.partial_fit(x[25:], labels[25:], classes=["cat", "dog", "emu"])
    assert estimator.classes_.tolist() == ["cat", "dog", "emu"] and estimator.model_.layers[-1].units == 3
    assert estimator.n_iter_ == 3 and set(estimator.predict(x)) <= {"cat", "dog", "emu"}


@pytest.mark.parametrize("first, then, message", [
    (None, None, r"`classes` must be given on the first call to partial_fit: every label the stream may hold. "
                 r"Received: classes=None"),
    ([0, 1], [0, 1, 2], r"`classes` must be the classes of the earlier calls \[0, 1\] \(or None\). Received: "
                        r"classes=\[0, 1, 2\]"),
    ([0], None, r"at least 2 classes.*Received: classes with the single label 0"),
    ([0, 3], None, r"`y` must hold labels of the classes \[0, 3\]. Received: y with the labels \[1\]"),
])
def test_partial_fit_refuses_classes_it_cannot_keep(first, then, message):
    x, y = blobs(30)
    estimator = GlassNetClassifier(**SMALL)
    with pytest.raises(ValueError, match=message):
        estimator.partial_fit(x, y, classes=first)
        estimator.partial_fit(x, y, classes=then)


def test_partial_fit_refuses_what_needs_the_whole_data_set():
    x, y = blobs(30)
    with pytest.raises(ValueError, match=r"class_weight='balanced' needs the counts of every class, which "
                                         r"partial_fit does not see"):
        GlassNetClassifier(class_weight="balanced", **SMALL).partial_fit(x, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"λ is divided by m, the training-set size, which partial_fit does not "
                                         r"know.*Received: convention='lecture'"):
        GlassNetRegressor(l2=0.5, convention="lecture", **SMALL).partial_fit(x, x[:, 0])
    regressor = GlassNetRegressor(**SMALL).partial_fit(x, x[:, 0])
    with pytest.raises(ValueError, match=r"and targets with 2 column\(s\)"):
        regressor.partial_fit(x, x)
    with pytest.raises(ValueError, match=r"X has 1 features, but GlassNetRegressor is expecting 2 features"):
        regressor.partial_fit(x[:, :1], x[:, 0])


def test_partial_fit_with_the_sklearn_convention_divides_by_each_call_s_batch():
    x, y = blobs(60)
    estimator = GlassNetRegressor(l2=0.3, convention="sklearn", **{**SMALL, "batch_size": 32})
    estimator.partial_fit(x, x[:, 0])  # B = 32
    assert estimator.model_.layers[0].kernel.regularizer == L2(0.3 / 32)
    estimator.partial_fit(x[:10], x[:10, 0])  # B = 10 rows, as MLPRegressor divides by the batch it sees
    assert estimator.model_.layers[0].kernel.regularizer == L2(0.3 / 10)


# --- the loss curves ----------------------------------------------------------------------------------------
def test_the_loss_curve_is_the_data_curve_plus_the_penalty_curve():
    x, y = blobs()
    estimator = GlassNetRegressor(l2=0.05, **SMALL).fit(x, x[:, 0] - x[:, 1])
    assert estimator.loss_curve_ == estimator.history_["loss"] and len(estimator.loss_curve_) == 3
    np.testing.assert_allclose(estimator.loss_curve_, np.add(estimator.data_loss_curve_,
                                                             estimator.penalty_loss_curve_), rtol=1e-12)
    assert min(estimator.penalty_loss_curve_) > 0
    refit = estimator.set_params(epochs=2).fit(x, x[:, 0])  # no warm_start: the curves start again
    assert len(refit.loss_curve_) == 2


# --- explain ------------------------------------------------------------------------------------------------
def test_explain_takes_the_labels_and_weights_fit_took():
    x, y = blobs()
    labels = np.array(["no", "yes"])[y]
    estimator = GlassNetClassifier(l2=0.01, class_weight={"no": 1.0, "yes": 4.0}, **SMALL).fit(x, labels)
    explanation = estimator.explain(x, labels)
    rows = np.where(y == 1, 4.0, 1.0)
    by_hand = estimator.model_.explain(x, y.astype(float), sample_weight=rows * len(rows) / rows.sum())
    assert explanation.data_loss == by_hand.data_loss and explanation.total_loss == by_hand.total_loss
    assert explanation.n_samples == 80 and explanation.batch_size == 16  # m and B of the fit
    assert [p.layer for p in explanation.penalties] == ["hidden_1", "output"]


def test_explain_of_a_regressor_and_its_refusals():
    x, _ = blobs()
    regressor = GlassNetRegressor(**SMALL).fit(x, x[:, 0])
    assert regressor.explain(x, x[:, 0]).n_rows == 80
    with pytest.raises(ValueError, match=r"`y` must have the 1 target column\(s\) the regressor was fitted on. "
                                         r"Received: y with shape \(80, 2\)"):
        regressor.explain(x, x)
    classifier = GlassNetClassifier(**SMALL).fit(x, np.array(["a", "b"])[(x[:, 0] > 0).astype(int)])
    with pytest.raises(ValueError, match=r"`y` must hold labels of the classes \['a', 'b'\] the classifier was "
                                         r"fitted on. Received: y with the labels \['c'\]"):
        classifier.explain(x[:2], ["a", "c"])
    with pytest.raises(NotFittedError):
        GlassNetClassifier().explain(x, x[:, 0] > 0)


def test_explain_pipeline_explains_the_last_step_from_the_raw_input():
    x, y = blobs()
    raw = x * [100.0, 0.01]
    pipeline = make_pipeline(StandardScaler(), GlassNetClassifier(l2=0.01, **SMALL)).fit(raw, y)
    explanation = explain_pipeline(pipeline, raw, y)
    direct = pipeline[-1].explain(pipeline[0].transform(raw), y)
    assert explanation.total_loss == direct.total_loss and explanation.n_rows == 80
    with pytest.raises(TypeError, match=r"`pipeline` must be a fitted sklearn.pipeline.Pipeline. Received: "
                                        r"pipeline=GlassNetClassifier"):
        explain_pipeline(pipeline[-1], raw, y)
    with pytest.raises(TypeError, match=r"must end in a GlassNetClassifier or GlassNetRegressor. Received: a "
                                        r"pipeline ending in LogisticRegression"):
        explain_pipeline(make_pipeline(StandardScaler(), LogisticRegression()).fit(raw, y), raw, y)
    with pytest.raises(NotFittedError):
        explain_pipeline(make_pipeline(StandardScaler(), GlassNetClassifier()), raw, y)
