"""Layers (Keras: ``keras.layers``)."""

from .base import Gradient, Layer, Weight
from .batch_normalization import BatchNormalization
from .core import Activation, ActivityRegularization, Dropout, Input
from .dense import Dense
from .flatten import Flatten
from .gaussian_noise import GaussianNoise
from .normalization import Normalization

__all__ = ["Layer", "Weight", "Gradient", "Dense", "Dropout", "Activation", "ActivityRegularization", "Input",
           "Normalization", "BatchNormalization", "GaussianNoise", "Flatten"]
