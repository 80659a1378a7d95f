"""gradlab: partial derivatives, gradients and the chain rule of backpropagation, made visible.

The core (this package's top level) needs numpy only; the live views are in gradlab.views.
"""

from . import nn, optim
from .engine import (
    Step,
    Value,
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
from .expression import Expression, ExpressionError, parse
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
__version__ = "0.1.0"
