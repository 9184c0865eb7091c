"""Save and load models (Keras: ``model.save`` / ``keras.saving.load_model``): one file, no code in it.

``model.save(path)`` writes the architecture, the compile settings, the weights, the optimizer state and the
random generators' states, so that ``glassnet.load_model(path)`` predicts bitwise the same and training
continues bitwise as if the model had never been saved. ``model.save_weights(path)`` writes the weights alone.

The file is a safetensors file (https://github.com/huggingface/safetensors); any safetensors reader opens it::

    8 bytes   N = the header's length, unsigned little-endian
    N bytes   the header: a UTF-8 JSON object, padded with spaces to a multiple of 8 bytes
                "__metadata__": {"format": "glassnet", "format_version": "1", "kind": "model" or "weights",
                                 "config": the JSON text below}
                one entry per tensor: {"dtype": "F32" or "F64", "shape": [...], "data_offsets": [begin, end]}
    the tensors' bytes, little-endian, C order, back to back (offsets count from the end of the header)

Tensors: every weight under its path (``'dense_1/kernel'``), and in a model file every optimizer slot as
``'optimizer/<weight index>/<slot>'`` (Adam's ``m`` and ``v``, SGD's ``momentum``, ...). The config is
``{"weights": [paths in get_weights order]}``, plus for a model file ``"model"`` (name, dtype, seed, input
features, layers), ``"compile"`` (optimizer, loss, metric names, compile-level regularization) and
``"state"`` (``last_fit``, optimizer iterations and weight-decay exclusions, the model's and each seeded
Dropout's generator state), and in a file ``glassnet train`` wrote, ``"preparation"`` (the data-preparation
record: :mod:`~glassnet.saving.preparation_section`). Every object is ``{"class_name": ..., "config":
{constructor argument: value}}``.

Loading never runs code from the file: no pickle, no eval, no import. A class name must be a key of
:data:`ALLOW_LIST`, which maps names to glassnet's own classes; every value has a declared type and goes
through the class's validating constructor. The size, the header and every tensor's dtype, shape and offsets
are checked before anything is allocated, and the memory asked for is the file's size. A truncated,
corrupted, oversized, hostile or other-version file raises :class:`~glassnet.errors.ModelFileError` (a
``ValueError``); only a path that cannot be opened raises ``OSError``. Nothing in a loaded model runs away
later: tensors hold finite numbers only, names hold no control characters and are distinct, and an unbuilt
model declares no more weight bytes than ``max_bytes`` (:mod:`~glassnet.saving.bounds`). The model is built
once, in time linear in its depth.

Whatever glassnet writes, glassnet reads: a save runs the loader's checks on what it is about to write, with
the same ``max_bytes`` (default 2 GiB), and refuses with ``ValueError`` before writing anything what a load
would refuse; for a file that is too large, the message names the ``max_bytes`` to pass to both. Writes are
atomic (:mod:`~glassnet.saving.atomic`): a temporary file in the same folder, named after the writing
process, flushed and fsynced, then ``os.replace``; a crash leaves the previous file as it was, and the next
save of that file removes the temporaries of writers that no longer exist.

The package: :mod:`~glassnet.saving.api` (the four functions), :mod:`~glassnet.saving.model_file` (a model's
config and tensors, and the model rebuilt from them), :mod:`~glassnet.saving.allow_list` (the classes a file
may name, encoded and decoded), :mod:`~glassnet.saving.container` (the safetensors bytes and the header's
bounds), :mod:`~glassnet.saving.bounds` (the bounds on values that act after loading),
:mod:`~glassnet.saving.atomic` (atomic writes) and :mod:`~glassnet.saving.messages` (how a refusal reads).

>>> import os, tempfile
>>> from glassnet import Sequential, Dense, load_model
>>> model = Sequential([Dense(2, name="hidden"), Dense(1, name="out")], seed=0)
>>> model.build((None, 3))
>>> with tempfile.TemporaryDirectory() as folder:
...     model.save(os.path.join(folder, "model.glassnet"))
...     loaded = load_model(os.path.join(folder, "model.glassnet"))
>>> [w.path for w in loaded.weights]
['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']
"""

from __future__ import annotations

from .allow_list import ALLOW_LIST
from .api import check_savable, load_model, load_model_and_preparation, load_weights, save_model, save_weights
from .atomic import write_atomically
from .container import FORMAT, FORMAT_VERSION, MAX_BYTES, MAX_HEADER_BYTES, SUPPORTED_VERSIONS

__all__ = ["save_model", "save_weights", "check_savable", "load_model", "load_model_and_preparation", "load_weights",
           "write_atomically", "ALLOW_LIST", "FORMAT", "FORMAT_VERSION", "SUPPORTED_VERSIONS", "MAX_BYTES",
           "MAX_HEADER_BYTES"]
