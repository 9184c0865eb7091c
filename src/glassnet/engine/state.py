"""``TrainState``: every number one training step reads and writes, with one owner.

``Sequential.build`` makes it for the model's layers; the step (:mod:`glassnet.engine.step`), the backward pass,
the non-finite guard and the optimizer receive it as an argument. Nothing else holds these arrays.

Why flat: a small network has a handful of small arrays, and NumPy's cost is per call, not per number. Laid out in
one flat array, the optimizer updates every weight with ~12 ufunc calls per step instead of ~12 per weight, and
the gradient parts are written in place (``out=``) instead of allocated anew each step. Every number is computed by
the same elementwise operations as weight by weight, so results are bitwise identical.

Layout (sizes in entries, in the order of ``model.trainable_weights``)::

    theta   = [ kernel_0 … | bias_0 … | kernel_1 … | … ]     weight.value is a reshaped view of its slice
    data    = ∂(data loss)/∂θ                                 written by each layer's backward
    penalty = ∂(penalties)/∂θ                                 0 where nothing penalizes a weight
    total   = data + penalty                                  formed by the optimizer (scratch: clipped in place)

Beside them: ``owners[k]``, the indices of layer k's weights in θ's order, and ``outputs[k]``, the views of
``data`` its backward writes into; the activity penalties of the last forward pass (``activity_terms``, and their
gradients ``activity_grads`` by layer index); ``parts``, the loss parts of the last step.

``layer.grads[name]`` holds :class:`~glassnet.layers.Gradient` views of ``data`` and ``penalty``: they are
overwritten by the next step, so copy them to keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..layers.base import Gradient, Layer, Weight
from .logs import LossParts, PenaltyTerm


class TrainState:
    """θ, its gradient buffers and the step's caches for the trainable weights of ``layers`` (all of one dtype).

    >>> from glassnet import Dense, Sequential
    >>> model = Sequential([Dense(2), Dense(1)], seed=0)
    >>> model.build((None, 3))
    >>> state = model.state
    >>> state.theta.shape, [len(own) for own in state.owners]
    ((11,), [2, 2])
    >>> bool(state.weights[0].value.base is state.theta)
    True
    """

    def __init__(self, layers: Sequence[Layer]):
        self.layers: tuple[Layer, ...] = tuple(layers)
        self._weight_lists = tuple(layer.weights for layer in self.layers)  # identity: rebuilt layers get new lists
        self.weights: tuple[Weight, ...] = tuple(w for layer in self.layers for w in layer.trainable_weights)
        dtype = self.weights[0].value.dtype if self.weights else np.dtype("float32")
        ends = np.cumsum([0, *(w.value.size for w in self.weights)])
        self.slices = [slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:])]
        self.theta = np.empty(int(ends[-1]), dtype=dtype)
        for weight, part in zip(self.weights, self.slices):
            self.theta[part] = weight.value.ravel()
            weight.value = self.theta[part].reshape(weight.value.shape)
        self.data = np.zeros_like(self.theta)
        self.penalty = np.zeros_like(self.theta)
        self.total = np.zeros_like(self.theta)
        self.data_views = self.views_of(self.data)
        self.penalty_views = self.views_of(self.penalty)
        self.total_views = self.views_of(self.total)
        owners, start = [], 0
        for layer in self.layers:
            count = len(layer.trainable_weights)
            owners.append(tuple(range(start, start + count)))
            start += count
        self.owners: tuple[tuple[int, ...], ...] = tuple(owners)
        self.outputs = [{self.weights[i].name: self.data_views[i] for i in own} for own in self.owners]
        self.activity_terms: list[PenaltyTerm] = []
        self.activity_grads: dict[int, np.ndarray] = {}
        self.parts: LossParts | None = None
        self._handed_out: tuple[tuple[bool, ...], list[dict[str, Gradient]]] | None = None

    def view(self, flat: np.ndarray, index: int) -> np.ndarray:
        """The part of a flat array (θ's size) that belongs to weight ``index``, in that weight's shape."""
        return flat[self.slices[index]].reshape(self.weights[index].value.shape)

    def views_of(self, flat: np.ndarray) -> list[np.ndarray]:
        return [self.view(flat, i) for i in range(len(self.weights))]

    def valid_for(self, layers: Sequence[Layer]) -> bool:
        """True while ``layers`` are exactly ours, none was built again since (a build makes a new ``weights``
        list) and every trainable weight is still a view of θ (a layer rebuilt or re-used in another model, or a
        weight whose ``value`` was replaced, breaks that; the model then makes a new state). Cheap: the model asks
        on every step, so this reads attributes only."""
        if len(layers) != len(self.layers):
            return False
        for a, b, lists in zip(layers, self.layers, self._weight_lists):  # plain loops: no generator per call
            if a is not b or a.weights is not lists:
                return False
        theta = self.theta
        for weight in self.weights:
            if weight.value.base is not theta:
                return False
        return True

    def hand_out(self, penalized: tuple[bool, ...]) -> None:
        """Give each layer its ``grads``: :class:`~glassnet.layers.Gradient` views of ``data`` and ``penalty``
        (``penalty`` None where ``penalized[i]`` is False). Made once per pattern of penalized weights, and again
        if someone replaced a layer's ``grads``."""
        if self._handed_out is not None and self._handed_out[0] == penalized:
            for layer, grads in zip(self.layers, self._handed_out[1]):  # a plain loop: this runs every step
                if layer.grads is not grads:
                    break
            else:
                return
        handed = [{self.weights[i].name: Gradient(self.data_views[i], self.penalty_views[i] if penalized[i] else None)
                   for i in own} for own in self.owners]
        for layer, grads in zip(self.layers, handed):
            layer.grads = grads
        self._handed_out = (penalized, handed)

    def snapshot(self) -> dict[str, Any]:
        """Copies of everything a forward/backward pass writes here (the buffers' contents and the caches), for
        :meth:`restore`: ``explain`` computes on the state and then puts it back."""
        return {"buffers": [array.copy() for array in (self.data, self.penalty, self.total)],
                "activity": (list(self.activity_terms), dict(self.activity_grads)), "parts": self.parts,
                "handed_out": self._handed_out, "grads": [layer.grads for layer in self.layers]}

    def restore(self, saved: dict[str, Any]) -> None:
        for array, copy in zip((self.data, self.penalty, self.total), saved["buffers"]):
            np.copyto(array, copy)
        self.activity_terms, self.activity_grads = (list(saved["activity"][0]), dict(saved["activity"][1]))
        self.parts, self._handed_out = saved["parts"], saved["handed_out"]
        for layer, grads in zip(self.layers, saved["grads"]):
            layer.grads = grads
