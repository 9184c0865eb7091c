"""Layers (Keras: ``keras.layers``)."""

from .base import Gradient, Layer, Weight
from .core import Activation, ActivityRegularization, Dropout, Input
from .dense import Dense
from .normalization import Normalization

__all__ = ["Layer", "Weight", "Gradient", "Dense", "Dropout", "Activation", "ActivityRegularization", "Input",
           "Normalization"]
