"""Weight initializers (Keras: ``keras.initializers``), drawing only from an explicit ``numpy.random.Generator``.

For a kernel of shape ``(fan_in, fan_out)``:

=================  ==============================================================
glorot_uniform     U(−L, L), L = √(6 / (fan_in + fan_out))
glorot_normal      truncated N(0, σ), σ = √(2 / (fan_in + fan_out)) / 0.87962566103423978
he_uniform         U(−L, L), L = √(6 / fan_in)
he_normal          truncated N(0, σ), σ = √(2 / fan_in) / 0.87962566103423978
lecun_uniform      U(−L, L), L = √(3 / fan_in)
lecun_normal       truncated N(0, σ), σ = √(1 / fan_in) / 0.87962566103423978
random_normal      N(mean=0, stddev=0.05)
random_uniform     U(minval=−0.05, maxval=0.05)
zeros/ones         0 / 1;   constant(value=0)
=================  ==============================================================

"truncated" means values beyond 2σ are drawn again; 0.8796… is the stddev of a unit normal truncated at ±2, so the
result has the variance the formula asks for. These are Keras's formulas; the random numbers differ from Keras's
(a different generator), so parity tests copy weights instead of re-drawing them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import check_nonnegative_float, check_seed
from .config import Configurable

_TRUNCATED_STDDEV = 0.87962566103423978


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer(Configurable):
    """``initializer(shape, dtype, rng) -> array``. With ``seed=`` given, it uses its own generator instead."""

    name = "initializer"

    def __init__(self, seed: int | None = None):
        self.seed = check_seed("seed", seed)

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32",
                 rng: np.random.Generator | None = None) -> np.ndarray:
        if self.seed is not None:
            rng = np.random.default_rng(self.seed)
        elif rng is None:
            rng = np.random.default_rng()
        return np.asarray(self.sample(tuple(shape), rng), dtype=np.float64).astype(dtype)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class VarianceScaling(Initializer):
    """Draw with variance scale/n, n = fan_in, fan_out or their mean; uniform or truncated normal."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None):
        super().__init__(seed)
        self.scale = check_nonnegative_float("scale", scale)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError("Argument `mode` must be one of ['fan_avg', 'fan_in', 'fan_out']. "
                             f"Received: mode={mode!r}")
        if distribution not in ("uniform", "truncated_normal"):
            raise ValueError("Argument `distribution` must be one of ['truncated_normal', 'uniform']. "
                             f"Received: distribution={distribution!r}")
        self.mode, self.distribution = mode, distribution

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, **super().get_config()}

    def sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            return rng.uniform(-limit, limit, size=shape)
        return truncated_normal(rng, shape, math.sqrt(variance) / _TRUNCATED_STDDEV)


def truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], stddev: float,
                     mean: float = 0.0) -> np.ndarray:
    """N(mean, stddev²) with every draw beyond 2·stddev drawn again."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


def _variance_scaling(name: str, scale: float, mode: str, distribution: str) -> type[VarianceScaling]:
    def __init__(self, seed: int | None = None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}
    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "name": name,
                                            "__doc__": f"Variance scaling: scale={scale}, {mode}, {distribution}."})


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")


class RandomNormal(Initializer):
    """N(mean, stddev²); Keras defaults mean=0.0, stddev=0.05."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), check_nonnegative_float("stddev", stddev)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(Initializer):
    """U(minval, maxval); Keras defaults −0.05, 0.05."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        if not minval <= maxval:
            raise ValueError(f"Argument `minval` must be ≤ `maxval`. Received: minval={minval!r}, maxval={maxval!r}")
        self.minval, self.maxval = float(minval), float(maxval)

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class Constant(Initializer):
    """Every entry equals ``value``."""

    def __init__(self, value: float = 0.0):
        super().__init__(None)
        self.value = float(value)

    def sample(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


_BY_NAME: dict[str, type[Initializer]] = {
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_uniform": HeUniform,
    "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "random_normal": RandomNormal, "random_uniform": RandomUniform, "zeros": Zeros, "ones": Ones,
    "constant": Constant,
}


def get(identifier: str | Initializer, argument: str = "initializer") -> Initializer:
    """Resolve a Keras initializer name or an :class:`Initializer`.

    >>> get("zeros")((2,), "float32")
    array([0., 0.], dtype=float32)
    """
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, str):
        raise ValueError(f"Unknown initializer. Expected one of {sorted(_BY_NAME)}. "
                         f"Received: {argument}={identifier!r}")
    raise TypeError(f"Argument `{argument}` must be a name or a glassnet.initializers.Initializer. "
                    f"Received: {argument}={identifier!r}")
