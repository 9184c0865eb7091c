"""Does the compiled epoch reproduce the NumPy path here, bit for bit? Checked once per process, at first use.

The engine relies on NumPy's bundled OpenBLAS and on the layout of NumPy's ufunc objects. Another BLAS, another
NumPy or another CPU path could change a bit somewhere, so :func:`self_check` trains two tiny models — one
through ``model.fit``, one through the compiled epoch from the same public state — and compares every weight,
optimizer slot, gradient buffer and epoch loss log bitwise. It never raises: a missing numba, a missing entry
point or a mismatch comes back as an :class:`EngineStatus` whose ``reason`` says what, so the caller keeps the
NumPy path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class EngineStatus:
    """``ok``: the compiled epoch may be used; otherwise ``reason`` says why not."""

    ok: bool
    reason: str = ""


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def _order(rng: np.random.Generator, n: int, shuffle: bool) -> np.ndarray:
    """The row order ``fit`` uses for an epoch (``glassnet.engine.data.permutation``: an int32 arange, shuffled)."""
    order = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    if shuffle:
        rng.shuffle(order)
    return order


def compare_with_fit(make_model: Callable[[], Any], x: np.ndarray, y: np.ndarray, *, batch_size: int,
                     epochs: int = 1, seed: int = 0, sample_weight: np.ndarray | None = None,
                     shuffle: bool = True) -> list[str]:
    """Train ``make_model()`` twice — ``fit`` and the compiled epoch, the same seed — and list every difference
    (empty when the two agree bit for bit): weights, slots, step count, the last step's data and penalty
    gradients, and each epoch's loss logs (``loss``, ``data_loss``, ``penalty_loss``, ``penalty/…``)."""
    from ..engine.logs import LossParts, LossTotals, PenaltyTerm
    from .plan import plan_for
    from .state import EpochState, run_epoch

    reference, model = make_model(), make_model()
    reference.jit_compile = False  # the NumPy path, whatever the maker chose (and no self-check inside one)
    history = reference.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, seed=seed, shuffle=shuffle,
                            sample_weight=sample_weight)
    model.build((None, x.shape[1]))
    plan = plan_for(model)
    state = EpochState.from_model(model, plan)
    dtype = plan.dtype
    x = np.asarray(x, dtype)
    for layer in model.layers[:plan.first_layer]:  # leading input transforms, applied once by their own code
        x = layer.forward(x, training=False)
    targets = model.loss.prepare_targets(np.asarray(y, dtype), plan.n_outputs, dtype)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype)
    names = plan_for(reference).penalties  # History's keys carry the reference's layer names
    rng = np.random.default_rng(seed)
    problems: list[str] = []
    for index in range(epochs):
        order = _order(rng, x.shape[0], shuffle)
        result = run_epoch(plan, state, model.optimizer, x, targets, order, batch_size, sample_weight=weights)
        if result.status != "done":
            return problems + [f"epoch {index}: the compiled run stopped: {result.status}"]
        totals = LossTotals()
        for batch in range(result.batches):
            rows = min(batch_size, x.shape[0] - batch * batch_size)
            terms = [PenaltyTerm(entry.layer, entry.weight, entry.regularizer, dtype.type(value))
                     for entry, value in zip(names, result.penalties[batch])]
            totals.add(LossParts(float(result.losses[batch]), terms), rows)
        for key, value in totals.logs().items():
            expected = history.history[key][index]
            if np.float64(value).tobytes() != np.float64(expected).tobytes():
                problems.append(f"epoch {index}: {key} {value!r} != fit's {expected!r}")
    state.to_model(model, plan)
    for mine, theirs, weight in zip(model.get_weights(), reference.get_weights(), model.weights):
        if _bits(mine) != _bits(theirs):
            problems.append(f"weight {weight.path} differs (max |Δ| {np.max(np.abs(mine - theirs)):.3g})")
    for mine, theirs, weight in zip(model.optimizer.slots, reference.optimizer.slots, model.weights):
        for name in theirs:
            if _bits(mine[name]) != _bits(theirs[name]):
                problems.append(f"optimizer slot {name} of {weight.path} differs")
    if model.optimizer.iterations != reference.optimizer.iterations:
        problems.append(f"step count {model.optimizer.iterations} != {reference.optimizer.iterations}")
    offset = 0
    for layer in reference.layers:
        for weight in layer.weights:
            size = weight.value.size
            gradient = layer.grads[weight.name]
            if _bits(state.data[offset:offset + size]) != _bits(gradient.data):
                problems.append(f"data gradient of {weight.path} differs")
            penalty = gradient.penalty_or_zeros
            if _bits(state.penalty[offset:offset + size]) != _bits(penalty):
                problems.append(f"penalty gradient of {weight.path} differs")
            offset += size
    return problems


def _tiny_problems() -> list[tuple[str, Callable[[], Any], np.ndarray, np.ndarray, int]]:
    """Three small models covering gemm, gemv, dot and the plain loop (a 1-row last batch), exp, tanh, log,
    logaddexp, pairwise sums, Adam with L1/L2/L1L2, SGD with Nesterov momentum and clipping in float64, and
    Huber with centered RMSprop."""
    from .. import L1, L1L2, L2, SGD, Adam, Dense, RMSprop, Sequential
    from ..losses import Huber

    def binary() -> Any:
        model = Sequential([Dense(4, "relu", kernel_regularizer=L2(0.01)),
                            Dense(3, "tanh", kernel_regularizer=L1L2(0.01, 0.02)),
                            Dense(1, "sigmoid", kernel_regularizer=L1(0.01))], seed=1, dtype="float32")
        model.compile(Adam(0.01), "binary_crossentropy")
        return model

    def sparse() -> Any:
        model = Sequential([Dense(4, "tanh", kernel_regularizer=L2(0.01)), Dense(3, "softmax")], seed=2,
                           dtype="float64")
        model.compile(SGD(0.1, momentum=0.9, nesterov=True, clipnorm=1.0), "sparse_categorical_crossentropy")
        return model

    def regression() -> Any:
        model = Sequential([Dense(3, "relu", bias_regularizer=L2(0.01)), Dense(2)], seed=3, dtype="float32")
        model.compile(RMSprop(0.01, momentum=0.5, centered=True, clipvalue=0.5), Huber(0.5))
        return model

    rng = np.random.default_rng(0)
    x = rng.normal(size=(13, 5))
    return [("float32 binary", binary, x.astype(np.float32), (x[:, 0] > 0).astype(np.float32), 4),
            ("float64 sparse", sparse, x[:11], rng.integers(0, 3, 11), 3),
            ("float32 huber", regression, x[:9].astype(np.float32), x[:9, :2].astype(np.float32), 4)]


@functools.cache
def self_check() -> EngineStatus:
    """Whether the compiled epoch gives the NumPy path's bits in this process (computed once, then cached)."""
    try:
        import numba  # noqa: F401 - the engine's optional dependency

        from .library import native_table

        native_table("float32"), native_table("float64")
    except ImportError:
        return EngineStatus(False, "numba is not installed (pip install 'glassnet[fast]')")
    except Exception as error:  # noqa: BLE001 - any reason the entry points are missing means: fall back
        return EngineStatus(False, f"{type(error).__name__}: {error}")
    for name, make_model, x, y, batch_size in _tiny_problems():
        try:
            with np.errstate(all="ignore"):
                problems = compare_with_fit(make_model, x, y, batch_size=batch_size, epochs=2, seed=3)
        except Exception as error:  # noqa: BLE001 - a crash in the check is a reason to fall back, not to fail
            return EngineStatus(False, f"self-check {name!r} failed: {type(error).__name__}: {error}")
        if problems:
            return EngineStatus(False, f"self-check {name!r}: the compiled epoch differs from fit: "
                                       + "; ".join(problems[:3]))
    return EngineStatus(True)
