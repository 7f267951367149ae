"""The locally connected family: LocallyConnected1D/2D (unshared weights)."""
from .locally_connected import *  # noqa: F401,F403
from . import locally_connected

__all__ = [name for module in (locally_connected,) for name in module.__all__]
