"""The long fuzz run of ``glassnet.load_model`` (``make fuzz``)::

    python fuzz/fuzz_loader.py --examples 10000 [--seed 0] [--timeout 10] [--crash-dir DIR]

The property is the one tests/test_fuzz_loader.py checks on ~500 inputs: for every input, ``load_model``
returns a model or raises ``ModelFileError`` — nothing else escapes, and no input takes longer than
``--timeout`` seconds. The inputs are seeded mutations of valid files (five models that between them use
every allow-listed class family, plus a weights-only file): bit flips, truncations, byte insertions,
deletions and duplications, the header-length field, any value anywhere in the header's JSON or the config's
JSON (wrong types, hostile or cross-family class names, huge, negative and non-finite numbers, deep nesting),
tensor dtypes, shapes and offsets, files spliced from two seeds, hostile files (pickle, zip, nesting 10⁵
deep), and hostile values in otherwise valid files (NaN/inf in a tensor, control characters in a name, a
repeated layer name, a constraint axis beyond its weight, a decay rate ≤ 0, layers too large
to build, an odd ``last_fit``), which must all be refused. The same ``--seed`` gives the same inputs.

Prints how many inputs ran, how many loaded and how many were refused (per mutation and by reason), and the
time. Exits with 1 if anything other than ModelFileError escaped, an input hung or a hostile value loaded;
those inputs are written to ``--crash-dir`` to replay with ``glassnet.load_model(path)``.
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import random
import re
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

import glassnet
from glassnet import (
    L1,
    L1L2,
    L2,
    SGD,
    Activation,
    ActivityRegularization,
    Adagrad,
    AdamW,
    Dense,
    Dropout,
    Input,
    MaxNorm,
    MinMaxNorm,
    ModelFileError,
    NonNeg,
    RMSprop,
    Sequential,
    UnitNorm,
    activations,
    initializers,
    losses,
)
from glassnet.optimizers import ExponentialDecay
from glassnet.saving import ALLOW_LIST, MAX_HEADER_BYTES

HOSTILE_NAMES = ["os.system", "__import__", "builtins.eval", "subprocess.Popen", "posix.system", "this",
                 "pickle.loads", "numpy.load", "glassnet.saving.load_model", "__class__", "__reduce__", "",
                 " ", "Dense ", "dense", "Sequential", "Layer", "Regularizer", "FunctionRegularizer",
                 "Optimizer", "LearningRateSchedule", "Initializer", "Constraint", "Loss", "Metric", "\x00",
                 "\u202e"]
ALL_CLASS_NAMES = sorted({name for table in ALLOW_LIST.values() for name in table})


class Hang(BaseException):
    """Raised by the alarm; a BaseException, so the loader's own `except Exception` cannot swallow it."""


# --- the seed files -----------------------------------------------------------------------------------------
def seed_files(folder: Path) -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    models = {}
    models["trained"] = Sequential([Dense(4, "relu", kernel_regularizer=L2(0.01), activity_regularizer="l1"),
                                    Dropout(0.3, seed=1), Dense(1, "sigmoid")], seed=0)
    models["trained"].compile("adam", "binary_crossentropy", metrics=["accuracy"])
    models["trained"].fit(x, y, epochs=1, verbose=0)
    models["wide"] = Sequential([Input((3,)), Dense(3, "tanh"), Dense(2, "softmax")], dtype="float64", seed=1)
    models["wide"].compile(SGD(0.1, momentum=0.9, nesterov=True), "categorical_crossentropy", lam=0.5)
    models["wide"].fit(x.astype("float64"), np.eye(2)[(x[:, 1] > 0).astype(int)], epochs=1, verbose=0)
    models["every_class"] = Sequential([
        Dense(4, activations.LeakyReLU(0.1), kernel_initializer=initializers.HeNormal(seed=3),
              bias_initializer=initializers.Constant(0.1), kernel_regularizer=L1L2(1e-3, 1e-2),
              bias_regularizer=L1(1e-3), activity_regularizer=L2(1e-3), kernel_constraint=MaxNorm(1.5),
              bias_constraint=NonNeg()),
        Dropout(0.2, seed=4), Activation(activations.GELU(approximate=True), activity_regularizer=L1(1e-4)),
        ActivityRegularization(l1=1e-3, l2=1e-2),
        Dense(3, activations.ELU(),
              kernel_initializer=initializers.VarianceScaling(2.0, "fan_avg", "uniform"),
              kernel_constraint=MinMaxNorm(0.1, 1.0), bias_initializer=initializers.RandomNormal(0, 0.1)),
        Dense(1, "sigmoid", kernel_constraint=UnitNorm(), kernel_initializer=initializers.RandomUniform(),
              kernel_regularizer=L2.from_lecture(0.5, 32)),
    ], seed=2)
    optimizer = AdamW(ExponentialDecay(0.01, 5, 0.9), weight_decay=0.05, global_clipnorm=1.0)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    models["every_class"].compile(optimizer, losses.BinaryCrossentropy(from_logits=False), metrics=["mse"])
    models["every_class"].fit(x, y, epochs=1, verbose=0)
    models["regression"] = Sequential([Dense(2, "softplus"), Dense(1)], seed=5)
    models["regression"].compile(RMSprop(0.01, centered=True, momentum=0.5, clipnorm=1.0), losses.Huber(0.5),
                                 metrics=["mae"], regularizer="l2", regularize_bias=True)
    models["regression"].fit(x, x[:, :1], epochs=1, verbose=0)
    models["unbuilt"] = Sequential([Dense(2, "sigmoid"), Dropout(0.5)])
    models["unbuilt"].compile(Adagrad(0.1, clipvalue=0.5), "mse")
    blobs = {}
    for name, model in models.items():
        model.save(folder / f"{name}.glassnet")
        blobs[name] = (folder / f"{name}.glassnet").read_bytes()
    models["trained"].save_weights(folder / "weights.safetensors")
    blobs["weights"] = (folder / "weights.safetensors").read_bytes()
    return blobs


# --- taking a file apart and putting it together ------------------------------------------------------------
def split(blob: bytes) -> tuple[dict, bytes]:
    length = int.from_bytes(blob[:8], "little")
    return json.loads(blob[8:8 + length]), blob[8 + length:]


def join(header: object, data: bytes = b"") -> bytes:
    text = json.dumps(header).encode("utf-8")
    return len(text).to_bytes(8, "little") + text + data


def places(node: object, prefix: tuple = ()):
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        yield from places(child, (*prefix, key))


def value_at(tree: object, place: tuple) -> object:
    for key in place:
        tree = tree[key]
    return tree


# --- random values -----------------------------------------------------------------------------------------
def random_number(rng: random.Random) -> object:
    return rng.choice([
        lambda: rng.randint(-3, 10),
        lambda: rng.choice([0, -1, 1, 2, 2**31, 2**32, 2**40, 2**53, 2**63 - 1, 2**63, 2**64, 2**128, -2**63,
                            10**39, 10**40, 10**41, 10**200]),
        lambda: rng.randint(-2**140, 2**140), lambda: rng.uniform(-10, 10),
        lambda: rng.choice([0.0, -0.0, 0.5, 1.0, 1e-300, 5e-324, 1e308, -1e308, 1.7976931348623157e308]),
    ])()


def random_text(rng: random.Random) -> str:
    return rng.choice([
        lambda: rng.choice(HOSTILE_NAMES), lambda: rng.choice(ALL_CLASS_NAMES),
        lambda: rng.choice(["float32", "float64", "float16", "int64", "object", "PCG64", "MT19937",
                            "F32", "F64", "model", "weights", "glassnet", "1", "2", "relu", "adam",
                            "accuracy", "bias", ".*", "(", "(a+)+$", "dense/kernel", "optimizer/0/m"]),
        lambda: "".join(rng.choice("abcXYZ_/.09 \"\\\u00e9\u4e2d\U0001f600")
                        for _ in range(rng.randint(0, 12))),
        lambda: "x" * rng.choice([100, 10_000, 100_000]),
    ])()


def random_json(rng: random.Random, depth: int = 0) -> object:
    roll = rng.random()
    if depth < 3 and roll < 0.12:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 3 and roll < 0.24:
        return {random_text(rng): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return rng.choice([lambda: None, lambda: rng.random() < 0.5, lambda: random_number(rng),
                       lambda: random_text(rng)])()


def nearby(rng: random.Random, value: object) -> object:
    """A value like ``value``: a number nudged, a class name from another family, a list grown or shrunk."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        options = [lambda: value + 1, lambda: value - 1, lambda: -value, lambda: value * 2, lambda: 0,
                   lambda: value + 2**32, lambda: value * 10**30, lambda: str(value), lambda: value >= 0,
                   lambda: float(value) if abs(value) < 2**1000 else 1e308]
    elif isinstance(value, float):
        options = [lambda: value * 2, lambda: -value, lambda: value + 1e-9, lambda: 0.0, lambda: 1e308,
                   lambda: int(value), lambda: str(value)]
    elif isinstance(value, str):
        options = [lambda: random_text(rng), lambda: rng.choice(ALL_CLASS_NAMES), value.upper,
                   lambda: value + " ", lambda: value[:-1], lambda: value * 2]
    elif isinstance(value, list):
        options = [lambda: value[:-1], lambda: value + value[-1:], lambda: value[::-1], lambda: [value],
                   lambda: None]
    elif isinstance(value, dict):
        options = [dict, lambda: {**value, random_text(rng): random_json(rng)}, lambda: list(value.values())]
    else:
        options = [lambda: random_json(rng)]
    return rng.choice(options)()


def mutate_tree(rng: random.Random, tree: object) -> object:
    """Replace (by a random or a nearby value), delete, or add one value anywhere in ``tree``."""
    tree = copy.deepcopy(tree)
    place = rng.choice(list(places(tree)))
    if not place:
        return random_json(rng)
    parent, key = value_at(tree, place[:-1]), place[-1]
    action = rng.choice(["random", "nearby", "nearby", "delete", "add"])
    if action == "delete":
        del parent[key]
    elif action == "add" and isinstance(parent, dict):
        parent[random_text(rng)] = random_json(rng)
    elif action == "add":
        parent.insert(key, random_json(rng))
    else:
        parent[key] = random_json(rng) if action == "random" else nearby(rng, parent[key])
    return tree


# --- the mutations -----------------------------------------------------------------------------------------
def bit_flips(rng, blob, seeds):
    out = bytearray(blob)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def cuts_and_inserts(rng, blob, seeds):
    for _ in range(rng.randint(1, 3)):
        at, kind = rng.randint(0, len(blob)), rng.choice(["truncate", "insert", "delete", "duplicate"])
        if kind == "truncate":
            blob = blob[:at]
        elif kind == "insert":
            blob = blob[:at] + rng.randbytes(rng.randint(1, 16)) + blob[at:]
        elif kind == "delete":
            blob = blob[:at] + blob[at + rng.randint(1, 64):]
        else:
            blob = blob[:at] + blob[at:at + rng.randint(1, 64)] + blob[at:]
    return blob


def header_length(rng, blob, seeds):
    true = int.from_bytes(blob[:8], "little")
    length = rng.choice([0, 1, 7, 8, true - 8, true - 1, true + 1, true + 8, len(blob) - 8, len(blob),
                         MAX_HEADER_BYTES, MAX_HEADER_BYTES + 1, 2**31, 2**63, 2**64 - 1,
                         rng.randrange(2**64), rng.randrange(len(blob))])
    return max(length, 0).to_bytes(8, "little") + blob[8:]


def header_json(rng, blob, seeds):
    header, data = split(blob)
    return join(mutate_tree(rng, header), data)


def tensor_table(rng, blob, seeds):
    header, data = split(blob)
    names = [name for name in header if name != "__metadata__"]
    if not names:
        return header_json(rng, blob, seeds)
    for _ in range(rng.randint(1, 2)):
        entry = header[rng.choice(names)]
        field = rng.choice(["dtype", "shape", "data_offsets"])
        if field == "dtype":
            entry[field] = rng.choice(["F16", "BF16", "I64", "I8", "U8", "BOOL", "O", "<f8", "f4", "F32 ", "",
                                       "F32", "F64", random_json(rng)])
        elif field == "shape":
            entry[field] = rng.choice([[], [0], [rng.randint(0, 9) for _ in range(rng.randint(0, 9))],
                                       [2**62, 2**62], [-1, 4], [2**31, 0], nearby(rng, entry[field])])
        else:
            other = header[rng.choice(names)]["data_offsets"]
            offsets = entry[field]  # an earlier round may have broken them already
            valid = isinstance(offsets, list) and len(offsets) == 2 and all(type(v) is int for v in offsets)
            begin, end = offsets if valid else (0, 0)
            entry[field] = rng.choice([other, [begin, end + 4], [begin - 4, end], [-begin, end], [end, begin],
                                       [begin, end, end], [0, len(data) + 8], [2**63, 2**63 + 4],
                                       nearby(rng, entry[field])])
    return join(header, data)


def config_json(rng, blob, seeds):
    header, data = split(blob)
    config = json.loads(header["__metadata__"]["config"])
    for _ in range(rng.randint(1, 3)):
        config = mutate_tree(rng, config)
    header["__metadata__"]["config"] = json.dumps(config)
    return join(header, data)


def class_names(rng, blob, seeds):
    header, data = split(blob)
    config = json.loads(header["__metadata__"]["config"])
    named = [place for place in places(config) if place and place[-1] == "class_name"]
    if not named:
        return config_json(rng, blob, seeds)
    place = rng.choice(named)
    value_at(config, place[:-1])["class_name"] = rng.choice(ALL_CLASS_NAMES + HOSTILE_NAMES)
    header["__metadata__"]["config"] = json.dumps(config)
    return join(header, data)


def splice(rng, blob, seeds):
    """The header of one file with the data of another, or two files cut and glued."""
    other = rng.choice(list(seeds.values()))
    if rng.random() < 0.5:
        return blob[:8 + int.from_bytes(blob[:8], "little")] + other[8 + int.from_bytes(other[:8], "little"):]
    return blob[:rng.randint(0, len(blob))] + other[rng.randint(0, len(other)):]


def hostile(rng, blob, seeds):
    depth = rng.choice([100, 1_000, 10_000, 100_000])
    header, data = split(blob)
    choices = [
        lambda: b"\x80\x04\x95\x15\0\0\0\0\0\0\0\x8c\x02os\x94\x8c\x06system\x94\x93.",  # a pickle
        lambda: b"PK\x03\x04" + rng.randbytes(60),  # a zip, as a .keras file is
        lambda: b"\x89HDF\r\n\x1a\n" + rng.randbytes(60),  # HDF5, as an .h5 file is
        lambda: join({"__metadata__": {**header["__metadata__"], "config": "[" * depth + "]" * depth}}, data),
        lambda: join({**header, "__metadata__": {**header["__metadata__"], "config": "{\"a\":" * depth + "1"
                                                                                     + "}" * depth}}, data),
        lambda: join("[" * depth + "]" * depth),
        lambda: join({**header, "x": {"dtype": "F32", "shape": [2**20, 2**20], "data_offsets": [0, 2**42]}},
                     data),
        lambda: blob + rng.randbytes(rng.randint(1, 64)),
        lambda: rng.randbytes(rng.randint(0, 256)),
    ]
    return rng.choice(choices)()


# --- hostile values: well-formed files whose values would make a later step fail, slow, huge or wrong -------
UNPRINTABLE = ["\n", "\r", "\x1b[2J", "\x00", "\x7f", "\x85", "\u202e", "\u2066", "\ud800"]


def _poisoned_tensor(rng, header, config, data):
    names = [name for name in header if name != "__metadata__" and header[name]["shape"] != [0]]
    if not names:
        return False
    entry = header[rng.choice(names)]
    begin, end = entry["data_offsets"]
    code = {"F32": "<f4", "F64": "<f8"}[entry["dtype"]]
    item = np.array([rng.choice([np.nan, np.inf, -np.inf])], code).tobytes()
    at = begin + len(item) * rng.randrange((end - begin) // len(item))
    data[at:at + len(item)] = item
    return True


def _named(config):
    return [place for place in places(config) if place and place[-1] == "name"]


def _unprintable_name(rng, header, config, data):
    named = _named(config)
    if not named:
        return False
    place = rng.choice(named)
    text = value_at(config, place)
    at = rng.randint(0, len(text))
    value_at(config, place[:-1])["name"] = text[:at] + rng.choice(UNPRINTABLE) + text[at:]
    return True


def _repeated_layer_name(rng, header, config, data):
    layers = config.get("model", {}).get("layers", [])
    if len(layers) < 2:
        return False
    first, second = rng.sample(range(len(layers)), 2)
    layers[second]["config"]["name"] = layers[first]["config"]["name"]
    return True


def _axis_beyond_the_weight(rng, header, config, data):
    axes = [place for place in places(config) if place and place[-1] == "axis"]
    if not axes:
        return False
    value_at(config, rng.choice(axes)[:-1])["axis"] = rng.choice([2, 5, -3, 100, 2**40])
    return True


def _non_positive_schedule(rng, header, config, data):
    rates = [place for place in places(config) if place and place[-1] == "decay_rate"]
    if not rates:
        return False
    value_at(config, rng.choice(rates)[:-1])["decay_rate"] = rng.choice([0.0, -1.5, -1e308])
    return True


def _huge_units(rng, header, config, data):
    units = [place for place in places(config) if place and place[-1] == "units"]
    if not units:
        return False
    value_at(config, rng.choice(units)[:-1])["units"] = rng.choice([2**37, 2**40 - 1])
    return True


def _odd_last_fit(rng, header, config, data):
    if not config.get("state", {}).get("last_fit"):
        return False
    config["state"]["last_fit"].update(rng.choice([{"n_samples": 0}, {"batch_size": 0}, {"extra": 1}]))
    return True


HOSTILE_VALUES = [_poisoned_tensor, _unprintable_name, _repeated_layer_name, _axis_beyond_the_weight,
                  _non_positive_schedule, _huge_units, _odd_last_fit]


def hostile_values(rng, blob, seeds):
    """One value that save never writes (NaN in a tensor, a control character in a name, a repeated layer
    name, a constraint axis beyond its weight, a decay rate ≤ 0, huge layers, an odd last_fit), in an
    otherwise valid file: load_model must refuse it."""
    header, body = split(blob)
    config, data = json.loads(header["__metadata__"]["config"]), bytearray(body)
    for change in rng.sample(HOSTILE_VALUES, len(HOSTILE_VALUES)):
        if change(rng, header, config, data):
            break
    header["__metadata__"]["config"] = json.dumps(config)
    return join(header, bytes(data))


MUTATIONS = [bit_flips, cuts_and_inserts, header_length, header_json, tensor_table, config_json, config_json,
             class_names, splice, hostile, hostile_values]
MUST_REFUSE = {"hostile_values"}  # an input of these mutations that loads is a failure too


# --- the run ------------------------------------------------------------------------------------------------
def reason(error: ModelFileError) -> str:
    """The part of a refusal that names what was wrong, without the file's values."""
    text = str(error).split("': ", 1)[-1]
    subject = re.search(r"`([^`]*)`", text)
    text = subject.group(1) if subject else text.split(" (")[0][:70]
    return re.sub(r"\[\d+\]", "[i]", re.sub(r"'[^']*'", "'…'", text))


def _raise_hang(signum: int, frame: object) -> None:
    raise Hang()


def run(examples: int, seed: int, timeout: float, crash_dir: Path | None) -> int:
    rng = random.Random(seed)
    use_alarm = hasattr(signal, "setitimer")
    if use_alarm:
        signal.signal(signal.SIGALRM, _raise_hang)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        seeds = seed_files(folder)
        path = folder / "input.glassnet"
        counts = collections.Counter()
        per_mutation = collections.defaultdict(collections.Counter)
        reasons = collections.Counter()
        warned = collections.Counter()
        escaped, slowest = [], (0.0, "")
        start = time.perf_counter()
        for index in range(examples):
            seed_name = rng.choice(sorted(seeds))
            mutation = rng.choice(MUTATIONS)
            blob = mutation(rng, seeds[seed_name], seeds)
            path.write_bytes(blob)
            began = time.perf_counter()
            outcome = "accepted"
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, timeout)
                    try:
                        model = glassnet.load_model(path)
                    finally:
                        if use_alarm:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                    if not isinstance(model, Sequential):
                        raise TypeError(f"load_model returned {type(model).__name__}")
                warned.update(f"{w.category.__name__}: {w.message}"[:100] for w in caught)
            except ModelFileError as error:
                outcome = "refused"
                reasons[reason(error)] += 1
            except (Exception, Hang) as error:  # noqa: BLE001 - exactly what the property forbids
                outcome = "escaped"
                escaped.append((index, seed_name, mutation.__name__, blob, error,
                                traceback.format_exc(limit=6)))
            if outcome == "accepted" and mutation.__name__ in MUST_REFUSE:
                outcome = "escaped"
                escaped.append((index, seed_name, mutation.__name__, blob,
                                AssertionError("a hostile value was accepted"), ""))
            elapsed = time.perf_counter() - began
            slowest = max(slowest, (elapsed, f"input {index} ({mutation.__name__} of {seed_name})"))
            counts[outcome] += 1
            per_mutation[mutation.__name__][outcome] += 1
        total = time.perf_counter() - start

    print(f"glassnet.load_model fuzz: {examples} inputs (seed {seed}) in {total:.1f} s "
          f"({1000 * total / max(examples, 1):.2f} ms each; slowest {1000 * slowest[0]:.0f} ms: "
          f"{slowest[1]})")
    print(f"  accepted (loaded a model):   {counts['accepted']:6d}")
    print(f"  refused (ModelFileError):    {counts['refused']:6d}")
    print(f"  escaped (anything else):     {counts['escaped']:6d}")
    print("per mutation (accepted / refused / escaped):")
    for name, tally in sorted(per_mutation.items()):
        print(f"  {name:18s} {tally['accepted']:6d} {tally['refused']:6d} {tally['escaped']:6d}")
    print(f"refusals by reason ({len(reasons)} distinct; the 15 most common):")
    for text, n in reasons.most_common(15):
        print(f"  {n:6d}  {text}")
    if warned:
        print(f"warnings during loads that succeeded: {sum(warned.values())}")
        for text, n in warned.most_common(5):
            print(f"  {n:6d}  {text}")
    if escaped:
        target = crash_dir or Path(tempfile.mkdtemp(prefix="glassnet-fuzz-crashes-"))
        target.mkdir(parents=True, exist_ok=True)
        print(f"FAILED: {len(escaped)} inputs raised something other than ModelFileError (saved in "
              f"{target}):")
        for index, seed_name, mutation, blob, error, trace in escaped[:10]:
            (target / f"input-{index}.glassnet").write_bytes(blob)
            print(f"--- input {index} ({mutation} of {seed_name}): {type(error).__name__}: {error}"[:300])
            print(trace)
        for index, _, _, blob, _, _ in escaped[10:]:
            (target / f"input-{index}.glassnet").write_bytes(blob)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10_000, help="how many inputs (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the mutations (default 0)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one load may take (default 10)")
    parser.add_argument("--crash-dir", type=Path, default=None, help="where to write inputs that escaped")
    args = parser.parse_args(argv)
    if args.examples < 1 or args.timeout <= 0:
        parser.error(f"--examples must be ≥ 1 and --timeout > 0. Received: --examples {args.examples} "
                     f"--timeout {args.timeout}")
    return run(args.examples, args.seed, args.timeout, args.crash_dir)


if __name__ == "__main__":
    sys.exit(main())
