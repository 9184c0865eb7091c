"""The layer study (glassnet.experiments.layer_study): twins that differ only in the penalty, numbers that match an
independent computation, identical results on every backend, exports, and every argument error."""

from __future__ import annotations

import csv
import html
import json
import math

import numpy as np
import pytest

from glassnet import SGD, Dense, Sequential
from glassnet.display import MAX_REPR
from glassnet.experiments import LayerStudy, ModelSpec, layer_study
from glassnet.experiments.placements import install, resolve

pytestmark = pytest.mark.peers  # the study runs on the sweep machinery (tqdm, threadpoolctl, joblib)

SPEC = ModelSpec(hidden=(6, 4), learning_rate=0.01)
TINY = {"cv": 2, "epochs": 3, "seeds": (0, 1), "progress": False, "n_jobs": 1}


def blobs(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return blobs()


@pytest.fixture(scope="module")
def study(data) -> LayerStudy:
    x, y = data
    return layer_study(SPEC, x, y, 0.05, **TINY)


def twin(x, y, factors, seed, epochs=3, observer=None):
    """The study's fit of one placement, written out by hand: the spec at λ = 0, the penalty installed, fit."""
    model = SPEC.for_targets(y)(0.0, seed=seed)
    install(model, factors, "l2")
    if observer is not None:
        model.step_observers.append(observer)
    model.fit(x, y, validation_data=(x[:5], y[:5]), epochs=epochs, batch_size=32, verbose=0, seed=seed)
    return model


# --- placements -----------------------------------------------------------------------------------------------
def test_default_placements_are_none_all_and_each_layer(study):
    assert study.names == ["none", "all", "layer_1", "layer_2", "layer_3"]
    assert study.layers == ["layer_1", "layer_2", "layer_3"]
    assert study.placements["layer_2"] == [0.0, 0.05, 0.0] and study.placements["all"] == [0.05] * 3
    assert len(study.records) == 5 * 2 * 2
    factors = {r["placement"]: r["factors"] for r in study.records}
    assert factors["layer_3"] == [0.0, 0.0, 0.05] and factors["none"] == [0.0, 0.0, 0.0]


def test_a_subset_and_custom_placements_keep_none_first():
    assert list(resolve(["layer_2"], 0.1, 3)) == ["none", "layer_2"]
    chosen = resolve({"outer": [0.1, 0.0, 0.2], "all": None}, 0.5, 3)
    assert chosen == {"none": [0.0] * 3, "outer": [0.1, 0.0, 0.2], "all": [0.5] * 3}


@pytest.mark.parametrize("placements, error, message", [
    ("all", TypeError, "Argument `placements` must be None, a list"),
    (["layer_4"], ValueError, "Received: 'layer_4' without strengths"),
    (["all", "all"], ValueError, "must not repeat a name"),
    ({"all": [1, 1, 1]}, ValueError, "cannot redefine the standard placement 'all'"),
    ({"mine": [0.1, 0.1]}, ValueError, r"placements\['mine'\]=\[0.1, 0.1\]"),
    ({"mine": [0.1, -1, 0]}, ValueError, r"placements\['mine'\]"),
    ({"mine": [0.1, math.nan, 0]}, ValueError, r"placements\['mine'\]"),
    ({"": None}, TypeError, "non-empty strings"),
    ([], ValueError, "at least one placement"),
])
def test_bad_placements_are_refused(placements, error, message):
    with pytest.raises(error, match=message):
        resolve(placements, 0.1, 3)


# --- the numbers are the twins' numbers -------------------------------------------------------------------------
def test_records_match_a_twin_trained_by_hand(data):
    x, y = data
    study = layer_study(SPEC, x, y, 0.05, placements=["layer_2"], validation_data=(x[:5], y[:5]), epochs=3,
                        seeds=(4,), progress=False, n_jobs=1)
    record = study.runs("layer_2")[0]
    model = twin(x, y, [0.0, 0.05, 0.0], seed=4)
    kernels = [layer.kernel.numpy().astype(np.float64) for layer in model.layers]
    assert [record["norms"][f"layer_{j}"] for j in (1, 2, 3)] == [float(np.linalg.norm(w)) for w in kernels]
    assert record["spectral"]["layer_2"] == float(np.linalg.norm(kernels[1], 2))
    g = model.explain(x, y).gradients[(model.layers[1].name, "kernel")]
    d, p = g.data.astype(np.float64).ravel(), g.penalty.astype(np.float64).ravel()
    assert record["cosine"]["layer_2"] == pytest.approx(d @ p / np.linalg.norm(d) / np.linalg.norm(p), rel=1e-12)
    assert record["ratio"]["layer_2"] == pytest.approx(np.linalg.norm(p) / np.linalg.norm(d), rel=1e-12)
    assert math.isnan(record["cosine"]["layer_1"]) and math.isnan(record["ratio"]["layer_3"])
    assert record["val_data_loss"] == pytest.approx(model.explain(x[:5], y[:5]).data_loss, rel=1e-6)


def test_direct_part_is_the_sum_of_the_penalty_steps_and_zero_without_a_penalty(data):
    """With plain SGD the penalty part of each step is −lr·2·l2·W_t (W_t: the kernel before step t): add those up
    independently and compare with the study's direct part, which comes from the optimizer's step_parts."""
    x, y = data
    lr, l2 = 0.05, 0.1

    def build():
        model = Sequential([Dense(5, "relu"), Dense(4, "relu"), Dense(1, "sigmoid")])
        model.compile(SGD(lr), "binary_crossentropy", metrics=["accuracy"])
        return model

    study = layer_study(build, x, y, l2, placements=["layer_1"], validation_data=(x[:5], y[:5]), epochs=2, seeds=(3,),
                        progress=False, n_jobs=1)
    parts = study.attribution("layer_1")
    expected = np.zeros((3, 5))

    def before_each_step(state, optimizer):
        expected[...] += -lr * 2 * l2 * state.weights[0].value.astype(np.float64)

    model = build()
    install(model, [l2, 0.0, 0.0], "l2")
    model.step_observers.append(before_each_step)
    model.fit(x, y, validation_data=(x[:5], y[:5]), epochs=2, batch_size=32, verbose=0, seed=3)
    np.testing.assert_allclose(parts[0].direct, expected, rtol=1e-5, atol=1e-7)
    assert float(np.abs(parts[0].direct).max()) > 1e-3
    for part in parts[1:]:  # no penalty on layers 2 and 3: the optimizer's penalty part is exactly 0
        assert float(np.abs(part.direct).max()) == 0.0
        assert float(np.abs(part.indirect).max()) > 0.0
    none_kernel = np.array(next(r for r in study.runs("none") if "kernels" in r)["kernels"]["layer_1"])
    placed_kernel = model.layers[0].kernel.numpy().astype(np.float64)
    np.testing.assert_allclose(parts[0].change, placed_kernel - none_kernel, rtol=1e-12, atol=1e-12)


def test_twins_start_alike_and_a_builder_that_does_not_is_refused(data, study):
    x, y = data
    by_twin: dict = {}
    for record in study.records:
        by_twin.setdefault((record["fold"], record["seed"]), set()).add(record["initial"])
    assert all(len(checksums) == 1 for checksums in by_twin.values()) and len(by_twin) == 4
    assert len({next(iter(c)) for c in by_twin.values()}) == 2  # seeds 0 and 1 start differently

    def unseeded_built():
        model = Sequential([Dense(3, "relu", input_shape=(3,)), Dense(1, "sigmoid")])  # random weights per call
        model.compile("adam", "binary_crossentropy")
        return model

    with pytest.raises(ValueError, match="same initial weights on every call"):
        layer_study(unseeded_built, x, y, 0.1, **TINY)


def test_summaries_are_means_over_the_fits(study):
    runs = study.runs("layer_1")
    assert study.kernel_norms["layer_1"][1] == pytest.approx(np.mean([r["norms"]["layer_2"] for r in runs]))
    assert study.kernel_norm_sd["layer_1"][1] == pytest.approx(np.std([r["norms"]["layer_2"] for r in runs],
                                                                      ddof=1))
    assert study.score("all", "val_data_loss")[0] == pytest.approx(np.mean([r["val_data_loss"]
                                                                            for r in study.runs("all")]))
    history = study.norm_history("layer_1")["layer_1"]
    assert len(history) == 3 and history[-1] == pytest.approx(np.mean([r["history"]["norm/layer_1/kernel"][-1]
                                                                       for r in runs]))
    assert math.isnan(study.gradient_cosine["layer_1"][1]) and -1 <= study.gradient_cosine["layer_1"][0] <= 1


def test_lecture_convention_is_converted_per_fold(data):
    x, y = data
    study = layer_study(ModelSpec(hidden=(4,), convention="lecture"), x, y, 3.0, placements=["all"], **TINY)
    for record in study.runs("all"):
        assert record["factors"] == pytest.approx([3.0 / (2 * record["n_train"])] * 2)
    assert study.strength_text == "lecture λ = 3"


def test_l1_placements_and_conventions(data):
    x, y = data
    study = layer_study(SPEC, x, y, 0.01, regularizer="l1", placements=["layer_1"], **TINY)
    assert study.runs("layer_1")[0]["train_penalty_loss"] > 0
    with pytest.raises(ValueError, match="Argument `convention` must be 'keras' for regularizer='l1'"):
        layer_study(ModelSpec(hidden=(4,), convention="lecture"), x, y, 0.01, regularizer="l1", **TINY)


# --- the same everywhere -----------------------------------------------------------------------------------------
def test_serial_and_joblib_give_bitwise_identical_studies(data, study):
    x, y = data
    parallel = layer_study(SPEC, x, y, 0.05, **{**TINY, "n_jobs": 2})
    assert json.dumps(parallel.to_dict()) == json.dumps(study.to_dict())  # NaN written as NaN: a bitwise compare


def test_dask_gives_the_same_study(data, study):
    from distributed import Client, LocalCluster

    x, y = data
    # Worker threads in this process start in a second, not ten; the tasks travel through Dask all the same.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        on_dask = layer_study(SPEC, x, y, 0.05, scheduler=client, **TINY)
    assert json.dumps(on_dask.to_dict()) == json.dumps(study.to_dict())


# --- exports and views ---------------------------------------------------------------------------------------------
def test_exports(study, tmp_path):
    study.to_json(tmp_path / "study.json")
    loaded = json.loads((tmp_path / "study.json").read_text(encoding="utf-8"))
    assert loaded["placements"] == study.placements and len(loaded["records"]) == len(study.records)
    study.to_csv(tmp_path / "study.csv")
    with open(tmp_path / "study.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["placement"] for row in rows] == study.names
    assert float(rows[2]["norm/layer_1_mean"]) == pytest.approx(study.kernel_norms["layer_1"][0])
    assert float(rows[2]["direct/layer_2"]) == 0.0 and float(rows[2]["direct/layer_1"]) > 0
    frame = study.to_frame()
    assert list(frame["placement"]) == study.names
    assert "val_data_loss_mean" in frame.columns


def test_text_views_show_the_numbers(study):
    table = study.table()
    assert f"{study.kernel_norms['layer_2'][1]:.3f}" in table
    html_view = study._repr_html_()
    assert "<table>" in html_view and f"{study.kernel_norms['all'][0]:.3f}" in html_view
    text = " ".join(study.summary_text())
    assert "Penalty on layer_2" in text and "direct part of exactly 0" in text
    assert html.escape(study.summary_text()[0]) in html_view  # the notebook view opens with the summary
    assert "<h3>Layer study: Keras l2 = 0.05, " in html_view and 'class="gn-scroll"' in html_view
    assert repr(study) == ("LayerStudy(Keras l2 = 0.05, placements=[none, all, layer_1, layer_2, layer_3], "
                           f"layers=[layer_1, layer_2, layer_3], {len(study.records)} fits)")
    assert len(repr(study)) <= MAX_REPR and "\n" not in repr(study) and len(html_view) <= 60_000


def test_custom_names_are_escaped_in_html(data):
    x, y = data
    study = layer_study(SPEC, x, y, 0.05, placements={"<b>x</b>": [0.05, 0, 0]}, **TINY)
    assert "<b>x</b>" not in study._repr_html_() and "&lt;b&gt;x&lt;/b&gt;" in study._repr_html_()


# --- argument errors ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, message", [
    ({"lam": 0.0}, ValueError, "Argument `lam` must be a finite number > 0"),
    ({"lam": "0.1"}, TypeError, "Argument `lam` must be a finite number > 0"),
    ({"cv": 1}, ValueError, "Argument `cv` must be an int with 2 ≤ cv"),
    ({"cv": 2.0}, TypeError, "Argument `cv` must be an int"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"seeds": [0, 0]}, ValueError, "must not repeat a seed"),
    ({"regularizer": "l3"}, ValueError, "Argument `regularizer` must be one of"),
    ({"convention": "pytorch"}, ValueError, "Argument `convention` must be one of"),
    ({"validation_data": (1, 2, 3)}, ValueError, "Argument `validation_data` must be a tuple"),
    ({"n_jobs": 0}, ValueError, "Argument `n_jobs` must be an int other than 0"),
])
def test_bad_arguments_are_refused(data, kwargs, error, message):
    x, y = data
    arguments = {"lam": 0.05, **TINY, **kwargs}
    with pytest.raises(error, match=message):
        layer_study(SPEC, x, y, **arguments)


def test_builders_that_are_not_what_the_study_needs_are_refused(data):
    x, y = data
    with pytest.raises(TypeError, match="Argument `build` must be a ModelSpec or a callable"):
        layer_study("spec", x, y, 0.1, **TINY)
    with pytest.raises(TypeError, match=r"Received: build\(\) returned"):
        layer_study(lambda: "model", x, y, 0.1, **TINY)

    def regularized():
        model = Sequential([Dense(3, "relu", kernel_regularizer="l2"), Dense(1, "sigmoid")])
        model.compile("adam", "binary_crossentropy")
        return model

    with pytest.raises(ValueError, match="has kernel_regularizer=L2"):
        layer_study(regularized, x, y, 0.1, **TINY)

    def compiled_with_penalty():
        model = Sequential([Dense(3, "relu"), Dense(1, "sigmoid")])
        model.compile("adam", "binary_crossentropy", regularizer="l2")
        return model

    with pytest.raises(ValueError, match="a model compiled with regularizer=L2"):
        layer_study(compiled_with_penalty, x, y, 0.1, **TINY)
    with pytest.raises(ValueError, match=r"Argument `placement` must be one of \['none'\]. Received: placement='all'"):
        LayerStudy({"none": [0.0]}, ["layer_1"], []).runs("all")


# --- the two ways of adding up the penalty parts -------------------------------------------------------------
def test_fast_and_exact_attribution_agree_and_the_exact_one_is_zero_without_a_penalty(data):
    from glassnet import Adam, AdamW
    from glassnet.experiments.attribution import PenaltySum

    x, y = data
    model = Sequential([Dense(5, "relu"), Dense(4, "relu"), Dense(1, "sigmoid")], seed=2)
    model.compile(Adam(0.01), "binary_crossentropy")
    install(model, [0.0, 0.1, 0.0], "l2")
    fast, exact = PenaltySum(True, (False, True, False)), PenaltySum(True, (False, True, False), exact=True)
    model.step_observers += [fast, exact]
    model.fit(x, y, epochs=4, batch_size=16, verbose=0, seed=0)
    assert fast.exact is False and exact.exact is True
    fast_sums, exact_sums = fast.sums(model.state), exact.sums(model.state)
    np.testing.assert_allclose(fast_sums[1], exact_sums[1], rtol=1e-4, atol=1e-6)
    assert float(np.abs(exact_sums[1]).max()) > 1e-3
    for i in (0, 2):  # measured by step_parts: exactly 0 where the penalty gradient is 0
        assert float(np.abs(exact_sums[i]).max()) == 0.0 and float(np.abs(fast_sums[i]).max()) == 0.0

    decayed = Sequential([Dense(3, "relu"), Dense(1, "sigmoid")], seed=2)
    decayed.compile(AdamW(0.01, weight_decay=0.1), "binary_crossentropy")
    observer = PenaltySum(True, (True, False))
    decayed.step_observers.append(observer)
    decayed.fit(x, y, epochs=1, verbose=0, seed=0)
    assert observer.exact is True  # the applied update holds the decay: only step_parts can split it off
    with pytest.raises(ValueError, match="Argument `penalized` must hold one flag per kernel"):
        decayed.step_observers[:] = [PenaltySum(True, (True,))]
        decayed.fit(x, y, epochs=1, verbose=0, seed=0)
