"""The embedding family: Embedding (integer indices -> rows of a learned matrix)."""
from . import embedding
from .embedding import *  # noqa: F401,F403

__all__ = list(embedding.__all__)
