"""All trainable weights of a model as views of one flat array θ, and flat buffers for their gradients.

Why: a small network has a handful of small arrays, and NumPy's cost is per call, not per number. Laid out in one
flat array, the optimizer updates every weight with ~12 ufunc calls per step instead of ~12 per weight, and the
gradient parts are written in place (``out=``) instead of allocated anew each step. Every number is computed by the
same elementwise operations as weight by weight, so results are bitwise identical.

Layout (sizes in entries, in the order of ``model.trainable_weights``)::

    θ       = [ kernel_0 … | bias_0 … | kernel_1 … | … ]     weight.value is a reshaped view of its slice
    data    = ∂(data loss)/∂θ                                 written by each layer's backward
    penalty = ∂(penalties)/∂θ                                 0 where nothing penalizes a weight
    total   = data + penalty                                  what the optimizer steps with (scratch: clipped in place)

``layer.grads[name]`` holds views of ``data`` and ``penalty``: they are overwritten by the next step, so copy them
to keep them.
"""

from __future__ import annotations

import numpy as np

from .layers.base import Gradient, Weight


class FlatParameters:
    """θ and its gradient buffers for ``weights`` (all of one dtype)."""

    def __init__(self, weights: list[Weight]):
        self.weights = list(weights)
        dtype = self.weights[0].value.dtype if self.weights else np.dtype("float32")
        sizes = [w.value.size for w in self.weights]
        ends = np.cumsum([0, *sizes])
        self.slices = [slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:])]
        self.theta = np.empty(int(ends[-1]), dtype=dtype)
        for weight, part in zip(self.weights, self.slices):
            self.theta[part] = weight.value.ravel()
            weight.value = self.theta[part].reshape(weight.value.shape)
        self.data = np.zeros_like(self.theta)
        self.penalty = np.zeros_like(self.theta)
        self.total = np.zeros_like(self.theta)
        self.layout = None  # the model's per-layer index and view lists, cached by Sequential._layout
        self.grads_key: tuple[bool, ...] | None = None  # which weights' layer.grads have a penalty part
        self.grads: list[dict[str, Gradient]] = []  # the layer.grads dicts last handed out
        self.gradient_list: list[Gradient] = []  # the same Gradient objects, in weight order
        self.data_views = [self.view(self.data, i) for i in range(len(self.weights))]
        self.penalty_views = [self.view(self.penalty, i) for i in range(len(self.weights))]

    def view(self, flat: np.ndarray, index: int) -> np.ndarray:
        """The part of a flat buffer that belongs to weight ``index``, in that weight's shape."""
        return flat[self.slices[index]].reshape(self.weights[index].value.shape)

    def views_of(self, flat: np.ndarray) -> list[np.ndarray]:
        return [self.view(flat, i) for i in range(len(self.weights))]

    def valid_for(self, weights: list[Weight]) -> bool:
        """True while ``weights`` are exactly ours and still views of θ (a layer re-used in another model, or a
        rebuilt one, would break that; callers then fall back to weight-by-weight work)."""
        return len(weights) == len(self.weights) and all(
            a is b and a.value.base is self.theta for a, b in zip(weights, self.weights))

    def gradients(self, penalized: list[bool]) -> list[Gradient]:
        """``Gradient`` objects over the buffers; ``penalty`` is None where ``penalized`` is False."""
        return [Gradient(d, p if has else None)
                for d, p, has in zip(self.data_views, self.penalty_views, penalized)]
