"""Parity with PyTorch autograd, in float64.

1. Gradients. Hypothesis draws networks (1–4 Dense layers of width 1–8, hidden activations, a sensible
   output activation/loss pair, L1/L2/L1L2 regularizers on kernels, biases and activities, seeded Dropout,
   batches of 1–16 rows). The same network is written by hand in PyTorch (``x @ W + b``); glassnet's data
   part, penalty part and total gradient of every weight must equal torch's gradient of the data loss, of the
   penalties and of their sum to 1e-10 (relative to the tensor's largest entry, plus 1e-12 absolute). The
   loss values are compared too.
2. Optimizer trajectories. A small fixed network is trained for 20 full-batch steps by ``model.fit`` and by
   ``torch.optim``, from identical weights; every weight (and every epoch's reported loss) must agree to
   1e-10 relative. Where Keras's formulas (glassnet's) and PyTorch's differ, the torch side is converted, as
   stated at each case: Adam's ε placement, RMSprop/Adagrad's ε inside the square root, coupled weight decay
   as an L2 regularizer, torch's 1e-6 in ``clip_grad_norm_``.

Run with ``-s`` to see the largest differences observed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet
from glassnet import L1, L1L2, L2, Activation, Dense, Dropout, Sequential

F64 = np.dtype("float64")
TDT = torch.float64
RTOL = 1e-10  # relative to the largest |entry| of torch's tensor
ATOL = 1e-12

# Largest differences seen per family, printed at the end of the module (visible with ``pytest -s``): the
# absolute difference, the relative one (for tensors whose largest entry is ≥ 1e-8) and the share of the
# tolerance used.
MAX_DIFF: dict[str, dict[str, float]] = {kind: {"abs": 0.0, "rel": 0.0, "of tolerance": 0.0}
                                         for kind in ("gradient", "loss/output", "trajectory weights",
                                                      "trajectory loss")}


@pytest.fixture(scope="module", autouse=True)
def _report_max_differences():
    """Print the largest mine-vs-theirs differences once all tests of this module ran."""
    yield
    print("\n[torch parity] largest differences observed:")
    for kind, values in MAX_DIFF.items():
        print(f"  {kind:20s} " + "  ".join(f"{key} {value:.2e}" for key, value in values.items()))


def assert_close(name: str, mine, theirs, kind: str, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Assert max|mine − theirs| ≤ atol + rtol·max|theirs|; print both arrays on failure.

    ``kind`` is the ``MAX_DIFF`` family the differences are recorded under.
    """
    mine = np.asarray(mine, dtype=F64)
    theirs = np.asarray(theirs, dtype=F64)
    assert mine.shape == theirs.shape, f"{name}: shape mine {mine.shape} vs theirs {theirs.shape}"
    diff = float(np.max(np.abs(mine - theirs))) if mine.size else 0.0
    scale = float(np.max(np.abs(theirs))) if theirs.size else 0.0
    bound = atol + rtol * scale
    record = MAX_DIFF[kind]
    record["abs"] = max(record["abs"], diff)
    if scale >= 1e-8:
        record["rel"] = max(record["rel"], diff / scale)
    record["of tolerance"] = max(record["of tolerance"], diff / bound if bound else float(diff > 0))
    assert diff <= bound, (f"{name}: max |mine - theirs| = {diff:.3e} > {bound:.3e}\n"
                           f"mine   = {mine!r}\ntheirs = {theirs!r}")


# --- network descriptions shared by both sides ----------------------------------------------------------
@dataclass(frozen=True)
class RegSpec:
    """A regularizer: ``kind`` in {'l1', 'l2', 'l1l2'} with its factors."""

    kind: str
    l1: float = 0.0
    l2: float = 0.0

    def glassnet(self):
        """The glassnet regularizer object."""
        if self.kind == "l1":
            return L1(self.l1)
        if self.kind == "l2":
            return L2(self.l2)
        return L1L2(l1=self.l1, l2=self.l2)

    def torch_penalty(self, t: torch.Tensor) -> torch.Tensor:
        """The penalty as Keras defines it: l1·Σ|t| + l2·Σt² (no ½)."""
        penalty = t.new_zeros(())
        if self.kind in ("l1", "l1l2"):
            penalty = penalty + self.l1 * t.abs().sum()
        if self.kind in ("l2", "l1l2"):
            penalty = penalty + self.l2 * (t * t).sum()
        return penalty


@dataclass(frozen=True)
class LayerSpec:
    """One Dense layer, optionally followed by Dropout; the last may put its activation in an Activation
    layer."""

    units: int
    activation: str
    slope: float = 0.2  # leaky_relu's negative slope
    kernel_reg: RegSpec | None = None
    bias_reg: RegSpec | None = None
    activity_reg: RegSpec | None = None
    dropout: float | None = None  # rate of a seeded Dropout after this layer
    dropout_seed: int = 0
    # Dense(units) + Activation(activation) instead of Dense(units, activation):
    separate_activation: bool = False


@dataclass(frozen=True)
class NetSpec:
    """A whole network, its loss and the data to evaluate it on (drawn from ``seed``)."""

    n_in: int
    layers: tuple[LayerSpec, ...]
    loss: str
    batch: int
    seed: int
    weight_scale: float = 1.0
    soft_targets: bool = False


def glassnet_activation(spec: LayerSpec):
    """The activation argument for glassnet (an explicit ``LeakyReLU`` object for leaky_relu)."""
    if spec.activation == "leaky_relu":
        return glassnet.activations.LeakyReLU(spec.slope)
    return spec.activation


def torch_activation(spec: LayerSpec, z: torch.Tensor) -> torch.Tensor:
    """The same activation in torch."""
    name = spec.activation
    if name == "linear":
        return z
    if name == "relu":
        return torch.relu(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "softmax":
        return torch.softmax(z, dim=-1)
    if name == "leaky_relu":
        return F.leaky_relu(z, negative_slope=spec.slope)
    if name == "elu":
        return F.elu(z, alpha=1.0)
    if name == "softplus":
        # torch returns z itself above `threshold` (default 20), an error of log1p(e^-20) ≈ 2e-9 in the value
        # and in the derivative; glassnet computes log(1 + e^z) exactly. e^40 does not overflow in float64.
        return F.softplus(z, beta=1.0, threshold=40.0)
    if name == "gelu":
        return F.gelu(z, approximate="none")
    raise AssertionError(name)


def build_glassnet_model(net: NetSpec, optimizer="sgd") -> Sequential:
    """The glassnet model of ``net`` in float64, compiled with ``optimizer`` and ``net.loss``, built."""
    layers = []
    last = len(net.layers) - 1
    for index, spec in enumerate(net.layers):
        regs = dict(kernel_regularizer=spec.kernel_reg and spec.kernel_reg.glassnet(),
                    bias_regularizer=spec.bias_reg and spec.bias_reg.glassnet())
        activity = spec.activity_reg and spec.activity_reg.glassnet()
        if index == last and spec.separate_activation:
            layers.append(Dense(spec.units, **regs))
            layers.append(Activation(glassnet_activation(spec), activity_regularizer=activity))
        else:
            layers.append(Dense(spec.units, activation=glassnet_activation(spec),
                                activity_regularizer=activity, **regs))
        if spec.dropout is not None:
            layers.append(Dropout(spec.dropout, seed=spec.dropout_seed))
    model = Sequential(layers, dtype="float64")
    model.compile(optimizer=optimizer, loss=net.loss)
    model.build((None, net.n_in))
    return model


def dense_layers(model: Sequential) -> list[Dense]:
    return [layer for layer in model.layers if isinstance(layer, Dense)]


def make_data(net: NetSpec) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Initial weights (Keras order: kernel, bias per layer), inputs ``x`` and raw targets ``y``, drawn from
    ``net.seed``."""
    rng = np.random.default_rng(net.seed)
    weights, fan_in = [], net.n_in
    for spec in net.layers:
        std = net.weight_scale / math.sqrt(fan_in)
        weights.append(rng.normal(0.0, std, size=(fan_in, spec.units)))
        weights.append(rng.normal(0.0, 0.5 * net.weight_scale, size=(spec.units,)))
        fan_in = spec.units
    x = rng.normal(size=(net.batch, net.n_in))
    k = net.layers[-1].units
    if net.loss == "binary_crossentropy":
        y = rng.uniform(size=(net.batch, k)) if net.soft_targets else rng.integers(0, 2, (net.batch, k)) * 1.0
    elif net.loss == "categorical_crossentropy":
        if net.soft_targets:
            y = rng.dirichlet(np.ones(k), size=net.batch)
        else:
            y = np.eye(k)[rng.integers(0, k, net.batch)]
    elif net.loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, k, net.batch)
    else:
        y = rng.normal(size=(net.batch, k))
    return weights, x, y


def dropout_masks(net: NetSpec) -> list[np.ndarray | None]:
    """The keep-masks the seeded Dropout layers draw on their first training call, from a twin layer with the
    same seed (documented: a seeded Dropout draws from its own generator). Returns 0/1 arrays, or None per
    layer."""
    masks = []
    for spec in net.layers:
        if spec.dropout is None:
            masks.append(None)
            continue
        twin = Sequential([Dropout(spec.dropout, seed=spec.dropout_seed)], dtype="float64")
        kept = twin(np.ones((net.batch, spec.units)), training=True)
        masks.append((kept != 0).astype(F64))
    return masks


# --- the torch side ----------------------------------------------------------------------------------------
def build_torch_params(weights: list[np.ndarray]) -> list[torch.Tensor]:
    """Leaf float64 tensors with gradients, one per glassnet weight (same order and layout)."""
    return [torch.tensor(w, dtype=TDT, requires_grad=True) for w in weights]


def torch_forward(net: NetSpec, params: list[torch.Tensor], x: torch.Tensor,
                  masks: list[np.ndarray | None]) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """Run the network: returns (last pre-activation z, output, activity penalties each ÷ batch size)."""
    h, z, activity = x, None, []
    for index, spec in enumerate(net.layers):
        w, b = params[2 * index], params[2 * index + 1]
        z = h @ w + b
        h = torch_activation(spec, z)
        if spec.activity_reg is not None:
            activity.append(spec.activity_reg.torch_penalty(h) / x.shape[0])
        if masks[index] is not None:
            h = h * (torch.tensor(masks[index], dtype=TDT) * (1.0 / (1.0 - spec.dropout)))
    return z, h, activity


def torch_data_loss(net: NetSpec, z: torch.Tensor, out: torch.Tensor, y: np.ndarray) -> torch.Tensor:
    """Keras's loss: from the logits when the output is sigmoid/softmax under the matching cross-entropy,
    else from the clipped probabilities (ε = 1e-7) or the plain regression formula."""
    act, loss, eps = net.layers[-1].activation, net.loss, glassnet.backend.EPSILON
    if loss == "sparse_categorical_crossentropy":
        labels = torch.tensor(np.asarray(y), dtype=torch.long).reshape(-1)
        if act == "softmax":
            return F.cross_entropy(z, labels)
        pc = out.clamp(eps, 1 - eps)
        return (torch.log(pc.sum(-1)) - torch.log(pc[torch.arange(len(labels)), labels])).mean()
    t = torch.tensor(np.asarray(y, dtype=F64).reshape(out.shape), dtype=TDT)
    if loss == "binary_crossentropy":
        if act == "sigmoid":
            return F.binary_cross_entropy_with_logits(z, t)
        p = out.clamp(eps, 1 - eps)
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
    if loss == "categorical_crossentropy":
        if act == "softmax":
            return F.cross_entropy(z, t)  # probability targets: mean over the batch of −Σ t·log_softmax(z)
        q = (out / out.sum(-1, keepdim=True)).clamp(eps, 1 - eps)
        return -(t * torch.log(q)).sum(-1).mean()
    if loss == "mean_squared_error":
        return F.mse_loss(out, t)
    if loss == "mean_absolute_error":
        return F.l1_loss(out, t)
    if loss == "huber":
        # mean over all entries = mean over the outputs, then over the batch
        return F.huber_loss(out, t, delta=1.0)
    raise AssertionError(loss)


def torch_weight_penalties(net: NetSpec, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """One penalty per regularized kernel/bias."""
    terms = []
    for index, spec in enumerate(net.layers):
        if spec.kernel_reg is not None:
            terms.append(spec.kernel_reg.torch_penalty(params[2 * index]))
        if spec.bias_reg is not None:
            terms.append(spec.bias_reg.torch_penalty(params[2 * index + 1]))
    return terms


def torch_grads(scalar: torch.Tensor, params: list[torch.Tensor]) -> list[np.ndarray]:
    """∂scalar/∂param for every param (zeros where the scalar does not depend on it)."""
    if not scalar.requires_grad:
        return [np.zeros(tuple(p.shape)) for p in params]
    grads = torch.autograd.grad(scalar, params, retain_graph=True, allow_unused=True)
    return [np.zeros(tuple(p.shape)) if g is None else g.numpy() for g, p in zip(grads, params)]


# --- 1. gradients of random networks -----------------------------------------------------------------------
HIDDEN_ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "softplus", "gelu"]
REGRESSION_LOSSES = ["mean_squared_error", "mean_absolute_error", "huber"]
# (output activation, loss): the three cross-entropies computed from logits; probabilities under a
# cross-entropy of the other link (clipped, as Keras); and any activation under a regression loss.
OUTPUT_PAIRS = ([("sigmoid", "binary_crossentropy"), ("softmax", "categorical_crossentropy"),
                 ("softmax", "sparse_categorical_crossentropy"), ("softmax", "binary_crossentropy"),
                 ("sigmoid", "categorical_crossentropy"), ("sigmoid", "sparse_categorical_crossentropy")]
                + [(act, loss) for act in HIDDEN_ACTIVATIONS for loss in REGRESSION_LOSSES])

factors = st.floats(0.0, 0.1, allow_nan=False)
regularizers = st.one_of(
    st.none(),
    st.builds(lambda f: RegSpec("l1", l1=f), factors),
    st.builds(lambda f: RegSpec("l2", l2=f), factors),
    st.builds(lambda a, b: RegSpec("l1l2", l1=a, l2=b), factors, factors),
)


@st.composite
def networks(draw) -> NetSpec:
    """A random network with a sensible output/loss pair, regularizers, seeded dropout and a batch."""
    depth = draw(st.integers(1, 4))
    out_act, loss = draw(st.sampled_from(OUTPUT_PAIRS))
    min_out = 2 if out_act == "softmax" or "categorical" in loss else 1
    layers = []
    for index in range(depth):
        last = index == depth - 1
        act = out_act if last else draw(st.sampled_from(HIDDEN_ACTIVATIONS))
        layers.append(LayerSpec(
            units=draw(st.integers(min_out if last else 1, 8)),
            activation=act,
            slope=draw(st.sampled_from([0.2, 0.01, 0.3])) if act == "leaky_relu" else 0.2,
            kernel_reg=draw(regularizers), bias_reg=draw(regularizers), activity_reg=draw(regularizers),
            dropout=None if last else draw(st.one_of(st.none(), st.sampled_from([0.1, 0.3, 0.5]))),
            dropout_seed=draw(st.integers(0, 2**16)),
            separate_activation=last and draw(st.booleans()),
        ))
    return NetSpec(n_in=draw(st.integers(1, 6)), layers=tuple(layers), loss=loss,
                   batch=draw(st.integers(1, 16)), seed=draw(st.integers(0, 2**32 - 1)),
                   weight_scale=draw(st.sampled_from([0.5, 1.0, 2.0])),
                   soft_targets=draw(st.booleans()))


def check_gradients(net: NetSpec) -> None:
    """Compare glassnet's one-step gradients (data / penalty / total) and loss parts with torch autograd."""
    weights, x, y = make_data(net)
    model = build_glassnet_model(net)
    model.set_weights(weights)
    out = model.forward(x, training=True)
    y_prepared = model.loss.prepare_targets(np.asarray(y), out.shape[-1], F64)
    parts = model.loss_parts(out, y_prepared, None)
    model.backward(out, y_prepared, None)

    params = build_torch_params(weights)
    z, t_out, activity = torch_forward(net, params, torch.tensor(x, dtype=TDT), dropout_masks(net))
    data = torch_data_loss(net, z, t_out, y)
    penalty = sum(activity + torch_weight_penalties(net, params), torch.zeros((), dtype=TDT))
    assert_close("output", out, t_out.detach().numpy(), "loss/output")
    assert_close("data loss", parts.data, data.item(), "loss/output")
    assert_close("penalty", parts.penalty, penalty.item(), "loss/output")
    theirs = {"data": torch_grads(data, params), "penalty": torch_grads(penalty, params),
              "total": torch_grads(data + penalty, params)}

    for index, layer in enumerate(dense_layers(model)):
        spec = net.layers[index]
        penalized_above = any(s.activity_reg is not None for s in net.layers[index:])
        for slot, name in enumerate(("kernel", "bias")):
            grad = layer.grads[name]
            where = f"layer {index} ({spec.activation}) {name}"
            assert_close(f"{where} data gradient", grad.data, theirs["data"][2 * index + slot], "gradient")
            assert_close(f"{where} penalty gradient", grad.penalty_or_zeros,
                         theirs["penalty"][2 * index + slot], "gradient")
            assert_close(f"{where} total gradient", grad.total, theirs["total"][2 * index + slot], "gradient")
            own = spec.kernel_reg if name == "kernel" else spec.bias_reg
            regularized = own is not None or penalized_above
            assert (grad.penalty is not None) == regularized, f"{where}: penalty is {grad.penalty!r}"


@settings(max_examples=60)
@given(net=networks())
def test_random_network_gradients_match_torch(net):
    check_gradients(net)


@pytest.mark.parametrize("out_act,loss", [("sigmoid", "binary_crossentropy"),
                                          ("softmax", "categorical_crossentropy"),
                                          ("softmax", "sparse_categorical_crossentropy"),
                                          ("softmax", "binary_crossentropy"),
                                          ("sigmoid", "categorical_crossentropy"),
                                          ("tanh", "mean_squared_error"), ("gelu", "mean_absolute_error"),
                                          ("softplus", "huber")])
def test_every_output_pair_with_all_regularizers(out_act, loss):
    """Each output pair at least once on a deep net where every weight and activity is regularized."""
    reg = RegSpec("l1l2", l1=0.03, l2=0.07)
    hidden = [LayerSpec(7, act, slope=0.1, kernel_reg=reg, bias_reg=RegSpec("l1", l1=0.02),
                        activity_reg=RegSpec("l2", l2=0.05), dropout=0.25, dropout_seed=i)
              for i, act in enumerate(["leaky_relu", "elu", "gelu"])]
    last = LayerSpec(4, out_act, kernel_reg=RegSpec("l2", l2=0.01), activity_reg=RegSpec("l1", l1=0.04))
    check_gradients(NetSpec(n_in=5, layers=(*hidden, last), loss=loss, batch=9, seed=7, soft_targets=True))


@settings(max_examples=15)
@given(net=networks())
def test_dropout_is_identity_at_inference(net):
    """With training=False, a network with Dropout layers gives exactly the torch network without them."""
    weights, x, _ = make_data(net)
    model = build_glassnet_model(net)
    model.set_weights(weights)
    out = model.forward(x, training=False)
    _, t_out, _ = torch_forward(net, build_torch_params(weights), torch.tensor(x, dtype=TDT),
                                [None] * len(net.layers))
    assert_close("inference output", out, t_out.detach().numpy(), "loss/output")
    assert_close("predict", model.predict(x, batch_size=len(x)), t_out.detach().numpy(), "loss/output")


# --- 2. optimizer trajectories -----------------------------------------------------------------------------
STEPS = 20
WD = 0.05
TRAJECTORY_NET = NetSpec(
    n_in=4,
    layers=(LayerSpec(6, "tanh"), LayerSpec(5, "elu"), LayerSpec(3, "softmax")),
    loss="categorical_crossentropy", batch=12, seed=2024)
EXPLICIT_REGS = dict(kernel_reg=RegSpec("l1l2", l1=0.01, l2=0.02), bias_reg=RegSpec("l2", l2=0.03))


def with_regularizers(net: NetSpec, **regs) -> NetSpec:
    """``net`` with ``regs`` (kernel_reg=..., bias_reg=...) on every layer."""
    return replace(net, layers=tuple(replace(spec, **regs) for spec in net.layers))


@dataclass
class TrajectoryCase:
    """glassnet optimizer vs torch optimizer, with the conversion that makes their formulas agree.

    ``coupled_wd``: torch's (coupled) ``weight_decay`` adds wd·w to each gradient, which in glassnet is
    ``L2(wd/2)`` on every kernel and bias (reported in glassnet's loss, so added to torch's reported loss
    too).
    ``explicit_regs``: the same regularizers in both models (torch adds the penalties to its loss).
    ``keras_eps``/``beta_2``: Adam's ε is set per step t to ε_keras/√(1 − β₂ᵗ) in torch.
    ``clip``: ('clipnorm' | 'global_clipnorm' | 'clipvalue', c), applied to torch's gradients before each
    step.
    """

    name: str
    glassnet_opt: Callable[[], object]
    torch_opt: Callable[[list[torch.Tensor]], torch.optim.Optimizer]
    coupled_wd: float = 0.0
    explicit_regs: bool = False
    keras_eps: float | None = None
    beta_2: float = 0.999
    clip: tuple[str, float] | None = None
    clip_steps: list[int] = field(default_factory=list)  # steps where torch's clipping changed the gradient

    def __repr__(self) -> str:
        return self.name


def torch_clip(params: list[torch.Tensor], kind: str, c: float) -> bool:
    """Clip torch's gradients as Keras does; return whether anything changed.

    clipnorm: each gradient to norm ≤ c, by ``clip_grad_norm_`` on that parameter alone. global_clipnorm: all
    together, by ``clip_grad_norm_`` on the list. torch scales by max_norm/(norm + 1e-6) where Keras scales by
    c/norm, so torch is given max_norm = c·(norm + 1e-6)/norm; below the threshold the factor clamps to 1 in
    both.
    clipvalue: ``clip_grad_value_``, identical to Keras's.
    """
    if kind == "clipvalue":
        active = any(bool((p.grad.abs() > c).any()) for p in params)
        torch.nn.utils.clip_grad_value_(params, c)
        return active
    groups = [[p] for p in params] if kind == "clipnorm" else [params]
    active = False
    for group in groups:
        norm = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in group))
        active |= norm > c
        torch.nn.utils.clip_grad_norm_(group, max_norm=c * (norm + 1e-6) / norm)
    return active


def run_glassnet(net: NetSpec, optimizer, weights, x, y) -> tuple[list[np.ndarray], list[float]]:
    """``STEPS`` full-batch epochs of ``model.fit``; returns the final weights and each epoch's loss."""
    model = build_glassnet_model(net, optimizer)
    model.set_weights(weights)
    history = model.fit(x, y, batch_size=len(x), epochs=STEPS, shuffle=False, verbose=0)
    return model.get_weights(), history.history["loss"]


def run_torch(case: TrajectoryCase, net: NetSpec, weights, x, y) -> tuple[list[np.ndarray], list[float]]:
    """``STEPS`` steps of torch.optim on the same network; returns final weights and the loss glassnet reports
    (data + penalties, before each update)."""
    params = build_torch_params(weights)
    opt = case.torch_opt(params)
    xt = torch.tensor(x, dtype=TDT)
    no_masks = [None] * len(net.layers)
    losses = []
    for t in range(1, STEPS + 1):
        opt.zero_grad()
        z, out, _ = torch_forward(net, params, xt, no_masks)
        loss = torch_data_loss(net, z, out, y)
        if case.explicit_regs:
            loss = loss + sum(torch_weight_penalties(net, params))
        with torch.no_grad():
            reported = loss.item() + case.coupled_wd / 2 * sum(float((p * p).sum()) for p in params)
        losses.append(reported)
        loss.backward()
        if case.clip is not None and torch_clip(params, *case.clip):
            case.clip_steps.append(t)
        if case.keras_eps is not None:
            for group in opt.param_groups:
                group["eps"] = case.keras_eps / math.sqrt(1 - case.beta_2 ** t)
        opt.step()
    return [p.detach().numpy().copy() for p in params], losses


def trajectory_cases() -> list[TrajectoryCase]:
    """Every optimizer, without and with (coupled) weight decay, plus decoupled decay and clipping."""
    cases = []
    for wd in (0.0, WD):
        tag = "" if wd == 0 else "+coupled_wd"
        cases += [
            # torch: buf = μ·buf + g, w −= lr·buf  ⇔  glassnet: m = μ·m − lr·g, w += m
            # (nesterov: torch steps along g + μ·buf, glassnet Δ = μ·m − lr·g: the same)
            TrajectoryCase("sgd" + tag, lambda: glassnet.SGD(0.1),
                           lambda p, wd=wd: torch.optim.SGD(p, lr=0.1, weight_decay=wd), coupled_wd=wd),
            TrajectoryCase("sgd_momentum" + tag, lambda: glassnet.SGD(0.1, momentum=0.9),
                           lambda p, wd=wd: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=wd),
                           coupled_wd=wd),
            TrajectoryCase("sgd_nesterov" + tag, lambda: glassnet.SGD(0.1, momentum=0.9, nesterov=True),
                           lambda p, wd=wd: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                                            weight_decay=wd),
                           coupled_wd=wd),
            # ε = 1e-3 so that its placement matters; torch's is converted each step.
            TrajectoryCase("adam" + tag, lambda: glassnet.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
                           lambda p, wd=wd: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), weight_decay=wd),
                           coupled_wd=wd, keras_eps=1e-3, beta_2=0.99),
            TrajectoryCase("adam_amsgrad" + tag,
                           lambda: glassnet.Adam(0.01, beta_2=0.9, epsilon=1e-3, amsgrad=True),
                           lambda p, wd=wd: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.9), amsgrad=True,
                                                             weight_decay=wd),
                           coupled_wd=wd, keras_eps=1e-3, beta_2=0.9),
            # RMSprop: glassnet √(v + ε), torch √v + eps: both ε = 1e-30, far below √v. torch alpha = rho.
            # Momentum: torch buf = μ·buf + g/√v, w −= lr·buf ⇔ glassnet m = μ·m + lr·g/√v, w −= m.
            TrajectoryCase("rmsprop" + tag, lambda: glassnet.RMSprop(0.01, rho=0.8, epsilon=1e-30),
                           lambda p, wd=wd: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=1e-30,
                                                                weight_decay=wd),
                           coupled_wd=wd),
            TrajectoryCase("rmsprop_momentum" + tag,
                           lambda: glassnet.RMSprop(0.01, rho=0.9, momentum=0.7, epsilon=1e-30),
                           lambda p, wd=wd: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.7,
                                                                eps=1e-30, weight_decay=wd),
                           coupled_wd=wd),
            TrajectoryCase("rmsprop_centered" + tag,
                           lambda: glassnet.RMSprop(0.01, rho=0.9, momentum=0.5, centered=True,
                                                    epsilon=1e-30),
                           lambda p, wd=wd: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5,
                                                                centered=True, eps=1e-30, weight_decay=wd),
                           coupled_wd=wd),
            # Adagrad: same initial accumulator (Keras's default 0.1), ε = 1e-30 in both, no lr decay.
            TrajectoryCase("adagrad" + tag, lambda: glassnet.Adagrad(0.1, epsilon=1e-30),
                           lambda p, wd=wd: torch.optim.Adagrad(p, lr=0.1, lr_decay=0,
                                                                initial_accumulator_value=0.1, eps=1e-30,
                                                                weight_decay=wd),
                           coupled_wd=wd),
        ]
    cases += [
        # Decoupled decay: glassnet w ← w − w·wd·lr, then Adam; torch AdamW w ← w·(1 − lr·wd), then Adam.
        TrajectoryCase("adamw_no_decay", lambda: glassnet.AdamW(0.01, weight_decay=0.0, epsilon=1e-3),
                       lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.0), keras_eps=1e-3),
        TrajectoryCase("adamw", lambda: glassnet.AdamW(0.01, weight_decay=WD * 10, beta_1=0.85, epsilon=1e-3),
                       lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.85, 0.999), weight_decay=WD * 10),
                       keras_eps=1e-3),
        TrajectoryCase("adamw+regularizers", lambda: glassnet.AdamW(0.01, weight_decay=WD * 10, epsilon=1e-3),
                       lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=WD * 10), keras_eps=1e-3,
                       explicit_regs=True),
        TrajectoryCase("adam_decoupled_wd", lambda: glassnet.Adam(0.01, weight_decay=WD * 10, epsilon=1e-3),
                       lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=WD * 10), keras_eps=1e-3),
        # Without momentum, decoupled decay (glassnet) and coupled decay (torch) are the same update.
        TrajectoryCase("sgd_decoupled_wd", lambda: glassnet.SGD(0.1, weight_decay=WD),
                       lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=WD)),
        # Clipping acts on the total gradient (data + penalties), so the penalties are in torch's loss.
        TrajectoryCase("sgd_momentum_clipnorm", lambda: glassnet.SGD(0.1, momentum=0.9, clipnorm=0.05),
                       lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), explicit_regs=True,
                       clip=("clipnorm", 0.05)),
        TrajectoryCase("adam_global_clipnorm",
                       lambda: glassnet.Adam(0.01, epsilon=1e-3, global_clipnorm=0.1),
                       lambda p: torch.optim.Adam(p, lr=0.01), explicit_regs=True, keras_eps=1e-3,
                       clip=("global_clipnorm", 0.1)),
        TrajectoryCase("rmsprop_clipvalue", lambda: glassnet.RMSprop(0.01, epsilon=1e-30, clipvalue=0.02),
                       lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-30), explicit_regs=True,
                       clip=("clipvalue", 0.02)),
    ]
    return cases


def trajectory_net(case: TrajectoryCase) -> NetSpec:
    """The fixed network with the regularizers the case calls for."""
    if case.coupled_wd:
        half = RegSpec("l2", l2=case.coupled_wd / 2)
        return with_regularizers(TRAJECTORY_NET, kernel_reg=half, bias_reg=half)
    if case.explicit_regs:
        return with_regularizers(TRAJECTORY_NET, **EXPLICIT_REGS)
    return TRAJECTORY_NET


@pytest.mark.parametrize("case", trajectory_cases(), ids=repr)
def test_optimizer_trajectory_matches_torch(case):
    net = trajectory_net(case)
    weights, x, y = make_data(net)
    mine, mine_losses = run_glassnet(net, case.glassnet_opt(), weights, x, y)
    theirs, their_losses = run_torch(case, net, weights, x, y)
    moved = max(float(np.max(np.abs(w - w0))) for w, w0 in zip(theirs, weights))
    assert moved > 1e-2, f"{case.name}: weights barely moved ({moved:.2e}); the comparison would be weak"
    if case.clip is not None:
        assert case.clip_steps, f"{case.name}: clipping never changed a gradient; the test proves nothing"
    for index, (a, b) in enumerate(zip(mine, theirs)):
        name = f"{case.name}: {'kernel' if index % 2 == 0 else 'bias'} {index // 2} after {STEPS} steps"
        assert_close(name, a, b, "trajectory weights", atol=0.0)
    assert_close(f"{case.name}: loss per epoch", mine_losses, their_losses, "trajectory loss", atol=0.0)


def test_decoupled_sgd_decay_differs_from_coupled_with_momentum():
    """With momentum, glassnet's decoupled SGD weight_decay is NOT torch's coupled one (without momentum it
    is: see the 'sgd_decoupled_wd' trajectory)."""
    net = TRAJECTORY_NET
    weights, x, y = make_data(net)
    mine, _ = run_glassnet(net, glassnet.SGD(0.1, momentum=0.9, weight_decay=WD), weights, x, y)
    case = TrajectoryCase("sgd_momentum_wd", None, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9,
                                                                             weight_decay=WD))
    theirs, _ = run_torch(case, net, weights, x, y)
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(mine, theirs))
    assert diff > 1e-4, f"decoupled and coupled decay with momentum should differ; max diff {diff:.2e}"
