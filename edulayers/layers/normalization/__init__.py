"""Normalization: BatchNormalization (training vs inference, moving statistics, axis)."""
from .batch_normalization import *  # noqa: F401,F403
from . import batch_normalization

__all__ = list(batch_normalization.__all__)
