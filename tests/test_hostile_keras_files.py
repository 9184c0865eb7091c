"""Hostile and unsupported Keras .keras archives, and saves Keras cannot hold: every case counted by outcome.

- refused cleanly: glassnet.load_model raises ModelFileError naming the entry and the field (the zip, config.json
  or model.weights.h5) for anything unsupported or unsafe — another model type, a Lambda layer, a custom object, a
  path outside the archive, a zip bomb, an HDF5 link to another file or a filter plugin, a NaN weight — and a save
  Keras cannot hold raises ValueError with nothing written (an existing file keeps its bytes).
- nothing lost: whatever glassnet writes as .keras, glassnet reads back with the same weights, predictions,
  regularizers and optimizer state.

The same archives against real Keras are in test_keras_files.py (no Keras here: these run in a second).
"""

from __future__ import annotations

import functools
import io
import json
import os
import stat
import tempfile
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet
from glassnet import (
    L1L2,
    L2,
    SGD,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    BatchNormalization,
    Dense,
    Dropout,
    Flatten,
    GaussianNoise,
    MaxNorm,
    MinMaxNorm,
    ModelFileError,
    Nadam,
    NonNeg,
    Normalization,
    RMSprop,
    Sequential,
    UnitNorm,
)
from glassnet.activations import ELU, GELU, LeakyReLU
from glassnet.initializers import Constant, HeNormal, RandomUniform, VarianceScaling
from glassnet.losses import CategoricalCrossentropy, Huber, MeanAbsoluteError
from glassnet.optimizers import ExponentialDecay

X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
Y = (X[:, 0] > 0).astype("float32")


@functools.cache
def base_entries() -> dict[str, bytes]:
    """The entries of a valid archive: Normalization, Dense 'hidden' (L2), Dropout, Dense 'out'; Adam, trained.
    Variables: layers/normalization/vars/0-2, layers/dense/vars/0-1 (3, 4), (4,), layers/dense_1/vars/0-1,
    optimizer/vars/0 (iterations), 1 (learning rate), 2-9 (m and v of each weight)."""
    normalization = Normalization()
    model = Sequential([normalization, Dense(4, "relu", kernel_regularizer=L2(0.01), name="hidden"),
                        Dropout(0.1, seed=1), Dense(1, "sigmoid", name="out")], seed=0)
    model.build((None, 3))
    normalization.adapt(X)
    model.compile(Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "base.keras"))
        with zipfile.ZipFile(os.path.join(folder, "base.keras")) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


def zipped(entries, compression=zipfile.ZIP_STORED) -> bytes:
    """A zip of ``entries``: a dict of name → bytes, or (ZipInfo or name, bytes) pairs."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in (entries.items() if isinstance(entries, dict) else entries):
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def pieces_entries() -> dict[str, bytes]:
    """The entries of a valid archive of (2, 3) images: config.layers 0 InputLayer [null, 2, 3], 1 Flatten 'flat',
    2 BatchNormalization 'bn' (L2 on gamma), 3 GaussianNoise 'noise', 4 Dense 'out'; Nadam, two steps.
    Variables: layers/batch_normalization/vars/0-3 (6,) (gamma, beta, moving_mean, moving_variance),
    layers/dense/vars/0-1, optimizer/vars/0 (iterations), 1 (learning rate), 2-9 (momentum and velocity of gamma,
    beta, kernel, bias), 10 (Nadam's momentum product)."""
    model = Sequential([Flatten(input_shape=(2, 3), name="flat"), BatchNormalization(gamma_regularizer=L2(0.01),
                                                                                     name="bn"),
                        GaussianNoise(0.1, seed=1, name="noise"), Dense(1, "sigmoid", name="out")], seed=0)
    model.compile(Nadam(0.01), "binary_crossentropy")
    model.fit(X.reshape(-1, 1, 3).repeat(2, axis=1), Y, epochs=1, batch_size=8, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "pieces.keras"))
        with zipfile.ZipFile(os.path.join(folder, "pieces.keras")) as archive:
            return {name: archive.read(name) for name in archive.namelist()}


def with_config(change, base=base_entries) -> bytes:
    entries = dict(base())
    config = json.loads(entries["config.json"])
    change(config)
    entries["config.json"] = json.dumps(config).encode()
    return zipped(entries)


def with_h5(change, base=base_entries) -> bytes:
    entries = dict(base())
    buffer = io.BytesIO(entries["model.weights.h5"])
    with h5py.File(buffer, "r+") as file:
        change(file)
    entries["model.weights.h5"] = buffer.getvalue()
    return zipped(entries)


def layer(config, index):
    return config["config"]["layers"][index]


def setter(path, value):
    """A change that sets config[path...] = value (path: keys and indexes)."""
    def change(config):
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


LAYERS = ["config", "layers"]
DENSE = [*LAYERS, 2, "config"]  # Dense 'hidden' (0: InputLayer, 1: Normalization)
COMPILE = ["compile_config"]
LAMBDA = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
          "config": {"name": "l", "function": {"module": "builtins", "class_name": "function",
                                               "config": "eval", "registered_name": "function"}}}
_AUC = {"module": "keras.metrics", "class_name": "AUC", "registered_name": None,
        "config": {"name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC",
                   "summation_method": "interpolation", "multi_label": False, "num_labels": None,
                   "label_weights": None, "from_logits": False}}
ORTHOGONAL = {"module": "keras.regularizers", "class_name": "OrthogonalRegularizer", "registered_name": None,
              "config": {"factor": 0.01, "mode": "rows"}}


def _set_policy(index, value):
    return setter([*LAYERS, index, "config", "dtype"], value)


def _two(*changes):
    def change(config):
        for one in changes:
            one(config)
    return change


CONFIG_CASES = {
    "functional model": (setter(["class_name"], "Functional"), r"`config.json:class_name` must be 'Sequential' "
                                                                r".* Received: a functional model: 'Functional'"),
    "Lambda layer": (setter([*LAYERS, 2], LAMBDA), r"config.layers\[2\].class_name` must be one of the Keras "
                                                   r"layer classes .* Received: a Lambda layer, whose function is "
                                                   r"Python code"),
    "registered name": (setter([*LAYERS, 2, "registered_name"], "my_package>MyDense"),
                        r"config.layers\[2\].registered_name` must be null: a registered name is a custom object"),
    "custom module": (setter([*LAYERS, 2, "module"], "my_package.layers"),
                      r"config.layers\[2\].module` must be 'keras.layers'.* Received: 'my_package.layers'"),
    "unknown layer": (setter([*LAYERS, 2, "class_name"], "Conv2D"), r"Received: 'Conv2D'"),
    "unknown key": (setter([*DENSE, "lora_bias"], True), r"config.layers\[2\].config` must be the config of "
                                                         r"Keras's Dense .* unexpected \['lora_bias'\]"),
    "frozen layer": (setter([*DENSE, "trainable"], False), r"config.layers\[2\].config.trainable` must be True"),
    "mixed precision": (_set_policy(2, {"module": "keras", "class_name": "DTypePolicy", "registered_name": None,
                                        "config": {"name": "mixed_float16"}}),
                        r"config.layers\[2\].config.dtype` must be the dtype policy 'float32' or 'float64'"),
    "two dtypes": (_set_policy(2, "float64"), r"`config.json:config.layers` must be layers of one dtype"),
    "images": (setter([*LAYERS, 0, "config", "batch_shape"], [None, 28, 28]), r"2-D inputs"),
    "sparse input": (setter([*LAYERS, 0, "config", "sparse"], True), r"sparse` must be False \(dense inputs"),
    "units not a number": (setter([*DENSE, "units"], "4"), r"config.layers\[2\].config.units` must be an integer"),
    "units zero": (setter([*DENSE, "units"], 0), r"config.layers\[2\]` \(Dense\) was refused by its constructor"),
    "activation": (setter([*DENSE, "activation"], "swish"), r"activation` must be the name of an activation "
                                                            r"glassnet has .* Received: 'swish'"),
    "activation object": (setter([*DENSE, "activation"], LAMBDA["config"]["function"]), r"Received: \{"),
    "regularizer class": (setter([*DENSE, "kernel_regularizer"], ORTHOGONAL),
                          r"kernel_regularizer.class_name` must be one of the Keras regularizer classes"),
    "negative l2": (setter([*DENSE, "kernel_regularizer", "config", "l2"], -1.0), r"kernel_regularizer` \(L2\) "
                                                                                 r"was refused by its constructor"),
    "initializer class": (setter([*DENSE, "kernel_initializer", "class_name"], "Orthogonal"),
                          r"kernel_initializer.class_name` must be one of the Keras initializer classes"),
    "initializer axes": (setter([*DENSE, "kernel_initializer", "config", "input_axes"], [0]),
                         r"input_axes` must be None"),
    "build config": (setter([*LAYERS, 4, "build_config", "input_shape"], [None, 5]),
                     r"config.layers\[4\].build_config.input_shape` must be \[null, 4\]"),
    "layer built, model not": (_two(lambda config: config["config"]["layers"].pop(0),
                                    lambda config: config["config"].pop("build_input_shape"),
                                    lambda config: config.pop("build_config")),
                               r"config.layers\[0\].build_config` must be absent: the model has no input shape to "
                               r"build this layer for"),
    "two input widths": (setter(["build_config", "input_shape"], [None, 7]), r"must be one input shape"),
    "huge layer": (_two(setter([*LAYERS, 4, "config", "units"], 10**9), setter([*COMPILE, "metrics"], None)),
                   r"config.json:config.layers` must be layers whose weights fit in max_bytes"),
    "shared object": (_two(setter([*DENSE, "dtype", "shared_object_id"], 7),
                           _set_policy(4, {"module": "keras", "class_name": "DTypePolicy", "registered_name": None,
                                           "config": {"name": "float64"}, "shared_object_id": 7})),
                      r"config.layers\[4\].config.dtype` must be the same object as the first one with "
                      r"shared_object_id 7"),
    "control character": (setter(["config", "name"], "model\x1b[2J"), r"config.name` must be a string without "
                                                                     r"control characters"),
    "repeated names": (setter([*LAYERS, 4, "config", "name"], "hidden"), r"distinct layer names"),
    "loss name": (setter([*COMPILE, "loss"], "kl_divergence"), r"compile_config.loss` must be the name of a loss "
                                                               r"glassnet has"),
    "two losses": (setter([*COMPILE, "loss"], ["mse", "mae"]), r"compile_config.loss` must be one loss"),
    "label smoothing": (setter([*COMPILE, "loss"], {"module": "keras.losses", "class_name": "BinaryCrossentropy",
                                                    "registered_name": None,
                                                    "config": {"from_logits": False, "label_smoothing": 0.1}}),
                        r"loss.config.label_smoothing` must be 0.0"),
    "ema": (setter([*COMPILE, "optimizer", "config", "use_ema"], True), r"optimizer.config.use_ema` must be False"),
    "optimizer class": (setter([*COMPILE, "optimizer", "class_name"], "Lion"),
                        r"optimizer.class_name` must be one of the Keras optimizer classes"),
    "metric": (setter([*COMPILE, "metrics"], ["top_k_categorical_accuracy"]),
               r"compile_config.metrics\[0\]` was refused by compile\(\)"),
    "auc label weights": (setter([*COMPILE, "metrics"], [_AUC | {"config": _AUC["config"] | {"label_weights": [1.0]}}]),
                          r"metrics\[0\].config.label_weights` must be None"),
    "auc curve": (setter([*COMPILE, "metrics"], [_AUC | {"config": _AUC["config"] | {"curve": "DET"}}]),
                  r"metrics\[0\]` \(AUC\) was refused by its constructor"),
    "precision top k": (setter([*COMPILE, "metrics"], [
        {"module": "keras.metrics", "class_name": "Precision", "registered_name": None,
         "config": {"name": "precision", "dtype": "float32", "thresholds": None, "top_k": 2, "class_id": None}}]),
        r"metrics\[0\].config.top_k` must be None"),
    "weighted metrics": (setter([*COMPILE, "weighted_metrics"], ["accuracy"]), r"weighted_metrics` must be null"),
    "loss weights": (setter([*COMPILE, "loss_weights"], [2.0]), r"loss_weights` must be None"),
    "compile key": (setter([*COMPILE, "auto_scale_loss"], True), r"unexpected \['auto_scale_loss'\]"),
}


def refused(tmp_path, blob, message, name="model.keras", **kwargs):
    path = tmp_path / name
    path.write_bytes(blob)
    with pytest.raises(ModelFileError, match=message) as caught:
        glassnet.load_model(path, **kwargs)
    assert str(caught.value).startswith(f"Cannot load {str(path)!r}: ")


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_config_json_holding_what_glassnet_cannot_honour_is_refused_by_name(tmp_path, outcome, case):
    change, message = CONFIG_CASES[case]
    refused(tmp_path, with_config(change), message)
    outcome("refused cleanly")


def _metadata(version):
    entries = dict(base_entries())
    entries["metadata.json"] = json.dumps({"keras_version": version}).encode()
    return zipped(entries)


def _config_text(text):
    return zipped({**base_entries(), "config.json": text})


@pytest.mark.parametrize("blob, message", [
    (_metadata("2.15.0"), r"`metadata.json:keras_version` must be a Keras 3 version"),
    (_config_text(b"{"), r"config.json must be valid JSON"),
    (_config_text(b'{"a": NaN}'), r"must be finite \(NaN and Infinity are not JSON\)"),
    (_config_text(b'{"a": 1, "a": 2}'), r"free of repeated keys"),
    (_config_text(b"[" * 100_000 + b"]" * 100_000), r"must be JSON nested a few levels deep"),
    (_config_text(b"[]"), r"`config.json` must be a Keras object"),
], ids=["keras 2", "not json", "nan", "repeated key", "deep", "a list"])
def test_metadata_and_json_that_are_not_a_keras_3_config_are_refused(tmp_path, outcome, blob, message):
    refused(tmp_path, blob, message)
    outcome("refused cleanly")


def _entry(name, data=b"{}", **attributes):
    info = zipfile.ZipInfo(name)
    for key, value in attributes.items():
        setattr(info, key, value)
    return info, data


def _bomb():
    return zipped({**{k: v for k, v in base_entries().items() if k != "model.weights.h5"},
                   "model.weights.h5": bytes(20_000_000)}, zipfile.ZIP_DEFLATED)


def _encrypted_flag(blob: bytes, name: bytes) -> bytes:
    """The archive with the 'encrypted' flag set on ``name``'s central-directory record (zipfile never writes it)."""
    data = bytearray(blob)
    start = data.find(b"PK\x01\x02")
    while start >= 0:
        length = int.from_bytes(data[start + 28:start + 30], "little")
        if data[start + 46:start + 46 + length] == name:
            data[start + 8] |= 0x1  # general-purpose flags: bit 0 is 'encrypted'
        start = data.find(b"PK\x01\x02", start + 4)
    return bytes(data)


def _flip_in(name: str) -> bytes:
    """The archive with one bit of ``name``'s stored data flipped (its CRC no longer matches)."""
    blob = bytearray(zipped(base_entries()))
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as archive:
        info = archive.getinfo(name)
    begin = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    blob[begin + info.file_size // 2] ^= 0x1
    return bytes(blob)


ZIP_CASES = {
    "not a zip": (b"not a zip at all", r"`the file` must be a Keras .keras file \(a zip archive\)"),
    "truncated": (lambda: zipped(base_entries())[:2000], r"not a zip archive"),
    "many entries": (lambda: zipped({f"e{i}": b"" for i in range(17)}), r"a zip of at most 16 entries"),
    "parent path": (lambda: zipped([*base_entries().items(), _entry("../../etc/cron.d/x")]),
                    r"entry '../../etc/cron.d/x'` must be a plain file .* Received: a path that could point outside"),
    "absolute path": (lambda: zipped([*base_entries().items(), _entry("/etc/passwd")]), r"outside the archive"),
    "symlink": (lambda: zipped([_entry("config.json", b"/etc/passwd", create_system=3,
                                       external_attr=(stat.S_IFLNK | 0o777) << 16),
                                *[(k, v) for k, v in base_entries().items() if k != "config.json"]]),
                r"entry 'config.json'` must be a plain file of the archive. Received: a symbolic link"),
    "encrypted": (lambda: _encrypted_flag(zipped(base_entries()), b"config.json"),
                  r"entry 'config.json'` must be a plain file of the archive. Received: encrypted"),
    "bzip2": (lambda: zipped(base_entries(), zipfile.ZIP_BZIP2), r"compressed with method 12"),
    "assets": (lambda: zipped({**base_entries(), "assets/vocabulary.txt": b"a"}), r"Received: assets"),
    "npz weights": (lambda: zipped({**base_entries(), "model.weights.npz": b"a"}), r"weights in NumPy form"),
    "unknown entry": (lambda: zipped({**base_entries(), "run.sh": b"a"}), r"entry 'run.sh'` must be one of"),
    "no config": (lambda: zipped({k: v for k, v in base_entries().items() if k != "config.json"}),
                  r"with the entry 'config.json'"),
    "huge config": (lambda: _config_text(b" " * (16 * 1024**2 + 1)), r"entry 'config.json''s size` must be at "
                                                                       r"most 16777216 bytes"),
    "zip bomb": (_bomb, r"entry 'model.weights.h5''s compression ratio` must be at most 100:1"),
    "bad crc": (lambda: _flip_in("config.json"), r"entry 'config.json'` must be intact .* Received: BadZipFile: "
                                                  r"Bad CRC-32 for file 'config.json'"),
}


@pytest.mark.parametrize("case", list(ZIP_CASES))
def test_an_unsafe_or_foreign_zip_is_refused_before_anything_is_decompressed(tmp_path, outcome, case):
    blob, message = ZIP_CASES[case]
    refused(tmp_path, blob() if callable(blob) else blob, message)
    outcome("refused cleanly")


def test_entries_and_files_beyond_max_bytes_are_refused(tmp_path, outcome):
    padding = np.random.default_rng(0).integers(0, 4, 500_000).astype(np.uint8).tobytes()  # about 4:1
    blob = zipped({**base_entries(), "model.weights.h5": padding}, zipfile.ZIP_DEFLATED)
    refused(tmp_path, blob, r"entry 'model.weights.h5''s size` must be at most 400000 bytes", max_bytes=400_000)
    both = zipped({"config.json": padding[:300_000], "model.weights.h5": padding[:300_000]}, zipfile.ZIP_DEFLATED)
    refused(tmp_path, both, r"`the archive's entries` must be at most max_bytes=400000 bytes together",
            max_bytes=400_000)
    refused(tmp_path, zipped(base_entries()), r"the file must be at most max_bytes=1000 bytes", max_bytes=1000)
    outcome("refused cleanly", count=3)


def _put(path, value=None, **options):
    def change(file):
        del file[path]
        if value is not None:
            file.create_dataset(path, data=value, **options)
    return change


def _link(path, link):
    def change(file):
        del file[path]
        file[path] = link
    return change


def _external(file):
    del file["layers/dense/vars/0"]
    file.create_dataset("layers/dense/vars/0", shape=(3, 4), dtype="f4",
                        external=[("/etc/passwd", 0, h5py.h5f.UNLIMITED)])


def _virtual(file):
    del file["layers/dense/vars/0"]
    layout = h5py.VirtualLayout(shape=(3, 4), dtype="f4")
    layout[:] = h5py.VirtualSource("/etc/secret.h5", "data", shape=(3, 4))
    file.create_virtual_dataset("layers/dense/vars/0", layout)


def _extra_group(file):
    file.create_group("evil").attrs["payload"] = np.void(b"\x80\x04pickle")


KERNEL = "layers/dense/vars/0"
H5_CASES = {
    "missing": (_put("layers/dense/vars/1"), r"`model.weights.h5` must be the variables of the layers config.json "
                                             r"describes. Received: missing \['layers/dense/vars/1'\]"),
    "extra variable": (lambda f: f.create_dataset("layers/dense/vars/2", data=np.zeros(4, "f4")),
                       r"`model.weights.h5:layers/dense/vars/2` must be absent"),
    "extra group": (_extra_group, r"`model.weights.h5:evil` must be absent"),
    "wrong shape": (_put(KERNEL, np.zeros((4, 3), "f4")), r"vars/0` must be a dataset of shape \(3, 4\), what "
                                                          r"config.json builds. Received: shape \(4, 3\)"),
    "integers": (_put(KERNEL, np.zeros((3, 4), "i4")), r"must be a dataset of float32 or float64. Received: dtype"),
    "float16": (_put(KERNEL, np.zeros((3, 4), "f2")), r"float32 or float64. Received: dtype float16"),
    "strings": (_put(KERNEL, np.full((3, 4), "x", dtype=h5py.string_dtype())), r"Received: dtype object"),
    "nan": (_put(KERNEL, np.full((3, 4), np.nan, "f4")), r"vars/0` must be finite numbers only"),
    "beyond float32": (_put(KERNEL, np.full((3, 4), 1e300)), r"must be numbers that float32, the model's dtype, can "
                                                            r"hold"),
    "soft link": (_link(KERNEL, h5py.SoftLink("/layers/dense_1/vars/0")),
                  r"vars/0` must be an object of the file itself. Received: a SoftLink"),
    "external link": (_link(KERNEL, h5py.ExternalLink("/etc/secret.h5", "/data")), r"Received: a ExternalLink"),
    "external storage": (_external, r"vars/0` must be a dataset stored in this file. Received: data stored in "
                                    r"other files"),
    "virtual": (_virtual, r"Received: data stored in other files"),
    "filter plugin": (_put(KERNEL, np.zeros((3, 4), "f4"), compression="lzf"),
                      r"must be a dataset without filters or .* Received: filter 32000"),
    "optimizer gap": (_put("optimizer/vars/5"), r"`model.weights.h5:optimizer/vars` must be 2 variables .* or 10 .* "
                                                r"Received: 9 of them"),
    "negative steps": (_put("optimizer/vars/0", np.int64(-3)),
                       r"vars/0` must be a count ≥ 0 \(at most 2\*\*63 − 1\). Received: -3"),
    "float steps": (_put("optimizer/vars/0", np.float32(3)), r"must be a dataset of an integer type"),
}


@pytest.mark.parametrize("case", list(H5_CASES))
def test_model_weights_h5_is_read_only_where_the_config_says_and_only_plain_numbers(tmp_path, outcome, case):
    change, message = H5_CASES[case]
    refused(tmp_path, with_h5(change), message)
    outcome("refused cleanly")


def test_a_legacy_h5_file_and_a_garbled_weights_entry_are_refused(tmp_path, outcome):
    legacy = io.BytesIO()
    with h5py.File(legacy, "w") as file:
        file["model_weights"] = np.zeros(3)
    refused(tmp_path, legacy.getvalue(), r"Received: an HDF5 file \(Keras's legacy .h5 model or its .weights.h5\): "
                                         r"load the model in Keras and save it as .keras", name="model.h5")
    with pytest.raises(ModelFileError, match=r"Received: an HDF5 file \(Keras's legacy .h5 model"):
        _built(Dense(1)).load_weights(tmp_path / "model.h5")
    refused(tmp_path, zipped({**base_entries(), "model.weights.h5": b"garbage"}),
            r"`model.weights.h5` must be an intact HDF5 file. Received: a damaged file \(OSError: ")
    outcome("refused cleanly", count=2)


def _cyclic_free_list(file_bytes: bytes) -> bytes:
    """The HDF5 file with the free list of its root group's local heap pointing back at itself (one 8-byte field
    changed): HDF5 1.14 then allocates without end. Fuzzing found it; in-process it took 12 GB and two minutes."""
    data = bytearray(file_bytes)
    heap = data.find(b"HEAP")  # signature, version, reserved (8 bytes), data size, free-list head, data address
    free = int.from_bytes(data[heap + 16:heap + 24], "little")
    segment = int.from_bytes(data[heap + 24:heap + 32], "little")
    data[segment + free:segment + free + 8] = free.to_bytes(8, "little")  # the free block's "next": itself
    return bytes(data)


def test_an_hdf5_file_on_which_hdf5_runs_away_is_read_in_a_bounded_process(tmp_path, outcome, monkeypatch):
    from glassnet.saving import keras_weights

    monkeypatch.setattr(keras_weights, "CHILD_MEMORY", 256 * 1024**2)  # the runaway stops sooner: a faster test
    entries = dict(base_entries())
    entries["model.weights.h5"] = _cyclic_free_list(entries["model.weights.h5"])
    refused(tmp_path, zipped(entries), r"`model.weights.h5` must be an intact HDF5 file. Received: a damaged file "
                                       r"\(RuntimeError: .*memory allocation failed")
    outcome("refused cleanly")


# --- BatchNormalization, GaussianNoise, Flatten and Nadam: what glassnet's have not, refused by name -----------------
BN = [*LAYERS, 2, "config"]
BN_VARIANCE, U_PRODUCT = "layers/batch_normalization/vars/3", "optimizer/vars/10"
TRUNCATED = {"module": "keras.initializers", "class_name": "TruncatedNormal", "registered_name": None,
             "config": {"mean": 0.0, "stddev": 0.05, "seed": None}}
PIECES_CONFIG_CASES = {
    "renorm": (setter([*BN, "renorm"], True), r"`config.json:config.layers\[2\].config.renorm` must be False "
                                              r"\(glassnet's BatchNormalization has no other renorm\). Received: True"),
    "renorm clipping": (setter([*BN, "renorm_clipping"], {"rmax": 3.0}), r"config.renorm_clipping` must be None"),
    "renorm momentum object": (setter([*BN, "renorm_momentum"], {"a": 1}), r"renorm_momentum` must be a string or "
                                                                           r"a number"),
    "synchronized": (setter([*BN, "synchronized"], True), r"config.layers\[2\].config.synchronized` must be False"),
    "beta initializer class": (setter([*BN, "beta_initializer"], TRUNCATED),
                               r"config.layers\[2\].config.beta_initializer.class_name` must be one of the Keras "
                               r"initializer classes glassnet has .* Received: 'TruncatedNormal'"),
    "bn momentum": (setter([*BN, "momentum"], 1.5), r"config.layers\[2\]` \(BatchNormalization\) was refused by "
                                                    r"its constructor: .*momentum=1.5"),
    "bn axis": (setter([*BN, "axis"], 0), r"\(BatchNormalization\) was refused by its constructor: Argument `axis` "
                                          r"must be -1"),
    "bn center": (setter([*BN, "center"], "yes"), r"config.layers\[2\].config.center` must be true or false"),
    "bn unknown key": (setter([*BN, "fused"], True), r"unexpected \['fused'\]"),
    "noise stddev": (setter([*LAYERS, 3, "config", "stddev"], 2.0), r"config.layers\[3\]` \(GaussianNoise\) was "
                                                                   r"refused by its constructor: .*stddev=2.0"),
    "noise seed": (setter([*LAYERS, 3, "config", "seed"], "1"), r"config.layers\[3\].config.seed` must be an integer"),
    "channels first images": (setter([*LAYERS, 1, "config", "data_format"], "channels_first"),
                              r"config.layers\[1\].config.data_format` must be 'channels_last' .* Received: "
                              r"'channels_first'"),
    "images without flatten": (setter([*LAYERS, 1], layer(json.loads(base_entries()["config.json"]), 2)),
                               r"config.layers\[0\].config.batch_shape` must be \[null, features\]: glassnet's "
                               r"models take 2-D inputs"),
    "image axes": (setter([*LAYERS, 0, "config", "batch_shape"], [None] + [1] * 9), r"\(k ≤ 8\) into a first "
                                                                                   r"Flatten"),
    "huge images": (setter([*LAYERS, 0, "config", "batch_shape"], [None, 10**7, 10**7]), r"must be examples of "
                                                                                          r"fewer than"),
    "image build config": (setter([*LAYERS, 1, "build_config", "input_shape"], [None, 3, 2]),
                           r"config.layers\[1\].build_config.input_shape` must be \[null, 2, 3\], the input this "
                           r"layer gets"),
    "two image shapes": (setter(["build_config", "input_shape"], [None, 3, 2]),
                         r"must be one input shape. Received: .*batch_shape: \[null, 2, 3\], .*\[null, 3, 2\]"),
    "nadam beta": (setter([*COMPILE, "optimizer", "config", "beta_1"], 1.0), r"optimizer` \(Nadam\) was refused by "
                                                                             r"its constructor"),
    "nadam ema": (setter([*COMPILE, "optimizer", "config", "use_ema"], True), r"use_ema` must be False"),
}


@pytest.mark.parametrize("case", list(PIECES_CONFIG_CASES))
def test_batch_normalization_noise_flatten_and_nadam_settings_glassnet_lacks_are_refused_by_name(tmp_path, outcome,
                                                                                                  case):
    change, message = PIECES_CONFIG_CASES[case]
    refused(tmp_path, with_config(change, pieces_entries), message)
    outcome("refused cleanly")


def _u_product(value):
    return _put(U_PRODUCT, np.float32(value))


PIECES_H5_CASES = {
    "moving variance length": (_put(BN_VARIANCE, np.ones(5, "f4")), r"`model.weights.h5:layers/batch_normalization/"
                                                                     r"vars/3` must be a dataset of shape \(6,\)"),
    "negative moving variance": (_put(BN_VARIANCE, -np.ones(6, "f4")),
                                 r"`model.weights.h5:layers/batch_normalization/vars/3` must be variances ≥ 0 \(the "
                                 r"moving_variance of layer 'bn'\). Received: a negative variance"),
    "nan moving mean": (_put("layers/batch_normalization/vars/2", np.full(6, np.nan, "f4")),
                        r"batch_normalization/vars/2` must be finite numbers only"),
    "missing moving variance": (_put(BN_VARIANCE), r"Received: missing \['layers/batch_normalization/vars/3'\]"),
    "renorm's moving stddev": (lambda f: f.create_dataset("layers/batch_normalization/vars/4", data=np.ones(6, "f4")),
                               r"`model.weights.h5:layers/batch_normalization/vars/4` must be absent"),
    "noise variable": (lambda f: f.create_dataset("layers/gaussian_noise/vars/0", data=np.ones(2, "u4")),
                       r"`model.weights.h5:layers/gaussian_noise/vars/0` must be absent"),
    "slot shape": (_put("optimizer/vars/4", np.zeros(5, "f4")), r"optimizer/vars/4` must be a dataset of shape \(6,\)"),
    "no momentum product": (_put(U_PRODUCT), r"`model.weights.h5:optimizer/vars` must be 2 variables .* or 11 .* "
                                             r"Received: 10 of them"),
    "other momentum product": (_u_product(0.5), r"`model.weights.h5:optimizer/vars/10` must be Nadam's momentum "
                                                r"product Πₜ after 2 steps, 0.2271.* Received: 0.5"),
    "momentum product above 1": (_u_product(2.0), r"vars/10` must be Nadam's momentum product Πₜ, a number in "
                                                  r"\[0, 1\]. Received: 2.0"),
    "nan momentum product": (_u_product(np.nan), r"vars/10` must be finite numbers only"),
}


@pytest.mark.parametrize("case", list(PIECES_H5_CASES))
def test_batch_normalization_and_nadam_variables_that_do_not_fit_are_refused(tmp_path, outcome, case):
    change, message = PIECES_H5_CASES[case]
    refused(tmp_path, with_h5(change, pieces_entries), message)
    outcome("refused cleanly")


def test_a_long_nadam_run_loads_and_trains_on_without_multiplying_out_its_momentum_product(tmp_path, outcome):
    """Beyond U_PRODUCT_STEPS the file's Πₜ is only checked to be in [0, 1]: a step count near 2**62 loads at once,
    and its next step takes Πₜ in closed form (multiplying 2**62 factors one by one would never end)."""
    def change(file):
        _put("optimizer/vars/0", np.int64(2**62))(file)
        _u_product(0.0)(file)
    path = tmp_path / "long.keras"
    path.write_bytes(with_h5(change, pieces_entries))
    model = glassnet.load_model(path)
    assert model.optimizer.iterations == 2**62
    model.fit(X.reshape(-1, 1, 3).repeat(2, axis=1), Y, epochs=1, batch_size=len(X), verbose=0)
    assert model.optimizer.iterations == 2**62 + 1 and np.isfinite(model.layers[-1].kernel.value).all()
    outcome("nothing lost")


def test_channels_first_is_read_where_the_input_is_2d_and_images_reach_a_first_flatten(tmp_path, outcome):
    def change(config):
        layer(config, 1)["config"]["data_format"] = "channels_first"
        for item in (config["build_config"], layer(config, 1)["build_config"]):
            item["input_shape"] = [None, 6]
        config["config"]["build_input_shape"] = layer(config, 0)["config"]["batch_shape"] = [None, 6]
    path = tmp_path / "flat.keras"
    path.write_bytes(with_config(change, pieces_entries))
    flat = glassnet.load_model(path)
    path.write_bytes(zipped(pieces_entries()))
    images = glassnet.load_model(path)
    x = X.reshape(-1, 1, 3).repeat(2, axis=1)
    np.testing.assert_array_equal(flat.predict(x.reshape(-1, 6), verbose=0), images.predict(x, verbose=0))
    assert flat.input_shape == images.input_shape == (None, 6)
    outcome("nothing lost", count=2)


# --- saves a .keras file cannot hold: refused, nothing written ---------------------------------------------------
def _built(*layers, compile_kwargs=None, **model_kwargs):
    model = Sequential(list(layers), seed=0, **model_kwargs)
    model.build((None, 3))
    if compile_kwargs is not None:
        model.compile(**compile_kwargs)
    return model


SAVE_CASES = {
    "legacy h5": (lambda: _built(Dense(1)), "model.h5", r"Cannot save a model to '.*model.h5': Keras 3 reads .h5 "
                                                       r"files as its legacy HDF5 format"),
    "hdf5": (lambda: _built(Dense(1)), "model.hdf5", r"Use a .keras name .* or .glassnet"),
    "leaky slope": (lambda: _built(Dense(1, LeakyReLU(0.1))), "model.keras",
                    r"`layers\[0\] \(dense.*\).activation`: Keras names activations without arguments: its "
                    r"'leaky_relu' is LeakyReLU\(negative_slope=0.2\)"),
    "elu alpha": (lambda: _built(Dense(1, ELU(2.0))), "model.keras", r"its 'elu' is ELU\(alpha=1.0\)"),
    "gelu tanh": (lambda: _built(Dense(1, GELU(approximate=True))), "model.keras", r"'gelu' is GELU"),
    "function regularizer": (lambda: _built(Dense(1, kernel_regularizer=lambda w: float(np.sum(w)))), "model.keras",
                             r"only glassnet's own regularizer classes can be saved"),
    "slash": (lambda: _built(Dense(1, name="a/b")), "model.keras", r"`layers\[0\].name`: Keras refuses names with '/'"),
    "pending lam": (lambda: _built(Dense(1), compile_kwargs=dict(optimizer="sgd", loss="mse", lam=0.7)),
                    "model.keras", r"`compile.lam`: the lecture's λ is an L2 factor only once m is known"),
    "callable metric": (lambda: _built(Dense(1), compile_kwargs=dict(optimizer="sgd", loss="mse",
                                                                     metrics=[lambda y, p: p[:, 0]])),
                        "model.keras", r"only metric names can be saved"),
    "logits mse": (lambda: _built(Dense(1), compile_kwargs=dict(optimizer="sgd", loss=glassnet.losses.MeanSquaredError(
        from_logits=True))), "model.keras", r"Keras's MeanSquaredError has no from_logits; only False can be written"),
}


@pytest.mark.parametrize("case", list(SAVE_CASES))
def test_a_save_keras_cannot_hold_is_refused_and_leaves_the_old_file(tmp_path, outcome, case):
    make, name, message = SAVE_CASES[case]
    path = tmp_path / name
    path.write_bytes(b"the previous file")
    model = make()
    with pytest.raises(ValueError, match=message):
        model.save(path)
    assert path.read_bytes() == b"the previous file" and sorted(p.name for p in tmp_path.iterdir()) == [name]
    outcome("refused cleanly")


def test_weights_alone_and_a_preparation_record_are_not_written_as_keras(tmp_path, outcome):
    model = _built(Dense(1))
    for name, message in (("w.keras", r"Cannot save weights alone to '.*w.keras': a .keras file holds a whole model"),
                          ("w.weights.h5", r"Cannot save weights to '.*w.weights.h5': Keras 3 reads .h5 files")):
        with pytest.raises(ValueError, match=message):
            model.save_weights(tmp_path / name)
    from glassnet.saving import save_model

    with pytest.raises(ValueError, match=r"A .keras file cannot carry glassnet's data-preparation record"):
        save_model(model, tmp_path / "m.keras", preparation=object())
    assert list(tmp_path.iterdir()) == []
    outcome("refused cleanly", count=3)


# --- nothing lost: whatever glassnet writes as .keras, it reads back -----------------------------------------------
def described(obj):
    """get_config() with nested glassnet objects described by theirs (a schedule has no ==)."""
    return {key: described(value) if hasattr(value, "get_config") else value
            for key, value in obj.get_config().items()}


def _variants():
    yield "float64 sgd schedule", Sequential([Dense(3, "tanh", kernel_initializer=HeNormal(seed=2),
                                                    kernel_constraint=UnitNorm()), Dense(2, "softmax")],
                                             seed=1, dtype="float64"), dict(
        optimizer=SGD(ExponentialDecay(0.1, 5, 0.5), momentum=0.9, nesterov=True), loss=CategoricalCrossentropy(),
        metrics=["categorical_accuracy"])
    yield "rmsprop l1l2 elu", Sequential([Dense(3, "elu", kernel_regularizer=L1L2(0.01, 0.02),
                                                bias_constraint=MaxNorm(2.0)), Dense(1, "softplus",
                                                                                    kernel_constraint=NonNeg())],
                                         seed=1), dict(optimizer=RMSprop(0.01, momentum=0.3, centered=True),
                                                       loss=MeanAbsoluteError(), metrics=["mae"])
    yield "adagrad gelu lecture", Sequential([Dense(3, "gelu", kernel_initializer=VarianceScaling(2.0, "fan_avg",
                                                                                               "uniform", seed=3),
                                                    bias_initializer=Constant(0.1)),
                                              Dense(1, kernel_constraint=MinMaxNorm(0.5, 1.5))], seed=1), dict(
        optimizer=Adagrad(0.05, clipnorm=1.0), loss=Huber(2.0), lam=0.7)
    yield "adamw leaky", Sequential([Dense(3, "leaky_relu", kernel_initializer=RandomUniform(-0.1, 0.2, seed=4)),
                                     Dropout(0.5), Dense(1, "sigmoid", use_bias=False)], seed=1), dict(
        optimizer=AdamW(0.01, weight_decay=0.01, amsgrad=True, global_clipnorm=2.0), loss="binary_crossentropy")

    yield "float64 nadam batchnorm noise", Sequential([
        Dense(4, "relu", use_bias=False), BatchNormalization(momentum=0.8, gamma_regularizer=L2(0.01),
                                                             beta_constraint=NonNeg(), beta_initializer=Constant(0.1)),
        GaussianNoise(0.1, seed=2), Dense(1, "sigmoid")], seed=1, dtype="float64"), dict(
        optimizer=Nadam(0.01, clipnorm=1.0), loss="binary_crossentropy")
    yield "adamax flatten unscaled", Sequential([Flatten(), BatchNormalization(scale=False, epsilon=0.01, axis=1),
                                                 Dense(2, "softmax")], seed=1), dict(
        optimizer=Adamax(0.01, beta_2=0.99), loss=CategoricalCrossentropy())


@pytest.mark.parametrize("name, model, compile_kwargs", list(_variants()), ids=[v[0] for v in _variants()])
def test_what_glassnet_writes_as_keras_it_reads_back(tmp_path, outcome, name, model, compile_kwargs):
    model.compile(**compile_kwargs)
    n_outputs = model.output_shape_for((None, 3))[-1]
    y = np.eye(n_outputs)[(X[:, 0] > 0).astype(int)] if n_outputs > 1 else Y[:, None]
    model.fit(X.astype(model.dtype or "float32"), y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "model.keras")
    again = glassnet.load_model(tmp_path / "model.keras")
    assert [w.path for w in again.weights] == [w.path for w in model.weights]
    for ours, theirs in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(again.predict(X, verbose=0), model.predict(X, verbose=0))
    assert [t.value for t in again.weight_penalties()] == [t.value for t in model.weight_penalties()]
    assert described(again.optimizer) == described(model.optimizer)
    assert again.optimizer.iterations == model.optimizer.iterations
    for ours, theirs in zip(again.optimizer.slots, model.optimizer.slots):
        assert {k: v.tolist() for k, v in ours.items()} == {k: v.tolist() for k, v in theirs.items()}
    assert again.compiled_loss.get_config() == model.compiled_loss.get_config()
    outcome("nothing lost")


def test_an_unbuilt_and_an_uncompiled_model_round_trip(tmp_path, outcome):
    unbuilt = Sequential([Dense(2, name="a"), Dense(1, name="b")])
    unbuilt.save(tmp_path / "unbuilt.keras")
    again = glassnet.load_model(tmp_path / "unbuilt.keras")
    assert not again.built and [layer.name for layer in again.layers] == ["a", "b"]
    uncompiled = _built(Dense(2, name="a"))
    uncompiled.save(tmp_path / "uncompiled.keras")
    again = glassnet.load_model(tmp_path / "uncompiled.keras")
    assert not again.compiled
    np.testing.assert_array_equal(again.get_weights()[0], uncompiled.get_weights()[0])
    outcome("nothing lost", count=2)


# --- a small fuzz: a damaged archive loads or is refused, nothing else -------------------------------------------
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_archive_loads_or_raises_model_file_error(tmp_path, outcome, data):
    entries = dict(base_entries())
    entry = data.draw(st.sampled_from(sorted(entries)))
    blob = bytearray(entries[entry])
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(blob) - 1))
        blob[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        blob = blob[:data.draw(st.integers(0, len(blob)))]
    entries[entry] = bytes(blob)
    path = tmp_path / "fuzzed.keras"
    path.write_bytes(zipped(entries))
    try:
        glassnet.load_model(path)
        outcome("nothing lost")
    except ModelFileError:
        outcome("refused cleanly")
