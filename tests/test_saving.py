"""model.save / glassnet.load_model / save_weights / load_weights (glassnet.saving).

- Exact round trips: after loading, predict is bitwise equal; training both models further — with fit's seed
  and with the model's own generator — ends with bitwise equal weights and equal History, for the lecture's
  network, compile-level regularization, compile(lam=...), every optimizer with schedules, clipping and weight
  decay, every regularizer, constraint and core layer, float64.
- Atomic writes: a failure or interruption during save leaves the previous file byte for byte, and no
  temporary file behind; every temporary has its own name, naming its writer.
- Loading costs what the file holds: the model is built once whatever its depth, and reading asks memory for
  the file's size, not for max_bytes.
- What cannot be saved (code: callables) is refused at save, with a message that says why.
- The file is a plain safetensors file, readable by the safetensors library, and loading runs no code.
Damaged and hostile files are in test_fuzz_loader.py and test_hostile_files.py.
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import pickle
import stat
import sys

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

import glassnet
from glassnet import (
    L1,
    L1L2,
    L2,
    SGD,
    Activation,
    ActivityRegularization,
    Adagrad,
    Adam,
    AdamW,
    Dense,
    Dropout,
    Input,
    MaxNorm,
    MinMaxNorm,
    ModelFileError,
    NonNeg,
    RMSprop,
    Sequential,
    UnitNorm,
    activations,
    initializers,
    losses,
)
from glassnet.optimizers import ExponentialDecay


# --- helpers ------------------------------------------------------------------------------------------------
def binary_data(n=48, d=4, seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(dtype)
    y = (x[:, 0] - 0.5 * x[:, 1] + 0.3 * x[:, 2] ** 2 > 0.2).astype(dtype)
    return x, y


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_same_weights(first, second):
    ours, theirs = first.get_weights(), second.get_weights()
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert same_bits(a, b)


def roundtrip(model, folder, name="model.glassnet"):
    model.save(folder / name)
    return glassnet.load_model(folder / name)


def assert_resumes_exactly(model, x, y, folder, **fit_kwargs):
    """save → load → the same predictions; then train both with fit's seed, then both on their own generator
    (seed=None, which continues the saved stream): the same weights and History after each."""
    loaded = roundtrip(model, folder)
    assert same_bits(model.predict(x), loaded.predict(x))
    assert_same_weights(model, loaded)
    assert [w.path for w in loaded.weights] == [w.path for w in model.weights]
    for seed in (7, None):
        first = model.fit(x, y, epochs=2, batch_size=16, verbose=0, seed=seed, **fit_kwargs)
        second = loaded.fit(x, y, epochs=2, batch_size=16, verbose=0, seed=seed, **fit_kwargs)
        assert_same_weights(model, loaded)
        assert first.history.keys() == second.history.keys()
        assert first.history == second.history
    assert loaded.optimizer.iterations == model.optimizer.iterations
    return loaded


def lecture_network(**compile_kwargs):
    model = Sequential([Dense(25, activation="relu", kernel_regularizer=L2(0.01)),
                        Dense(15, activation="relu", kernel_regularizer=L2(0.01)),
                        Dense(1, activation="sigmoid", kernel_regularizer=L2(0.01))], seed=0)
    model.compile(**{"optimizer": "adam", "loss": "binary_crossentropy", "metrics": ["accuracy"],
                     **compile_kwargs})
    return model


# --- exact round trips --------------------------------------------------------------------------------------
def test_lecture_network_resumes_exactly(tmp_path):
    x, y = binary_data()
    model = lecture_network()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, seed=0)
    loaded = assert_resumes_exactly(model, x, y, tmp_path)
    assert repr(loaded.layers[0].kernel.regularizer) == "L2(l2=0.01)"
    assert loaded.last_fit == model.last_fit == {"n_samples": 48, "batch_size": 16}


def test_only_the_weights_are_not_enough(tmp_path):
    """The teeth of the tests above: a model given the same weights but fresh optimizer and generator state
    trains differently, so equal weights after training do show that the state was restored."""
    x, y = binary_data()
    model = lecture_network()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, seed=0)
    fresh = lecture_network()
    fresh.build((None, 4))
    fresh.set_weights(model.get_weights())
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    fresh.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert not all(same_bits(a, b) for a, b in zip(model.get_weights(), fresh.get_weights()))


def test_compile_level_regularizer_on_kernels_and_biases(tmp_path):
    x, y = binary_data()
    model = Sequential([Dense(6, "tanh"), Dense(4, "relu", kernel_regularizer=L1(0.002)),
                        Dense(1, "sigmoid")], seed=1)
    model.compile(SGD(0.05, momentum=0.9, nesterov=True), "binary_crossentropy",
                  regularizer=L1L2(l1=0.001, l2=0.01), regularize_bias=True)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=1)
    loaded = assert_resumes_exactly(model, x, y, tmp_path)
    sources = [(w.path, w.regularizer_source, repr(w.regularizer)) for w in loaded.weights]
    assert sources == [(w.path, w.regularizer_source, repr(w.regularizer)) for w in model.weights]
    assert [source for _, source, _ in sources] == ["compile", "compile", "layer", "compile", "compile",
                                                    "compile"]


def test_compile_lam_resolved_by_fit(tmp_path):
    x, y = binary_data()
    model = lecture_network(lam=0.7, optimizer="sgd")
    model.fit(x, y, epochs=1, batch_size=48, verbose=0, seed=0)
    loaded = assert_resumes_exactly(model, x, y, tmp_path)
    plan = loaded.compile_regularization
    assert (plan.lam, plan.n_samples, repr(plan.regularizer)) == (0.7, None, "L2.from_lecture(lam=0.7, m=48)")


def test_compile_lam_still_waiting_for_m_and_model_not_built(tmp_path):
    x, y = binary_data()
    model = Sequential([Dense(5, "relu"), Dense(1, "sigmoid")])  # no seed: the initial weights come from the
    model.compile("rmsprop", "binary_crossentropy", lam=0.3)     # model's generator, which the file restores
    loaded = roundtrip(model, tmp_path)
    assert not loaded.built and loaded.compile_regularization.pending
    first = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    second = loaded.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert_same_weights(model, loaded)
    assert first.history == second.history


def test_compile_lam_with_n_samples(tmp_path):
    model = lecture_network(lam=0.5, n_samples=100)
    loaded = roundtrip(model, tmp_path)
    assert repr(loaded.compile_regularization.regularizer) == "L2.from_lecture(lam=0.5, m=100)"
    assert loaded.compile_regularization.n_samples == 100


OPTIMIZERS = {
    "sgd": lambda: SGD(0.05, momentum=0.9, nesterov=True, clipnorm=1.0, weight_decay=0.01),
    "adam": lambda: Adam(ExponentialDecay(0.01, decay_steps=5, decay_rate=0.9), amsgrad=True, clipvalue=0.5),
    "adamw": lambda: AdamW(0.01, weight_decay=0.05, global_clipnorm=1.0, name="my_adamw"),
    "rmsprop": lambda: RMSprop(0.01, momentum=0.5, centered=True, weight_decay=0.01),
    "adagrad": lambda: Adagrad(ExponentialDecay(0.1, 3, 0.5, staircase=True), initial_accumulator_value=0.2),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_layer_regularizer_constraint_and_optimizer(tmp_path, name):
    x, y = binary_data()
    model = Sequential([
        Dense(6, activations.LeakyReLU(0.1), kernel_initializer=initializers.HeNormal(seed=3),
              kernel_regularizer=L1L2(l1=1e-3, l2=1e-2), bias_regularizer=L1(1e-3),
              activity_regularizer=L2(1e-3), kernel_constraint=MaxNorm(1.5), bias_constraint=NonNeg()),
        Dropout(0.25, seed=5),  # its own generator
        Activation("tanh", activity_regularizer=L1(1e-4)),
        ActivityRegularization(l1=1e-3, l2=1e-2),
        Dense(4, activations.GELU(approximate=True), bias_initializer="ones",
              kernel_constraint=MinMaxNorm(0.1, 1.0, rate=0.5)),
        Dropout(0.1),  # the training generator: fit's seed, else the model's
        Dense(1, "sigmoid", kernel_regularizer=L2.from_lecture(0.5, 48), kernel_constraint=UnitNorm(),
              kernel_initializer=initializers.RandomUniform(-0.1, 0.1)),
    ], seed=2)
    optimizer = OPTIMIZERS[name]()
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    model.compile(optimizer, "binary_crossentropy", metrics=["accuracy", "mse"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.25)
    loaded = assert_resumes_exactly(model, x, y, tmp_path, validation_split=0.25)
    assert type(loaded.optimizer) is type(optimizer)
    assert repr(loaded.optimizer) == repr(model.optimizer)  # schedules compare by their config
    assert not loaded.optimizer.uses_weight_decay(loaded.layers[0].bias)
    assert [repr(layer.activity_regularizer) for layer in loaded.layers] == [
        repr(layer.activity_regularizer) for layer in model.layers]
    assert "val_accuracy" in loaded.fit(x, y, epochs=1, verbose=0, validation_split=0.25).history


def test_exclusion_by_weight_object_before_the_first_step(tmp_path):
    """exclude_from_weight_decay(var_list=...) holds object ids, which a file cannot: it stores weight
    paths."""
    x, y = binary_data()
    model = Sequential([Input((4,)), Dense(3, "relu"), Dense(1, "sigmoid")], seed=3)
    optimizer = AdamW(0.02, weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_list=[model.layers[0].kernel])
    model.compile(optimizer, "binary_crossentropy")
    loaded = assert_resumes_exactly(model, x, y, tmp_path)
    assert [loaded.optimizer.uses_weight_decay(w) for w in loaded.weights] == [False, True, True, True]


@pytest.mark.parametrize("task", ["classes", "regression"])
def test_float64_models(tmp_path, task):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(48, 3))
    if task == "classes":
        y = np.argmax(x, axis=1)
        model = Sequential([Dense(5, "softplus"), Dropout(0.2), Dense(3, "softmax")], dtype="float64", seed=4)
        model.compile(RMSprop(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    else:
        y = x @ np.array([[1.0], [-2.0], [0.5]])
        model = Sequential([Dense(4, "elu", kernel_initializer=initializers.RandomNormal(0.0, 0.3, seed=1)),
                            Dense(1)], dtype="float64", seed=4)
        model.compile(Adam(0.01), losses.Huber(delta=0.5), metrics=["mae"])
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    loaded = assert_resumes_exactly(model, x, y, tmp_path)
    assert loaded.dtype == np.float64 and loaded.get_weights()[0].dtype == np.float64


def test_uncompiled_models(tmp_path):
    built = Sequential([Input((3,)), Dense(2, "sigmoid", use_bias=False)], name="plain")
    loaded = roundtrip(built, tmp_path)
    assert (loaded.name, loaded.compiled, loaded.built) == ("plain", False, True)
    assert_same_weights(built, loaded)
    unbuilt = Sequential([Dense(3), Dense(1)])  # no seed: its generator state decides the weights at build
    loaded = roundtrip(unbuilt, tmp_path, "unbuilt.glassnet")
    assert not loaded.built
    unbuilt.build((None, 5))
    loaded.build((None, 5))
    assert_same_weights(unbuilt, loaded)


def test_saving_twice_gives_the_same_bytes(tmp_path):
    x, y = binary_data()
    model = lecture_network()
    model.fit(x, y, epochs=1, verbose=0, seed=0)
    model.save(tmp_path / "a.glassnet")
    glassnet.load_model(tmp_path / "a.glassnet").save(tmp_path / "b.glassnet")
    assert (tmp_path / "a.glassnet").read_bytes() == (tmp_path / "b.glassnet").read_bytes()


# --- weights only -------------------------------------------------------------------------------------------
def test_weights_round_trip_into_a_model_with_other_names(tmp_path):
    x, _ = binary_data()
    model = lecture_network()
    model.build((None, 4))
    model.save_weights(tmp_path / "w.safetensors")
    other = lecture_network()  # new automatic layer names, other initial weights
    other.build((None, 4))
    assert [w.path for w in other.weights] != [w.path for w in model.weights]
    other.load_weights(tmp_path / "w.safetensors")
    assert_same_weights(model, other)
    assert same_bits(model.predict(x), other.predict(x))


def test_load_weights_takes_a_full_model_file(tmp_path):
    model = lecture_network()
    model.build((None, 4))
    model.save(tmp_path / "m.glassnet")
    other = lecture_network()
    other.build((None, 4))
    other.load_weights(tmp_path / "m.glassnet")
    assert_same_weights(model, other)


def test_load_weights_casts_to_the_model_dtype(tmp_path):
    model = Sequential([Dense(2)], dtype="float64", seed=0)
    model.build((None, 3))
    model.save_weights(tmp_path / "w64")
    narrow = Sequential([Dense(2)], seed=1)
    narrow.build((None, 3))
    narrow.load_weights(tmp_path / "w64")
    assert all(same_bits(a.astype(np.float32), b) for a, b in zip(model.get_weights(), narrow.get_weights()))


@pytest.mark.parametrize("other_layers, message", [
    ([Dense(25), Dense(15), Dense(2)], r"6 arrays of shapes .*\(15, 2\).*Received: 6 arrays of shapes"),
    ([Dense(25), Dense(15)], r"must be 4 arrays of shapes .*Received: 6 arrays"),
])
def test_load_weights_refuses_other_shapes_and_changes_nothing(tmp_path, other_layers, message):
    model = lecture_network()
    model.build((None, 4))
    model.save_weights(tmp_path / "w.safetensors")
    other = Sequential(other_layers, seed=9)
    other.build((None, 4))
    before = [w.tobytes() for w in other.get_weights()]
    with pytest.raises(ModelFileError, match=message):
        other.load_weights(tmp_path / "w.safetensors")
    assert [w.tobytes() for w in other.get_weights()] == before


def test_load_weights_needs_a_built_model(tmp_path):
    model = lecture_network()
    model.build((None, 4))
    model.save_weights(tmp_path / "w.safetensors")
    with pytest.raises(ValueError, match=r"needs a built model.*Received: model .* with built=False"):
        lecture_network().load_weights(tmp_path / "w.safetensors")
    with pytest.raises(ValueError, match="not built: it has none"):
        lecture_network().save_weights(tmp_path / "nothing.safetensors")
    assert not (tmp_path / "nothing.safetensors").exists()


def test_load_model_refuses_a_weights_file(tmp_path):
    model = lecture_network()
    model.build((None, 4))
    model.save_weights(tmp_path / "w.safetensors")
    with pytest.raises(ModelFileError, match=r"holds only weights: .*model.load_weights\(path\)"):
        glassnet.load_model(tmp_path / "w.safetensors")


# --- atomic writes ------------------------------------------------------------------------------------------
def saved_twice_with_failure(tmp_path, monkeypatch, where, error):
    """Save one model, then make `where` raise during the save of another; return the file's bytes before."""
    first, second = lecture_network(), lecture_network()
    first.build((None, 4))
    second.build((None, 4))
    path = tmp_path / "model.glassnet"
    first.save(path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(type(error)):
        second.save(path)
    monkeypatch.undo()
    return path, before


@pytest.mark.parametrize("where, error", [("replace", OSError("disk full")), ("fsync", OSError("I/O error")),
                                          ("fsync", KeyboardInterrupt())])
def test_a_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch, where, error):
    path, before = saved_twice_with_failure(tmp_path, monkeypatch, where, error)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.glassnet"]
    glassnet.load_model(path)


def test_a_refused_save_writes_nothing(tmp_path):
    model = Sequential([Dense(1, kernel_regularizer=lambda w: 0.0)])
    model.build((None, 2))
    with pytest.raises(ValueError):
        model.save(tmp_path / "m.glassnet")
    assert os.listdir(tmp_path) == []


def test_file_permissions_follow_the_umask_and_an_existing_file(tmp_path):
    model = lecture_network()
    model.build((None, 4))
    plain = tmp_path / "plain"
    plain.write_bytes(b"")  # what open(path, "wb") gives: 0o666 minus the umask
    model.save(tmp_path / "new.glassnet")
    assert stat.S_IMODE(os.stat(tmp_path / "new.glassnet").st_mode) == stat.S_IMODE(os.stat(plain).st_mode)
    os.chmod(tmp_path / "new.glassnet", 0o640)
    model.save(tmp_path / "new.glassnet")
    assert stat.S_IMODE(os.stat(tmp_path / "new.glassnet").st_mode) == 0o640


# --- what cannot be saved -----------------------------------------------------------------------------------
class MyDense(Dense):
    pass


def model_with(layers=None, **compile_kwargs):
    model = Sequential(layers or [Dense(2), Dense(1)])
    model.build((None, 3))
    if compile_kwargs:
        model.compile(**{"optimizer": "sgd", "loss": "mse", **compile_kwargs})
    return model


@pytest.mark.parametrize("make, message", [
    (lambda: model_with(optimizer=SGD(learning_rate=lambda step: 0.1)),
     r"`optimizer.learning_rate`: only glassnet's own schedule classes can be saved \(ExponentialDecay\)\. "
     r"A plain function is code.*Received: learning_rate=<function"),
    (lambda: model_with(metrics=[lambda y, p: p[:, 0]]),
     r"`compile.metrics\[0\]`: only metric names can be saved; a callable metric is code.*"
     r"Received: metrics\[0\]"),
    (lambda: model_with([Dense(1, kernel_regularizer=lambda w: 0.0)]),
     r"kernel_regularizer`: only glassnet's own regularizer classes can be saved "
     r"\(L1, L2, L1L2, LectureL2\)\. A plain function is code.*"
     r"Received: kernel_regularizer=FunctionRegularizer"),
    (lambda: model_with(regularizer=lambda w: 0.0),
     r"`compile.regularizer`: only glassnet's own regularizer classes.*A plain function is code"),
    (lambda: model_with([MyDense(1)]), r"only glassnet's own layer classes can be saved \(Dense, Dropout, "
                                       r"Activation, ActivityRegularization, Normalization, BatchNormalization, "
                                       r"GaussianNoise, Flatten\).*Received: .*MyDense"),
    (lambda: model_with([Dense(1, kernel_initializer=initializers.Constant(float("inf")))]),
     r"kernel_initializer.value`: a model file holds finite numbers only. Received: value=inf"),
    (lambda: model_with([Dense(1, kernel_constraint=MaxNorm(axis=(0, 1)))]),
     r"kernel_constraint.axis`: the file format stores an integer here. Received: axis=\(0, 1\)"),
    (lambda: model_with([Dense(2, name="twin"), Dense(1, name="twin")]),
     r"layers share a name.*Received: repeated \['twin'\]"),
    (lambda: model_with([Dropout(0.1, name="twin"), Dropout(0.2, name="twin"), Dense(1)]),
     r"layers share a name.*History by layer name.*Received: repeated \['twin'\]"),
])
def test_what_cannot_be_saved_is_refused_at_save(tmp_path, make, message):
    with pytest.raises(ValueError, match=message):
        make().save(tmp_path / "m.glassnet")
    assert not (tmp_path / "m.glassnet").exists()


def test_save_and_load_check_their_arguments(tmp_path):
    with pytest.raises(TypeError, match=r"`path` must be a str or os.PathLike. Received: path=3"):
        model_with().save(3)
    with pytest.raises(TypeError, match=r"`model` must be a glassnet Sequential"):
        glassnet.saving.save_model("model", tmp_path / "m")
    with pytest.raises(ValueError, match=r"`max_bytes` must be a positive integer. Received: max_bytes=0"):
        glassnet.saving.load_model(tmp_path / "m", max_bytes=0)
    with pytest.raises(FileNotFoundError):
        glassnet.load_model(tmp_path / "missing.glassnet")


# --- the file: safetensors, no code -------------------------------------------------------------------------
def trained_model(tmp_path):
    x, y = binary_data()
    model = Sequential([Dense(3, "relu"), Dropout(0.5, seed=1), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "model.glassnet")
    return model, tmp_path / "model.glassnet"


def test_the_file_is_safetensors_json_and_raw_numbers(tmp_path):
    model, path = trained_model(tmp_path)
    blob = path.read_bytes()
    length = int.from_bytes(blob[:8], "little")
    assert blob[8:9] == b"{" and length % 8 == 0
    assert not blob.startswith((b"\x80", b"PK", b"\x89HDF"))  # no pickle protocol marker, zip or HDF5
    assert b"\x80\x04" not in blob[:8 + length] and b"\x80\x05" not in blob[:8 + length]
    tensors = load_file(path)  # the reference safetensors reader
    expected = {w.path: w.value for w in model.weights}
    expected.update({f"optimizer/{i}/{name}": value for i, slots in enumerate(model.optimizer.slots)
                     for name, value in slots.items()})
    assert sorted(tensors) == sorted(expected)
    assert all(same_bits(tensors[name], expected[name]) for name in expected)
    with safe_open(path, "np") as handle:
        metadata = handle.metadata()
    assert {k: metadata[k] for k in ("format", "format_version", "kind")} == {
        "format": "glassnet", "format_version": "1", "kind": "model"}
    config = json.loads(metadata["config"])
    assert [layer["class_name"] for layer in config["model"]["layers"]] == ["Dense", "Dropout", "Dense"]
    assert config["compile"]["optimizer"]["class_name"] == "Adam"
    assert config["state"]["layer_rngs"][1]["bit_generator"] == "PCG64"


def test_a_file_written_by_the_safetensors_library_loads(tmp_path):
    model, path = trained_model(tmp_path)
    with safe_open(path, "np") as handle:
        metadata = handle.metadata()
    save_file(load_file(path), tmp_path / "library.glassnet", metadata=metadata)  # its own tensor order
    loaded = glassnet.load_model(tmp_path / "library.glassnet")
    assert_same_weights(model, loaded)


def test_loading_runs_no_code_and_imports_nothing(tmp_path, monkeypatch):
    model, path = trained_model(tmp_path)
    glassnet.load_model(path)  # every module loading needs is imported by now
    calls = []

    def forbidden(name):
        def record(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"loading called {name}")
        return record

    for module, name in [(pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"), (np, "load"),
                         (builtins, "eval"), (builtins, "exec"), (builtins, "compile")]:
        monkeypatch.setattr(module, name, forbidden(f"{module.__name__}.{name}"))
    real_import = builtins.__import__

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        absolute = importlib.util.resolve_name("." * level + name, (globals or {}).get("__package__")) \
            if level else name
        if absolute not in sys.modules:
            calls.append(f"import {absolute}")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", guarded_import)
    loaded = glassnet.load_model(path)
    monkeypatch.undo()
    assert calls == []
    assert_same_weights(model, loaded)


def test_top_level_load_model_passes_max_bytes(tmp_path):
    import glassnet

    model = glassnet.Sequential([glassnet.Dense(2)], seed=0)
    model.compile("sgd", "mse")
    model.build((None, 3))
    model.save(tmp_path / "m.glassnet")
    with pytest.raises(glassnet.ModelFileError):
        glassnet.load_model(tmp_path / "m.glassnet", max_bytes=10)
    assert glassnet.load_model(tmp_path / "m.glassnet").get_weights()[0].shape == (3, 2)


# --- loading costs what the file holds ------------------------------------------------------------------------
def test_loading_builds_the_model_once_whatever_its_depth(tmp_path, monkeypatch):
    """Before: Sequential([Input, *layers]) rebuilt the flat parameters after every layer, quadratic in the depth
    (20,000 layers took 70 s; benchmarks/bench_load_depth.py times it)."""
    model = Sequential([Dense(1) for _ in range(40)], seed=0)
    model.compile("adam", "mse")
    model.fit(np.ones((4, 1), "float32"), np.ones(4, "float32"), verbose=0)
    model.save(tmp_path / "deep.glassnet")
    import glassnet.engine.model as model_module

    made = []

    class Counted(model_module.TrainState):
        def __init__(self, layers):
            super().__init__(layers)
            made.append(len(self.weights))

    monkeypatch.setattr(model_module, "TrainState", Counted)
    loaded = glassnet.load_model(tmp_path / "deep.glassnet")
    assert made == [80]
    assert_same_weights(model, loaded)


def test_the_depth_benchmark_runs():
    """benchmarks/bench_load_depth.py at tiny depths (its timings are judged there, not here)."""
    spec = importlib.util.spec_from_file_location(
        "bench_load_depth", os.path.join(os.path.dirname(__file__), "..", "benchmarks", "bench_load_depth.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert set(bench.main(["--repeats", "1", "--depths", "3,6"])) == {3, 6}


def test_reading_asks_for_the_files_size_not_max_bytes(tmp_path):
    """Before: a 3 kB file under a 2 GiB address-space limit raised MemoryError, because the reader asked for
    max_bytes + 1 = 2 GiB up front. The child process loads with 256 MB of address space to spare."""
    model, path = trained_model(tmp_path)
    script = (
        "import resource, sys, glassnet\n"
        "size = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmSize'))\n"
        "resource.setrlimit(resource.RLIMIT_AS, (size * 1024 + 256 * 1024**2, resource.RLIM_INFINITY))\n"
        "print(glassnet.load_model(sys.argv[1]).count_params())\n")
    import subprocess

    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, str(model.count_params())), done.stderr[-2000:]


def test_temporary_names_are_unique_and_name_the_writer(tmp_path, monkeypatch):
    """Every save writes through a temporary of its own, named after the writing process."""
    seen = []
    real_replace = os.replace

    def replace(source, target):
        seen.append(os.path.basename(source))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    model = lecture_network()
    model.build((None, 4))
    for _ in range(3):
        model.save(tmp_path / "m.glassnet")
    assert len(set(seen)) == 3
    assert all(name.startswith(".m.glassnet.") and f".{os.getpid()}." in name and name.endswith(".tmp")
               for name in seen)
    assert os.listdir(tmp_path) == ["m.glassnet"]


def test_get_config_is_the_one_description_saving_uses():
    """Every allow-listed class gives from get_config() exactly the constructor arguments the file stores, and
    from_config rebuilds an object with the same config (nested objects included)."""
    from glassnet.layers import Activation, ActivityRegularization, Dropout, Normalization
    from glassnet.optimizers import SGD, Adagrad, Adam, AdamW, ExponentialDecay, RMSprop
    from glassnet.saving.allow_list import ALLOW_LIST

    samples = [Dense(3, "relu", kernel_regularizer=L2(0.01), bias_constraint=UnitNorm()), Dropout(0.2, seed=3),
               Activation("tanh", activity_regularizer=L1L2(0.1, 0.2)), ActivityRegularization(0.1, 0.0),
               Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0]), L2.from_lecture(0.7, 40, loss="mse"),
               SGD(ExponentialDecay(0.1, 10, 0.5), momentum=0.9, clipnorm=1.0), Adam(0.01, global_clipnorm=2.0),
               AdamW(weight_decay=0.01), RMSprop(centered=True), Adagrad(weight_decay=0.1)]
    classes = {spec.cls for table in ALLOW_LIST.values() for spec in table.values()}
    assert {type(obj) for obj in samples} <= classes
    for obj in samples:
        spec = next(spec for table in ALLOW_LIST.values() for spec in table.values() if spec.cls is type(obj))
        config = obj.get_config()
        assert set(config) == set(spec.fields), type(obj).__name__
        rebuilt = type(obj).from_config(config)
        assert repr(rebuilt.get_config()) == repr(config), type(obj).__name__
