"""One timed call of the same workload in glassnet (compiled engine and NumPy path), JAX, PyTorch, Keras and
scikit-learn: ``Workload.epochs`` training epochs (one, except for T) or one prediction pass.

Every runner gets the same data, the same architecture, the same L2 (converted to each convention) and Adam with
lr 1e-3, float32. ``prepare`` builds the model and runs a warm-up epoch (which compiles what compiles: JAX's
jitted epoch, glassnet's engine and its self-check); ``epoch`` is the timed call. T times 20 epochs per call, as
the Playground trains (one long ``fit``): one epoch of 500 rows is too short to time any framework's call alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


@dataclass(frozen=True)
class Workload:
    name: str
    x: np.ndarray
    y: np.ndarray           # float32 0/1 for binary, int labels for multiclass
    hidden: tuple[int, ...]
    classes: int            # 1 = binary (sigmoid), else softmax over `classes`
    batch_size: int
    l2: float = 0.01        # Keras's factor on every kernel
    predict_rows: int = 0   # > 0: time predict on this many rows instead of training
    activation: str = "relu"
    epochs: int = 1         # training epochs per timed call

    @property
    def rows_per_call(self) -> int:
        return self.predict_rows or len(self.x) * self.epochs


def synthetic(rows: int = 20_000, features: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype("float32")
    w = rng.normal(size=features)
    y = (x @ w + 0.5 * rng.normal(size=rows) > 0).astype("float32")
    return x, y


def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return (x / 16.0).astype("float32"), y.astype("int64")


def playground(rows: int = 500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The TF Playground's XOR data: 2 inputs in [−6, 6], the label is whether they share a sign."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-6, 6, size=(rows, 2)).astype("float32")
    return x, (x[:, 0] * x[:, 1] > 0).astype("float32")


def workloads(scale: float = 1.0) -> dict[str, Workload]:
    """Issue 5's workloads and issue 15's T; ``scale`` < 1 shrinks them for the smoke test."""
    x, y = synthetic(max(512, int(20_000 * scale)))  # ≥ 2 batches of B even when shrunk
    dx, dy = digits()
    rows = max(64, int(len(dx) * min(1.0, scale * 4)))
    tx, ty = playground(max(50, int(500 * scale)))
    return {
        "S": Workload("S", x, y, (25, 15), 1, 32),
        "T": Workload("T", tx, ty, (8, 8), 1, 10, activation="tanh", epochs=max(1, int(20 * scale))),
        "B": Workload("B", x, y, (512, 512), 1, 256),
        "D": Workload("D", dx[:rows], dy[:rows], (128, 64), 10, 64),
        "P": Workload("P", x, y, (25, 15), 1, 32, predict_rows=max(1000, int(1_000_000 * scale))),
    }


class GlassnetRunner:
    """glassnet's ``fit`` on its compiled engine (``jit_compile=True``: it fails rather than time the other)."""

    name = "glassnet"
    jit_compile: bool = True

    def prepare(self, w: Workload) -> None:
        import glassnet

        layers = [glassnet.Dense(h, w.activation, kernel_regularizer=glassnet.L2(w.l2)) for h in w.hidden]
        out = glassnet.Dense(1, "sigmoid", kernel_regularizer=glassnet.L2(w.l2)) if w.classes == 1 else \
            glassnet.Dense(w.classes, "softmax", kernel_regularizer=glassnet.L2(w.l2))
        self.model = glassnet.Sequential([*layers, out], seed=0)
        loss = "binary_crossentropy" if w.classes == 1 else "sparse_categorical_crossentropy"
        self.model.compile(glassnet.Adam(1e-3), loss, jit_compile=self.jit_compile)
        self.w = w
        self.model.fit(w.x, w.y, batch_size=w.batch_size, epochs=1, verbose=0, seed=0)
        if w.predict_rows:
            self.big = np.resize(w.x, (w.predict_rows, w.x.shape[1]))

    def epoch(self) -> None:
        if self.w.predict_rows:
            self.model.predict(self.big, batch_size=8192)
        else:
            self.model.fit(self.w.x, self.w.y, batch_size=self.w.batch_size, epochs=self.w.epochs, verbose=0,
                           seed=1)


class GlassnetNumpyRunner(GlassnetRunner):
    """glassnet's ``fit`` on the NumPy path (``jit_compile=False``)."""

    name = "glassnet-numpy"
    jit_compile = False


class JaxRunner:
    """JAX as a user who wants speed writes it: the whole epoch one jitted function — a ``lax.scan`` of the
    training step over the shuffled batches (the permutation drawn on the host, the gather inside the jit) —
    with optax's Adam; a partial last batch is one more jitted step. The loss is optax's cross-entropy plus
    l2·Σ‖W‖² over the kernels (Keras's L2)."""

    name = "jax"

    def prepare(self, w: Workload) -> None:
        import jax
        import jax.numpy as jnp
        import optax

        self.jax, self.jnp, self.w = jax, jnp, w
        key = jax.random.PRNGKey(0)
        sizes = [w.x.shape[1], *w.hidden, w.classes]
        params = []
        for a, b in zip(sizes, sizes[1:]):
            key, sub = jax.random.split(key)
            limit = float(np.sqrt(6.0 / (a + b)))  # Glorot uniform, as the others
            params.append((jax.random.uniform(sub, (a, b), jnp.float32, -limit, limit), jnp.zeros(b, jnp.float32)))
        activation = jax.nn.relu if w.activation == "relu" else jnp.tanh
        optimizer = optax.adam(1e-3)

        def forward(params, x):
            for kernel, bias in params[:-1]:
                x = activation(x @ kernel + bias)
            return x @ params[-1][0] + params[-1][1]

        def loss(params, x, y):
            logits = forward(params, x)
            if w.classes == 1:
                data = optax.sigmoid_binary_cross_entropy(logits[:, 0], y).mean()
            else:
                data = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
            return data + w.l2 * sum(jnp.sum(kernel * kernel) for kernel, _ in params)

        def step(carry, batch):
            params, state = carry
            grads = jax.grad(loss)(params, *batch)
            updates, state = optimizer.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        full = (len(w.x) // w.batch_size) * w.batch_size

        @jax.jit
        def epoch(params, state, x, y, order):
            rows = order[:full].reshape(-1, w.batch_size)
            (params, state), _ = jax.lax.scan(step, (params, state), (x[rows], y[rows]))
            return params, state

        self.step = jax.jit(lambda params, state, x, y: step((params, state), (x, y))[0])
        self.epoch_fn, self.full = epoch, full
        self.x, self.y = jnp.asarray(w.x), jnp.asarray(w.y if w.classes == 1 else w.y.astype(np.int32))
        self.params, self.state = params, optimizer.init(params)
        self.rng = np.random.default_rng(0)
        if w.predict_rows:
            self.predict = jax.jit(lambda params, x: jax.nn.sigmoid(forward(params, x)))
            self.big = jnp.asarray(np.resize(w.x, (w.predict_rows, w.x.shape[1])))
            self.predict(self.params, self.big[:8192]).block_until_ready()
        else:
            self.train(1)

    def train(self, epochs: int) -> None:
        for _ in range(epochs):
            order = self.jnp.asarray(self.rng.permutation(len(self.w.x)).astype(np.int32))
            self.params, self.state = self.epoch_fn(self.params, self.state, self.x, self.y, order)
            if self.full < len(self.w.x):
                rest = order[self.full:]
                self.params, self.state = self.step(self.params, self.state, self.x[rest], self.y[rest])
        self.jax.block_until_ready(self.params)

    def epoch(self) -> None:
        if self.w.predict_rows:
            for start in range(0, self.w.predict_rows, 8192):
                self.predict(self.params, self.big[start:start + 8192]).block_until_ready()
        else:
            self.train(self.w.epochs)


class TorchRunner:
    name = "pytorch"

    def prepare(self, w: Workload) -> None:
        import torch

        torch.manual_seed(0)
        sizes = [w.x.shape[1], *w.hidden]
        layers: list = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.ReLU() if w.activation == "relu" else torch.nn.Tanh()]
        layers.append(torch.nn.Linear(sizes[-1], w.classes))
        self.net = torch.nn.Sequential(*layers)
        self.kernels = [m.weight for m in self.net if isinstance(m, torch.nn.Linear)]
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.x = torch.from_numpy(w.x)
        self.y = torch.from_numpy(w.y).reshape(-1, 1) if w.classes == 1 else torch.from_numpy(w.y)
        self.loss = torch.nn.BCEWithLogitsLoss() if w.classes == 1 else torch.nn.CrossEntropyLoss()
        self.w, self.torch = w, torch
        if w.predict_rows:
            self.big = torch.from_numpy(np.resize(w.x, (w.predict_rows, w.x.shape[1])))
        else:
            self.epoch()

    def epoch(self) -> None:
        torch, w = self.torch, self.w
        if w.predict_rows:
            with torch.no_grad():
                for start in range(0, len(self.big), 8192):
                    torch.sigmoid(self.net(self.big[start:start + 8192]))
            return
        for _ in range(w.epochs):
            order = torch.randperm(len(self.x))
            for start in range(0, len(self.x), w.batch_size):
                rows = order[start:start + w.batch_size]
                loss = self.loss(self.net(self.x[rows]), self.y[rows])
                # The same penalty as Keras's L2(l2): l2·Σw² per kernel, added to the batch loss.
                loss = loss + w.l2 * sum((k * k).sum() for k in self.kernels)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()


class KerasRunner:
    name = "keras"

    def prepare(self, w: Workload) -> None:
        import keras

        keras.utils.set_random_seed(0)
        reg = keras.regularizers.L2(w.l2)
        layers = [keras.Input((w.x.shape[1],))] + [keras.layers.Dense(h, w.activation, kernel_regularizer=reg)
                                                   for h in w.hidden]
        layers.append(keras.layers.Dense(1, "sigmoid", kernel_regularizer=reg) if w.classes == 1 else
                      keras.layers.Dense(w.classes, "softmax", kernel_regularizer=reg))
        self.model = keras.Sequential(layers)
        loss = "binary_crossentropy" if w.classes == 1 else "sparse_categorical_crossentropy"
        self.model.compile(keras.optimizers.Adam(1e-3), loss)
        self.w = w
        self.model.fit(w.x, w.y, batch_size=w.batch_size, epochs=1, verbose=0)
        if w.predict_rows:
            self.big = np.resize(w.x, (w.predict_rows, w.x.shape[1]))
            self.model.predict(self.big[:8192], batch_size=8192, verbose=0)

    def epoch(self) -> None:
        if self.w.predict_rows:
            self.model.predict(self.big, batch_size=8192, verbose=0)
        else:
            self.model.fit(self.w.x, self.w.y, batch_size=self.w.batch_size, epochs=self.w.epochs, verbose=0)


class SklearnRunner:
    name = "scikit-learn"

    def prepare(self, w: Workload) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        from glassnet.regularizers import convert

        # scikit-learn divides alpha by the batch rows: the same L2 as Keras's l2 is alpha = 2·l2·B.
        alpha = convert(w.l2, "keras", "sklearn", batch_size=w.batch_size)
        self.model = MLPClassifier(hidden_layer_sizes=w.hidden, activation=w.activation, alpha=alpha, solver="adam",
                                   learning_rate_init=1e-3,
                                   batch_size=w.batch_size, max_iter=1, warm_start=True, shuffle=True,
                                   random_state=0, tol=0.0, n_iter_no_change=10**9)
        self.w, self.warnings, self.warning = w, warnings, ConvergenceWarning
        self.labels = w.y.astype(int)
        self.epoch_fit()
        if w.predict_rows:
            self.big = np.resize(w.x, (w.predict_rows, w.x.shape[1]))

    def epoch_fit(self) -> None:
        with self.warnings.catch_warnings():
            self.warnings.simplefilter("ignore", self.warning)
            self.model.fit(self.w.x, self.labels)

    def epoch(self) -> None:
        if self.w.predict_rows:
            self.model.predict_proba(self.big)
        else:
            for _ in range(self.w.epochs):
                self.epoch_fit()


RUNNERS = {"glassnet": GlassnetRunner, "glassnet-numpy": GlassnetNumpyRunner, "jax": JaxRunner,
           "pytorch": TorchRunner, "keras": KerasRunner, "scikit-learn": SklearnRunner}
