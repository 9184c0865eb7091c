"""The optimizer is the single source of update arithmetic: its flat step on a TrainState (what fit uses) and its
per-weight step (Keras's ``apply_gradients``) give the same bits, for every optimizer, clipping mode and decoupled
decay; ``preview`` and ``step_parts`` compute the next step without changing anything."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import SGD, Adagrad, Adam, AdamW, Dense, RMSprop, Sequential
from glassnet.layers import Gradient

OPTIMIZERS = {
    "sgd": lambda **kw: SGD(0.1, **kw), "momentum": lambda **kw: SGD(0.1, momentum=0.9, **kw),
    "nesterov": lambda **kw: SGD(0.1, momentum=0.9, nesterov=True, **kw), "adam": lambda **kw: Adam(0.01, **kw),
    "amsgrad": lambda **kw: Adam(0.01, amsgrad=True, **kw), "adamw": lambda **kw: AdamW(0.01, **kw),
    "rmsprop": lambda **kw: RMSprop(0.01, momentum=0.5, centered=True, **kw),
    "adagrad": lambda **kw: Adagrad(0.1, **kw),
}
CLIPPING = {"none": {}, "clipnorm": {"clipnorm": 0.5}, "global_clipnorm": {"global_clipnorm": 0.7},
            "clipvalue": {"clipvalue": 0.05}}


def model(seed: int = 0) -> Sequential:
    net = Sequential([Dense(5, "relu"), Dense(3, "tanh"), Dense(1)], seed=seed)
    net.build((None, 4))
    return net


def gradient_parts(step: int, shapes: list[tuple[int, ...]]) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(step)
    return [(rng.normal(size=s).astype("float32"), (rng.normal(size=s) * 0.1).astype("float32")) for s in shapes]


@pytest.mark.parametrize("clipping", sorted(CLIPPING))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("weight_decay", [None, 0.05])
def test_flat_and_per_weight_steps_give_the_same_bits(name, clipping, weight_decay):
    flat_model, weight_model = model(), model()
    kwargs = {**CLIPPING[clipping], **({} if weight_decay is None else {"weight_decay": weight_decay})}
    flat, per_weight = OPTIMIZERS[name](**kwargs), OPTIMIZERS[name](**kwargs)
    flat.exclude_from_weight_decay(var_names=["bias"])
    per_weight.exclude_from_weight_decay(var_names=["bias"])
    state, weights = flat_model.state, weight_model.trainable_weights
    shapes = [w.shape for w in weights]
    for step in range(20):
        parts = gradient_parts(step, shapes)
        for i, (data, penalty) in enumerate(parts):
            state.data_views[i][...] = data
            state.penalty_views[i][...] = penalty
        flat.apply(state)
        per_weight.apply_gradients(zip([Gradient(d, p) for d, p in parts], weights))
    for a, b in zip(flat_model.get_weights(), weight_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    for slots_a, slots_b in zip(flat.slots, per_weight.slots):
        assert slots_a.keys() == slots_b.keys()
        for key in slots_a:
            np.testing.assert_array_equal(slots_a[key], slots_b[key])
    assert flat.iterations == per_weight.iterations == 20
    # Not trivially equal: the weights did move.
    assert not np.array_equal(flat_model.get_weights()[0], model().get_weights()[0])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_step_parts_preview_the_real_step_and_change_nothing(name):
    net = model()
    net.compile(OPTIMIZERS[name](weight_decay=0.05), "mse")
    x = np.random.default_rng(1).normal(size=(16, 4)).astype("float32")
    y = x[:, :1] * 2
    net.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)  # the optimizer has slots and a step count
    state, optimizer = net.state, net.optimizer
    for i in range(len(state.weights)):  # some gradient in the buffers
        state.data_views[i][...] = np.random.default_rng(i).normal(size=state.weights[i].shape)
        state.penalty_views[i][...] = 0.01 * state.weights[i].value
    before = ([w.copy() for w in net.get_weights()], [{k: v.copy() for k, v in s.items()} for s in optimizer.slots],
              optimizer.iterations, state.data.copy(), state.penalty.copy())
    parts = optimizer.step_parts(state)
    assert all(np.array_equal(a, b) for a, b in zip(net.get_weights(), before[0]))
    for slots, saved in zip(optimizer.slots, before[1]):
        for key in slots:
            np.testing.assert_array_equal(slots[key], saved[key])
    assert optimizer.iterations == before[2]
    np.testing.assert_array_equal(state.data, before[3])
    old = [w.value.copy() for w in state.weights]
    optimizer.apply(state)
    for part, weight, start in zip(parts, state.weights, old):
        np.testing.assert_allclose(start + part.data + part.penalty + part.decay, weight.value, rtol=1e-5,
                                   atol=1e-7)


def test_step_observers_see_each_step_before_the_update_and_the_parts_they_ask_for_are_the_real_step():
    net = model()
    net.compile(Adam(0.01), "mse", regularizer=glassnet.L2(0.05))
    x = np.random.default_rng(2).normal(size=(24, 4)).astype("float32")
    y = x[:, :1] - x[:, 1:2]
    seen = []

    def observe(state, optimizer):
        seen.append(([w.value.copy() for w in state.weights], optimizer.step_parts(state)))

    net.step_observers.append(observe)
    net.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert len(seen) == 3 and net.optimizer.iterations == 3
    after = [w.value for w in net.state.weights]
    before, parts = seen[-1]
    for start, part, end in zip(before, parts, after):  # the last observed step is the one that was applied
        np.testing.assert_allclose(start + part.data + part.penalty + part.decay, end, rtol=1e-5, atol=1e-7)
    assert any(float(np.abs(part.penalty).sum()) > 0 for part in parts)
