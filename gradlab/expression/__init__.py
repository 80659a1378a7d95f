"""gradlab's safe expression language: text -> a graph of core Values, partials, LaTeX.

    >>> import gradlab as gl
    >>> f = gl.parse("3x^3*z - y^2 + 5z + 2y*z")
    >>> f.partial("x").text
    '9*x^2*z'

The grammar (EBNF; spaces are ignored between tokens):

    sum       = product { ("+" | "-") product } ;
    product   = unary { ("*" | "/") unary } ;          (* 2x and 2(x+y): a number directly
                                                          followed by a name or "(" multiplies *)
    unary     = "-" unary | power ;
    power     = atom [ ("^" | "**") unary ] ;          (* right-associative: 2^3^2 = 2^9 *)
    atom      = number | name | function "(" sum { "," sum } ")" | "(" sum ")" ;
    number    = digits [ "." digits ] [ ("e" | "E") [ "+" | "-" ] digits ] | "." digits ;
    name      = letter { letter | digit | "_" } ;     (* ASCII letters and "_" *)
    function  = "exp" | "log" | "sqrt" | "sin" | "cos" | "tanh" | "sigmoid" | "softplus"
              | "relu" | "abs" | "step" | "sign"     (* one argument *)
              | "max" | "min" ;                        (* two arguments *)
                                  (* the registry's functions: gradlab.ops.FUNCTIONS *)

`e` and `pi` are constants, not variables; a function name without its "(...)" is an error.
log is the natural logarithm; step(x) is 1 where x > 0 else 0 (the slope of relu). Text longer
than 2,000 characters or nested more than 100 levels deep is refused with an ExpressionError.
Nothing is ever evaluated as Python: the parser is hand-written and SymPy is given a tree.
"""

from .expression import Expression, parse
from .parser import ExpressionError

__all__ = ["Expression", "ExpressionError", "parse"]
