"""Distribution families declared in TOML files: a safe expression parser, a loader and a normalisation check.

A spec file (see ``examples/half-logistic.toml``)::

    name = "half-logistic"        # [a-z][a-z0-9-]*
    variable = "z"
    variable_domain = "real"      # optional: "real" (default) or "integer" (a discrete family)
    support = ["0", "oo"]
    density = "2*exp(-z/scale) / (scale*(1 + exp(-z/scale))**2)"   # or log_density = "..."
    [parameters]
    scale = "positive"

Expressions are parsed with :mod:`ast` and built into SymPy node by node against a whitelist; nothing is
``eval``-ed or ``sympify``-ed, so a spec file cannot run code. Every refusal is a one-line :class:`SpecError`.
"""

from __future__ import annotations

import ast
import itertools
import keyword
import operator
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import mpmath
import sympy

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

MAX_LENGTH = 2000  # characters of one expression
MAX_DEPTH = 50  # nesting of its syntax tree
MAX_LITERAL = 10**6  # absolute value of a number written in it
MAX_EXPONENT = 100  # absolute value of a numeric exponent
MAX_BITS = 10_000  # size of an exact number computed by a power of numbers
MAX_EXACT_ARGUMENT = 1000  # numeric argument of the functions SymPy evaluates exactly (factorial(10**6) ...)
TOLERANCE = 1e-8  # relative error allowed when checking that a density is normalised


class SpecError(ValueError):
    """A spec file or expression is refused. The message is always a single line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


#: name -> (SymPy function, least and most number of arguments; None: any number)
FUNCTIONS = {
    "exp": (sympy.exp, 1, 1),
    "log": (sympy.log, 1, 2),
    "sqrt": (sympy.sqrt, 1, 1),
    "abs": (sympy.Abs, 1, 1),
    "Abs": (sympy.Abs, 1, 1),
    "sin": (sympy.sin, 1, 1),
    "cos": (sympy.cos, 1, 1),
    "tan": (sympy.tan, 1, 1),
    "atan": (sympy.atan, 1, 1),
    "sinh": (sympy.sinh, 1, 1),
    "cosh": (sympy.cosh, 1, 1),
    "tanh": (sympy.tanh, 1, 1),
    "gamma": (sympy.gamma, 1, 1),
    "loggamma": (sympy.loggamma, 1, 1),
    "lgamma": (sympy.loggamma, 1, 1),
    "digamma": (lambda x: sympy.polygamma(0, x), 1, 1),
    "beta": (sympy.beta, 2, 2),
    "erf": (sympy.erf, 1, 1),
    "erfc": (sympy.erfc, 1, 1),
    "binomial": (sympy.binomial, 2, 2),
    "factorial": (sympy.factorial, 1, 1),
    "floor": (sympy.floor, 1, 1),
    "min": (sympy.Min, 2, None),
    "Min": (sympy.Min, 2, None),
    "max": (sympy.Max, 2, None),
    "Max": (sympy.Max, 2, None),
}
#: functions whose numeric arguments SymPy evaluates exactly, at a cost growing with the argument
_EXACT = {"gamma", "loggamma", "lgamma", "digamma", "beta", "binomial", "factorial"}

CONSTANTS = {"pi": sympy.pi, "E": sympy.E, "e": sympy.E, "oo": sympy.oo, "EulerGamma": sympy.EulerGamma}

#: names a parameter or variable cannot take
RESERVED = frozenset(FUNCTIONS) | frozenset(CONSTANTS) | {"z_vec"}

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_REFUSED_OPERATORS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
}  # fmt: skip
_KINDS = {
    ast.Attribute: "attribute access", ast.Lambda: "lambda", ast.Subscript: "subscript",
    ast.ListComp: "comprehension", ast.SetComp: "comprehension", ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension", ast.BoolOp: "boolean operator", ast.Compare: "comparison",
    ast.IfExp: "conditional expression", ast.NamedExpr: "assignment expression", ast.Starred: "starred argument",
    ast.Call: "call", ast.List: "list", ast.Tuple: "tuple", ast.Set: "set", ast.Dict: "dict",
    ast.JoinedStr: "f-string", ast.Await: "await",
}  # fmt: skip


def _clip(text: object, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _at_most(value: sympy.Expr, limit: int) -> bool:
    """``value <= limit`` for a SymPy number; False when it cannot be compared (nan, complex)."""
    try:
        return bool(value <= limit)
    except TypeError:
        return False


class _Builder:
    """Builds SymPy from a whitelisted syntax tree, refusing everything else."""

    def __init__(self, where: str, names: dict[str, sympy.Symbol]):
        self.where = where
        self.names = names

    def fail(self, message: str) -> SpecError:
        return SpecError(f"{self.where}: {message}")

    def allowed(self) -> str:
        return (
            f"allowed: numbers, + - * / ** ^, declared names {', '.join(sorted(self.names)) or '(none)'}, "
            f"constants {', '.join(CONSTANTS)}, functions {', '.join(FUNCTIONS)}"
        )

    def refuse(self, node: ast.AST) -> SpecError:
        if isinstance(node, ast.Constant):
            kinds = {str: "string", bytes: "bytes", bool: "boolean", complex: "imaginary number"}
            return self.fail(f"{kinds.get(type(node.value), 'constant')} {node.value!r} is not allowed ({self.allowed()})")
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            kind = f"operator {_REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)!r} in"
        else:
            kind = _KINDS.get(type(node), f"syntax ({type(node).__name__})")
        return self.fail(f"{kind} '{_clip(ast.unparse(node))}' is not allowed ({self.allowed()})")

    def build(self, node: ast.AST, depth: int) -> sympy.Expr:
        if depth > MAX_DEPTH:
            raise self.fail(f"expression nests deeper than the limit of {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            operand = self.build(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and (isinstance(node.op, ast.Pow) or type(node.op) in _BINARY):
            left, right = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            if isinstance(node.op, ast.Pow):
                return self.power(left, right, node)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.refuse(node)

    def number(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.refuse(node)
        if not abs(value) <= MAX_LITERAL:
            raise self.fail(f"number {_clip(ast.unparse(node))} exceeds the limit of 10**6 in absolute value")
        return sympy.Integer(value) if isinstance(value, int) else sympy.Rational(repr(value))  # 0.1 -> 1/10

    def name(self, name: str) -> sympy.Expr:
        if name in self.names:
            return self.names[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name.startswith("_"):
            raise self.fail(f"name '{name}' is not allowed (names must not start with '_')")
        if name in FUNCTIONS:
            raise self.fail(f"'{name}' is a function: call it, as in {name}(...)")
        declared = ", ".join(sorted(self.names)) or "none"
        raise self.fail(f"unknown name '{name}' (declared: {declared}; constants: {', '.join(CONSTANTS)})")

    def power(self, base: sympy.Expr, exponent: sympy.Expr, node: ast.BinOp) -> sympy.Expr:
        if exponent.is_number:
            where = f"in '{_clip(ast.unparse(node))}'"
            if not _at_most(abs(exponent), MAX_EXPONENT):
                raise self.fail(f"exponent {_clip(exponent)} {where} exceeds the limit of {MAX_EXPONENT} in absolute value")
            if base.is_Rational and exponent.is_Rational:
                bits = max(base.p.bit_length(), base.q.bit_length()) * abs(exponent)
                if bits > MAX_BITS:
                    raise self.fail(f"the number {where} would have about {int(bits)} bits (limit {MAX_BITS})")
        return base**exponent

    def call(self, node: ast.Call, depth: int) -> sympy.Expr:
        func = node.func
        if not isinstance(func, ast.Name):
            raise self.refuse(func if isinstance(func, (ast.Attribute, ast.Lambda, ast.Subscript)) else node)
        name = func.id
        if name.startswith("_"):
            raise self.fail(f"name '{name}' is not allowed (names must not start with '_')")
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function '{name}' (allowed functions: {', '.join(FUNCTIONS)})")
        if node.keywords:
            kw = node.keywords[0]
            text = f"{kw.arg}={ast.unparse(kw.value)}" if kw.arg else f"**{ast.unparse(kw.value)}"
            raise self.fail(f"keyword argument '{_clip(text)}' in {name}(...) is not allowed (pass arguments by position)")
        args = [self.build(arg, depth + 1) for arg in node.args]
        function, least, most = FUNCTIONS[name]
        if not least <= len(args) <= (most or len(args)):
            takes = f"{least}" if least == most else f"{least} or {most}" if most else f"at least {least}"
            raise self.fail(f"{name}() takes {takes} argument{'s' * (most != 1)}, got {len(args)}")
        if name in _EXACT:
            for arg in args:
                if arg.is_number and not _at_most(abs(arg), MAX_EXACT_ARGUMENT):
                    raise self.fail(f"argument {_clip(arg)} of {name}() exceeds the limit of {MAX_EXACT_ARGUMENT}")
        return function(*args)


def _syntax_message(text: str, err: SyntaxError, where: str) -> str:
    """One line: the parser's complaint, its column in ``text`` and a hint when a Python keyword is used as a name."""
    lead = len(text) - len(text.lstrip())
    columns = []  # columns[i]: 1-based column in ``text`` of character i of the parsed source
    for column, char in enumerate(text.strip(), start=lead + 1):
        columns += [column, column] if char == "^" else [column]  # '^' was parsed as '**'
    if (err.lineno or 1) > 1:
        position = f"line {err.lineno}, column {err.offset}"
    else:
        position = f"column {columns[min(err.offset or 1, len(columns)) - 1] if columns else 1}"
    message = f"{where}: {err.msg} at {position}"
    keywords = [word for word in re.findall(r"[A-Za-z_]\w*", text) if keyword.iskeyword(word)]
    if keywords:
        message += f" ('{keywords[0]}' is a Python keyword and cannot be a name)"
    return message


def parse_expression(text: str, names: dict[str, sympy.Symbol], *, where: str = "expression") -> sympy.Expr:
    """Parse ``text`` into SymPy without evaluating it: numbers (floats become exact rationals), the ``names``,
    the constants pi, E (e), oo, EulerGamma, + - * / ** (``^`` means ``**``), and calls of :data:`FUNCTIONS`.

    Anything else, and anything over the limits (``MAX_*``), raises a one-line :class:`SpecError` that starts
    with ``where`` and names the offending part.
    """
    if not isinstance(text, str):
        raise SpecError(f"{where}: expected an expression in a string, got {type(text).__name__} {_clip(text)}")
    if len(text) > MAX_LENGTH:
        raise SpecError(f"{where}: expression is {len(text)} characters long (limit {MAX_LENGTH})")
    try:
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as err:
        raise SpecError(_syntax_message(text, err, where)) from None
    except ValueError as err:  # null bytes
        raise SpecError(f"{where}: {err}") from None
    expr = _Builder(where, names).build(tree.body, 1)
    if expr.has(sympy.nan, sympy.zoo):
        raise SpecError(f"{where}: '{_clip(text)}' is undefined (a division by zero, or oo - oo?)")
    return expr


def _check_name(name: object, role: str) -> str:
    """``name`` if it can name a parameter or variable (a Python identifier in emitted code), else SpecError."""
    if not isinstance(name, str) or not name.isascii() or not name.isidentifier():
        raise SpecError(f"{role} name {name!r} is not a valid identifier (ASCII letters, digits, '_'; no leading digit)")
    if keyword.iskeyword(name):
        raise SpecError(f"{role} name: '{name}' is a Python keyword and cannot be a name (use e.g. '{name}_')")
    if name.startswith("_"):
        raise SpecError(f"{role} name '{name}' must not start with '_'")
    if name in RESERVED:
        raise SpecError(f"{role} name '{name}' is reserved (functions, constants and z_vec cannot be names)")
    return name


class _Domain(NamedTuple):
    assumptions: dict
    bounds: tuple  # admissible values, open interval (lower, upper) for continuous domains
    sample: tuple  # (low, high) of the values check_normalised tries
    integer: bool


DOMAINS = {
    "real": _Domain({"real": True}, (-sympy.oo, sympy.oo), (-2, 2), False),
    "positive": _Domain({"positive": True}, (sympy.S.Zero, sympy.oo), (0.5, 3), False),
    "unit": _Domain({"positive": True}, (sympy.S.Zero, sympy.S.One), (0.1, 0.9), False),  # SymPy: no x < 1 assumption
    "nonnegative-integer": _Domain({"integer": True, "nonnegative": True}, (sympy.S.Zero, sympy.oo), (1, 10), True),
    "positive-integer": _Domain({"integer": True, "positive": True}, (sympy.S.One, sympy.oo), (1, 10), True),
}
VARIABLE_DOMAINS = ("real", "integer")
KEYS = ("name", "variable", "variable_domain", "support", "density", "log_density", "parameters")


class Parameter(NamedTuple):
    name: str
    domain: str  # a key of DOMAINS
    symbol: sympy.Symbol


@dataclass(frozen=True)
class FamilySpec:
    """A family loaded from a spec file; ``density`` and ``log_density`` are both set whichever one was given."""

    name: str
    variable: sympy.Symbol
    parameters: tuple[Parameter, ...]
    support: tuple[sympy.Expr, sympy.Expr]
    density: sympy.Expr
    log_density: sympy.Expr
    discrete: bool
    path: Path

    @property
    def bounds(self) -> dict[str, tuple[sympy.Expr, sympy.Expr]]:
        """Parameter name -> admissible (lower, upper); a 'unit' parameter's (0, 1) is not in its assumptions."""
        return {p.name: DOMAINS[p.domain].bounds for p in self.parameters}


def _read_toml(path: Path) -> dict:
    if tomllib is None:
        raise SpecError(f"{path}: reading spec files needs Python 3.11+ or the 'tomli' package (pip install tomli)")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise SpecError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise SpecError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path}: invalid TOML: {err}") from None


def _build(data: dict, path: Path) -> FamilySpec:
    unknown = [key for key in data if key not in KEYS]
    if unknown:
        raise SpecError(f"unknown key {', '.join(map(repr, unknown))} (allowed keys: {', '.join(KEYS)})")
    for key in ("name", "variable", "support", "parameters"):
        if key not in data:
            raise SpecError(f"missing key '{key}'")
    given = [key for key in ("density", "log_density") if key in data]
    if not given:
        raise SpecError("missing key 'density' (or 'log_density')")
    if len(given) > 1:
        raise SpecError("give exactly one of 'density' and 'log_density', not both")

    name = data["name"]
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise SpecError(f"name {name!r} must be lower case and hyphenated: [a-z][a-z0-9-]*")
    variable_domain = data.get("variable_domain", "real")
    if variable_domain not in VARIABLE_DOMAINS:
        raise SpecError(f"unknown variable_domain {variable_domain!r} (allowed: {', '.join(VARIABLE_DOMAINS)})")
    discrete = variable_domain == "integer"
    variable = sympy.Symbol(_check_name(data["variable"], "variable"), **({"integer": True} if discrete else {"real": True}))

    table = data["parameters"]
    if not isinstance(table, dict):
        raise SpecError("'parameters' must be a table: [parameters] then lines like scale = \"positive\"")
    parameters = []
    for pname, domain in table.items():
        _check_name(pname, "parameter")
        if pname == variable.name:
            raise SpecError(f"parameter '{pname}' has the same name as the variable")
        if domain not in DOMAINS:
            raise SpecError(f"parameter '{pname}': unknown domain {domain!r} (allowed: {', '.join(DOMAINS)})")
        parameters.append(Parameter(pname, domain, sympy.Symbol(pname, **DOMAINS[domain].assumptions)))
    names = {p.name: p.symbol for p in parameters}

    support = data["support"]
    if not (isinstance(support, list) and len(support) == 2 and all(type(b) in (str, int, float) for b in support)):
        raise SpecError(f'support must be a list of two expressions, like ["0", "oo"], not {_clip(support)}')
    lo, hi = (parse_expression(str(bound), names, where="support") for bound in support)
    if (hi - lo).is_extended_positive is False:
        raise SpecError(f"support: lower end {lo} is not below upper end {hi}")

    key = given[0]
    expr = parse_expression(data[key], {**names, variable.name: variable}, where=key)
    if key == "density":
        density, log_density = expr, sympy.expand_log(sympy.log(expr), force=False)
    else:
        density, log_density = sympy.exp(expr), expr
    return FamilySpec(name, variable, tuple(parameters), (lo, hi), density, log_density, discrete, path)


def load_spec(path: str | Path) -> FamilySpec:
    """Read, parse and validate a spec file; any problem is a one-line :class:`SpecError` starting with the path."""
    path = Path(path)
    data = _read_toml(path)
    try:
        return _build(data, path)
    except SpecError as err:
        raise SpecError(f"{path}: {err}") from None


def _kinks(spec: FamilySpec) -> list[sympy.Expr]:
    """Where the density may have a kink quadrature should not straddle: zeros of ``Abs`` arguments and crossings
    of ``Min``/``Max`` arguments that are linear in the variable (as in the Laplace density)."""
    x = spec.variable
    candidates = [a.args[0] for a in spec.density.atoms(sympy.Abs)]
    for m in spec.density.atoms(sympy.Min, sympy.Max):
        candidates += [a - b for a, b in itertools.combinations(m.args, 2)]
    kinks = []
    for expr in candidates:
        slope = sympy.diff(expr, x)
        if slope != 0 and not slope.has(x):
            kinks.append(-expr.subs(x, 0) / slope)
    return kinks


def _total(spec: FamilySpec, density, values: list, lo, hi, *kinks) -> mpmath.mpf:
    """The integral (sum, if discrete) of ``density`` at parameter ``values`` from ``lo`` to ``hi``."""

    def f(x):
        return density(x, *values)

    if spec.discrete:
        return mpmath.nsum(f, [lo, hi])
    return mpmath.quad(f, [lo, *sorted(k for k in kinks if lo < k < hi), hi])


def check_normalised(spec: FamilySpec, points: int = 3, seed: int = 0) -> None:
    """Check numerically (mpmath, 30 digits) that the density integrates, or for a discrete family sums, to 1
    over the support, within relative error :data:`TOLERANCE`, at ``points`` pseudo-random parameter values
    drawn from ``seed``. Raises a one-line :class:`SpecError` naming the total and the parameter values otherwise.
    """
    symbols = [p.symbol for p in spec.parameters]
    density = sympy.lambdify([spec.variable, *symbols], spec.density, modules="mpmath")
    limits = sympy.lambdify(symbols, [*spec.support, *_kinks(spec)], modules="mpmath")
    verb = "sums" if spec.discrete else "integrates"
    rng = random.Random(seed)
    with mpmath.workdps(30):
        for _ in range(points):
            values = []
            for p in spec.parameters:
                domain = DOMAINS[p.domain]
                values.append(rng.randint(*domain.sample) if domain.integer else round(rng.uniform(*domain.sample), 2))
            at = ", ".join(f"{p.name}={v}" for p, v in zip(spec.parameters, values)) or "(no parameters)"
            try:
                total = _total(spec, density, values, *limits(*values))
            except (ArithmeticError, ValueError, TypeError) as err:
                raise SpecError(f"density of '{spec.name}' cannot be evaluated at {at}: {err}") from None
            if not abs(total - 1) <= TOLERANCE:
                raise SpecError(
                    f"density of '{spec.name}' {verb} to {mpmath.nstr(total, 6)} at {at}, not 1 "
                    "(check the normalising constant or the support)"
                )
