"""Lesson 10 (gradient descent and its optimizers), checked against hand-worked numbers:

- every update formula of the lesson (SGD, decay, momentum, AdaGrad, RMSProp, Adam, Adam's
  first step), one or two steps of gradlab.optim on a tiny parameter against the formula
  computed here in numpy, sign included;
- every "Try this": the OptimizerRace built as the notebook builds it, driven to the state the
  text asks for (sliders, surfaces, steps), the claim checked against a numpy race written here
  from the lesson's formulas and gradients worked by hand;
- the exercises (their answers worked by hand and by gradlab.optim, plausible wrong answers
  refused, each choice's answer shown true in the race) and the printed summaries;
- nothing on the page gives an exercise's answer away, and the teacher's notes
  (docs/teaching/lessons/10_gradient_descent.md) answer every exercise and "Try this".
"""

import re
from pathlib import Path

import numpy as np
import plotly  # noqa: F401 - required: a missing one fails the tests
import practice_checks as practice  # noqa: E402
import pytest

from gradlab.engine import Value  # noqa: E402
from gradlab.optim import SGD, Adagrad, Adam, RMSprop  # noqa: E402
from gradlab.views import OptimizerRace  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "10_gradient_descent.ipynb"
NOTES = ROOT / "docs" / "teaching" / "lessons" / "10_gradient_descent.md"
MIN_EXERCISES = 3
EPS = 1e-7
THETA = np.array([0.5, -2.0])  # a tiny parameter: two entries
G1, G2 = np.array([0.3, -4.0]), np.array([-0.1, 2.5])  # its gradients at steps 1 and 2
cells, cell, source = practice.notebook_reader(LESSON)


def steps(optimizer_class, gradients, **settings) -> list[np.ndarray]:
    """The parameter after each optimizer step, the gradients given by hand."""
    theta = Value(THETA.copy(), label="theta")
    optimizer = optimizer_class([theta], **settings)
    seen = []
    for g in gradients:
        theta.grad = g.copy()
        optimizer.step()
        seen.append(np.array(theta.data))
    return seen


# -- the formulas, as the lesson writes them ----------------------------------------------------

def test_the_lesson_writes_the_formulas_checked_below():
    text = "\n".join("".join(c["source"]) for c in cells("markdown"))
    for formula in (r"\theta \leftarrow \theta - \eta\, \frac{\partial f}{\partial \theta}",
                    r"(1 - 2\eta)\,x",
                    r"\eta_t = \eta / (1 + \text{decay}\cdot t)",
                    r"v \leftarrow \mu v - \eta\, g", r"\theta \leftarrow \theta + v",
                    r"c \leftarrow c + g^2",
                    r"\theta \leftarrow \theta - \eta\, g / (\sqrt{c} + \epsilon)",
                    r"c \leftarrow \rho c + (1 - \rho)\, g^2",
                    r"m \leftarrow \beta_1 m + (1 - \beta_1)\, g",
                    r"c \leftarrow \beta_2 c + (1 - \beta_2)\, g^2",
                    r"\hat m = m / (1 - \beta_1^t)", r"\hat c = c / (1 - \beta_2^t)",
                    r"\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat c} + \epsilon)",
                    r"-\eta\, g / (|g| + \epsilon)"):
        assert formula in text, formula
    assert r"\eta\, g / |g|" not in text  # the old first step, without its minus sign and eps


def test_sgd_moves_against_the_gradient():
    lr = 0.2
    first, second = steps(SGD, [G1, G2], lr=lr)
    np.testing.assert_allclose(first, THETA - lr * G1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(second, THETA - lr * G1 - lr * G2, rtol=0, atol=1e-15)
    assert first[0] < THETA[0] and first[1] > THETA[1]  # g > 0 lowers theta, g < 0 raises it


def test_decay_uses_eta_over_1_plus_decay_times_the_steps_taken():
    lr, decay = 0.2, 0.5
    first, second = steps(SGD, [G1, G2], lr=lr, decay=decay)
    eta = [lr / (1 + decay * t) for t in (0, 1)]  # t = steps already taken: eta_0 = eta
    np.testing.assert_allclose(first, THETA - eta[0] * G1, atol=1e-15)
    np.testing.assert_allclose(second, THETA - eta[0] * G1 - eta[1] * G2, atol=1e-15)


def test_momentum_keeps_a_running_update():
    lr, mu = 0.1, 0.9
    first, second = steps(SGD, [G1, G2], lr=lr, momentum=mu)
    v1 = mu * 0.0 - lr * G1
    v2 = mu * v1 - lr * G2
    np.testing.assert_allclose(first, THETA + v1, atol=1e-15)
    np.testing.assert_allclose(second, THETA + v1 + v2, atol=1e-15)


def test_adagrad_divides_by_the_root_of_all_squared_gradients():
    lr = 0.5
    first, second = steps(Adagrad, [G1, G2], lr=lr)
    c1 = G1**2
    c2 = c1 + G2**2
    theta1 = THETA - lr * G1 / (np.sqrt(c1) + EPS)
    np.testing.assert_allclose(first, theta1, atol=1e-15)
    np.testing.assert_allclose(second, theta1 - lr * G2 / (np.sqrt(c2) + EPS), atol=1e-15)


def test_rmsprop_lets_the_cache_forget():
    lr, rho = 0.02, 0.9
    first, second = steps(RMSprop, [G1, G2], lr=lr, rho=rho)
    c1 = rho * 0.0 + (1 - rho) * G1**2
    c2 = rho * c1 + (1 - rho) * G2**2
    theta1 = THETA - lr * G1 / (np.sqrt(c1) + EPS)
    np.testing.assert_allclose(first, theta1, atol=1e-15)
    np.testing.assert_allclose(second, theta1 - lr * G2 / (np.sqrt(c2) + EPS), atol=1e-15)


def test_adam_corrects_both_averages_for_starting_at_zero():
    lr, beta1, beta2 = 0.1, 0.9, 0.999
    first, second = steps(Adam, [G1, G2], lr=lr)
    m1, c1 = (1 - beta1) * G1, (1 - beta2) * G1**2
    m2, c2 = beta1 * m1 + (1 - beta1) * G2, beta2 * c1 + (1 - beta2) * G2**2
    theta1 = THETA - lr * (m1 / (1 - beta1)) / (np.sqrt(c1 / (1 - beta2)) + EPS)
    theta2 = theta1 - lr * (m2 / (1 - beta1**2)) / (np.sqrt(c2 / (1 - beta2**2)) + EPS)
    np.testing.assert_allclose(first, theta1, atol=1e-15)
    np.testing.assert_allclose(second, theta2, atol=1e-15)


def test_adams_first_step_is_minus_eta_g_over_abs_g_plus_eps():
    lr = 0.1
    (first,) = steps(Adam, [G1], lr=lr)
    np.testing.assert_allclose(first - THETA, -lr * G1 / (np.abs(G1) + EPS), atol=1e-15)
    # about eta against g's sign, whatever |g| (0.3 or 4): eps changes it by < 1e-6 * eta
    np.testing.assert_allclose(first - THETA, -lr * np.sign(G1), rtol=1e-6)
    tiny = np.array([1e-7, -1e-9])  # only for a tiny gradient does eps matter
    (step,) = steps(Adam, [tiny], lr=lr)
    np.testing.assert_allclose(step - THETA, -lr * tiny / (np.abs(tiny) + EPS), rtol=1e-9)
    assert abs(step[1] - THETA[1]) < 0.02 * lr


# -- a race computed here: the lesson's formulas on gradients worked by hand ----------------------

SURFACES = {  # f and its gradient by hand
    "bowl": (lambda x, y: x**2 + y**2, lambda x, y: (2 * x, 2 * y)),
    "valley": (lambda x, y: 0.02 * x**2 + 2 * y**2, lambda x, y: (0.04 * x, 4 * y)),
    "rosenbrock": (lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
                   lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2))),
    "saddle": (lambda x, y: x**2 - y**2, lambda x, y: (2 * x, -2 * y)),
}


def hand_race(surface: str, name: str, start, n: int, lr: float, momentum: float = 0.9,
              rho: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Points (n + 1, 2) and f along them, by the lesson's update formulas in numpy."""
    f, grad = SURFACES[surface]
    p = np.array(start, dtype=float)
    v, c, m = np.zeros(2), np.zeros(2), np.zeros(2)
    points = [p.copy()]
    for t in range(1, n + 1):
        g = np.array(grad(*p))
        if name == "SGD":
            p = p - lr * g
        elif name == "SGD + momentum":
            v = momentum * v - lr * g
            p = p + v
        elif name == "AdaGrad":
            c = c + g**2
            p = p - lr * g / (np.sqrt(c) + EPS)
        elif name == "RMSProp":
            c = rho * c + (1 - rho) * g**2
            p = p - lr * g / (np.sqrt(c) + EPS)
        else:
            m = 0.9 * m + 0.1 * g
            c = 0.999 * c + 0.001 * g**2
            p = p - lr * (m / (1 - 0.9**t)) / (np.sqrt(c / (1 - 0.999**t)) + EPS)
        points.append(p.copy())
    points = np.array(points)
    return points, f(points[:, 0], points[:, 1])


def shown(race: OptimizerRace) -> dict[str, tuple[float, float, float]]:
    """f, x and y of each optimizer as the learner reads them in the line above the map."""
    plain = re.sub(r"<[^>]+>", "", race.readout.value).replace("&nbsp;", " ")
    number = r"(−?[0-9.]+(?:×10\^-?[0-9]+)?)"
    found = re.findall(r"(SGD \+ momentum|SGD|AdaGrad|RMSProp|Adam): f = " + number
                       + r" at \(" + number + r", " + number + r"\)", plain)
    assert len(found) == 5, plain
    return {name: tuple(as_number(t) for t in numbers) for name, *numbers in found}


def as_number(text: str) -> float:
    mantissa, _, exponent = text.replace("−", "-").partition("×10^")
    return float(mantissa) * 10.0 ** int(exponent or 0)


def rate(race: OptimizerRace, name: str) -> float:
    return float(race.rates[name].value)


@pytest.fixture
def race():
    assert 'OptimizerRace("valley", steps=20)' in source("09-04")
    return OptimizerRace("valley", steps=20)


def test_the_race_opens_at_step_20_where_the_hand_race_is(race):
    assert "<b>step 20</b>" in race.readout.value
    for name, (f, x, y) in shown(race).items():
        points, losses = hand_race("valley", name, race.surface.start, 20, rate(race, name))
        assert f == pytest.approx(losses[20], rel=1e-3)
        assert (x, y) == pytest.approx(tuple(points[20]), rel=5e-3, abs=1e-12)


def test_on_the_valley_adagrad_is_first_to_bring_f_below_0_001(race):
    first = {}
    for name in race.rates:
        _, losses = hand_race("valley", name, race.surface.start, 300, rate(race, name))
        first[name] = int(np.argmax(losses < 1e-3))
    winner = min(first, key=first.get)
    assert winner == "AdaGrad"
    k = first[winner]
    race.play.value = k - 1  # one step before: nobody is below 0.001 yet
    assert all(f >= 1e-3 for f, _, _ in shown(race).values())
    race.step()
    readout = shown(race)
    assert readout[winner][0] < 1e-3
    assert all(f >= 1e-3 for name, (f, _, _) in readout.items() if name != winner)
    # on the plot under the map: AdaGrad's curve is the first to cross 10^-3
    losses = np.asarray(race.curves.data[list(race.rates).index(winner)].y, dtype=float)
    assert losses[k] < 1e-3 <= losses[k - 1]


def test_above_0_5_sgds_zig_zag_grows_by_1_minus_4_eta(race):
    options = [value for _, value in race.rates["SGD"].options]
    above = min(v for v in options if v > 0.5)
    assert above == 0.6 and "(to 0.6)" in source("09-05")
    race.rates["SGD"].value = above
    y0 = race.surface.start[1]
    path = race.paths["SGD"]
    for k in range(1, len(path)):  # y_k = (1 - 4 eta)^k y_0: |y| grows 1.4 times a step
        assert path[k, 1] == pytest.approx((1 - 4 * above) ** k * y0, rel=1e-9)
    # "its first step already jumps off the map": |y| beyond the map's y range
    assert "its first step already jumps off the map" in " ".join(source("09-05").split())
    assert abs(path[1, 1]) > max(abs(v) for v in race.surface.y_range)
    race.play.value = 60
    assert "SGD left the box" in race.message.text
    race.rates["SGD"].value = 0.5  # exactly 0.5: the factor is -1, it bounces for ever
    race.play.value = 60
    np.testing.assert_allclose(np.abs(race.paths["SGD"][:, 1]), abs(y0), rtol=1e-12)
    assert "SGD left the box" not in race.message.text


def test_momentum_0_is_plain_sgd_0_99_overshoots_and_0_9_is_lowest_at_step_100(race):
    lr = rate(race, "SGD + momentum")
    start = race.surface.start
    f100 = {}
    for momentum in (0.0, 0.99, 0.9):
        race.momentum_slider.value = momentum
        race.play.value = 100
        path = race.paths["SGD + momentum"]
        points, losses = hand_race("valley", "SGD + momentum", start, 100, lr, momentum)
        np.testing.assert_allclose(path, points, rtol=1e-9, atol=1e-12)
        f100[momentum] = shown(race)["SGD + momentum"][0]
        assert f100[momentum] == pytest.approx(losses[100], rel=1e-3)
        if momentum == 0.0:  # plain SGD at the same rate, by hand
            sgd, _ = hand_race("valley", "SGD", start, 100, lr)
            np.testing.assert_allclose(path, sgd, rtol=1e-12)
        if momentum == 0.99:  # far past the minimum x = 0, and back
            assert path[:, 0].max() > 1.0 and path[-1, 0] < path[:, 0].max()
    assert min(f100, key=f100.get) == 0.9


def test_on_the_bowl_a_rate_of_1_5_doubles_x_and_flips_its_sign(race):
    race.surface_choice.value = "bowl"
    assert rate(race, "SGD") == 0.1
    race.step()
    x0 = race.surface.start[0]
    assert race.paths["SGD"][1, 0] == pytest.approx(0.8 * x0)  # eta = 0.1 keeps 80 %
    assert 1.5 in [value for _, value in race.rates["SGD"].options]
    race.rates["SGD"].value = 1.5
    race.play.value = 10
    path = race.paths["SGD"]
    for k in range(len(path)):
        assert path[k, 0] == pytest.approx((1 - 2 * 1.5) ** k * x0)
    assert "SGD left the box" in race.message.text and "diverged" in race.message.text


def test_on_rosenbrock_everyone_falls_fast_then_crawls_and_momentum_is_nearest(race):
    race.surface_choice.value = "rosenbrock"
    start = race.surface.start
    f0 = SURFACES["rosenbrock"][0](*start)
    race.play.value = 20
    assert all(f < f0 / 4 for f, _, _ in shown(race).values())  # f drops steeply
    race.play.value = 100
    distance = {}
    for name, (f, x, y) in shown(race).items():
        points, losses = hand_race("rosenbrock", name, start, 100, rate(race, name))
        assert f == pytest.approx(losses[100], rel=1e-3)
        distance[name] = float(np.hypot(*(points[100] - (1.0, 1.0))))
        assert np.hypot(x - 1, y - 1) == pytest.approx(distance[name], rel=1e-2)
    assert min(distance.values()) > 0.5  # nobody has reached (1, 1)
    assert min(distance, key=distance.get) == "SGD + momentum"


def test_on_the_saddle_adagrad_escapes_first_and_rmsprop_last(race):
    race.surface_choice.value = "saddle"
    start = race.surface.start
    assert abs(start[1]) < 0.1  # just off the ridge y = 0
    escape = {}
    for name in race.rates:
        points, _ = hand_race("saddle", name, start, 100, rate(race, name))
        escape[name] = int(np.argmax(np.abs(points[:, 1]) > 1))
    order = sorted(escape, key=escape.get)
    assert order[0] == "AdaGrad" and order[-1] == "RMSProp"
    race.step()  # AdaGrad's first step along y: eta g / (|g| + eps), as long as eta itself
    first_step = race.paths["AdaGrad"][1] - race.paths["AdaGrad"][0]
    assert abs(first_step[1]) == pytest.approx(rate(race, "AdaGrad"), rel=1e-5)
    slope = abs(SURFACES["saddle"][1](*start)[1])
    assert slope < 0.2 and abs(race.paths["SGD"][1, 1] - start[1]) == pytest.approx(
        rate(race, "SGD") * slope)  # SGD's first step: eta times the tiny slope
    race.play.value = max(escape.values())
    for name, k in escape.items():  # the lab's paths agree, step by step
        path = race.paths[name]
        assert abs(path[k - 1, 1]) <= 1 < abs(path[k, 1])
        np.testing.assert_allclose(path, hand_race("saddle", name, start, len(path) - 1,
                                                   rate(race, name))[0], rtol=1e-9)


# -- the exercises --------------------------------------------------------------------------------

def sgd_x(start: float, lr: float, steps: int, momentum: float = 0.0) -> float:
    """x after `steps` steps of gradlab.optim.SGD on the bowl, its gradient 2x given by hand."""
    x = Value(start)
    optimizer = SGD([x], lr=lr, momentum=momentum)
    for _ in range(steps):
        x.grad = 2 * x.data
        optimizer.step()
    return float(x.data)


def test_exercise_1_is_one_sgd_step_on_the_bowl():
    cell_id, exercise = EXERCISES[0]
    assert cell_id == "09-07" and exercise.kind == "number"
    order = [c["id"] for c in cells()]
    assert order.index("09-02") < order.index("09-07") < order.index("09-04")  # after the rule
    by_hand = 1.5 - 0.1 * (2 * 1.5)
    assert exercise.expected == pytest.approx(by_hand) == pytest.approx(sgd_x(1.5, 0.1, 1))
    assert by_hand == pytest.approx(0.8 * 1.5)  # "each step keeps 80 % of x"
    assert exercise.check(str(by_hand))


@pytest.mark.parametrize("wrong, says", [
    ("1.5", "not it"),  # no step
    ("1.8", "not it"),  # a step uphill, x + eta g
    ("1.35", "not it"),  # the 2 of 2x forgotten
    ("-1.2", "sign")])
def test_exercise_1_refuses_plausible_wrong_answers(wrong, says):
    exercise = EXERCISES[0][1]
    assert not exercise.check(wrong) and says in exercise.result.message


def test_exercise_2_is_two_momentum_steps_worked_by_hand_and_by_gradlab_optim():
    cell_id, exercise = EXERCISES[1]
    assert cell_id == "09-13" and exercise.kind == "number"
    v1 = 0.9 * 0.0 - 0.1 * 2 * 1.5
    x1 = 1.5 + v1
    v2 = 0.9 * v1 - 0.1 * 2 * x1
    by_hand = x1 + v2
    assert exercise.expected == pytest.approx(by_hand)
    assert sgd_x(1.5, 0.1, 2, momentum=0.9) == pytest.approx(by_hand)
    # the text after it: plain SGD would be at (1 - 2 eta)^2 * 1.5, not as far
    assert r"(1 - 2\eta)^2 \cdot 1.5" in source("09-14") and "gone further" in source("09-14")
    plain = sgd_x(1.5, 0.1, 2)
    assert plain == pytest.approx((1 - 2 * 0.1) ** 2 * 1.5) and by_hand < plain


@pytest.mark.parametrize("wrong", [
    "0.96",  # plain SGD, two steps
    "1.2",  # one step only
    "0.63",  # the second gradient taken at the start, 2 * 1.5, not at the new x
    "-0.69"])
def test_exercise_2_refuses_plausible_wrong_answers(wrong):
    exercise = EXERCISES[1][1]
    assert not exercise.check(wrong)


def test_exercise_3s_answer_is_the_first_below_0_001_in_the_lab_and_by_hand(race):
    cell_id, exercise = EXERCISES[2]
    assert cell_id == "09-15" and exercise.kind == "choice"
    assert list(exercise.problem.options) == list(race.rates)  # the race's five, by name
    first = {}
    for name in race.rates:
        _, losses = hand_race("valley", name, race.surface.start, 300, rate(race, name))
        first[name] = int(np.argmax(losses < 1e-3))
    assert exercise.expected == min(first, key=first.get)
    race.play.value = first[exercise.expected]  # and in the lab: below 0.001 there, alone
    readout = shown(race)
    assert readout[exercise.expected][0] < 1e-3
    assert all(f >= 1e-3 for name, (f, _, _) in readout.items() if name != exercise.expected)
    for wrong in ("SGD", "Adam", "RMSProp"):
        assert not exercise.check(wrong)


def test_exercise_4s_answer_is_what_the_saddle_race_shows(race):
    cell_id, exercise = EXERCISES[3]
    assert cell_id == "09-17" and exercise.kind == "choice"
    assert exercise.expected.startswith("On its first step c = g²")
    assert "moves by −η · g / (|g| + ε): about η against g" in exercise.expected  # its sign too
    race.surface_choice.value = "saddle"
    race.step()
    start = race.surface.start
    g = SURFACES["saddle"][1](*start)[1]  # the tiny slope along y, by hand
    adagrad = race.paths["AdaGrad"][1, 1] - start[1]
    lr = rate(race, "AdaGrad")
    assert adagrad == pytest.approx(-lr * g / (abs(g) + EPS))  # eta g / (|g| + eps)
    assert abs(adagrad) == pytest.approx(lr, rel=1e-5)
    # option 2 is true of the rates but not the reason: SGD's step is its rate times the slope
    sgd = race.paths["SGD"][1, 1] - start[1]
    assert rate(race, "AdaGrad") > rate(race, "SGD")
    assert abs(sgd) == pytest.approx(rate(race, "SGD") * abs(g))
    assert abs(adagrad) / abs(sgd) > 2 * rate(race, "AdaGrad") / rate(race, "SGD")
    # option 3 is false: the slope along y at the start is tiny
    assert abs(g) < 0.2
    assert exercise.check(0) and not any(exercise.check(k) for k in (1, 2, 3))


def test_no_saved_output_prints_the_valley_or_the_saddle_race():
    """Their summaries would show who is first below 0.001 and who escapes first."""
    for code in cells("code"):
        if any(output["output_type"] == "stream" for output in code.get("outputs", [])):
            text = "".join(code["source"])
            assert "valley" not in text and "saddle" not in text, text


@pytest.mark.parametrize("surface, cell_id", [("bowl", "09-09"), ("rosenbrock", "09-10")])
def test_the_summaries_print_the_hand_races_after_100_steps(surface, cell_id):
    printed = "".join("".join(o.get("text", "")) for o in cell(cell_id)["outputs"])
    race = OptimizerRace(surface)  # the lab's default rates, momentum 0.9 and decay 0
    assert f'race("{surface}", steps=100)' in source(cell_id)
    lines = printed.strip().splitlines()
    assert len(lines) == 5
    for line in lines:
        name = re.match(r"(SGD \+ momentum|SGD|AdaGrad|RMSProp|Adam) ", line).group(1)
        f, x, y = (float(t) for t in re.search(
            r"f = (\S+)\s+at \((\S+), (\S+)\)", line).groups())
        points, losses = hand_race(surface, name, race.surface.start, 100, rate(race, name))
        assert f == pytest.approx(losses[100], rel=1e-3)
        assert (x, y) == pytest.approx(tuple(points[100]), rel=1e-3, abs=1e-9)


def test_the_lesson_says_at_its_top_that_it_is_an_extension():
    practice.assert_says_it_is_an_extension(source("09-00"))


# -- the practice: exercises, no answer on the page, teacher's notes (tests/practice_checks.py)

EXERCISES = practice.notebook_exercises(cells("code"))


class TestPractice(practice.PracticeChecks):
    notebook, notes, minimum = LESSON, NOTES, MIN_EXERCISES
