"""A tests-only evaluator of the restricted formula language sheetladder writes.

The fake Google Sheets computes ``effectiveValue`` for formula cells with this, so a round
trip through the fake checks our formulas as a spreadsheet would compute them, independently
of the Python scoring rule. Deliberately small: IF, AND, OR, NOT, COUNT, SUM, AVERAGE, MATCH
(exact), INDEX, CHOOSE, ROUND, INT, MIN, MAX, ISNUMBER, TRIM, UPPER, LOWER, EXACT, NA; arithmetic, comparison, &;
string literals, A1 references, ranges and cross-sheet references. Semantics follow Google
Sheets: blanks are 0 or "" by context, text in referenced cells is skipped by COUNT/SUM/
AVERAGE/MIN/MAX, comparison of text is case-insensitive, errors propagate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Blank:
    _inst: Blank | None = None

    def __new__(cls) -> Blank:
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self) -> str:
        return "BLANK"


BLANK = Blank()


@dataclass(frozen=True)
class Err:
    code: str  # Google ErrorValue type: N_A, VALUE, DIVIDE_BY_ZERO, REF, NAME, NUM, ERROR

    def __str__(self) -> str:
        return self.code


class FormulaError(Exception):
    """The formula text cannot be parsed (Google would show #ERROR!)."""


@dataclass(frozen=True)
class Ref:
    sheet: str | None
    r1: int
    c1: int
    r2: int
    c2: int


Scalar = float | str | bool | Blank | Err
Value = Scalar | Ref

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?
        \$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Za-z][A-Za-z0-9.]*(?=\())
  | (?P<bool>TRUE|FALSE)\b
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%])
""", re.VERBOSE | re.IGNORECASE)

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _cell(text: str) -> tuple[int, int]:
    m = _CELL.match(text)
    if not m:
        raise FormulaError(f"bad reference {text!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _parse_ref(text: str) -> Ref:
    sheet: str | None = None
    if "!" in text:
        sheet_text, _, text = text.rpartition("!")
        sheet = sheet_text[1:-1].replace("''", "'") if sheet_text.startswith("'") else sheet_text
    a, _, b = text.partition(":")
    r1, c1 = _cell(a)
    r2, c2 = _cell(b) if b else (r1, c1)
    return Ref(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


def tokenize(text: str) -> list[tuple[str, str]]:
    pos = 0
    out: list[tuple[str, str]] = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(f"cannot read {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
    return out


# AST: tuples ("num", x) ("str", s) ("bool", b) ("ref", Ref) ("call", NAME, [args])
#      ("un", op, a) ("bin", op, a, b) ("pct", a)
Node = tuple[Any, ...]

_BINARY = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3,
           "*": 4, "/": 4, "^": 5}


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.t = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise FormulaError(f"expected {value or 'more'}, found {tok}")
        self.i += 1
        return tok

    def expr(self, min_prec: int = 1) -> Node:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or tok[1] not in _BINARY:
                return left
            prec = _BINARY[tok[1]]
            if prec < min_prec:
                return left
            self.take()
            right = self.expr(prec + 1)
            left = ("bin", tok[1], left, right)

    def unary(self) -> Node:
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in "+-":
            self.take()
            return ("un", tok[1], self.unary())
        node = self.primary()
        while self.peek() == ("op", "%"):
            self.take()
            node = ("pct", node)
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", text[1:-1].replace('""', '"'))
        if kind == "bool":
            return ("bool", text.upper() == "TRUE")
        if kind == "ref":
            return ("ref", _parse_ref(text))
        if kind == "func":
            self.take("(")
            args: list[Node] = []
            if self.peek() != ("op", ")"):
                while True:
                    args.append(self.expr())
                    if self.peek() == ("op", ","):
                        self.take()
                        continue
                    break
            self.take(")")
            return ("call", text.upper(), args)
        if (kind, text) == ("op", "("):
            node = self.expr()
            self.take(")")
            return node
        raise FormulaError(f"unexpected {text!r}")


def parse(formula: str) -> Node:
    text = formula[1:] if formula.startswith("=") else formula
    p = _Parser(tokenize(text))
    node = p.expr()
    if p.peek() is not None:
        raise FormulaError(f"unexpected {p.peek()}")
    return node


# -- evaluation ---------------------------------------------------------------------------------

Getter = Callable[[str, int, int], Scalar]  # (sheet, row, col) -> cell value


class Evaluator:
    """Evaluates a formula on ``sheet`` with cell values from ``get``."""

    def __init__(self, get: Getter, sheet: str):
        self.get = get
        self.sheet = sheet

    def run(self, formula: str) -> Scalar:
        try:
            node = parse(formula)
        except FormulaError:
            return Err("ERROR")
        v = self.ev(node)
        if isinstance(v, Ref):
            v = self.deref(v)
        return v

    # helpers
    def cells(self, r: Ref) -> list[Scalar]:
        sheet = r.sheet or self.sheet
        return [self.get(sheet, i, j) for i in range(r.r1, r.r2 + 1) for j in range(r.c1, r.c2 + 1)]

    def deref(self, v: Value) -> Scalar:
        if isinstance(v, Ref):
            if (r := v).r1 != r.r2 or r.c1 != r.c2:
                return Err("VALUE")
            return self.get(r.sheet or self.sheet, r.r1, r.c1)
        return v

    def scalar(self, node: Node) -> Scalar:
        return self.deref(self.ev(node))

    @staticmethod
    def num(v: Scalar) -> float | Err:
        if isinstance(v, Err):
            return v
        if isinstance(v, bool):
            return 1.0 if v else 0.0
        if isinstance(v, Blank):
            return 0.0
        if isinstance(v, float):
            return v
        try:
            return float(str(v).strip())
        except ValueError:
            return Err("VALUE")

    @staticmethod
    def truth(v: Scalar) -> bool | Err:
        if isinstance(v, Err):
            return v
        if isinstance(v, bool):
            return v
        if isinstance(v, Blank):
            return False
        if isinstance(v, float):
            return v != 0
        if str(v).upper() in ("TRUE", "FALSE"):
            return str(v).upper() == "TRUE"
        return Err("VALUE")

    @staticmethod
    def text(v: Scalar) -> str | Err:
        if isinstance(v, Err):
            return v
        if isinstance(v, Blank):
            return ""
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        return v

    def numbers(self, args: list[Node], strict_direct: bool = True) -> list[float] | Err:
        """Numbers of a SUM-like argument list: referenced text/blank/bool skipped, referenced
        errors propagate; direct arguments are coerced."""
        out: list[float] = []
        for a in args:
            v = self.ev(a)
            if isinstance(v, Ref):
                for x in self.cells(v):
                    if isinstance(x, Err):
                        return x
                    if isinstance(x, float):
                        out.append(x)
            else:
                n = self.num(v)
                if isinstance(n, Err):
                    if strict_direct:
                        return n
                    continue
                out.append(n)
        return out

    @staticmethod
    def compare(op: str, a: Scalar, b: Scalar) -> bool:
        def key(v: Scalar, other: Scalar) -> tuple[int, Any]:
            if isinstance(v, Blank):
                if isinstance(other, str):
                    v = ""
                elif isinstance(other, bool):
                    v = False
                else:
                    v = 0.0
            if isinstance(v, bool):
                return (2, v)
            if isinstance(v, float):
                return (0, v)
            return (1, str(v).lower())

        ka, kb = key(a, b), key(b, a)
        return {"=": ka == kb, "<>": ka != kb, "<": ka < kb, ">": ka > kb,
                "<=": ka <= kb, ">=": ka >= kb}[op]

    def ev(self, node: Node) -> Value:
        kind = node[0]
        if kind in ("num", "str", "bool"):
            return node[1]  # type: ignore[no-any-return]
        if kind == "ref":
            return node[1]  # type: ignore[no-any-return]
        if kind == "un":
            v = self.num(self.scalar(node[2]))
            return v if isinstance(v, Err) else (-v if node[1] == "-" else v)
        if kind == "pct":
            v = self.num(self.scalar(node[1]))
            return v if isinstance(v, Err) else v / 100
        if kind == "bin":
            op = node[1]
            a, b = self.scalar(node[2]), self.scalar(node[3])
            if isinstance(a, Err):
                return a
            if isinstance(b, Err):
                return b
            if op in ("=", "<>", "<", ">", "<=", ">="):
                return self.compare(op, a, b)
            if op == "&":
                ta, tb = self.text(a), self.text(b)
                assert isinstance(ta, str) and isinstance(tb, str)
                return ta + tb
            x, y = self.num(a), self.num(b)
            if isinstance(x, Err):
                return x
            if isinstance(y, Err):
                return y
            if op == "+":
                return x + y
            if op == "-":
                return x - y
            if op == "*":
                return x * y
            if op == "/":
                return Err("DIVIDE_BY_ZERO") if y == 0 else x / y
            return x ** y
        if kind == "call":
            fn = getattr(self, "f_" + node[1].replace(".", "_"), None)
            if fn is None:
                return Err("NAME")
            return fn(node[2])  # type: ignore[no-any-return]
        raise FormulaError(f"bad node {node!r}")

    # functions (arguments unevaluated so IF and CHOOSE are lazy)
    def f_IF(self, a: list[Node]) -> Value:
        if len(a) not in (2, 3):
            return Err("ERROR")
        t = self.truth(self.scalar(a[0]))
        if isinstance(t, Err):
            return t
        if t:
            return self.ev(a[1])
        return self.ev(a[2]) if len(a) == 3 else False

    def _logic(self, a: list[Node], combine: Callable[[list[bool]], bool]) -> Value:
        vals: list[bool] = []
        for n in a:
            v = self.ev(n)
            items = self.cells(v) if isinstance(v, Ref) else [v]
            for x in items:
                if isinstance(x, Err):
                    return x
                if isinstance(v, Ref) and isinstance(x, (str, Blank)):
                    continue
                t = self.truth(x)
                if isinstance(t, Err):
                    return t
                vals.append(t)
        return combine(vals) if vals else Err("VALUE")

    def f_AND(self, a: list[Node]) -> Value:
        return self._logic(a, all)

    def f_OR(self, a: list[Node]) -> Value:
        return self._logic(a, any)

    def f_NOT(self, a: list[Node]) -> Value:
        t = self.truth(self.scalar(a[0]))
        return t if isinstance(t, Err) else not t

    def f_COUNT(self, a: list[Node]) -> Value:
        n = 0
        for node in a:
            v = self.ev(node)
            if isinstance(v, Ref):
                n += sum(1 for x in self.cells(v) if isinstance(x, float))
            elif isinstance(v, float) or (isinstance(v, (str, bool)) and not isinstance(self.num(v), Err)):
                n += 1
        return float(n)

    def f_SUM(self, a: list[Node]) -> Value:
        nums = self.numbers(a)
        return nums if isinstance(nums, Err) else float(math.fsum(nums))

    def f_AVERAGE(self, a: list[Node]) -> Value:
        nums = self.numbers(a)
        if isinstance(nums, Err):
            return nums
        return Err("DIVIDE_BY_ZERO") if not nums else math.fsum(nums) / len(nums)

    def f_MIN(self, a: list[Node]) -> Value:
        nums = self.numbers(a)
        return nums if isinstance(nums, Err) else (min(nums) if nums else 0.0)

    def f_MAX(self, a: list[Node]) -> Value:
        nums = self.numbers(a)
        return nums if isinstance(nums, Err) else (max(nums) if nums else 0.0)

    def f_ROUND(self, a: list[Node]) -> Value:
        x = self.num(self.scalar(a[0]))
        d = self.num(self.scalar(a[1])) if len(a) > 1 else 0.0
        if isinstance(x, Err):
            return x
        if isinstance(d, Err):
            return d
        f = 10.0 ** int(d)
        return math.copysign(math.floor(abs(x) * f + 0.5) / f, x)

    def f_INT(self, a: list[Node]) -> Value:
        x = self.num(self.scalar(a[0]))
        return x if isinstance(x, Err) else float(math.floor(x))

    def f_ISNUMBER(self, a: list[Node]) -> Value:
        return isinstance(self.scalar(a[0]), float)

    def f_TRIM(self, a: list[Node]) -> Value:
        t = self.text(self.scalar(a[0]))
        return t if isinstance(t, Err) else re.sub(r" +", " ", t.strip(" "))

    def f_UPPER(self, a: list[Node]) -> Value:
        t = self.text(self.scalar(a[0]))
        return t if isinstance(t, Err) else t.upper()

    def f_LOWER(self, a: list[Node]) -> Value:
        t = self.text(self.scalar(a[0]))
        return t if isinstance(t, Err) else t.lower()

    def f_EXACT(self, a: list[Node]) -> Value:
        x, y = self.text(self.scalar(a[0])), self.text(self.scalar(a[1]))
        if isinstance(x, Err):
            return x
        if isinstance(y, Err):
            return y
        return x == y

    def f_NA(self, a: list[Node]) -> Value:
        return Err("N_A") if not a else Err("ERROR")

    def f_CHOOSE(self, a: list[Node]) -> Value:
        i = self.num(self.scalar(a[0]))
        if isinstance(i, Err):
            return i
        k = int(i)
        if k < 1 or k >= len(a):
            return Err("VALUE")
        return self.ev(a[k])

    def f_MATCH(self, a: list[Node]) -> Value:
        x = self.scalar(a[0])
        if isinstance(x, Err):
            return x
        rng = self.ev(a[1])
        mode = self.num(self.scalar(a[2])) if len(a) > 2 else 1.0
        if not isinstance(rng, Ref) or (rng.r1 != rng.r2 and rng.c1 != rng.c2):
            return Err("N_A")
        if mode != 0:
            return Err("ERROR")  # approximate MATCH is outside our formula language
        if isinstance(x, Blank):
            return Err("N_A")
        for i, v in enumerate(self.cells(rng), start=1):
            if not isinstance(v, (Blank, Err)) and type(v) is type(x) and self.compare("=", v, x):
                return float(i)
        return Err("N_A")

    def f_INDEX(self, a: list[Node]) -> Value:
        rng = self.ev(a[0])
        if not isinstance(rng, Ref):
            return Err("REF")
        r = self.num(self.scalar(a[1])) if len(a) > 1 else 1.0
        c = self.num(self.scalar(a[2])) if len(a) > 2 else 1.0
        if isinstance(r, Err):
            return r
        if isinstance(c, Err):
            return c
        ri, ci = int(r), int(c)
        if ri < 1 or ci < 1 or rng.r1 + ri - 1 > rng.r2 or rng.c1 + ci - 1 > rng.c2:
            return Err("REF")
        return self.get(rng.sheet or self.sheet, rng.r1 + ri - 1, rng.c1 + ci - 1)
