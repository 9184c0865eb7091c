"""Training-loop state under faults (issue 10, items 3, 4, 8 and the per-step learning rate).

- Memory-mapped data: a copy-on-write mapping keeps the user's in-memory edits, and they are what fit, evaluate and
  predict see; a file replaced or deleted after ``np.load`` still trains on the mapped data; a file truncated
  after ``np.load`` is refused before anything changes (reading it would kill the process with SIGBUS, so those
  cases run in a child process).
- Optimizer state: a slot that overflows (RMSprop/Adagrad/Adam on unscaled data) is refused like a NaN weight,
  and every refused or interrupted step puts back the weights, the slots and the step count.
- The learning rate of every step is checked before the step changes anything.
- Weight-decay exclusion patterns: matched once per weight, and a model file carries only exact weight paths or
  plain names, so a hostile pattern cannot make loading or a step super-linear.

Every case counts its outcome (``outcome`` fixture in conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import glassnet
from glassnet import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Dense,
    LambdaCallback,
    ModelFileError,
    NonFiniteError,
    RMSprop,
    Sequential,
)
from glassnet.constraints import Constraint
from glassnet.engine.mapped_io import RowGatherer
from glassnet.optimizers import ExponentialDecay, LearningRateSchedule


# --- helpers ---------------------------------------------------------------------------------------------------
def data(n=64, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


def make_model(optimizer, features=4, **dense_kwargs):
    model = Sequential([Dense(8, "relu", **dense_kwargs), Dense(1, "sigmoid")], seed=0)
    model.compile(optimizer, "binary_crossentropy")
    model.build((None, features))
    return model


def state_of(model):
    """Copies of everything a step changes: weights, optimizer slots, step count."""
    optimizer = model.optimizer
    slots = [{name: array.copy() for name, array in s.items()} for s in optimizer.slots]
    return model.get_weights(), slots, optimizer.iterations


def assert_state(model, expected):
    weights, slots, iterations = state_of(model)
    assert iterations == expected[2]
    for mine, theirs in zip(weights, expected[0]):
        np.testing.assert_array_equal(mine, theirs)
    assert [sorted(s) for s in slots] == [sorted(s) for s in expected[1]]
    for mine, theirs in zip(slots, expected[1]):
        for name in mine:
            np.testing.assert_array_equal(mine[name], theirs[name])


def fit_recording(model, x, y, **kwargs):
    """fit with batch 8 in order; returns the state after every completed step (the start first)."""
    seen = [state_of(model)]
    recorder = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(state_of(model)))
    kwargs = {"batch_size": 8, "epochs": 2, "verbose": 0, "shuffle": False, **kwargs}
    try:
        model.fit(x, y, callbacks=[recorder], **kwargs)
    finally:
        fit_recording.seen = seen
    return seen


def run_child(script, *args):
    """Run ``script`` in a fresh interpreter (a SIGBUS there fails this test instead of killing the suite)."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script), *map(str, args)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"child exited with {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- 3. memory-mapped data -------------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    """x (200, 5) float32 saved as .npy, and y."""
    x, y = data(200, 5, seed=1)
    path = tmp_path / "x.npy"
    np.save(path, x)
    return path, x, y


def edited_copy_on_write(path):
    mapped = np.load(path, mmap_mode="c")
    mapped[::7] = 2.5  # the user's edits live only in this process's private pages
    return mapped, np.array(mapped)


def test_copy_on_write_edits_survive_predict_and_evaluate(saved, outcome):
    path, _, y = saved
    mapped, edited = edited_copy_on_write(path)
    model = make_model("adam", features=5)
    np.testing.assert_array_equal(model.predict(mapped, batch_size=16), model.predict(edited, batch_size=16))
    np.testing.assert_array_equal(mapped, edited)
    outcome("nothing lost")
    assert model.evaluate(mapped, y, batch_size=16) == model.evaluate(edited, y, batch_size=16)
    np.testing.assert_array_equal(mapped, edited)
    outcome("nothing lost")


@pytest.mark.parametrize("shuffle", [True, False])
def test_copy_on_write_edits_are_what_fit_trains_on(saved, outcome, shuffle):
    path, _, y = saved
    mapped, edited = edited_copy_on_write(path)
    on_map, in_memory = make_model("adam", features=5), make_model("adam", features=5)
    on_map.fit(mapped, y, batch_size=16, epochs=2, verbose=0, seed=3, shuffle=shuffle, validation_split=0.2)
    in_memory.fit(edited, y, batch_size=16, epochs=2, verbose=0, seed=3, shuffle=shuffle, validation_split=0.2)
    for a, b in zip(on_map.get_weights(), in_memory.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mapped, edited)
    outcome("nothing lost")


def test_edits_through_a_shared_writable_mapping_are_what_fit_trains_on(saved, outcome):
    path, _, y = saved
    mapped = np.load(path, mmap_mode="r+")
    mapped[::5] = -1.5  # written to the page cache, which the descriptor the rows are read from sees too
    edited = np.array(mapped)
    on_map, in_memory = make_model("adam", features=5), make_model("adam", features=5)
    on_map.fit(mapped, y, batch_size=16, epochs=2, verbose=0, seed=3)
    in_memory.fit(edited, y, batch_size=16, epochs=2, verbose=0, seed=3)
    for a, b in zip(on_map.get_weights(), in_memory.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mapped, edited)
    outcome("nothing lost")


def test_shuffled_rows_come_from_the_mapped_file_only_when_it_is_still_the_same_file(saved):
    """The bounded-memory path (preadv from a descriptor) stays in use for a shared mapping of an unchanged
    file; a copy-on-write mapping or a replaced file is read through the mapping."""
    path, x, _ = saved
    with RowGatherer(np.load(path, mmap_mode="r")[: len(x) // 2]) as shared:
        assert shared.fd is not None
        np.testing.assert_array_equal(shared.take(np.array([7, 3, 99])), x[[7, 3, 99]])
    with RowGatherer(np.load(path, mmap_mode="c")) as private:
        assert private.fd is None
    mapped = np.load(path, mmap_mode="r")
    np.save(path.with_name("other.npy"), x)
    os.replace(path.with_name("other.npy"), path)
    with RowGatherer(mapped) as replaced:
        assert replaced.fd is None


@pytest.mark.parametrize("fault", ["replaced", "deleted"])
def test_a_file_replaced_or_deleted_after_loading_still_trains_on_the_mapped_data(saved, outcome, fault):
    path, x, y = saved
    mapped = np.load(path, mmap_mode="r")
    if fault == "replaced":  # e.g. a data pipeline writing the next version atomically over the old name
        other = path.with_name("other.npy")
        np.save(other, -x)
        os.replace(other, path)
    else:
        os.remove(path)
    on_map, in_memory = make_model("adam", features=5), make_model("adam", features=5)
    on_map.fit(mapped, y, batch_size=16, epochs=2, verbose=0, seed=3)
    in_memory.fit(x, y, batch_size=16, epochs=2, verbose=0, seed=3)
    for a, b in zip(on_map.get_weights(), in_memory.get_weights()):
        np.testing.assert_array_equal(a, b)
    outcome("recovered")


SHRUNK = """
    import json, os, sys
    import numpy as np
    from glassnet import Dense, Sequential

    folder, mode = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    np.save(f"{folder}/x.npy", rng.normal(size=(5000, 6)).astype("float32"))
    np.save(f"{folder}/y.npy", (rng.random(5000) > 0.5).astype("float32"))
    x, y = np.load(f"{folder}/x.npy", mmap_mode=mode), np.load(f"{folder}/y.npy", mmap_mode=mode)
    x_ok, y_ok, x_all = np.array(x[:100]), np.array(y[:100]), np.array(x)
    model = Sequential([Dense(4, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(x_ok, y_ok, epochs=1, verbose=0)
    before = [w.copy() for w in model.get_weights()] + [a.copy() for s in model.optimizer.slots for a in s.values()]
    steps = model.optimizer.iterations

    def unchanged():
        now = model.get_weights() + [a for s in model.optimizer.slots for a in s.values()]
        return model.optimizer.iterations == steps and all(np.array_equal(a, b) for a, b in zip(now, before))

    results = {}
    def attempt(name, call):
        try:
            call()
            results[name] = "accepted"
        except ValueError as error:
            results[name] = [str(error), unchanged()]

    os.truncate(f"{folder}/x.npy", 64_000)  # x needs 128 + 120,000 bytes
    attempt("fit", lambda: model.fit(x, y, epochs=1, verbose=0))
    attempt("evaluate", lambda: model.evaluate(x, y, verbose=0))
    attempt("predict", lambda: model.predict(x))
    attempt("validation_data", lambda: model.fit(x_ok, y_ok, validation_data=(x, y), epochs=1, verbose=0))
    attempt("explain", lambda: model.explain(x, y))
    os.truncate(f"{folder}/y.npy", 1_000)  # y needs 128 + 20,000 bytes
    attempt("y", lambda: model.fit(x_all, y, epochs=1, verbose=0))
    results["unchanged"] = unchanged()
    attempt("the rows still in the file", lambda: model.predict(x[:100]))
    print(json.dumps(results))
"""


@pytest.mark.parametrize("mode", ["r", "c"])
def test_a_file_truncated_after_loading_is_refused_before_anything_changes(tmp_path, outcome, mode):
    results = run_child(SHRUNK, tmp_path, mode)
    assert results.pop("the rows still in the file") == "accepted" and results.pop("unchanged")
    names = {"fit": "x", "evaluate": "x", "predict": "x", "validation_data": r"validation_data\[0\]", "explain": "x",
             "y": "y"}
    for call, argument in names.items():
        message, unchanged = results[call]
        assert unchanged, call
        pattern = (rf"Argument `{argument}` is memory-mapped from '.*[xy]\.npy', which is now \d+ bytes long, "
                   rf"shorter than the \d+ bytes the array needs .*Received: {argument} with shape")
        assert re.search(pattern, message), (call, message)
        outcome("refused cleanly")


# --- 4. optimizer state: overflowing slots, refused and interrupted steps --------------------------------------
class Spiking(LearningRateSchedule):
    """0.01, then ``value`` from step ``at`` on (a schedule bug)."""

    def __init__(self, value, at=2):
        self.value, self.at = value, at

    def __call__(self, step):
        return 0.01 if step < self.at else self.value


@pytest.mark.parametrize("optimizer, slot", [(lambda: RMSprop(0.01), "velocity"),
                                             (lambda: Adagrad(0.01), "accumulator"),
                                             (lambda: Adam(0.01), "v")], ids=["RMSprop", "Adagrad", "Adam"])
def test_an_overflowing_optimizer_slot_is_refused_and_the_last_finite_state_kept(tmp_path, outcome, optimizer,
                                                                                  slot):
    # Unscaled rows in batch 3: gradients ~1e21 are finite, their squares (1e42) overflow float32's 3.4e38.
    x, y = data()
    x[24:32] *= 1e22
    model = make_model(optimizer())
    with pytest.raises(NonFiniteError, match=rf"epoch 0, batch 3.*the update made the optimizer's {slot} of "
                                             r"\w+/\w+ NaN/inf") as info:
        fit_recording(model, x, y)
    seen = fit_recording.seen
    assert len(seen) == 4 and info.value.part == "optimizer state"
    assert_state(model, seen[-1])
    outcome("nothing lost")
    model.save(tmp_path / "m.glassnet")  # what is saved now is finite, and a later fit on sane data works
    loaded = glassnet.load_model(tmp_path / "m.glassnet")
    assert all(np.isfinite(a).all() for s in loaded.optimizer.slots for a in s.values())
    x_ok, y_ok = data(seed=2)
    history = model.fit(x_ok, y_ok, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    outcome("recovered")


@pytest.mark.parametrize("on_nonfinite", ["raise", "warn"])
def test_a_refused_step_puts_back_slots_and_step_count(outcome, on_nonfinite):
    # Step 2's learning rate 1e39 is a valid number, but not in float32: the momentum and the weights
    # become inf in the update itself, after the optimizer changed its state.
    model = make_model(SGD(Spiking(1e39, at=1), momentum=0.9))
    x, y = data()
    if on_nonfinite == "raise":
        with pytest.raises(NonFiniteError, match="epoch 0, batch 1.*the update made"):
            fit_recording(model, x, y)
    else:
        with pytest.warns(RuntimeWarning, match="epoch 0, batch 1.*the update made"):
            fit_recording(model, x, y, on_nonfinite="warn")
    seen = fit_recording.seen
    assert len(seen) == 2
    assert_state(model, seen[-1])
    outcome("nothing lost")


class InterruptedAdam(Adam):
    """Adam whose update of step ``at`` is interrupted (Ctrl-C) after it changed the moments."""

    def __init__(self, at, **kwargs):
        super().__init__(0.01, **kwargs)
        self.at = at

    def update_step(self, g, w, slots, lr, step):
        delta = super().update_step(g, w, slots, lr, step)
        if step == self.at:
            raise KeyboardInterrupt
        return delta


class InterruptingConstraint(Constraint):
    """Interrupted (Ctrl-C) on its ``at``-th call: after the step's update and step count."""

    def __init__(self, at):
        self.at, self.calls = at, 0

    def __call__(self, w):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return w


@pytest.mark.parametrize("where", ["in the update", "after the step count"])
@pytest.mark.parametrize("on_nonfinite", ["raise", "ignore"])
def test_an_interrupted_step_leaves_the_state_of_the_last_completed_step(outcome, where, on_nonfinite):
    if where == "in the update":
        model = make_model(InterruptedAdam(at=3))
    else:
        model = make_model(Adam(0.01), kernel_constraint=InterruptingConstraint(at=3))
    x, y = data()
    with pytest.raises(KeyboardInterrupt):
        fit_recording(model, x, y, on_nonfinite=on_nonfinite)
    seen = fit_recording.seen
    assert len(seen) == 3  # the start and two completed steps
    assert_state(model, seen[-1])
    outcome("nothing lost")


# --- the learning rate of each step ----------------------------------------------------------------------------
@pytest.mark.parametrize("rate, error, received", [
    (Spiking(float("inf")), ValueError, "inf"), (Spiking(float("nan")), ValueError, "nan"),
    (Spiking(0.0), ValueError, "0.0"), (Spiking(-0.5), ValueError, "-0.5"),
    (Spiking(np.float32(np.inf)), ValueError, "inf"),
    (lambda step: 0.01 if step < 2 else "0.01", TypeError, "'0.01'"),
    (lambda step: 0.01 if step < 2 else None, TypeError, "None"),
    (lambda step: 0.01 if step < 2 else True, TypeError, "True"),
    (lambda step: 0.01 if step < 2 else 10.0 ** 400, ValueError, r"OverflowError raised by the schedule"),
], ids=["inf", "nan", "zero", "negative", "float32 inf", "string", "None", "bool", "overflow"])
def test_the_learning_rate_of_each_step_is_checked_before_the_step(outcome, rate, error, received):
    model = make_model(SGD(rate, momentum=0.9))
    x, y = data()
    with pytest.raises(error, match=rf"learning rate of step 3 \(the schedule at iterations=2\) must be a "
                                    rf"finite number > 0.*Received: learning_rate={received}"):
        fit_recording(model, x, y)
    seen = fit_recording.seen
    assert len(seen) == 3
    assert_state(model, seen[-1])
    outcome("refused cleanly")


def test_an_exponential_decay_that_overflows_is_refused_at_its_step(outcome):
    model = Sequential([Dense(2)], dtype="float64", seed=0)  # float64: the learning rate 1e299 is a number
    model.compile(SGD(ExponentialDecay(0.1, decay_steps=1, decay_rate=1e300), momentum=0.9), "mse")
    model.build((None, 3))
    weights = model.trainable_weights
    zero = [np.zeros_like(w.value) for w in weights]
    for _ in range(2):  # lr 0.1, then 1e299; 1e599 does not exist
        model.optimizer.apply_gradients(zip(zero, weights))
    before = state_of(model)
    with pytest.raises(ValueError, match=r"learning rate of step 3 \(the schedule at iterations=2\).*Received: "
                                         r"learning_rate=OverflowError raised by the schedule"):
        model.optimizer.apply_gradients(zip(zero, weights))
    assert_state(model, before)
    with pytest.raises(ValueError, match="learning rate of step 3"):
        model.optimizer.learning_rate  # noqa: B018 - the property says the same
    outcome("refused cleanly")


# --- 8. weight-decay exclusion patterns ------------------------------------------------------------------------
def with_exclusion(config_change, model_path, out_path):
    """A copy of a model file with its optimizer state's exclusion fields changed."""
    blob = model_path.read_bytes()
    length = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + length])
    config = json.loads(header["__metadata__"]["config"])
    config_change(config["state"]["optimizer"])
    header["__metadata__"]["config"] = json.dumps(config)
    text = json.dumps(header).encode()
    out_path.write_bytes(len(text).to_bytes(8, "little") + text + blob[8 + length:])
    return out_path


@pytest.fixture
def adamw_file(tmp_path):
    model = Sequential([Dense(3, "relu", name="a" * 30 + "!"), Dense(1, "sigmoid", name="out")], seed=0)
    model.compile(AdamW(0.01, weight_decay=0.1), "binary_crossentropy")
    model.fit(*data(16), epochs=1, verbose=0)
    model.save(tmp_path / "m.glassnet")
    return tmp_path / "m.glassnet"


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)*!", "a{1,40}b", ".*bias", "(?=a)", r"\w+", "a" * 10_001])
def test_a_file_may_not_carry_a_regular_expression(adamw_file, outcome, pattern):
    hostile = with_exclusion(lambda state: state.update(exclude_pattern=pattern), adamw_file,
                             adamw_file.with_name("hostile.glassnet"))
    with pytest.raises(ModelFileError, match=r"`config.state.optimizer.exclude_pattern` must be plain weight "
                                             r"names .*joined by '\|'.*Received: "):
        glassnet.load_model(hostile)
    outcome("refused cleanly")


def test_a_file_with_plain_names_still_loads(adamw_file, outcome):
    plain = with_exclusion(lambda state: state.update(exclude_pattern="bias|out/kernel"), adamw_file,
                           adamw_file.with_name("plain.glassnet"))
    loaded = glassnet.load_model(plain)
    assert [loaded.optimizer.uses_weight_decay(w) for w in loaded.weights] == [True, False, False, False]
    outcome("recovered")


def test_a_regular_expression_is_saved_as_the_exact_weight_paths_it_matches(tmp_path, outcome):
    model = Sequential([Dense(3, "relu", name="hidden"), Dense(1, "sigmoid", name="out")], seed=0)
    optimizer = AdamW(0.01, weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=[r"^hid.*/b", "out/k[a-z]+l$"])
    model.compile(optimizer, "binary_crossentropy")
    model.fit(*data(16), epochs=1, verbose=0)
    model.save(tmp_path / "m.glassnet")
    blob = (tmp_path / "m.glassnet").read_bytes()
    header = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])
    state = json.loads(header["__metadata__"]["config"])["state"]["optimizer"]
    assert state["exclude_pattern"] is None
    assert state["exclude_weight_paths"] == ["hidden/bias", "out/kernel"]
    loaded = glassnet.load_model(tmp_path / "m.glassnet")
    assert [loaded.optimizer.uses_weight_decay(w) for w in loaded.weights] == [True, False, False, True]
    outcome("recovered")


def test_an_unbuilt_model_with_a_regular_expression_refuses_to_save(tmp_path, outcome):
    model = Sequential([Dense(3, "relu"), Dense(1, "sigmoid")], seed=0)
    optimizer = AdamW(0.01, weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=[".*bias"])
    model.compile(optimizer, "binary_crossentropy")
    with pytest.raises(ValueError, match=r"Cannot save `optimizer.exclude_from_weight_decay.var_names`: .*plain weight "
                                         r"names.*build the model first.*Received: var_names=\['.\*bias'\]"):
        model.save(tmp_path / "m.glassnet")
    assert not (tmp_path / "m.glassnet").exists()
    outcome("refused cleanly")


class CountingPattern:
    """A compiled pattern that counts its searches."""

    def __init__(self, pattern):
        self.pattern, self.searches = pattern, 0

    def search(self, text):
        self.searches += 1
        return self.pattern.search(text)


def test_exclusion_patterns_are_matched_once_per_weight_not_per_step():
    model = make_model(AdamW(0.01, weight_decay=0.1))
    model.optimizer.exclude_from_weight_decay(var_names=["bias"])
    counting = model.optimizer._exclude_pattern = CountingPattern(model.optimizer._exclude_pattern)
    model.fit(*data(), batch_size=8, epochs=2, verbose=0)  # 16 steps
    assert model.optimizer.iterations == 16 and counting.searches == len(model.weights)
