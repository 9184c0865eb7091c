"""The options of ``glassnet train`` and ``glassnet sweep``: defaults, bounds, a config file, and one check per
option that the command line and the config file share.

A value is never coerced: ``epochs = 2.9`` or ``batch_size = true`` in a config file, ``task = "binery"``, a
layer wider than ``MAX_UNITS`` or a λ grid longer than ``MAX_LAMBDAS`` is refused in one line that names the
option, what it must be and what it got. The bounds keep a typo from allocating gigabytes:

==================  ============  ==========================================================
bound               value         what it limits
==================  ============  ==========================================================
``MAX_UNITS``       100,000       units of one hidden layer
``MAX_LAYERS``      100           hidden layers
``MAX_PARAMETERS``  10,000,000    weights of the network (checked once the input width is known)
``MAX_LAMBDAS``     1,000         values of ``--lambdas``
``MAX_EPOCHS``      1,000,000     ``--epochs``
``MAX_CV``          100           ``--cv`` folds
``MAX_CONFIG``      65,536 bytes  a ``--config`` file (TOML or YAML)
==================  ============  ==========================================================
"""

from __future__ import annotations

import math
import numbers
import reprlib
from pathlib import Path
from typing import Any, Callable

MAX_UNITS, MAX_LAYERS, MAX_PARAMETERS = 100_000, 100, 10_000_000
MAX_LAMBDAS, MAX_EPOCHS, MAX_CV, MAX_CONFIG = 1_000, 1_000_000, 100, 65_536
MAX_BATCH, MAX_SEED, MAX_JOBS = 2**31 - 1, 2**32 - 1, 1_024

CONVENTIONS = ("keras", "lecture", "torch", "sklearn", "playground", "kappa")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
TASKS = ("auto", "binary", "multiclass", "regression")
MISSING = ("error", "drop", "mean")


class UsageError(Exception):
    """A problem with the command line, a config file or a data file: reported in one line, exit code 2."""


def short(value: Any) -> str:
    """A bounded repr of a value from a config file (a YAML alias bomb stays a few dozen characters)."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = 40
    shortener.maxlist = shortener.maxtuple = shortener.maxdict = 4
    shortener.maxlevel = 2
    return shortener.repr(value)


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= int(value) <= high:
            raise ValueError(f"an integer from {low:,} to {high:,}")
        return int(value)
    return check


def _jobs(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not (
            value == -1 or 1 <= int(value) <= MAX_JOBS):
        raise ValueError(f"-1 (all cores) or an integer from 1 to {MAX_JOBS:,}")
    return int(value)


def _number(low: float, *, above: bool = False, below: float | None = None) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value) and (
            float(value) > low if above else float(value) >= low) and (below is None or float(value) < below)
        if not ok:
            rule = f"> {low:g}" if above else f"≥ {low:g}"
            raise ValueError(f"a finite number {rule}" + (f" and < {below:g}" if below is not None else ""))
        return float(value)
    return check


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"one of {', '.join(options)}")
        return value
    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 4_096:
        raise ValueError("a non-empty text")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _target(value: Any) -> str | int:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, str) and not value):
        raise ValueError("a column name or an integer index (negative counts from the end)")
    return value


def _activation(value: Any) -> str:
    from .. import activations

    if not isinstance(value, str):
        raise ValueError("an activation name such as relu or tanh")
    try:
        activations.get(value)
    except (ValueError, TypeError):
        raise ValueError("an activation name such as relu, tanh, sigmoid, elu or gelu") from None
    return value


def _layers(value: Any) -> tuple[int, ...]:
    """Hidden widths from ``'25,15'`` or a list ``[25, 15]``; ``''`` or ``[]``: no hidden layer."""
    expected = f"hidden layer widths like 25,15: up to {MAX_LAYERS} integers from 1 to {MAX_UNITS:,}"
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if len(parts) > MAX_LAYERS or not all(p.isdigit() and len(p) < 10 for p in parts):
            raise ValueError(expected)
        value = [int(p) for p in parts]
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS or not all(
            not isinstance(w, bool) and isinstance(w, int) and 1 <= w <= MAX_UNITS for w in value):
        raise ValueError(expected)
    return tuple(value)


def _lambdas(value: Any) -> tuple[float, ...]:
    """A grid of λ ≥ 0: ``'0,1e-3,1e-2'``, ``'log:START:STOP:N'`` (0 and N values 10^START..10^STOP) or a list."""
    expected = (f"a comma list like 0,1e-3,1e-2 or log:START:STOP:N (0 and N ≤ {MAX_LAMBDAS:,} values from "
                "10^START to 10^STOP, −300 ≤ START, STOP ≤ 300): distinct finite numbers ≥ 0")
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.startswith("log:"):
                start, stop, count = text[4:].split(":")
                start_value, stop_value, n = float(start), float(stop), int(count)
                if not (-300 <= start_value <= 300 and -300 <= stop_value <= 300 and 1 <= n <= MAX_LAMBDAS - 1):
                    raise ValueError(expected)
                value = [0.0] + [10 ** (start_value + (stop_value - start_value) * k / max(n - 1, 1))
                                 for k in range(n)]
            else:
                parts = [p for p in text.split(",") if p.strip()]
                if len(parts) > MAX_LAMBDAS:
                    raise ValueError(expected)
                value = [float(p) for p in parts]
        except ValueError:
            raise ValueError(expected) from None
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_LAMBDAS:
        raise ValueError(expected)
    try:
        checked = tuple(_number(0.0)(v) for v in value)
    except ValueError:
        raise ValueError(expected) from None
    if len(set(checked)) != len(checked):
        raise ValueError(expected)
    return checked


#: option → (check, default). The checks raise ValueError("what it must be"); :func:`check` adds the rest.
OPTIONS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "data": (_text, None), "target": (_target, None), "out": (_text, None),
    "layers": (_layers, "25,15"), "activation": (_activation, "relu"), "l2": (_number(0.0), 0.0),
    "convention": (_choice(CONVENTIONS), "keras"), "epochs": (_integer(1, MAX_EPOCHS), 100),
    "batch_size": (_integer(1, MAX_BATCH), 32), "optimizer": (_choice(OPTIMIZERS), "adam"),
    "learning_rate": (_number(0.0, above=True), 1e-3), "task": (_choice(TASKS), "auto"),
    "seed": (_integer(0, MAX_SEED), 0), "validation_split": (_number(0.0, below=1.0), 0.2),
    "standardize": (_flag, True), "missing": (_choice(MISSING), "error"),
    "lambdas": (_lambdas, "0,1e-4,1e-3,1e-2,1e-1"), "cv": (_integer(2, MAX_CV), 5), "jobs": (_jobs, -1),
    "scheduler": (_text, None),
}


def check(name: str, value: Any, source: str) -> Any:
    """``value`` checked for option ``name``, or a UsageError like ``--epochs must be an integer from 1 to
    1,000,000; got 2.9`` (``source`` names the config file when it came from one, then the key is named)."""
    try:
        return OPTIONS[name][0](value)
    except ValueError as exc:
        flag = name if source else "--" + name.replace("_", "-")   # a config file's key, or the option
        raise UsageError(f"{source}{flag} must be {exc}; got {short(value)}") from None


def read_config(path: str) -> dict[str, Any]:
    """The settings of a TOML or YAML file: at most MAX_CONFIG bytes, known keys only, every value checked."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"config file {path} does not exist")
    if file.stat().st_size > MAX_CONFIG:
        raise UsageError(f"config file {path} has {file.stat().st_size:,} bytes; a config file may have at most "
                         f"{MAX_CONFIG:,}")
    if file.suffix not in (".toml", ".yaml", ".yml"):
        raise UsageError(f"config file {path} must end in .toml, .yaml or .yml")
    try:
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".toml":
            import tomllib

            config = tomllib.loads(text)
        else:
            import yaml  # PyYAML; safe_load builds plain data only, never objects

            config = yaml.safe_load(text) or {}
    except Exception as exc:  # noqa: BLE001 - any read or parse error is a one-line usage error
        raise UsageError(f"config file {path} is not valid: {str(exc).splitlines()[0] if str(exc) else exc!r}") \
            from None
    if not isinstance(config, dict):
        raise UsageError(f"config file {path} must hold key = value settings; got {short(config)}")
    unknown = [short(key) for key in config if key not in OPTIONS]
    if unknown:
        raise UsageError(f"config file {path} has unknown keys {unknown[:10]}; known: "
                         f"{sorted(k for k in OPTIONS)}")
    return {key: check(key, value, f"config file {path}: ") for key, value in config.items()}


def merged(cli: dict[str, Any], command: str) -> dict[str, Any]:
    """Command line over config file over defaults, every value checked; ``--data`` and ``--target`` needed."""
    config = read_config(cli["config"]) if cli.get("config") else {}
    options = {name: default for name, (_, default) in OPTIONS.items()}
    options.update(config)
    options.update({k: check(k, v, "") for k, v in cli.items() if k in OPTIONS and v is not None})
    for required in ("data", "target"):
        if options.get(required) is None:
            raise UsageError(f"--{required} is required (on the command line or in --config)")
    for name in ("layers", "lambdas"):   # defaults are texts: the same check turns them into values
        options[name] = check(name, options[name], "")
    options["command"] = command
    return options


def parameter_count(inputs: int, hidden: tuple[int, ...], outputs: int) -> int:
    """Weights and biases of Dense layers ``inputs → hidden → outputs``: Σ (fan_in + 1)·units."""
    widths = [inputs, *hidden, outputs]
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
