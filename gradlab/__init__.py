"""gradlab: partial derivatives, gradients and the chain rule of backpropagation, made visible.

The core (this package's top level) needs numpy only; the live views are in gradlab.views.
Each primitive is declared once, in gradlab.ops (the registry every other module reads).
"""

import builtins as _builtins

from . import nn, optim
from .engine import Step, Value
from .expression import Expression, ExpressionError, parse
from .functions import FUNCTIONS as _FUNCTIONS
from .functions import (
    absolute,
    cos,
    cross_entropy,
    exp,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    step,
    tanh,
)
from .numeric import GradientCheck, check_gradient, gradient, numerical_gradient

__all__ = [
    "Expression",
    "ExpressionError",
    "GradientCheck",
    "Step",
    "Value",
    "absolute",
    "check_gradient",
    "cos",
    "cross_entropy",
    "exp",
    "gradient",
    "log",
    "maximum",
    "minimum",
    "nn",
    "numerical_gradient",
    "parse",
    "optim",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "sqrt",
    "step",
    "tanh",
]

# Each other function of the expression language (softplus), made from its entry in ops.py, so
# a new primitive needs no line here; max, min and abs keep engine's names (maximum, minimum,
# absolute), so `from gradlab import *` never hides Python's own.
_MORE = {name: function for name, function in _FUNCTIONS.items()
         if name not in globals() and not hasattr(_builtins, name)}
globals().update(_MORE)
__all__ += sorted(_MORE)
__version__ = "0.1.0"
