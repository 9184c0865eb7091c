"""The playground's settings: one validated, immutable value that the page, the URL and the server share.

The page keeps the whole state in its URL hash (``#dataset=spiral&hidden=8,8&...``) and sends it as a JSON object
of the same keys; :func:`parse` turns either form (strings or JSON numbers) into a :class:`Settings`, checking
every value before anything changes. Values the library itself checks (a learning rate, an L1/L2 factor, a dropout
rate) are checked by constructing the library's object, so the page shows the library's own message; the
playground's bounds (at most 6 hidden layers of at most 8 neurons, as in the TF Playground) are checked here, in
the same form: the argument, what was expected, ``Received: name=value``.

Settings split in two: :data:`LIVE` ones (learning rate, regularization, λ, per-layer penalties, speed) change a
running network between two epochs; any other change builds a new network (as the TF Playground does).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from .. import L1, L2, SGD, Dropout

CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "spiral3")
REGRESSION = ("reg-plane", "reg-gauss")
#: The user's own data set (``--data`` or an upload, or the data given to ``show()``).
USER = "data"
DATASETS = CLASSIFICATION + REGRESSION + (USER,)
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
LOSSES = ("cross_entropy", "squared_error")
OPTIMIZERS = ("sgd", "momentum", "adam")
REGULARIZATIONS = ("none", "l1", "l2")
#: Twin mode: a second network, same seed and data, whose penalty differs from the first's only as named.
TWINS = ("off", "no-penalty", "hidden-only", "output-only", "first-only")
MAX_HIDDEN_LAYERS, MAX_NEURONS = 6, 8
MAX_BATCH_SIZE = 30
MAX_LEARNING_RATE, MAX_LAMBDA = 10.0, 10.0
MAX_SEED = 2**32 - 1
MAX_SPEED = 1000  # epochs per second; 0 means as fast as the machine goes
#: Settings that change a running network at the next epoch boundary, without building a new one.
LIVE = frozenset({"learning_rate", "regularization", "lam", "layer_regularization", "speed"})
#: A per-layer penalty: inherit the global one, or its own L1/L2 with a strength (L2 with 0 switches it off).
_LAYER_SPEC = re.compile(r"(global|(l1|l2):([0-9.eE+-]{1,32}))")


@dataclass(frozen=True)
class Settings:
    """Everything that decides a playground run; the defaults are the issue's default problem.

    ``noise`` and ``train_ratio`` are percentages as on the TF Playground's sliders. ``lam`` is the Keras factor of
    the global ``regularization`` (l1·Σ|w| or l2·Σw², on every kernel without a penalty of its own, i.e.
    ``compile(regularizer=...)``); ``layer_regularization`` holds one entry per Dense layer (hidden layers, then
    the output): ``'global'`` or ``'l1:0.01'`` / ``'l2:0.003'``, the layer's own ``kernel_regularizer``.
    ``dropout`` holds one rate per hidden layer. ``speed`` caps the epochs per second (0: no cap).
    """

    dataset: str = "spiral"
    noise: int = 0
    train_ratio: int = 50
    batch_size: int = 10
    features: tuple[str, ...] = ("x1", "x2", "sinx1", "sinx2")
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    loss: str = "cross_entropy"
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    regularization: str = "none"
    lam: float = 0.001
    layer_regularization: tuple[str, ...] = ()
    dropout: tuple[float, ...] = ()
    twin: str = "off"
    seed: int = 1
    data_seed: int = 1
    speed: int = 60

    @property
    def problem(self) -> str:
        """'classification' or 'regression' for a generated data set; 'data' for the user's own."""
        if self.dataset in CLASSIFICATION:
            return "classification"
        return "regression" if self.dataset in REGRESSION else USER

    def layer_specs(self) -> tuple[str, ...]:
        """One per-layer entry per Dense layer (``'global'`` where none was given)."""
        return self.layer_regularization or ("global",) * (len(self.hidden) + 1)

    def dropout_rates(self) -> tuple[float, ...]:
        return self.dropout or (0.0,) * len(self.hidden)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the key ``lambda`` for ``lam`` (what the page and the URL use)."""
        out = dataclasses.asdict(self)
        out["lambda"] = out.pop("lam")
        return {key: list(value) if isinstance(value, tuple) else value for key, value in out.items()}

    def needs_new_network(self, other: Settings) -> bool:
        """Whether going from ``self`` to ``other`` changes anything beyond the :data:`LIVE` settings."""
        return any(getattr(self, f.name) != getattr(other, f.name) for f in dataclasses.fields(self)
                   if f.name not in LIVE)


def _number(name: str, value: Any) -> float:
    """A JSON number or the text of one (the URL carries text); finite."""
    number = value
    if isinstance(value, str) and len(value) <= 32:
        try:
            number = float(value)
        except ValueError:
            pass
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        raise ValueError(f"Argument `{name}` must be a finite number. Received: {name}={value!r:.60}")
    return number


def _integer(name: str, value: Any, low: int, high: int, why: str = "") -> int:
    number = _number(name, value)
    if number != int(number) or not low <= number <= high:
        raise ValueError(f"Argument `{name}` must be an integer in [{low}, {high}]{why}. Received: {name}={value!r}")
    return int(number)


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"Argument `{name}` must be one of {list(choices)}. Received: {name}={value!r}")
    return value


def _items(name: str, value: Any, limit: int) -> list[Any]:
    """A list from JSON, or from the URL's comma-separated text (empty text: no items)."""
    if isinstance(value, str):
        value = [] if value == "" else value.split(",")
    if not isinstance(value, (list, tuple)) or len(value) > limit:
        raise ValueError(f"Argument `{name}` must be a list of at most {limit} items. Received: {name}={value!r}")
    return list(value)


def _learning_rate(value: Any) -> float:
    rate = _number("learning_rate", value)
    SGD(learning_rate=rate)  # the library's own check (a finite number > 0)
    if rate > MAX_LEARNING_RATE:
        raise ValueError(f"Argument `learning_rate` must be at most {MAX_LEARNING_RATE:g} in the playground. "
                         f"Received: learning_rate={value!r}")
    return float(rate)


def _strength(name: str, value: Any, kind: str = "l2") -> float:
    strength = _number(name, value)
    (L1(l1=strength) if kind == "l1" else L2(l2=strength))  # the library's own check (finite, ≥ 0)
    if strength > MAX_LAMBDA:
        raise ValueError(f"Argument `{name}` must be at most {MAX_LAMBDA:g} in the playground (the TF Playground's "
                         f"largest rate). Received: {name}={value!r}")
    return float(strength)


def _layer_spec(index: int, value: Any) -> str:
    name = f"layer_regularization[{index}]"
    match = _LAYER_SPEC.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"Argument `{name}` must be 'global', 'l1:<strength>' or 'l2:<strength>'. "
                         f"Received: {name}={value!r}")
    if match.group(1) == "global":
        return "global"
    kind = match.group(2)
    return f"{kind}:{_strength(name, match.group(3), kind)!r}"


def _dropout_rate(index: int, value: Any) -> float:
    rate = _number(f"dropout[{index}]", value)
    try:
        Dropout(rate)  # the library's own check: a rate in [0, 1)
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc).replace("`rate`", f"`dropout[{index}]`")
                         .replace("rate=", f"dropout[{index}]=")) from None
    return float(rate)


def parse(values: Any, base: Settings | None = None) -> Settings:
    """Validate ``values`` (a dict of the keys of :meth:`Settings.to_dict`, any subset) on top of ``base``.

    Raises ValueError (TypeError for a non-dict) naming the first bad argument; nothing is half-applied.

    >>> parse({"hidden": "4,2", "lambda": "0.01", "regularization": "l2"}).hidden
    (4, 2)
    """
    if not isinstance(values, dict):
        raise TypeError(f"Argument `settings` must be an object of settings. Received: settings={values!r:.80}")
    known = {f.name for f in dataclasses.fields(Settings)} - {"lam"} | {"lambda"}
    unknown = sorted(str(key)[:40] for key in values if key not in known)
    if unknown:
        raise ValueError(f"Unknown settings {unknown}; known: {sorted(known)}. Received: {unknown[0]}")
    merged = {**(base or Settings()).to_dict(), **values}
    hidden = tuple(_integer(f"hidden[{i}]", v, 1, MAX_NEURONS, " (neurons per layer)")
                   for i, v in enumerate(_items("hidden", merged["hidden"], MAX_HIDDEN_LAYERS)))
    features = tuple(_choice(f"features[{i}]", v, FEATURES) for i, v in enumerate(_items(
        "features", merged["features"], len(FEATURES))))
    if not features or len(set(features)) != len(features):
        raise ValueError(f"Argument `features` must name at least one input, each once, from {list(FEATURES)}. "
                         f"Received: features={list(features)}")
    specs = tuple(_layer_spec(i, v) for i, v in enumerate(_items(
        "layer_regularization", merged["layer_regularization"], MAX_HIDDEN_LAYERS + 1)))
    if specs and len(specs) != len(hidden) + 1:
        raise ValueError(f"Argument `layer_regularization` must have one entry per Dense layer ({len(hidden) + 1}: "
                         f"the hidden layers, then the output), or none. Received: {len(specs)} entries")
    rates = tuple(_dropout_rate(i, v) for i, v in enumerate(_items("dropout", merged["dropout"], MAX_HIDDEN_LAYERS)))
    if rates and len(rates) != len(hidden):
        raise ValueError(f"Argument `dropout` must have one rate per hidden layer ({len(hidden)}), or none. "
                         f"Received: {len(rates)} rates")
    return Settings(
        dataset=_choice("dataset", merged["dataset"], DATASETS),
        noise=_integer("noise", merged["noise"], 0, 50, " (percent)"),
        train_ratio=_integer("train_ratio", merged["train_ratio"], 10, 90, " (percent)"),
        batch_size=_integer("batch_size", merged["batch_size"], 1, MAX_BATCH_SIZE),
        features=features, hidden=hidden,
        activation=_choice("activation", merged["activation"], ACTIVATIONS),
        loss=_choice("loss", merged["loss"], LOSSES),
        optimizer=_choice("optimizer", merged["optimizer"], OPTIMIZERS),
        learning_rate=_learning_rate(merged["learning_rate"]),
        regularization=_choice("regularization", merged["regularization"], REGULARIZATIONS),
        lam=_strength("lambda", merged["lambda"], "l1" if merged["regularization"] == "l1" else "l2"),
        layer_regularization=specs if any(spec != "global" for spec in specs) else (),
        dropout=rates if any(rates) else (),
        twin=_choice("twin", merged["twin"], TWINS),
        seed=_integer("seed", merged["seed"], 0, MAX_SEED),
        data_seed=_integer("data_seed", merged["data_seed"], 0, MAX_SEED),
        speed=_integer("speed", merged["speed"], 0, MAX_SPEED, " (epochs per second; 0: no cap)"),
    )


def limits() -> dict[str, Any]:
    """The bounds and choices, for the page's controls."""
    return {"datasets": {"classification": list(CLASSIFICATION), "regression": list(REGRESSION)},
            "features": list(FEATURES), "activations": list(ACTIVATIONS), "losses": list(LOSSES),
            "optimizers": list(OPTIMIZERS), "regularizations": list(REGULARIZATIONS), "twins": list(TWINS),
            "max_hidden_layers": MAX_HIDDEN_LAYERS, "max_neurons": MAX_NEURONS, "max_batch_size": MAX_BATCH_SIZE,
            "max_learning_rate": MAX_LEARNING_RATE, "max_lambda": MAX_LAMBDA, "live": sorted(LIVE)}
