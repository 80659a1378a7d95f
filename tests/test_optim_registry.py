"""optim.OPTIMIZERS is the one table of optimizers by name: make_optimizer, the trainer, the
race and the training lab read it. Checked against the classes' own formulas (one step by hand)."""

from __future__ import annotations

import pytest

from gradlab.engine import Value
from gradlab.optim import OPTIMIZERS, SGD, Adagrad, Adam, RMSprop, make_optimizer, optimizer_name


def _one_step(name: str, **settings: float) -> float:
    x = Value(1.0)
    optimizer = make_optimizer(name, [x], lr=0.1, **settings)
    x.grad = 2.0
    optimizer.step()
    return x.data


def test_each_name_builds_its_class_with_its_own_settings():
    assert [OPTIMIZERS[n].cls for n in OPTIMIZERS] == [SGD, SGD, Adagrad, RMSprop, Adam]
    assert make_optimizer("SGD", [Value(1.0)], lr=0.1, momentum=0.5).momentum == 0.0
    assert make_optimizer("SGD + momentum", [Value(1.0)], lr=0.1).momentum == 0.9
    assert make_optimizer("RMSProp", [Value(1.0)], lr=0.1).rho == 0.9
    assert make_optimizer("RMSProp", [Value(1.0)], lr=0.1, rho=0.999).rho == 0.999


def test_one_step_of_each_is_the_books_formula():
    # x = 1, grad 2, lr 0.1: SGD 1 - 0.2; momentum's first update is -lr g as well (v = 0);
    # AdaGrad and RMSProp divide by sqrt(cache) + eps with cache g^2 (RMSProp: (1 - rho) g^2)
    eps = 1e-7
    assert _one_step("sgd") == pytest.approx(0.8)
    assert _one_step("momentum", momentum=0.5) == pytest.approx(0.8)
    assert _one_step("adagrad") == pytest.approx(1 - 0.1 * 2 / (2 + eps))
    assert _one_step("rmsprop", rho=0.9) == pytest.approx(1 - 0.1 * 2 / ((0.1 * 4) ** 0.5 + eps))
    assert _one_step("adam") == pytest.approx(1 - 0.1, rel=1e-6)  # bias-corrected: g / |g|


def test_names_and_aliases_are_unique_and_answer_to_their_kind():
    aliases = [alias for kind in OPTIMIZERS.values() for alias in kind.aliases]
    assert len(aliases) == len(set(aliases))
    for name, kind in OPTIMIZERS.items():
        assert kind.name == name and optimizer_name(name) == name
        assert all(optimizer_name(alias) == name for alias in kind.aliases)
    with pytest.raises(ValueError, match="choose one of"):
        optimizer_name("lbfgs")


def test_a_settings_slider_range_is_one_its_optimizer_accepts():
    for kind in OPTIMIZERS.values():
        for key, setting in kind.extra.items():
            assert setting.low <= setting.default <= setting.high and setting.step > 0
            for value in (setting.low, setting.default, setting.high):
                kind.make([Value(1.0)], lr=0.1, **{key: value})  # no ValueError
    # only SGD + momentum takes a momentum: the labs' momentum sliders follow this
    assert [n for n, k in OPTIMIZERS.items() if "momentum" in k.extra] == ["SGD + momentum"]
