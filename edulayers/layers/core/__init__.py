"""The core family: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector,
Lambda, ActivityRegularization, Masking, Highway, MaxoutDense."""
from .dense import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .lambda_layer import *  # noqa: F401,F403
from .activity_regularization import *  # noqa: F401,F403
from .masking import *  # noqa: F401,F403
from .highway import *  # noqa: F401,F403
from .maxout_dense import *  # noqa: F401,F403
from . import dense, activation, dropout, reshaping, lambda_layer, activity_regularization, masking, highway, maxout_dense

__all__ = [name for module in (dense, activation, dropout, reshaping, lambda_layer, activity_regularization, masking, highway, maxout_dense,) for name in module.__all__]
