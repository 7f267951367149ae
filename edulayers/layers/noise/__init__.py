"""Noise layers: GaussianNoise, GaussianDropout, AlphaDropout (active in training only)."""
from .gaussian_noise import *  # noqa: F401,F403
from .gaussian_dropout import *  # noqa: F401,F403
from .alpha_dropout import *  # noqa: F401,F403
from . import alpha_dropout, gaussian_dropout, gaussian_noise

__all__ = [name for module in (gaussian_noise, gaussian_dropout, alpha_dropout) for name in module.__all__]
