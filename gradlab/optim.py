"""Optimizers that move parameters against their gradient: SGD (with momentum), Adagrad, RMSprop
and Adam, with the formulas of Neural Networks from Scratch, ch. 10.

Each is given a list of Values; `step()` changes their `.data` using their `.grad` (filled in
by `loss.backward()`), and `zero_grad()` clears those gradients before the next pass.

OPTIMIZERS, at the end, is the one table of optimizers by the name a learner picks: each
name's class, the settings it takes beyond lr and decay (with their defaults and the range and
label of their slider), the book's settings for its spiral run and the names it answers to.
`make_optimizer` and the labs (gradlab.trainer, the race, the training lab) read it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .engine import Value, _zeros_like


class Optimizer:
    """What every optimizer shares: its parameters, the learning-rate decay and the step count.

    current_lr = lr * 1 / (1 + decay * iterations), where iterations counts the steps already
    taken, so the first step uses lr itself. `current_lr` is the rate the latest step used
    (lr before any step), as in the book's `current_learning_rate`.
    """

    def __init__(self, params: Iterable[Value], lr: float, decay: float) -> None:
        self.params: list[Value] = _check_params(params)
        self.lr = _check_number("lr", lr, low=0.0, low_open=True)
        self.decay = _check_number("decay", decay, low=0.0)
        self.iterations = 0
        self.current_lr = self.lr
        # One dict per parameter, in the order given: the running quantities of its formula.
        self.state: list[dict[str, float | np.ndarray]] = [{} for _ in self.params]

    def step(self) -> None:
        """Move every parameter once: param.data += update(param.grad)."""
        for param in self.params:
            if np.shape(param.grad) != np.shape(param.data):
                raise ValueError(f"parameter {_name(param)} has data of shape "
                                 f"{np.shape(param.data)} but a grad of shape "
                                 f"{np.shape(param.grad)}")
        # The book's pre_update_params: decay the learning rate by the steps already taken.
        self.current_lr = self.lr * (1.0 / (1.0 + self.decay * self.iterations))
        for param, state in zip(self.params, self.state, strict=True):
            scalar = type(param.data) is float
            grad = float(param.grad) if scalar else np.asarray(param.grad, dtype=np.float64)
            update = self._update(grad, state)
            # A new object rather than +=: an array another graph node still refers to keeps
            # its old numbers, and a scalar parameter stays a Python float.
            param.data = float(param.data + update) if scalar else param.data + update
        # The book's post_update_params.
        self.iterations += 1

    def zero_grad(self) -> None:
        """Set the .grad of every parameter to zero (backward adds to it, it never resets it)."""
        for param in self.params:
            param.grad = _zeros_like(param.data)

    def _update(self, grad, state: dict):
        """The change to add to one parameter, given its grad and its running state."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r}, "
                f"decay={self.decay!r}, iterations={self.iterations})")


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

    Without momentum: param += -current_lr * grad.
    With momentum:    update = momentum * previous_update - current_lr * grad; param += update
    (state["momentum"] holds the previous update, the book's weight_momentums).
    """

    def __init__(self, params: Iterable[Value], lr: float = 1.0, decay: float = 0.0,
                 momentum: float = 0.0) -> None:
        super().__init__(params, lr, decay)
        self.momentum = _check_number("momentum", momentum, low=0.0, high=1.0)
        if self.momentum:
            for param, state in zip(self.params, self.state, strict=True):
                state["momentum"] = _zeros_like(param.data)

    def _update(self, grad, state: dict):
        if not self.momentum:
            return -self.current_lr * grad
        update = self.momentum * state["momentum"] - self.current_lr * grad
        state["momentum"] = update
        return update


class Adagrad(Optimizer):
    """Adaptive gradient: each parameter's step shrinks with the squared gradients it has seen.

    cache += grad^2; param += -current_lr * grad / (sqrt(cache) + eps).
    """

    def __init__(self, params: Iterable[Value], lr: float = 1.0, decay: float = 0.0,
                 eps: float = 1e-7) -> None:
        super().__init__(params, lr, decay)
        self.eps = _check_number("eps", eps, low=0.0, low_open=True)
        for param, state in zip(self.params, self.state, strict=True):
            state["cache"] = _zeros_like(param.data)

    def _update(self, grad, state: dict):
        state["cache"] = state["cache"] + grad**2
        return -self.current_lr * grad / (_sqrt(state["cache"]) + self.eps)


class RMSprop(Optimizer):
    """Root mean square propagation: Adagrad with a cache that forgets (a moving average).

    cache = rho * cache + (1 - rho) * grad^2; param += -current_lr * grad / (sqrt(cache) + eps).
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.001, decay: float = 0.0,
                 eps: float = 1e-7, rho: float = 0.9) -> None:
        super().__init__(params, lr, decay)
        self.eps = _check_number("eps", eps, low=0.0, low_open=True)
        self.rho = _check_number("rho", rho, low=0.0, high=1.0)
        for param, state in zip(self.params, self.state, strict=True):
            state["cache"] = _zeros_like(param.data)

    def _update(self, grad, state: dict):
        state["cache"] = self.rho * state["cache"] + (1.0 - self.rho) * grad**2
        return -self.current_lr * grad / (_sqrt(state["cache"]) + self.eps)


class Adam(Optimizer):
    """Adaptive momentum: RMSprop's cache plus a moving average of the gradient, both corrected
    for starting at zero.

    m = beta1 * m + (1 - beta1) * grad;  c = beta2 * c + (1 - beta2) * grad^2
    m_hat = m / (1 - beta1^(iterations + 1));  c_hat = c / (1 - beta2^(iterations + 1))
    param += -current_lr * m_hat / (sqrt(c_hat) + eps)
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.001, decay: float = 0.0,
                 eps: float = 1e-7, beta1: float = 0.9, beta2: float = 0.999) -> None:
        super().__init__(params, lr, decay)
        self.eps = _check_number("eps", eps, low=0.0, low_open=True)
        self.beta1 = _check_number("beta1", beta1, low=0.0, high=1.0)
        self.beta2 = _check_number("beta2", beta2, low=0.0, high=1.0)
        for param, state in zip(self.params, self.state, strict=True):
            state["momentum"] = _zeros_like(param.data)
            state["cache"] = _zeros_like(param.data)

    def _update(self, grad, state: dict):
        state["momentum"] = self.beta1 * state["momentum"] + (1.0 - self.beta1) * grad
        state["cache"] = self.beta2 * state["cache"] + (1.0 - self.beta2) * grad**2
        # Both averages start at 0, so early on they are too small by a factor 1 - beta^t.
        t = self.iterations + 1
        momentum_hat = state["momentum"] / (1.0 - self.beta1**t)
        cache_hat = state["cache"] / (1.0 - self.beta2**t)
        return -self.current_lr * momentum_hat / (_sqrt(cache_hat) + self.eps)


# -- checks ------------------------------------------------------------------------------------

def _sqrt(x):
    return math.sqrt(x) if type(x) is float else np.sqrt(x)


def _name(param: Value) -> str:
    return repr(param.label) if param.label else "without a label"


def _check_params(params) -> list[Value]:
    if isinstance(params, Value):
        raise ValueError("params must be a list of Values; for one Value x, pass [x]")
    try:
        params = list(params)
    except TypeError:
        raise ValueError(f"params must be a list of Values, got {params!r}") from None
    if not params:
        raise ValueError("params is empty: give the optimizer the Values it should change")
    seen: set[int] = set()
    for index, param in enumerate(params):
        if not isinstance(param, Value):
            raise ValueError(f"params must all be Values; entry {index} is {param!r}")
        if id(param) in seen:
            # It would be moved twice per step, by two different running states.
            raise ValueError(f"params lists the same Value twice (entry {index})")
        seen.add(id(param))
    return params


def _check_number(name: str, value, *, low: float, high: float | None = None,
                  low_open: bool = False) -> float:
    """value as a float, if it lies in [low, high) (or (low, high) with low_open)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if high is None:
        allowed, ok = (f"> {low:g}" if low_open else f">= {low:g}"), math.isfinite(value)
        ok = ok and (value > low if low_open else value >= low)
    else:
        allowed, ok = f"in [{low:g}, {high:g})", low <= value < high
    if not ok:
        raise ValueError(f"{name} must be {allowed} (a finite number), got {value!r}")
    return value


# -- the registry: optimizers by the name a learner picks ---------------------------------------


@dataclass(frozen=True)
class Setting:
    """A setting an optimizer takes beyond lr and decay: its default, and its slider's range,
    step and label."""

    default: float
    low: float
    high: float
    step: float
    label: str


@dataclass(frozen=True)
class Kind:
    """One entry of OPTIMIZERS: the class, the settings it takes beyond lr and decay (name ->
    Setting), the book's settings for its spiral run (NNFS ch. 10) and the lower-case names it
    answers to besides its own."""

    name: str
    cls: type[Optimizer]
    book: dict[str, float]
    extra: dict[str, Setting] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def make(self, params: Iterable[Value], lr: float, decay: float = 0.0,
             **given: float | None) -> Optimizer:
        """The optimizer over `params`; each extra setting from `given` (its default when
        missing or None); settings it does not take are ignored."""
        extra = {key: setting.default if given.get(key) is None else given[key]
                 for key, setting in self.extra.items()}
        return self.cls(params, lr=lr, decay=decay, **extra)


MOMENTUM = Setting(default=0.9, low=0.0, high=0.99, step=0.01, label="momentum")
RHO = Setting(default=0.9, low=0.0, high=0.999, step=0.001, label="rho (the cache's memory)")

# Plain SGD and SGD with momentum are the same class: momentum 0 (SGD's default) makes the
# update -lr * grad. The book's settings: AdaGrad's lr 1.0 moves every weight by 1 on the first
# step (its update is -lr * g / (|g| + eps)); from the book model's 0.01-scale starting weights
# that switches off every hidden ReLU for good (loss stuck at 10.7), so the labs start it at 0.1.
OPTIMIZERS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("SGD", SGD, {"lr": 1.0, "decay": 1e-3}, aliases=("sgd",)),
    Kind("SGD + momentum", SGD, {"lr": 1.0, "decay": 1e-3, "momentum": 0.9},
         {"momentum": MOMENTUM}, aliases=("momentum", "sgd+momentum", "sgd_momentum")),
    Kind("AdaGrad", Adagrad, {"lr": 0.1, "decay": 1e-4}, aliases=("adagrad",)),
    Kind("RMSProp", RMSprop, {"lr": 0.02, "decay": 1e-5, "rho": 0.999}, {"rho": RHO},
         aliases=("rmsprop",)),
    Kind("Adam", Adam, {"lr": 0.05, "decay": 5e-7}, aliases=("adam",)),
)}


def optimizer_name(name: str) -> str:
    """'adam' -> 'Adam', 'sgd + momentum' -> 'SGD + momentum'; ValueError for anything else."""
    if name in OPTIMIZERS:
        return name
    key = str(name).lower().replace(" ", "")
    for kind in OPTIMIZERS.values():
        if key in kind.aliases:
            return kind.name
    raise ValueError(f"no optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")


def make_optimizer(name: str, params: Iterable[Value], lr: float, decay: float = 0.0,
                   momentum: float | None = None, rho: float | None = None) -> Optimizer:
    """An optimizer by name ('SGD', 'SGD + momentum', 'AdaGrad', 'RMSProp', 'Adam') over
    `params`. momentum is used by 'SGD + momentum' only (0.9 if not given), rho (the cache's
    memory) by 'RMSProp' only (0.9 if not given; the book's spiral run uses 0.999)."""
    return OPTIMIZERS[optimizer_name(name)].make(params, lr=lr, decay=decay, momentum=momentum,
                                                 rho=rho)
