"""Shared test settings: the peers run on the CPU with Keras on TensorFlow, quietly."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

from hypothesis import settings  # noqa: E402

# Deterministic example generation: a CI failure can be reproduced locally. No deadline: first calls into
# TensorFlow/PyTorch are slow.
settings.register_profile("glassnet", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("glassnet")
