"""Damaged and hostile model files: ``load_model`` returns a model or raises ModelFileError — nothing else.

Hypothesis mutates valid files (four seeds: a trained model with seeded Dropout and Adam, a float64 SGD
model with compile(lam=...), an unbuilt compiled model, a weights-only file) at every level: bytes (bit
flips, truncations, insertions and deletions, the header-length field), the header's JSON (the tensor table:
dtypes, shapes, offsets) and the config's JSON (wrong types, unknown or hostile class names such as
'os.system', huge numbers). Each input is a few kB, so none can take long. The hand-written files below check
the message of each kind of refusal. Each kind of hostile value of the fuzz script (NaN in a tensor, a control
character in a name, ...) must be refused for what it is. ``fuzz/fuzz_loader.py`` runs the same properties on
10,000+ inputs (``make fuzz``).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet
from glassnet import L2, SGD, Dense, Dropout, Input, ModelFileError, Sequential
from glassnet.saving import ALLOW_LIST, MAX_HEADER_BYTES

# 70 inputs per property, 490 in all: a few seconds. derandomize comes from the loaded 'glassnet' profile.
FUZZ = settings(max_examples=70, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])

HOSTILE_NAMES = ["os.system", "__import__", "builtins.eval", "subprocess.Popen", "posix.system", "this",
                 "pickle.loads", "numpy.load", "glassnet.saving.load_model", "__class__", "", "Dense ",
                 "dense", "Sequential", "Regularizer", "FunctionRegularizer", "VarianceScaling", "LectureL2"]


# --- the seed files and how to take them apart --------------------------------------------------------------
def seed_models():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    trained = Sequential([Dense(4, "relu", kernel_regularizer=L2(0.01), activity_regularizer="l1"),
                          Dropout(0.3, seed=1), Dense(1, "sigmoid")], seed=0)
    trained.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    trained.fit(x, y, epochs=1, verbose=0)
    wide = Sequential([Input((3,)), Dense(3, "tanh"), Dense(2, "softmax")], dtype="float64", seed=1)
    wide.compile(SGD(0.1, momentum=0.9), "categorical_crossentropy", lam=0.5)
    wide.fit(x.astype("float64"), np.eye(2)[(x[:, 1] > 0).astype(int)], epochs=1, verbose=0)
    unbuilt = Sequential([Dense(2), Dropout(0.5)])
    unbuilt.compile("rmsprop", "mse")
    return {"trained": trained, "wide": wide, "unbuilt": unbuilt}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def seeds(folder):
    """name → bytes: three model files and a weights file (which load_model must refuse for its kind)."""
    blobs = {}
    for name, model in seed_models().items():
        model.save(folder / f"{name}.glassnet")
        blobs[name] = (folder / f"{name}.glassnet").read_bytes()
        if name == "trained":
            model.save_weights(folder / "weights.safetensors")
            blobs["weights"] = (folder / "weights.safetensors").read_bytes()
    return blobs


def a_seed(data, seeds, kinds=("trained", "wide", "unbuilt", "weights")):
    return seeds[data.draw(st.sampled_from(kinds))]


def split(blob):
    """(header as JSON, data bytes) of a valid file."""
    length = int.from_bytes(blob[:8], "little")
    return json.loads(blob[8:8 + length]), blob[8 + length:]


def join(header, data=b""):
    return raw(json.dumps(header).encode("utf-8"), data)


def raw(header_bytes, data=b""):
    return len(header_bytes).to_bytes(8, "little") + header_bytes + data


def with_config(blob, change):
    """The file with its config JSON replaced by ``change(config)``."""
    header, data = split(blob)
    config = json.loads(header["__metadata__"]["config"])
    header["__metadata__"]["config"] = json.dumps(change(config))
    return join(header, data)


def loads_or_refuses(blob, folder):
    """The property: a model, or ModelFileError. Anything else propagates and fails the test."""
    path = folder / "fuzzed.glassnet"
    path.write_bytes(blob)
    try:
        model = glassnet.load_model(path)
    except ModelFileError:
        return False
    assert isinstance(model, Sequential)
    return True


# --- JSON trees: every place a value can be, and random values to put there ---------------------------------
def places(node, prefix=()):
    yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        yield from places(child, (*prefix, key))


def value_at(tree, place):
    for key in place:
        tree = tree[key]
    return tree


def replaced(tree, place, value, delete=False):
    tree = copy.deepcopy(tree)
    parent = value_at(tree, place[:-1])
    if delete:
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    return tree


keys = st.text(max_size=8) | st.sampled_from(["class_name", "config", "units", "state", "dtype", "seed"])
leaves = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.sampled_from([0, -1, 1, 2**63, 10**50])
          | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
          | st.sampled_from(HOSTILE_NAMES))
json_values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner,
                                                                                                max_size=4),
                           max_leaves=10)


def mutate_tree(data, tree):
    """Replace, delete or add one value anywhere in ``tree``."""
    place = data.draw(st.sampled_from(list(places(tree))))
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "add" and isinstance(value_at(tree, place), dict):
        return replaced(tree, (*place, data.draw(keys)), data.draw(json_values))
    if action == "delete" and place:
        return replaced(tree, place, None, delete=True)
    return replaced(tree, place, data.draw(json_values)) if place else data.draw(json_values)


# --- the properties -----------------------------------------------------------------------------------------
@FUZZ
@given(data=st.data())
def test_bit_flips(seeds, folder, data):
    blob = bytearray(a_seed(data, seeds))
    for _ in range(data.draw(st.integers(1, 8))):
        blob[data.draw(st.integers(0, len(blob) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    loads_or_refuses(bytes(blob), folder)


@FUZZ
@given(data=st.data())
def test_truncations_insertions_and_deletions(seeds, folder, data):
    blob = a_seed(data, seeds)
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(blob)))
        kind = data.draw(st.sampled_from(["truncate", "insert", "delete"]))
        if kind == "truncate":
            blob = blob[:at]
        elif kind == "insert":
            blob = blob[:at] + data.draw(st.binary(min_size=1, max_size=16)) + blob[at:]
        else:
            blob = blob[:at] + blob[at + data.draw(st.integers(1, 16)):]
    loads_or_refuses(blob, folder)


@FUZZ
@given(data=st.data())
def test_header_length_field(seeds, folder, data):
    blob = a_seed(data, seeds, ("trained", "wide", "unbuilt"))
    true_length = int.from_bytes(blob[:8], "little")
    length = data.draw(st.sampled_from([0, 1, 7, 8, true_length - 1, true_length + 1, len(blob) - 8,
                                        len(blob), MAX_HEADER_BYTES + 1, 2**31, 2**63, 2**64 - 1])
                       | st.integers(0, 2**64 - 1) | st.integers(0, len(blob)))
    # Only the true length works: a shorter one that cuts just padding shifts the data start by that much.
    assert loads_or_refuses(length.to_bytes(8, "little") + blob[8:], folder) == (length == true_length)


@FUZZ
@given(data=st.data())
def test_header_json(seeds, folder, data):
    """The tensor table and the metadata: any value anywhere, with the length field right."""
    header, body = split(a_seed(data, seeds))
    loads_or_refuses(join(mutate_tree(data, header), body), folder)


@FUZZ
@given(data=st.data())
def test_tensor_table(seeds, folder, data):
    header, body = split(a_seed(data, seeds, ("trained", "wide", "weights")))
    entry = header[data.draw(st.sampled_from(sorted(name for name in header if name != "__metadata__")))]
    field = data.draw(st.sampled_from(["dtype", "shape", "data_offsets"]))
    big = st.integers(-2**64, 2**64) | st.sampled_from([-1, 0, 2**40, 2**62, 2**63 - 1])
    entry[field] = data.draw({
        "dtype": st.sampled_from(["F16", "BF16", "I64", "U8", "BOOL", "O", "<f8", "f32", "F32 ", "", "F64"])
        | json_values,
        "shape": st.lists(big | st.integers(0, 8), max_size=9) | json_values,
        "data_offsets": st.lists(big | st.integers(0, len(body) + 8), max_size=3) | json_values,
    }[field])
    loads_or_refuses(join(header, body), folder)


@FUZZ
@given(data=st.data())
def test_config_json(seeds, folder, data):
    blob = a_seed(data, seeds)
    for _ in range(data.draw(st.integers(1, 3))):
        blob = with_config(blob, lambda config: mutate_tree(data, config))
    loads_or_refuses(blob, folder)


@FUZZ
@given(data=st.data(), name=st.sampled_from(HOSTILE_NAMES) | st.text(max_size=20))
def test_class_names(seeds, folder, data, name):
    """Another allow-listed name with the same arguments may load (Adam → AdamW); nothing else does."""
    blob = a_seed(data, seeds, ("trained", "wide", "unbuilt"))
    config = json.loads(split(blob)[0]["__metadata__"]["config"])
    place = data.draw(st.sampled_from([p for p in places(config) if p and p[-1] == "class_name"]))
    if loads_or_refuses(with_config(blob, lambda c: replaced(c, place, name)), folder):
        assert any(name in table for table in ALLOW_LIST.values())


# --- hand-written files, one per kind of refusal ------------------------------------------------------------
def set_in_tensor(blob, name, field, value):
    header, body = split(blob)
    header[name][field] = value
    return join(header, body)


def first_tensor(blob):
    return min(name for name in split(blob)[0] if name != "__metadata__")


def same_place_as_another(blob):
    """Give a tensor the offsets of another tensor of the same size: two tensors overlap."""
    header, body = split(blob)
    sized = sorted((e["data_offsets"][1] - e["data_offsets"][0], name) for name, e in header.items()
                   if name != "__metadata__")
    (_, first), (_, second) = next((a, b) for a, b in zip(sized, sized[1:]) if a[0] == b[0])
    header[second]["data_offsets"] = header[first]["data_offsets"]
    return join(header, body)


def set_in_metadata(blob, key, value):
    header, body = split(blob)
    header["__metadata__"][key] = value
    return join(header, body)


def edit_config_text(old, new):
    def edit(blob):
        text = split(blob)[0]["__metadata__"]["config"]
        assert old in text
        return set_in_metadata(blob, "config", text.replace(old, new, 1))
    return edit


def first_layer(change):
    def apply(config):
        change(config["model"]["layers"][0])
        return config
    return lambda blob: with_config(blob, apply)


def class_named(name):
    return first_layer(lambda layer: layer.update(class_name=name))


def units(value):
    return first_layer(lambda layer: layer["config"].update(units=value))


def state(place, value):
    return lambda blob: with_config(blob, lambda config: replaced(config, ("state", *place), value))


HOSTILE = {
    "empty": (lambda b: b"", r"must be a safetensors file.*Received: 0 bytes"),
    "seven bytes": (lambda b: b[:7], r"Received: 7 bytes"),
    "header length 2**64 - 1": (lambda b: b"\xff" * 8 + b[8:], r"header length .* must be at most"),
    "header length 0": (lambda b: b"\0" * 8 + b[8:], r"The header must be valid JSON"),
    "not UTF-8": (lambda b: raw(b'{"\xff": 1}'), r"must be UTF-8 text. Received: an invalid byte at 2"),
    "a JSON list": (lambda b: join([1, 2]), r"`the header` must be a JSON object. Received: a JSON list"),
    "a pickle": (lambda b: b"\x80\x04\x95\x15\0\0\0\0\0\0\0\x8c\x02os\x94\x8c\x06system\x94\x93.",
                 r"header length"),
    "a zip (a .keras file)": (lambda b: b"PK\x03\x04" + b"\0" * 60, r"header length"),
    "safetensors without glassnet metadata": (
        lambda b: join({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
        r"not a glassnet file\)\. Received: None"),
    "another format": (lambda b: set_in_metadata(b, "format", "keras"),
                       r"not a glassnet file\)\. Received: 'keras'"),
    "a newer version": (lambda b: set_in_metadata(b, "format_version", "2"),
                        r"`format_version` must be one of \['1'\], the versions this glassnet reads .*"
                        r"Received: '2'"),
    "unknown kind": (lambda b: set_in_metadata(b, "kind", "pickle"), r"kind: 'model' or 'weights'"),
    "dtype object": (lambda b: set_in_tensor(b, first_tensor(b), "dtype", "O"),
                     r"dtype` must be one of \['F32', 'F64'\]. Received: 'O'"),
    "dtype F16": (lambda b: set_in_tensor(b, first_tensor(b), "dtype", "F16"), r"Received: 'F16'"),
    "huge shape": (lambda b: set_in_tensor(b, first_tensor(b), "shape", [2**30, 2**30]),
                   r"data_offsets` must be 4611686018427387904 bytes apart"),
    "shape beyond numpy": (lambda b: set_in_tensor(b, first_tensor(b), "shape", [2**62, 0]),
                           r"shape` must be an integer in \[0, 1099511627776\)"),
    "negative offset": (lambda b: set_in_tensor(b, first_tensor(b), "data_offsets", [-4, 0]),
                        r"data_offsets` must be an integer in \[0, \d+\). Received: -4"),
    "offset beyond the file": (lambda b: set_in_tensor(b, first_tensor(b), "data_offsets", [10**6, 10**6]),
                               r"must be an integer in \[0, \d+\). Received: 1000000"),
    "overlapping tensors": (same_place_as_another, r"data_offsets` must be to start at byte"),
    "trailing bytes": (lambda b: b + b"\0" * 8, r"bytes long, where its last tensor ends"),
    "class os.system": (class_named("os.system"),
                        r"class_name` must be one of glassnet's layer classes \['Activation', "
                        r"'ActivityRegularization', 'BatchNormalization', 'Dense', 'Dropout', 'Flatten', "
                        r"'GaussianNoise', 'Normalization'\]. Received: 'os.system'"),
    "class __import__": (class_named("__import__"), r"Received: '__import__'"),
    "module this": (class_named("this"), r"Received: 'this'"),
    "units 0": (units(0), r"layers\[0\]` \(Dense\) was refused by its constructor: Argument `units` must be "
                          r"a positive integer. Received: units=0"),
    "units as text": (units("4"), r"layers\[0\].config.units` must be an integer. Received: '4'"),
    "units other than the tensors": (units(5), r"tensor '.*/kernel'` must be float32 of shape \(3, 5\)"),
    "an extra key": (first_layer(lambda layer: layer["config"].update(code="rm -rf /")),
                     r"must be an object with exactly the keys .*Received: missing \[\], "
                     r"unexpected \['code'\]"),
    "NaN": (units(float("nan")), r"NaN and Infinity are not JSON"),
    "1e400": (edit_config_text('"units":4', '"units":1e400'), r"`every JSON number` must be finite"),
    "50 digits": (edit_config_text('"units":4', '"units":' + "9" * 50), r"at most 40 digits long"),
    "repeated keys": (edit_config_text('"units":4', '"units":4,"units":4'),
                      r"free of repeated keys. Received: \['units'\]"),
    "nested 100,000 deep": (lambda b: set_in_metadata(b, "config", "[" * 100_000 + "]" * 100_000),
                            r"The config must be JSON nested a few levels deep"),
    "a tensor missing": (lambda b: join({k: v for k, v in split(b)[0].items() if k != "optimizer/0/m"},
                                        split(b)[1]),
                         r"to start at byte|bytes long|missing \['optimizer/0/m'\]"),
    "another generator": (state(("rng", "bit_generator"), "MT19937"),
                          r"rng.bit_generator` must be 'PCG64'. Received: 'MT19937'"),
    "a generator state too big": (state(("rng", "state", "state"), 2**128),
                                  r"rng.state.state` must be an integer in \[0, \d+\)"),
    "too many iterations": (state(("optimizer", "iterations"), 2**64), r"iterations` must be an integer in"),
    "excluding a weight it has not": (state(("optimizer", "exclude_weight_paths"), ["elsewhere/kernel"]),
                                      r"exclude_weight_paths` must be paths of the model's weights"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_with_a_clear_message(seeds, folder, name):
    make, message = HOSTILE[name]
    before = set(sys.modules)
    (folder / "hostile.glassnet").write_bytes(make(seeds["trained"]))
    with pytest.raises(ModelFileError, match=message) as caught:
        glassnet.load_model(folder / "hostile.glassnet")
    assert str(caught.value).startswith(f"Cannot load '{folder / 'hostile.glassnet'}': ")
    assert len(str(caught.value)) < 1000
    assert "this" not in set(sys.modules) - before  # no module a file names is ever imported


def test_truncated_at_every_region(seeds, folder):
    """Cut in each of the first 64 bytes, every 31 bytes, around the header's end and every tensor's end."""
    for blob in seeds.values():
        length = int.from_bytes(blob[:8], "little")
        header, _ = split(blob)
        ends = [8 + length + entry["data_offsets"][1] for name, entry in header.items()
                if name != "__metadata__"]
        cuts = set(range(64)) | set(range(0, len(blob), 31)) | {8 + length + d for d in (-1, 0, 1)}
        cuts |= {end + d for end in ends for d in (-1, 0)}
        for cut in sorted(c for c in cuts if 0 <= c < len(blob)):
            assert not loads_or_refuses(blob[:cut], folder), cut


def test_size_limit_and_file_kind(seeds, folder):
    (folder / "big.glassnet").write_bytes(seeds["trained"])
    with pytest.raises(ModelFileError, match=r"must be at most max_bytes=100 bytes .*Received: \d+ bytes"):
        glassnet.saving.load_model(folder / "big.glassnet", max_bytes=100)
    assert glassnet.saving.load_model(folder / "big.glassnet", max_bytes=len(seeds["trained"])).built
    with pytest.raises(ModelFileError, match=r"must be a regular file. Received: a file of mode d"):
        glassnet.load_model(folder)


def test_the_seed_files_load(seeds, folder):
    """The mutations start from valid files: the model files load; the weights file is refused for its
    kind."""
    assert {name: loads_or_refuses(blob, folder) for name, blob in seeds.items()} == {
        "trained": True, "wide": True, "unbuilt": True, "weights": False}


# --- hostile values: each kind of value save never writes is refused for what it is --------------------------
def _fuzz_script():
    path = Path(__file__).parents[1] / "fuzz" / "fuzz_loader.py"
    spec = importlib.util.spec_from_file_location("fuzz_loader", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FUZZ_SCRIPT = _fuzz_script()
WHY = {"_poisoned_tensor": r"must be finite numbers only",
       "_unprintable_name": r"must be a string without control characters",
       "_repeated_layer_name": r"must be distinct layer names",
       "_axis_beyond_the_weight": r"cannot be built: Argument `axis` of \w+ .* Received: axis=",
       "_non_positive_schedule": r"Argument `decay_rate` must be a finite number > 0",
       "_huge_units": r"must be float(32|64) of shape|must be layers whose weights fit in max_bytes",
       "_odd_last_fit": r"last_fit"}


@pytest.fixture(scope="module")
def every_seed(folder):
    """The fuzz script's seed files: between them, every allow-listed class family."""
    return FUZZ_SCRIPT.seed_files(folder)


@pytest.mark.parametrize("change", FUZZ_SCRIPT.HOSTILE_VALUES, ids=lambda change: change.__name__.strip("_"))
def test_each_hostile_value_is_refused_for_what_it_is(every_seed, folder, outcome, change):
    tried = 0
    for name, blob in sorted(every_seed.items()):
        for draw in range(4):
            header, body = split(blob)
            config, data = json.loads(header["__metadata__"]["config"]), bytearray(body)
            if name == "weights" or not change(random.Random(draw), header, config, data):
                continue
            header["__metadata__"]["config"] = json.dumps(config)
            (folder / "value.glassnet").write_bytes(join(header, bytes(data)))
            with pytest.raises(ModelFileError, match=WHY[change.__name__]):
                glassnet.load_model(folder / "value.glassnet")
            tried += 1
    assert tried >= 4  # it applies to some seeds at least
    outcome("refused cleanly", count=tried)
