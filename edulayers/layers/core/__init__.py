"""The core family: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda, ActivityRegularization, Masking, Highway, MaxoutDense."""
from .dense import Dense

__all__ = ["Dense"]
