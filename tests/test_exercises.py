"""gradlab.exercises, the checking core behind the Exercise widget: every kind right, wrong,
near-right and unreadable. Expected answers are worked by hand or by SymPy here, never taken
from the code under test."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradlab as gl
from gradlab import exercises as ex

BAD_INPUTS = ["", "   ", "__import__('os')", "1/0", "x" * 10_000, "import os", "$%&", "2 +",
              "exp", "open('f')"]


def test_the_module_examples_hold():
    assert doctest.testmod(ex).failed == 0


def test_result_is_truthy_only_when_right():
    assert ex.check_number("x", {"x": 2}, "2") and not ex.check_number("x", {"x": 2}, "3")


# -- a number ------------------------------------------------------------------------------------

# f = x^2 y at (3, 2): f = 18, df/dx = 2xy = 12, df/dy = x^2 = 9 (by hand)
@pytest.mark.parametrize("partial, answer", [(None, "18"), ("x", "12"), ("y", "9"),
                                              ("x", " 12.0 "), ("x", "3*4"), ("x", "24/2"),
                                              ("x", 12), ("x", 12.0)])
def test_number_right(partial, answer):
    result = ex.check_number("x^2*y", {"x": 3, "y": 2}, answer, partial=partial)
    assert result.correct and result.understood


def test_number_within_tolerance_is_right_and_outside_is_not():
    # tolerance 1e-3 relative: |answer - 12| <= 0.012
    assert ex.check_number("x^2*y", {"x": 3, "y": 2}, "12.011", partial="x").correct
    result = ex.check_number("x^2*y", {"x": 3, "y": 2}, "12.05", partial="x")
    assert not result.correct and "rounding" in result.message
    # softmax minus 1: e^2/(e^2 + e + 1) - 1 = 7.389/11.107 - 1 = -0.3348 (by hand)
    assert ex.check_number("-log(exp(a)/(exp(a) + exp(b) + exp(c)))",
                           {"a": 2, "b": 1, "c": 0}, "-0.3348", partial="a").correct


def test_number_wrong_says_so_and_spots_a_wrong_sign():
    result = ex.check_number("x^2*y", {"x": 3, "y": 2}, "9", partial="x")
    assert not result.correct and result.understood and "9 is not it" in result.message
    assert "sign" in ex.check_number("x^2*y", {"x": 3, "y": 2}, "-12", partial="x").message


@pytest.mark.parametrize("answer", BAD_INPUTS + ["2x", "x*y", "2,5", "12 = 12", None, True,
                                                 float("nan"), float("inf")])
def test_number_bad_input_is_not_understood(answer):
    result = ex.check_number("x^2*y", {"x": 3, "y": 2}, answer, partial="x")
    assert not result.correct and not result.understood and result.message


def test_number_bad_input_messages_are_clear():
    def message(answer):
        return ex.check_number("x^2*y", {"x": 3, "y": 2}, answer, partial="x").message

    assert message("") == "type an answer first"
    assert "10,000 characters" in message("1" * 10_000)
    assert message("2x") == ("“2x” is a formula (it uses x); this box wants the number it "
                             "gives at x = 3, y = 2")
    assert "not a finite number" in message("1/0")
    assert "2.5, not 2,5" in message("2,5")
    assert "unexpected character" in message("__import__('os')")


def test_a_point_where_the_answer_is_undefined_is_refused_when_made():
    with pytest.raises(ValueError, match="choose a point"):
        ex.NumberProblem("log(x)", {"x": -1})
    with pytest.raises(ValueError, match="no value for y"):
        ex.NumberProblem("x*y", {"x": 1})


# -- a formula -----------------------------------------------------------------------------------

def test_a_formula_exercise_that_cannot_be_judged_is_refused_when_made():
    """Before any answer (the symbolic partial waits for the first one): a partial undefined at
    every sample point (sqrt of -x^2 - 1 < 0 is undefined for every real x), and a function too
    large for SymPy (119 terms, 475 parts against the limit of 200)."""
    with pytest.raises(ValueError, match=r"∂f/∂x of sqrt\(-x\^2 - 1\)\*y is undefined at"):
        ex.FormulaProblem("sqrt(-x^2 - 1)*y", "x")
    with pytest.raises(gl.ExpressionError, match="too large for symbolic work"):
        ex.FormulaProblem(" + ".join(f"x^{i}" for i in range(1, 120)), "x")
    # defined everywhere: made, and a right answer judged (d/dx sqrt(x^2 + 1) y, by hand)
    assert ex.FormulaProblem("sqrt(x^2 + 1)*y", "x").check("x*y/sqrt(x^2 + 1)").correct
    # 174 parts: worked out when made, and its partial (over 2 000 parts) refused then
    product = "*".join(f"sin(x + {i})^{i % 3 + 2}" for i in range(1, 26))
    with pytest.raises(gl.ExpressionError, match="too large to show"):
        ex.FormulaProblem(product, "x")


def test_a_partial_that_cannot_be_worked_out_at_the_first_answer_is_said_so(monkeypatch):
    """A small function's partial waits for the first answer; should SymPy fail then, the
    learner reads why, and the answer does not count as a try."""
    problem = ex.FormulaProblem("x^2*y", "x")

    def refuse(self, name):
        raise gl.ExpressionError("SymPy's result contains I, which gradlab cannot show")

    monkeypatch.setattr(gl.Expression, "partial", refuse)
    result = problem.check("2*x*y")
    assert not result.understood and not result.correct
    assert result.message == ("gradlab cannot judge answers to this exercise: SymPy's result "
                              "contains I, which gradlab cannot show")


@pytest.mark.parametrize("answer", ["6*y", "6y", "y*6", "3*2*y", "6 * y", "12y/2", "(3y)*2",
                                    "y + 5y", "6*y + 0*x", "6y − 0"])
def test_formula_equivalent_forms_are_right(answer):
    # d(2x + 3y^2)/dy = 6y, x held fixed (by hand)
    result = ex.check_formula("2x + 3y^2", "y", answer)
    assert result.correct and result.how == "sympy"


@pytest.mark.parametrize("answer", ["2", "2.0", "4/2", "1 + 1", "2 + 0*y"])
def test_a_number_is_a_right_formula_when_the_partial_is_constant(answer):
    assert ex.check_formula("2x + 3y^2", "x", answer).correct  # d/dx = 2


def test_the_books_three_input_partial_in_both_notations():
    # d/dz (3x^3 z - y^2 + 5z + 2yz) = 3x^3 + 5 + 2y (by hand)
    for answer in ["3x^3 + 5 + 2y", "3*x**3 + 5 + 2*y", "2y + 3x^3 + 5"]:
        assert ex.check_formula("3x^3*z - y^2 + 5z + 2y*z", "z", answer).correct


def test_six_is_wrong_and_six_x_is_told_where_it_differs():
    result = ex.check_formula("2x + 3y^2", "y", "6")
    assert not result.correct and result.understood
    assert "a term with y is missing" in result.message
    # at (x, y) = (1, 2): 6x = 6, 6y = 12 (by hand)
    result = ex.check_formula("2x + 3y^2", "y", "6*x")
    assert not result.correct
    assert "at (x, y) = (1, 2) yours gives 6, the partial gives 12" in result.message
    assert result.wrong == ("6*x",) and "a term with y is missing" in result.message


def test_a_wrong_formula_is_told_which_terms_differ():
    f = "3x^3*z - y^2 + 5z + 2y*z"  # d/dz = 3x^3 + 5 + 2y
    missing = ex.check_formula(f, "z", "3x^3 + 5")
    assert not missing.correct and "a term with y is missing" in missing.message
    extra = ex.check_formula(f, "z", "3x^3 + 5 + 2y + 4x")
    assert "yours has the term 4*x, which the partial does not have" in extra.message
    assert extra.wrong == ("4*x",)
    off = ex.check_formula(f, "z", "3x^3 + 5 + 3y")
    assert "the number in front of y is not right" in off.message
    constant = ex.check_formula(f, "z", "3x^3 + 2y")
    assert "a number on its own is missing" in constant.message


def test_a_wrong_formula_that_is_a_multiple_or_another_partial_is_told_so():
    assert "the sign is wrong" in ex.check_formula("2x + 3y^2", "y", "-6y").message
    assert "the partial is 2 times yours" in ex.check_formula("2x + 3y^2", "y", "3y").message
    assert "yours is 2 times the partial" in ex.check_formula("2x + 3y^2", "y", "12y").message
    # f = x*y: df/dx = y, df/dy = x; typing y for df/dy is the other partial
    assert "that is ∂f/∂x" in ex.check_formula("x*y", "y", "y").message
    assert "that is f itself" in ex.check_formula("x*y", "y", "x*y").message


def test_a_formula_with_a_variable_f_does_not_have_gets_a_clear_message():
    result = ex.check_formula("2x + 3y^2", "y", "6z")
    assert not result.understood
    assert result.message == "your formula uses z, but f has only x and y"
    assert "case-sensitive: y?" in ex.check_formula("2x + 3y^2", "y", "6Y").message


# Kinks: gradlab's convention d relu(x)/dx = step(x), d max(x, y)/dx = step(x - y); SymPy does
# not simplify these functions, so an equal form written differently is judged at the points.
@pytest.mark.parametrize("f, name, answer, how", [
    ("relu(x)", "x", "step(x)", "sympy"),
    ("relu(x)", "x", "(sign(x) + 1)/2", "points"),  # differs only at the kink x = 0
    ("max(x, y)", "x", "step(x - y)", "sympy"),
    ("max(x, y)", "y", "1 - step(x - y)", "points"),  # differs only at the tie x = y
    ("relu(2x)", "x", "2*step(x)", "points"),
    ("x^2", "x", "2(x^3 - x)/(x^2 - 1)", "points"),  # 2x, in a form expand does not cancel
])
def test_kinked_and_special_functions_fall_back_to_points(f, name, answer, how):
    result = ex.check_formula(f, name, answer)
    assert result.correct and result.how == how


def test_a_wrong_answer_at_a_kink_is_still_caught():
    result = ex.check_formula("relu(x)", "x", "1")  # relu's slope is 0 for x < 0 (by hand)
    assert not result.correct and "at x = -1 yours gives 1, the partial gives 0" in result.message
    assert not ex.check_formula("max(x, y)", "x", "step(y - x)").correct


@pytest.mark.parametrize("answer", BAD_INPUTS + ["6y = ", "2,5", "max(x)", "y ^", "[6y]"])
def test_formula_bad_input_is_not_understood(answer):
    result = ex.check_formula("2x + 3y^2", "y", answer)
    assert not result.correct and result.message
    assert not result.understood or answer == "1/0"


def test_formula_bad_input_messages_are_clear():
    def message(answer):
        return ex.check_formula("2x + 3y^2", "y", answer).message

    assert message("") == "type an answer first"
    assert "10,000 characters" in message("y" * 10_000)
    assert "unexpected character" in message("__import__('os')")
    assert "undefined at every point" in message("1/0")
    assert "exponent" in message("x^99999999") and "20" in message("x^99999999")
    assert "exponent" in message("y^(2^2^2^2)")
    assert "too large" in message("y" + "+y" * 99)
    assert "without" in message("df/dy = 6y")


X, Y, Z = sympy.symbols("x y z")
SYMPY_CASES = [  # (our text, the same function built in SymPy)
    ("2x + 3y^2", 2 * X + 3 * Y**2),
    ("3x^3*z - y^2 + 5z + 2y*z", 3 * X**3 * Z - Y**2 + 5 * Z + 2 * Y * Z),
    ("x*exp(-x^2 - y^2)", X * sympy.exp(-X**2 - Y**2)),
    ("3(2x^2)^5 + y", 3 * (2 * X**2) ** 5 + Y),
    ("sin(x*y) + log(x)/y", sympy.sin(X * Y) + sympy.log(X) / Y),
    ("x/(1 + y^2)", X / (1 + Y**2)),
]


@pytest.mark.parametrize("text, function", SYMPY_CASES)
def test_sympys_partials_are_accepted(text, function):
    for symbol in sorted(function.free_symbols, key=str):
        partial = sympy.diff(function, symbol)
        for form in (str(partial), str(sympy.expand(partial)), str(sympy.factor(partial))):
            assert ex.check_formula(text, str(symbol), form).correct, form


@pytest.mark.parametrize("text, function", SYMPY_CASES)
def test_a_wrong_partial_would_be_caught(text, function):
    """The check must fail on partials with a planted mistake: a flipped sign, a dropped
    term, a derivative taken with respect to the wrong variable, an extra term."""
    symbols = sorted(function.free_symbols, key=str)
    for symbol in symbols:
        partial = sympy.diff(function, symbol)
        wrong = [-partial, partial + 1, partial * 2, partial + symbol]
        terms = sympy.Add.make_args(sympy.expand(partial))
        if len(terms) > 1:
            wrong.append(sympy.expand(partial) - terms[0])
        others = [sympy.diff(function, other) for other in symbols if other != symbol]
        wrong += [other for other in others if sympy.simplify(other - partial) != 0]
        for planted in wrong:
            result = ex.check_formula(text, str(symbol), str(planted))
            assert result.understood and not result.correct, str(planted)


SOUP = st.text(alphabet="xyz0123456789.eE+-*/^(), _abcdefghilmnopqrstuvw$!'=[]", max_size=80)
PROBLEM = None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SOUP)
def test_any_text_gets_a_verdict_never_an_exception(text):
    global PROBLEM
    PROBLEM = PROBLEM or ex.FormulaProblem("3x^3*z - y^2 + 5z + 2y*z", "z")
    result = PROBLEM.check(text)
    assert isinstance(result, ex.Result) and result.message


ADVERSARIAL = [
    "x^99999999", "y^(2^2^2^2)", "(x+y+z)^20*(x+y+z)^20*(x+y+z)^20*(x+y+z)^20",
    "((x+y+z)^20)^20", "(x+y+z)^20*(x+y)^20*(y+z)^20*(x+z)^20*(x-y)^20",
    "sin(x)^20*cos(y)^20*tanh(z)^20*exp(x+y+z)^20", "(x+1)^-20*(y+1)^-20*(z+1)^-20",
    "(x+y+z)^19.5*(x+y+z)^19.5", "exp(exp(exp(exp(exp(x)))))", "x^(y^(z^(x^(y^z))))",
    "(" * 95 + "x" + ")" * 95, "-" * 150 + "x", "x" + "+x" * 99, "9^9^9^9*x",
    "(x+y+z)^(z*0 + 20)*(x+y+z)^(y*0 + 20)*(x+y)^(x*0 + 20)",
    "3x^3 + 5 + 2y + (x+y+z)^20*(x-y)^20 - ((x+y+z)*(x-y))^20",
    "(" * 1000 + "x" + ")" * 1000, "x" * 10_000,
]


def test_adversarial_formulas_cannot_hang():
    """Each is refused or judged; the subprocess's timeout turns a hang into a failure (a
    guard, not a speed test: normal runs take a second or two)."""
    code = ("import sys\nfrom gradlab import exercises as ex\n"
            "p = ex.FormulaProblem('3x^3*z - y^2 + 5z + 2y*z', 'z')\n"
            f"for text in {ADVERSARIAL!r}:\n"
            "    r = p.check(text)\n"
            "    print(r.understood, r.correct)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    lines = done.stdout.splitlines()
    assert len(lines) == len(ADVERSARIAL)
    assert lines[0] == "False False"  # x^99999999: refused before any work


# -- a vector (the whole gradient) ----------------------------------------------------------------

F3 = "3x^3*z - y^2 + 5z + 2y*z"
AT = {"x": 1, "y": 2, "z": 3}  # by hand: (9x^2 z, -2y + 2z, 3x^3 + 5 + 2y) = (27, 2, 12)


@pytest.mark.parametrize("answer", ["27, 2, 12", "[27, 2, 12]", "(27, 2, 12)", "27 2 12",
                                    "27;2;12", " 27 , 2.0 , 24/2 ", [27, 2, 12], (27.0, 2, 12),
                                    {"x": 27, "y": 2, "z": 12}, "27.01, 2, 12"])
def test_vector_right(answer):
    assert ex.check_vector(F3, AT, answer).correct


def test_vector_names_the_wrong_components():
    result = ex.check_vector(F3, AT, "27, 1, 12")
    assert not result.correct and result.wrong == ("y",)
    assert result.message == "the y component is not right"
    result = ex.check_vector(F3, AT, "26, 2, 13")
    assert result.wrong == ("x", "z") and "the x and z components are not right" in result.message
    assert ex.check_vector(F3, AT, "1, 1, 1").message == "none of the components is right"
    assert "wrong order" in ex.check_vector(F3, AT, "2, 27, 12").message


def test_vector_components_follow_the_order_of_at():
    reordered = {"z": 3, "x": 1, "y": 2}
    assert ex.check_vector(F3, reordered, "12, 27, 2").correct
    assert ex.VectorProblem(F3, reordered).answer_text == "12, 27, 2"


@pytest.mark.parametrize("answer, fragment", [
    ("27, 2", "has 3 components"), ("27, 2, 12, 0", "yours has 4"), ("", "type an answer"),
    ("27, 2, x", "the z component"), ("27,,12", "the y component is empty"),
    ("27, 1/0, 12", "not a finite number"), ("1" * 10_000, "10,000 characters"),
    ("__import__('os')", ""), ({"x": 1}, "no value for y"),
])
def test_vector_bad_input_is_not_understood(answer, fragment):
    result = ex.check_vector(F3, AT, answer)
    assert not result.understood and not result.correct and fragment in result.message


# -- a choice --------------------------------------------------------------------------------------

def test_choice_single_answer_by_text_or_index():
    options = ["x", "y", "neither"]
    assert ex.check_choice(options, "neither", "neither").correct
    assert ex.check_choice(options, 2, "neither").correct
    assert ex.check_choice(options, "neither", 2).correct
    result = ex.check_choice(options, "neither", "x")
    assert not result.correct and result.understood and result.wrong == ("x",)
    for bad in (None, "", "z", 7, [], object()):
        assert not ex.check_choice(options, "neither", bad).understood


def test_choice_feedback_is_said_for_a_wrong_option():
    problem = ex.ChoiceProblem(["x", "y"], "y", feedback={"x": "x is smaller here"})
    assert problem.check("x").message == "x is smaller here"


def test_choice_several_answers():
    problem = ex.ChoiceProblem(["a", "b", "c"], ["a", "c"])
    assert problem.multiple and problem.expected == ("a", "c")
    assert problem.check(["c", "a"]).correct
    assert "another option is right as well" in problem.check(["a"]).message
    assert problem.check(["a", "b", "c"]).wrong == ("b",)


def test_choice_needs_real_options_and_an_answer_among_them():
    with pytest.raises(ValueError):
        ex.ChoiceProblem(["x"], "x")
    with pytest.raises(ValueError):
        ex.ChoiceProblem(["x", "x"], "x")
    with pytest.raises(ValueError):
        ex.ChoiceProblem(["x", "y"], "z")


@pytest.mark.parametrize("f, at, expected", [
    ("max(x, y)", {"x": 3, "y": 1}, ("x",)),  # d max/dx = 1 where x > y (by hand)
    ("max(x, y)", {"x": 1, "y": 3}, ("y",)),
    ("max(x, y)", {"x": 2, "y": 2}, ("none of them",)),  # a tie: 1 if x > y else 0, for both
    ("x*y", {"x": 0, "y": 2}, ("x",)),  # df/dx = y = 2, df/dy = x = 0
    ("relu(x*w + b)", {"x": 1, "w": 2, "b": -1}, ("x", "w", "b")),  # z = 1 > 0
    ("relu(x*w + b)", {"x": 1, "w": 2, "b": -3}, ("none of them",)),  # z = -1 < 0
])
def test_which_inputs_get_a_gradient(f, at, expected):
    problem = ex.which_inputs(f, at)
    assert problem.expected == expected and problem.check(list(expected)).correct
    assert problem.options[:-1] == tuple(at)


def test_which_inputs_tells_why_an_input_is_wrong_and_refuses_none_with_others():
    problem = ex.which_inputs("max(x, y)", {"x": 2, "y": 2})
    assert problem.check(["x"]).message == "∂f/∂x is 0 at this point, so x gets no gradient"
    assert not problem.check(["x", "none of them"]).understood
    problem = ex.which_inputs("max(x, y)", {"x": 3, "y": 1})
    assert problem.check(["none of them"]).message == "at least one input does get a gradient here"


def test_a_variable_before_parentheses_multiplies_and_run_together_names_get_a_hint():
    # d/dx x^2 (x + y) = 2x(x + y) + x^2 (product rule, by hand)
    assert ex.check_formula("x^2*(x + y)", "x", "2x(x + y) + x^2").correct
    assert ex.check_formula("x^2*(x + y)", "x", "x (3x + 2y)").correct
    result = ex.check_formula("x^2*(x + y)", "x", "3x^2 + 2xy")
    assert not result.understood and "to multiply, write x*y" in result.message
    assert not ex.check_formula("x^2*(x + y)", "x", "exp(x)").correct  # functions stay calls


def test_the_answer_is_shown_in_its_shortest_form():
    # d/da of -log(e^a / s), s = e^a + e^b + e^c: e^a/s - 1 = -(e^b + e^c)/s (by hand)
    problem = ex.FormulaProblem("-log(exp(a)/(exp(a) + exp(b) + exp(c)))", "a")
    assert len(problem.answer_text) < len(problem.expected.text)
    hand = "-(exp(b) + exp(c))/(exp(a) + exp(b) + exp(c))"
    assert ex.check_formula("-log(exp(a)/(exp(a) + exp(b) + exp(c)))", "a", hand).correct
    assert problem.check(problem.answer_text).correct
    values = {"a": 0.3, "b": -1.2, "c": 2.0}
    assert gl.parse(problem.answer_text).evaluate(**values) == pytest.approx(
        gl.parse(hand).evaluate(**values))


def test_terms_are_compared_only_for_polynomials():
    # softmax's partial is no polynomial: the point where they differ is told, not its "terms"
    result = ex.check_formula("-log(exp(a)/(exp(a) + exp(b) + exp(c)))", "a",
                              "exp(a)/(exp(a) + exp(b) + exp(c))")
    assert not result.correct and result.message.startswith("at (a, b, c) = (1, 2, 3)")
    assert "term" not in result.message
    # x^3 y + x^2 y + x y^2 + 5y + z: d/dy = x^3 + x^2 + 2xy + 5 (by hand)
    result = ex.check_formula("x^3*y + x^2*y + x*y^2 + 5y + z", "y", "5")
    assert "2 terms with x are missing; a term with x and y is missing" in result.message
