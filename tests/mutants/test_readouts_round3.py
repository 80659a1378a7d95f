"""Third round of tests against the readout survivors of `make mutate MUTANTS=readout`
(benchmarks/README.md, "Mutation testing"): Curve, ComputationGraph, PartialsTable's terms and
product tables, GradientField, Surface's secant and slices, the base view's readouts. Each reads
what a learner reads (tests/visible.py) and checks it against SymPy, arithmetic by hand or a rule a
docstring states (the digits a number is shown to among them), never against the view's own
output."""

from __future__ import annotations

import json
import math
import re

import pytest
from oracles import agrees, parse_shown, partial, value
from visible import figure_text, lines, tables, tags

from gradlab.views import ChainRule, ComputationGraph, Curve, GradientField, PartialsTable, Surface
from gradlab.views._common import fmt, tagged


def to_digits(shown: str, exact: float, digits: int) -> bool:
    """`shown` is `exact` rounded to exactly `digits` significant digits (trailing zeros
    dropped, as a learner reads "2.5", not "2.500"): the digits a docstring promises."""
    return parse_shown(shown) == float(f"{exact:.{digits}g}")


# -- Curve._readout ------------------------------------------------------------------------------

CURVE = re.compile(r"^x = (\S+) · f\(x\) = (\S+) · tangent slope f'\(x\) = (\S+) · secant slope "
                   r"\(f\(x\+h\) − f\(x\)\)/h = (\S+) for h = (\S+) \(differs by (\S+)\)$")


@pytest.mark.parametrize(("x", "h"), [(1.3, 0.5), (-0.7, 0.1), (2.1, 1.5)])
def test_curve_reads_one_line_each_number_to_its_stated_digits(x: float, h: float) -> None:
    """x^3 - 2x + e^x: the readout is one line, nothing before or after it; f, f' and the
    secant's slope to 4 significant digits (fmt's), the difference secant - tangent to 3 (the
    class docstring), each worked by hand: f' = 3x^2 - 2 + e^x, secant (f(x + h) - f(x))/h."""
    curve = Curve("x^3 - 2x + exp(x)", secant=True)
    curve.sliders["x"].value = x
    curve.h_slider.value = h
    x = curve.sliders["x"].value
    (line,) = lines(curve.readout)
    shown = CURVE.match(line)
    assert shown, line
    def f_(t: float) -> float:
        return t ** 3 - 2 * t + math.exp(t)

    f = f_(x)
    slope = 3 * x ** 2 - 2 + math.exp(x)
    secant = (f_(x + h) - f) / h
    assert to_digits(shown[1], x, 4)
    assert to_digits(shown[2], f, 4)
    assert to_digits(shown[3], slope, 4)
    assert to_digits(shown[4], secant, 4)
    assert parse_shown(shown[5]) == h
    assert to_digits(shown[6], secant - slope, 3)


def test_curve_tags_name_the_quantity_beside_them() -> None:
    """The browser tests recompute every tagged number from its tag: f(x)'s tag must say f
    (of = ""), the slope's the partial along x, each at the point shown; an undefined f
    (log at 0) has no tagged slope, since the core gives none."""
    curve = Curve("log(x) + x^2", secant=True, ranges={"x": (-1.0, 3.0)})
    curve.sliders["x"].value = 1.5
    found = tags(curve.readout.value)
    assert [(t["of"], t["expression"]) for t, _ in found] == [("", "log(x) + x^2"),
                                                               ("x", "log(x) + x^2")]
    for t, shown in found:
        assert json.loads(t["at"]) == {"x": 1.5}
        exact = (value("log(x) + x^2", {"x": 1.5}) if t["of"] == ""
                 else partial("log(x) + x^2", "x", {"x": 1.5}))
        assert agrees(shown, exact) and float(t["value"]) == pytest.approx(exact, rel=1e-12)
    curve.sliders["x"].value = -0.5
    assert [t["of"] for t, _ in tags(curve.readout.value)] == [""]
    assert "tangent slope f'(x) = undefined" in lines(curve.readout)[0]


# -- PartialsTable: the digits its docstring states, its sentences word for word -----------------

def _central(formula: str, point: dict[str, float], name: str, h: float) -> float:
    """(f(.., v + h, ..) − f(.., v − h, ..)) / 2h with SymPy's values of f."""
    return (value(formula, {**point, name: point[name] + h})
            - value(formula, {**point, name: point[name] - h})) / (2 * h)


@pytest.mark.parametrize(("formula", "point"), [
    ("x^3 * y + 1/(3*x)", {"x": 0.7, "y": 1.3}),
    ("exp(x) * y^2 - x/y", {"x": 0.37, "y": -1.9}),
])
def test_table_shows_f_values_and_central_differences_to_6_digits(formula, point) -> None:
    """The docstring's digits: f and every ∂f/∂v and central difference to 6 significant
    digits (against SymPy), the difference column to at most 2."""
    table = PartialsTable(formula, point=point)
    point = {name: table.sliders[name].value for name in point}  # on the sliders' steps
    caption = lines(table)[0]
    assert caption.startswith("f = "), caption
    assert to_digits(caption.split()[2], value(formula, point), 6), caption
    (grid,) = tables(table)
    for row, name in zip(grid[1:], point, strict=True):
        assert row[0] == f"∂f/∂{name}"
        assert to_digits(row[2], partial(formula, name, point), 6), row
        assert to_digits(row[3], _central(formula, point, name, 1e-5), 6), row
        mantissa = re.sub(r"×10\^.*", "", row[4]).replace(".", "").lstrip("0")
        assert 1 <= len(mantissa) <= 2 and parse_shown(row[4]) < 1e-6, row


def test_terms_table_shows_each_terms_partials_to_6_digits() -> None:
    """f = x^3 y + sin(x) y^2 at (0.7, 1.3): the term rows hold each term's partials (SymPy's
    derivative of that term), the last row f's, every number to 6 digits."""
    formula = "x^3*y + sin(x)*y^2"
    point = {"x": 0.7, "y": 1.3}
    table = PartialsTable(formula, point=point, parts="terms")
    grid = tables(table.parts_table)[0]
    assert grid[0] == ["term", "∂/∂x", "∂/∂y"]
    for row, term in zip(grid[1:3], ("x^3*y", "sin(x)*y^2"), strict=True):
        for cell, name in zip(row[1:], point, strict=True):
            assert to_digits(cell.rsplit(" = ", 1)[1], partial(term, name, point), 6), cell
    assert grid[3][0] == "f: the sum"
    for cell, name in zip(grid[3][1:], point, strict=True):
        assert to_digits(cell.rsplit(" = ", 1)[1], partial(formula, name, point), 6), cell
    assert lines(table.parts_table)[0] == (
        "Term by term (each column's terms add up to its last row, the partial of f by "
        "backward):")


def test_product_table_shows_the_rules_sum_and_the_partial_to_6_digits() -> None:
    """f = (x^2 + y)·exp(x y) at (0.6, −1.7): u′v + uv′ and ∂f/∂v by SymPy to 6 digits, u′, v, u,
    v′ to 4 (by hand: u = x^2 + y, v = e^{xy})."""
    point = {"x": 0.6, "y": -1.7}
    table = PartialsTable("(x^2 + y) * exp(x*y)", point=point, parts="product")
    grid = tables(table.parts_table)[0]
    u, v = value("x^2 + y", point), value("exp(x*y)", point)
    for row, name in zip(grid[1:], point, strict=True):
        assert row[0] == f"∂/∂{name}"
        du, dv = partial("x^2 + y", name, point), partial("exp(x*y)", name, point)
        assert to_digits(row[1].rsplit(" = ", 1)[1], du, 4)
        assert to_digits(row[2], v, 4) and to_digits(row[3], u, 4)
        assert to_digits(row[4].rsplit(" = ", 1)[1], dv, 4)
        assert to_digits(row[5].rsplit(" = ", 1)[1], du * v + u * dv, 6), row[5]
        assert to_digits(row[6], partial("(x^2 + y) * exp(x*y)", name, point), 6)
    assert lines(table.parts_table)[0].endswith("the core):")


def test_the_tables_warning_and_kink_note_read_word_for_word() -> None:
    """The two sentences a learner reads under the table, whole: the warning for log at 0 and
    the kink note for max at a tie (a capital after each full stop, nothing added)."""
    table = PartialsTable("log(x) + y", point={"x": 1.0, "y": 1.0})
    table.sliders["x"].value = 0.0
    assert (table.message.kind, table.message.text) == (
        "warning", "f or a partial is undefined or infinite at this point (a log of a number "
        "<= 0, a division by zero, or overflow): shown as 'undefined' or '∞'.")
    kink = PartialsTable("max(x, y)", point={"x": 1.0, "y": 1.0})
    assert (kink.message.kind, kink.message.text) == (
        "info", "∂f/∂x, ∂f/∂y and the central difference disagree here: f has a kink at this "
        "point (ReLU at 0, max or min at a tie, abs at 0). The core uses a one-sided "
        "convention; the central difference averages the two sides.")


def test_table_update_at_a_given_point_shows_that_point_not_the_sliders() -> None:
    """`update(point)` (the docstring: "at the point (default: the sliders')"): x^2 y at
    (2, −1) reads f = −4, ∂f/∂x = 2xy = −4, ∂f/∂y = x^2 = 4 by hand, the sliders left at 1."""
    table = PartialsTable("x^2 * y", point={"x": 1.0, "y": 1.0})
    table.update({"x": 2.0, "y": -1.0})
    assert lines(table)[0].startswith("f = −4 at x = 2, y = −1"), lines(table)[0]
    (grid,) = tables(table)
    assert [(row[0], parse_shown(row[2])) for row in grid[1:]] == [("∂f/∂x", -4.0),
                                                                    ("∂f/∂y", 4.0)]
    assert (table.sliders["x"].value, table.sliders["y"].value) == (1.0, 1.0)


# -- Surface: the slice lab beside it, the secant's readout ----------------------------------------

SECANT = re.compile(r"secant of the slice y = (\S+): \(f\(x \+ h, y\) − f\(x, y\)\)/h = (\S+) "
                    r"for h = (\S+); ∂f/∂x = (\S+) \(backward\); they differ by (\S+)$")


def _surface_f(x: float, y: float) -> float:
    return math.exp(x) * y + x ** 2


def test_surface_slice_lab_follows_the_point_and_names_the_held_value() -> None:
    """f = e^x y + x^2 with a secant: at (0.8766, 1.2345) the slices' legends name the held
    values to 3 digits and the tangents' their slopes ∂f/∂x = e^x y + 2x, ∂f/∂y = e^x to 4
    (by hand). `update(point)` at (0.8, 1.2345) puts the flat slice lab
    there (its readout: x = 0.8, f = e^0.8 · 1.2345 + 0.64 by hand, the sliders untouched), its
    legend names the held y to 3 digits ("slice y = 1.23: f(x, 1.23)"); moving y's slider to
    −0.7 renames it. The readout's secant line: (f(x + h, y) − f(x, y))/h by hand to 4 digits,
    ∂f/∂x = e^x y + 2x to 4, their difference to 3."""
    surface = Surface("exp(x)*y + x^2", secant=True)
    surface.update({"x": 0.8766, "y": 1.2345})
    words = figure_text(surface.figure)
    assert {"slice y = 1.23 (along x)", "slice x = 0.877 (along y)"} <= set(words), words
    slopes = dict(w.split(" = ") for w in words if w.startswith("tangent, slope"))
    assert to_digits(slopes["tangent, slope ∂f/∂x"], math.exp(0.8766) * 1.2345 + 2 * 0.8766, 4)
    assert to_digits(slopes["tangent, slope ∂f/∂y"], math.exp(0.8766), 4)
    surface.update({"x": 0.8, "y": 1.2345})
    slice_lab = surface.slice
    names = [t.name for t in slice_lab.figure.data if t.name and t.name.startswith("slice")]
    assert names == ["slice y = 1.23: f(x, 1.23)"], names
    (line,) = lines(slice_lab.readout)
    shown = dict(pair.split(" = ", 1) for pair in line.split(" · ")[:2])
    assert parse_shown(shown["x"]) == 0.8
    assert to_digits(shown["f(x)"], _surface_f(0.8, 1.2345), 4), line
    assert (surface.sliders["x"].value, surface.sliders["y"].value) != (0.8, 1.2345)

    surface.sliders["x"].value = 0.6
    surface.sliders["y"].value = -0.7
    names = [t.name for t in slice_lab.figure.data if t.name and t.name.startswith("slice")]
    assert names == ["slice y = −0.7: f(x, −0.7)"], names
    h = float(surface.h_slider.value)
    secant = (_surface_f(0.6 + h, -0.7) - _surface_f(0.6, -0.7)) / h
    slope = math.exp(0.6) * -0.7 + 1.2
    found = SECANT.search(lines(surface.readout)[-1])
    assert found, lines(surface.readout)
    assert parse_shown(found[1]) == -0.7 and parse_shown(found[3]) == h
    assert to_digits(found[2], secant, 4) and to_digits(found[4], slope, 4)
    assert to_digits(found[5], secant - slope, 3), found[0]


# -- GradientField's legend, the base view's "end of its range", the tags' attributes ------------

@pytest.mark.parametrize(("scale", "legend"), [
    (1.0, "gradient ∇f"),
    (2.0, "gradient ∇f, drawn 2 × as long"),
    (0.25, "gradient ∇f, drawn 0.25 × as long"),
])
def test_field_legend_names_the_arrow_and_its_scale(scale: float, legend: str) -> None:
    """The arrow's legend says what it is, and how much longer than ∇f it is drawn unless it
    is ∇f itself (arrow_scale = 1)."""
    field = GradientField("x^2 + 3*y", arrow_scale=scale)
    assert legend in figure_text(field.figure), figure_text(field.figure)


def test_a_slider_at_either_end_of_its_range_is_named_with_its_value() -> None:
    """x^2 + y on [−2, 3]: x at −2 and at 3 is "x is at the end of its range (−2)" / "(3)"
    (an info, not a warning); just inside the range, no note."""
    curve = Curve("x^2 + y", ranges={"x": (-2.0, 3.0)}, secant=False)
    for end, shown in ((-2.0, "−2"), (3.0, "3")):
        curve.sliders["x"].value = end
        assert (curve.message.kind, curve.message.text) == (
            "info", f"x is at the end of its range ({shown})")
    curve.sliders["x"].value = 2.5
    assert curve.message.text == ""


def test_a_tag_carries_the_four_attributes_and_a_check_only_when_given() -> None:
    """tagged's docstring: expression, of, at and value; `check` only when one is given."""
    plain = tags(tagged("2", "x^2", "x", {"x": 1.0}, 2.0))
    assert [sorted(t) for t, _ in plain] == [["at", "expression", "of", "value"]]
    assert re.fullmatch(r'<span( data-gradlab-\w+="[^"]*")+>2</span>',
                        tagged("2", "x^2", "x", {"x": 1.0}, 2.0))
    checked = tags(tagged("0.5", "", "", {}, 0.5, check={"loss": "L"}))
    assert [sorted(t) for t, _ in checked] == [["at", "check", "expression", "of", "value"]]
    assert json.loads(checked[0][0]["check"]) == {"loss": "L"}


# -- ComputationGraph: each step of the backward pass, word for word -----------------------------

def test_graph_steps_read_as_the_chain_rule_by_hand() -> None:
    """f = (x + y)·x at (2, 3), by hand: f = 10; the × node gives its input x + y the local x = 2
    and x the local x + y = 5; the + node gives x and y 1 each, times its upstream 2. x's grad
    is 5 + 2 = 7 = 2x + y (two contributions, added up), y's 2 = x. A local that is a plain
    number is not repeated ("= 1 = 1"), a compound input is in parentheses, only a grad fed
    twice is counted, and only the last step says all are done. The plain copy
    (`readout_text`, what the lesson tests read) is the same lines."""
    graph = ComputationGraph("(x + y) * x", point={"x": 2.0, "y": 3.0})
    expected = {
        1: ["Step 1 of 4: the × node ((x + y)·x = 10) passes its grad to its input x + y.",
            "local ∂((x + y)·x)/∂(x + y) = x = 2 × upstream 1 = contribution 2",
            "x + y's grad so far: 2"],
        2: ["Step 2 of 4: the × node ((x + y)·x = 10) passes its grad to its input x.",
            "local ∂((x + y)·x)/∂x = x + y = 5 × upstream 1 = contribution 5",
            "x's grad so far: 5 (contribution 1 of 2, added up)"],
        3: ["Step 3 of 4: the + node (x + y = 5) passes its grad to its input x.",
            "local ∂(x + y)/∂x = 1 × upstream 2 = contribution 2",
            "x's grad so far: 7 (contribution 2 of 2, added up)"],
        4: ["Step 4 of 4: the + node (x + y = 5) passes its grad to its input y.",
            "local ∂(x + y)/∂y = 1 × upstream 2 = contribution 2",
            "y's grad so far: 2",
            "All 4 steps done: every grad is complete."],
    }
    assert len(graph.steps) == 4
    for k, shown in expected.items():
        graph.show_step(k)
        assert lines(graph.readout) == shown
        assert [" ".join(line.split()) for line in graph.readout_text.split("\n")] == shown
    assert lines(graph.summary) == [
        "at x = 2, y = 3: f = 10 · ∂f/∂x = 7 · ∂f/∂y = 2 (every grad, after the whole backward "
        "pass)"]


def test_surface_tags_each_partial_with_its_variable_and_none_where_f_is_undefined() -> None:
    """The browser tests recompute each tagged partial: at (1.5, 2) the readout's ∂f/∂x and
    ∂f/∂y of log(x)·y carry of = x and of = y and the numbers 1/x·y = 4/3 and log(1.5) by
    hand; at x = −1, where f is undefined, no partial is tagged."""
    surface = Surface("log(x) * y", ranges={"x": (-2.0, 3.0), "y": (-2.0, 3.0)})
    surface.sliders["x"].value = 1.5
    surface.sliders["y"].value = 2.0
    found = [(t["of"], shown) for t, shown in tags(surface.readout.value) if t["of"]]
    assert [of for of, _ in found] == ["x", "y"]
    assert agrees(found[0][1], 2.0 / 1.5) and agrees(found[1][1], math.log(1.5))
    surface.sliders["x"].value = -1.0
    assert [t["of"] for t, _ in tags(surface.readout.value) if t["of"]] == []


def test_fmt_shows_what_is_not_a_number_as_its_text() -> None:
    """fmt's docstring: 4 significant digits, a true minus, ∞, "undefined"; a text as itself."""
    assert [fmt(v) for v in (2 / 3, -1234567.0, float("inf"), -float("inf"), float("nan"),
                             -0.0, "n/a")] == ["0.6667", "−1.235×10^6", "∞", "−∞", "undefined",
                                               "0", "n/a"]


def test_an_undefined_chain_reads_infinity_times_zero_as_upright_undefined() -> None:
    """log(x^2) at x = 0, g = x^2: f'(g) = 1/g = ∞ and g'(x) = 2x = 0 (by hand), so the chain
    line ends "∞ × 0 = undefined"; `_tex`'s docstring: LaTeX's \\infty, and "undefined" as
    upright text, which MathJax would otherwise set as eight italic letters multiplied."""
    chain = ChainRule("log(x^2)", inner="x^2", point={"x": 0.0})
    assert r"= \infty\times 0 = \text{undefined}$$" in chain.readout.value


def test_a_surface_without_a_secant_reads_f_and_its_two_partials_and_nothing_else() -> None:
    """x^2 y at (1.5, −2), by hand: f = −4.5, ∂f/∂x = 2xy = −6, ∂f/∂y = x^2 = 2.25; one line,
    no secant part, and no message at a point inside both ranges."""
    surface = Surface("x^2 * y")
    surface.sliders["x"].value = 1.5
    surface.sliders["y"].value = -2.0
    assert lines(surface.readout) == [
        "f(1.5, −2) = −4.5 · ∂f/∂x = −6 (slope along x) · ∂f/∂y = 2.25 (slope along y)"]
    assert (surface.message.kind, surface.message.text) == ("", "")


def test_surface_tangents_and_secant_are_drawn_the_lengths_the_docstring_gives() -> None:
    """x over [−3, 3], y over [−1, 1]: each tangent runs 0.2 × 2 = 0.4 either side of the
    point (1, 0.5), where f = 2.5, and rises by its partial (∂f/∂x = 2x = 2, ∂f/∂y = 3, by hand);
    the secant's line runs 0.1 × 6 = 0.6 past (1, ·) and (1 + h, ·) with the difference
    quotient ((1 + h)^2 − 1)/h = 2 + h as its slope."""
    surface = Surface("x^2 + 3*y", secant=True, ranges={"x": (-3.0, 3.0), "y": (-1.0, 1.0)})
    surface.sliders["x"].value = 1.0
    surface.sliders["y"].value = 0.5
    h = float(surface.h_slider.value)
    fig = surface.figure
    along_x = next(t for t in fig.data if t.name.startswith("tangent, slope ∂f/∂x"))
    along_y = next(t for t in fig.data if t.name.startswith("tangent, slope ∂f/∂y"))
    assert list(along_x.x) == pytest.approx([0.6, 1.4]) and list(along_x.y) == [0.5, 0.5]
    assert list(along_x.z) == pytest.approx([2.5 - 0.8, 2.5 + 0.8])
    assert list(along_y.y) == pytest.approx([0.1, 0.9]) and list(along_y.x) == [1.0, 1.0]
    assert list(along_y.z) == pytest.approx([2.5 - 1.2, 2.5 + 1.2])
    secant = next(t for t in fig.data if t.name == "secant along x (y held)")
    assert list(secant.x) == pytest.approx([1.0 - 0.6, 1.0 + h + 0.6])
    slope = (secant.z[1] - secant.z[0]) / (secant.x[1] - secant.x[0])
    assert slope == pytest.approx(2 + h) and secant.z[0] == pytest.approx(2.5 - 0.6 * (2 + h))


def test_a_failure_inside_the_slice_lab_is_said_on_the_surfaces_message_line(monkeypatch) -> None:
    """The flat slice beside a secant surface has no message line of its own on the page: a
    failure inside it (planted here: its readout raises) is shown as the surface's error, in
    the words the slice's guard wrote; at a normal point the surface's line stays empty."""
    surface = Surface("x^2 + 3*y", secant=True)
    surface.sliders["x"].value = 0.5
    assert (surface.message.kind, surface.message.text) == ("", "")

    def planted(*args, **kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(surface.slice, "_readout", planted)
    surface.sliders["x"].value = 0.7
    assert (surface.message.kind, surface.message.text) == (
        "error", "Could not update: RuntimeError: planted")


# -- ChainRule's plain copy (`readout_text`, what the lesson tests read) and its warning --------

@pytest.mark.parametrize(("formula", "inner", "point", "expected"), [
    # h = (xy + y)^2 at (1, 2), by hand: g = 4, f'(g) = 2g = 8, ∂g/∂x = y = 2, ∂g/∂y = x + 1 = 2;
    # y's two paths: through x·y (2g · 1 · x = 8) and through + y (2g · 1 = 8)
    ("(x*y + y)^2", "x*y + y", {"x": 1.0, "y": 2.0}, [
        "h = (x·y + y)^2 = f(g(x, y)), g = x·y + y, f(g) = g^2; at x = 1, y = 2: g = 4",
        "∂h/∂x = ∂h/∂g · ∂g/∂x = f'(g) · ∂g/∂x = 8 × 2 = 16",
        "  path: 2·g · 1 · y = 8 × 1 × 2 = 16",
        "the product of the locals = 16; the core's ∂h/∂x = 16 ✓",
        "∂h/∂y = ∂h/∂g · ∂g/∂y = f'(g) · ∂g/∂y = 8 × 2 = 16",
        "  path: 2·g · 1 · x = 8 × 1 × 1 = 8",
        "  path: 2·g · 1 = 8 × 1 = 8",
        "the sum over paths = 16; the core's ∂h/∂y = 16 ✓"]),
    # h = e^(2x) at 0.5, one input (so d, not ∂): g = 1, f'(g) = e = 2.718, g' = 2
    ("exp(2*x)", "2*x", {"x": 0.5}, [
        "h = exp(2·x) = f(g(x)), g = 2·x, f(g) = exp(g); at x = 0.5: g = 1",
        "dh/dx = dh/dg · dg/dx = f'(g) · g'(x) = 2.718 × 2 = 5.437",
        "  path: exp(g) · 2 = 2.718 × 2 = 5.437",
        "the product of the locals = 5.437; the core's dh/dx = 5.437 ✓"]),
    # h = x: no step between h and x, so the one path's product is the empty product 1
    ("x", None, {"x": 0.5}, [
        "h = x", "  path: 1 = 1 = 1", "the product of the locals = 1; the core's dh/dx = 1 ✓"]),
])
def test_the_chain_rules_plain_copy_reads_as_worked_by_hand(formula, inner, point,
                                                            expected) -> None:
    """`readout_text` is the readout as plain text (tests/lesson_page.py reads it as the
    lesson's claims): line for line the chain rule worked by hand, ∂ for several inputs."""
    chain = ChainRule(formula, inner=inner, point=point)
    assert chain.readout_text.split("\n") == expected


def test_three_undefined_partials_are_named_in_one_sentence() -> None:
    """log(xyz) at (0, 0, 0): each ∂h/∂v = (product of the others)/(xyz) is 0/0 (by hand): the
    warning names all three, "∂h/∂x, ∂h/∂y and ∂h/∂z are ..."."""
    chain = ChainRule("log(x*y*z)", inner="x*y*z", point={"x": 0.0, "y": 0.0, "z": 0.0})
    assert (chain.message.kind, chain.message.text) == (
        "warning", "∂h/∂x, ∂h/∂y and ∂h/∂z are undefined or infinite at this point (a log of a "
        "number <= 0, a division by zero, or overflow).")
