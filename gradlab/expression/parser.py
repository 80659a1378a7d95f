"""Text -> expression tree: a hand-written tokenizer and a recursive-descent parser.

Nothing here evaluates Python. Input is limited in length and in nesting depth, so the parser's
own recursion can never overflow, and every problem is reported as an ExpressionError that
names the column.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .nodes import CONSTANTS, FUNCTIONS, Binary, Call, Name, Neg, Node, Number

MAX_LENGTH = 2000  # characters
MAX_NESTING = 100  # parentheses, calls, unary minus signs and powers inside one another


class ExpressionError(ValueError):
    """Bad expression text, or bad values for its variables.

    column: 1-based position of the problem in the text, or None when it is not about a place.
    """

    def __init__(self, message: str, column: int | None = None, text: str | None = None):
        self.column = column
        self.text = text
        full = message if column is None else f"{message} at column {column}"
        if column is not None and text is not None and "\n" not in text and len(text) <= 120:
            full += f"\n  {text}\n  {' ' * (column - 1)}^"  # a caret under the problem
        super().__init__(full)
        self.message = message


class Token(NamedTuple):
    kind: str  # 'number', 'name', 'op' (+ - * / ^ ( ) ,), 'end'
    text: str
    column: int  # 1-based
    implicit: bool = False  # a '*' the tokenizer inserted: 2x means 2*x


_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPACE = " \t\r\n"


def tokenize(text: str) -> list[Token]:
    """Split text into tokens; a number directly followed by a name or '(' gets a '*' after it."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in _SPACE:
            i += 1
            continue
        column = i + 1
        if char.isascii() and (char.isdigit() or char == "."):
            match = _NUMBER.match(text, i)
            if match is None:
                raise ExpressionError("'.' must belong to a number such as 0.5", column, text)
            tokens.append(Token("number", match.group(), column))
            i = match.end()
            if i < len(text) and (text[i] == "(" or _NAME.match(text, i)):
                tokens.append(Token("op", "*", i + 1, implicit=True))
        elif _NAME.match(text, i):
            match = _NAME.match(text, i)
            tokens.append(Token("name", match.group(), column))
            i = match.end()
        elif text.startswith("**", i):
            tokens.append(Token("op", "^", column))
            i += 2
        elif char in "+-*/^(),":
            tokens.append(Token("op", char, column))
            i += 1
        else:
            raise ExpressionError(f"unexpected character {char!r}", column, text)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def parse_tree(text: str) -> Node:
    """The expression tree of text (see the grammar in gradlab.expression)."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text (a str), got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters; the limit is "
                              f"{MAX_LENGTH})")
    return _Parser(text).parse()


class _Parser:
    """Recursive descent, one method per grammar rule, loosest binding first."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.position = 0
        self.nesting = 0

    # -- helpers -------------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        token = token or self.token
        return ExpressionError(message, token.column, self.text)

    def describe(self, token: Token) -> str:
        return "the end of the expression" if token.kind == "end" else repr(token.text)

    def enter(self, token: Token) -> None:
        """Count one more level of nesting; refuse before Python's recursion could overflow."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error(f"expression is nested too deeply (more than {MAX_NESTING} "
                             "levels)", token)

    # -- the grammar ---------------------------------------------------------------------------

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExpressionError("empty expression")
        node = self.sum()
        token = self.token
        if token.kind != "end":
            if token.text == ")":
                raise self.error("unmatched ')'")
            if token.kind in ("number", "name") or token.text == "(":
                raise self.error(f"missing operator before {self.describe(token)}")
            raise self.error(f"unexpected {self.describe(token)}")
        return node

    def sum(self) -> Node:
        """sum = product { ('+' | '-') product }"""
        node = self.product()
        while self.token.text in ("+", "-") and self.token.kind == "op":
            op = self.advance()
            node = Binary(op.text, node, self.product(), op.column)
        return node

    def product(self) -> Node:
        """product = unary { ('*' | '/') unary }   (2x and 2(x+y) carry an implied '*')"""
        node = self.unary()
        while self.token.text in ("*", "/") and self.token.kind == "op":
            op = self.advance()
            node = Binary(op.text, node, self.unary(), op.column)
        return node

    def unary(self) -> Node:
        """unary = '-' unary | power"""
        if self.token.text == "-" and self.token.kind == "op":
            op = self.advance()
            self.enter(op)
            node = Neg(self.unary(), op.column)
            self.nesting -= 1
            return node
        return self.power()

    def power(self) -> Node:
        """power = atom [ ('^' | '**') unary ]   (right-associative: 2^3^2 = 2^(3^2))"""
        node = self.atom()
        if self.token.text == "^" and self.token.kind == "op":
            op = self.advance()
            self.enter(op)
            node = Binary("^", node, self.unary(), op.column)
            self.nesting -= 1
        return node

    def atom(self) -> Node:
        """atom = number | name | function '(' arguments ')' | '(' sum ')'"""
        token = self.token
        if token.kind == "number":
            self.advance()
            return Number(float(token.text), token.column)
        if token.kind == "name":
            self.advance()
            if token.text in FUNCTIONS:
                return self.call(token)
            if self.token.text == "(":
                hint = "" if token.text in CONSTANTS else f"; to multiply, write {token.text}*(...)"
                raise self.error(f"unknown function {token.text!r}{hint}", token)
            return Name(token.text, token.column)
        if token.text == "(":
            self.advance()
            self.enter(token)
            node = self.sum()
            self.nesting -= 1
            self.expect(")")
            return node
        if token.kind == "end":
            raise self.error("expression ends too early: expected a number, a name or '('")
        raise self.error(f"unexpected {self.describe(token)}")

    def call(self, name: Token) -> Node:
        """function '(' sum { ',' sum } ')'"""
        if self.token.text != "(":
            raise self.error(f"{name.text!r} is a function: write {name.text}(...)", name)
        opening = self.advance()
        self.enter(opening)
        args = [self.sum()]
        while self.token.text == ",":
            self.advance()
            args.append(self.sum())
        self.nesting -= 1
        self.expect(")")
        wanted = FUNCTIONS[name.text]
        if len(args) != wanted:
            plural = "argument" if wanted == 1 else "arguments"
            raise self.error(f"{name.text} takes {wanted} {plural}, got {len(args)}", name)
        return Call(name.text, tuple(args), name.column)

    def expect(self, text: str) -> None:
        if self.token.text != text:
            raise self.error(f"expected {text!r}, found {self.describe(self.token)}")
        self.advance()
