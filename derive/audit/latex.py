"""A small recursive-descent parser from one LaTeX expression to SymPy.

Why not ``sympy.parsing.latex``: on the lines of real documents both of SymPy 1.14's backends fail. The lark
backend refuses ``\\frac{1}{2} \\log(2\\pi\\sigma^2)``, ``\\sigma_1`` and ``\\left[ ... \\right]`` and answers
``q(z)`` with an ambiguous tree (``q(z)`` or ``q*z``); the antlr backend needs antlr4-python3-runtime 4.11 exactly
(4.13 is installed here). Neither knows differentials after ``\\,``, sums over ``d`` whose body is a bracket, or
density applications. This parser is the grammar those documents use and nothing more; it adds no dependency.

Grammar (implicit multiplication by juxtaposition binds like ``*``)::

    expr    = term (("+" | "-") term)*
    term    = unary (("*" | "\\cdot" | "\\times" | "/") unary | primary-started postfix)*
    unary   = ("-" | "+") unary | postfix
    postfix = primary ("^" script)*
    primary = number | group | |expr| | \\frac | \\sqrt | \\log/\\ln/\\exp arg | \\int | \\sum | \\prod | \\E_q[...]
            | e^... | name [_script] [(args)] | KL(q || p) | H(q) | H(q, p)

A name listed in ``functions`` followed by ``(`` is an application ``Function(name)(args)`` (``q(z)``,
``q(z; \\mu, \\sigma^2)``); ``KL``/``D_{KL}``/``CE``/``H`` of such names are ``Function("KL")(Symbol("q"), ...)``.
Both are placeholders that :mod:`derive.audit.densities` resolves. Inside an integral, ``d`` followed by a name is
its differential; an integral without one is integrated over the argument of the first application in it, with a
warning.
"""

from __future__ import annotations

from sympy import (
    Abs,
    E,
    Expr,
    Function,
    IndexedBase,
    Integral,
    Product,
    Rational,
    Sum,
    Symbol,
    digamma,
    exp,
    gamma,
    log,
    oo,
    pi,
    root,
    sqrt,
)
from sympy.core.function import AppliedUndef

from derive.audit.errors import LatexError
from derive.audit.tokens import Token, tokenize

GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron rho sigma tau upsilon phi chi "
    "psi omega Delta Theta Lambda Xi Sigma Upsilon Phi Psi Omega ell".split()
)
FUNCTIONS = {r"\log": log, r"\ln": log, r"\exp": exp}
SPECIAL = {r"\Gamma": gamma, r"\psi": digamma, r"\digamma": digamma}  # functions when followed by "("
CONSTANTS = {r"\pi": pi, r"\infty": oo}
FUNCTIONALS = {"KL": "KL", "CE": "CE", "H": "H"}  # the word before "(" -> the placeholder's name
STOP = frozenset({"+", "-", "=", ")", "]", "}", r"\}", "&", "\\\\", ",", ";", r"\parallel", r"\mid", "eof"})
MULTIPLY = frozenset({"*", r"\cdot", r"\times"})
DIVIDE = frozenset({"/", r"\div"})
OPEN = {"(": ")", "[": "]", r"\{": r"\}", "{": "}"}


def _describe(tok: Token) -> str:
    return "the end" if tok.kind == "eof" else f"'{tok.text}' at column {tok.column}"


class Parser:
    """Parses one expression; ``warnings`` collects what parsed but was guessed (an integral without ``dz``)."""

    def __init__(self, text: str, names: dict[str, Symbol], functions=frozenset()):
        self.text = text.strip()
        self.tokens = tokenize(text)
        self.i = 0
        self.names = names
        self.functions = frozenset(functions)
        self.integrals = 0  # depth of integrals being read: "d z" ends their bodies
        self.bars = 0  # depth of |...| being read: "|" closes one
        self.indices: dict[str, Symbol] = {}  # bound indices of enclosing sums
        self.warnings: list[str] = []

    # tokens -----------------------------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> Token:
        j = self.i + k
        return self.tokens[j] if j < len(self.tokens) else Token("eof", "eof", len(self.text) + 1)

    def next(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def fail(self, message: str) -> LatexError:
        return LatexError(f"{message} in '{self.text}'")

    def expect(self, text: str) -> None:
        tok = self.next()
        if tok.text != text:
            raise self.fail(f"expected '{text}' but found {_describe(tok)}")

    # grammar ----------------------------------------------------------------------------------------------------
    def parse(self) -> Expr:
        if not self.tokens:
            raise self.fail("empty expression")
        expr = self.expr()
        if self.peek().kind != "eof":
            raise self.fail(f"unexpected {_describe(self.peek())}")
        return expr

    def expr(self) -> Expr:
        left = self.term()
        while self.peek().text in ("+", "-") and self.peek().kind == "char":
            sign = self.next().text
            right = self.term()
            left = left + right if sign == "+" else left - right
        return left

    def term(self) -> Expr:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok.text in MULTIPLY:
                self.next()
                left = left * self.unary()
            elif tok.text in DIVIDE:
                self.next()
                left = left / self.unary()
            elif self.starts_primary():
                left = left * self.postfix()
            else:
                return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "char" and tok.text in ("-", "+"):
            self.next()
            operand = self.unary()
            return -operand if tok.text == "-" else operand
        return self.postfix()

    def postfix(self) -> Expr:
        base = self.primary()
        while self.peek().text == "^":
            self.next()
            base = base ** self.script()
        if self.peek().text == "_":
            raise self.fail(f"a subscript after a power at column {self.peek().column} (write x_1^2)")
        return base

    def chain(self) -> Expr:
        """Juxtaposed factors without a sign: the argument of ``\\log x y`` or the body of ``\\sum_d a b``; it ends
        before another function, integral or sum (``\\log x \\log y`` is two factors)."""
        out = self.postfix()
        while self.starts_primary() and self.peek().text not in (*FUNCTIONS, r"\int", r"\sum", r"\prod"):
            out = out * self.postfix()
        return out

    def starts_primary(self) -> bool:
        tok = self.peek()
        if tok.kind == "eof" or tok.text in STOP or (tok.text == "|" and self.bars) or self.at_differential():
            return False
        if tok.kind in ("num", "letter", "word", "text"):
            return True
        if tok.kind == "cmd":
            return tok.text not in MULTIPLY | DIVIDE | {r"\parallel", r"\mid", r"\ldots"}
        return tok.text in OPEN or tok.text == "|"

    def at_differential(self) -> bool:
        tok = self.peek()
        if tok.kind == "diff":
            return True
        if self.integrals and tok.kind == "letter" and tok.text == "d":
            after = self.peek(1)
            return after.kind == "letter" or (after.kind == "cmd" and after.text[1:] in GREEK)
        return False

    def script(self) -> Expr:
        """The argument of ``^``, ``_``, ``\\frac``: a brace group, or one token (one digit of a number)."""
        tok = self.peek()
        if tok.text == "{":
            self.next()
            inner = self.expr()
            self.expect("}")
            return inner
        if tok.kind == "num" and len(tok.text) > 1:
            self.tokens[self.i:self.i + 1] = [Token("num", tok.text[0], tok.column),
                                              Token("num", tok.text[1:], tok.column + 1)]
        if tok.kind == "char" and tok.text == "-":
            self.next()
            return -self.script()
        return self.primary()

    def primary(self) -> Expr:
        tok = self.next()
        if tok.kind == "num":
            return Rational(tok.text)
        if tok.text in OPEN:
            inner = self.expr()
            self.expect(OPEN[tok.text])
            return inner
        if tok.text == "|":
            self.bars += 1
            inner = self.expr()
            self.expect("|")
            self.bars -= 1
            return Abs(inner)
        if tok.kind == "cmd":
            return self.command(tok)
        if tok.kind == "letter":
            if tok.text == "e" and (self.peek().text == "^" or "e" not in self.names):
                return E  # Euler's number, unless the document declares a name e
            return self.functional(tok.text, tok) or self.name(tok.text)
        if tok.kind in ("word", "text"):
            found = self.functional(tok.text, tok)
            if found is not None:
                return found
            if not tok.text.replace("_", "").isalnum() or (tok.kind == "text" and len(tok.text) > 1
                                                           and tok.text not in self.names):
                raise self.fail(f"'{tok.text}' at column {tok.column} is prose, not an expression")
            return self.name(tok.text)
        if tok.kind == "diff":
            raise self.fail(f"a differential at column {tok.column} outside an integral")
        raise self.fail(f"unexpected {_describe(tok)}")

    def command(self, tok: Token) -> Expr:
        name = tok.text
        if name == r"\frac":
            num = self.script()
            return num / self.script()
        if name == r"\sqrt":
            if self.peek().text == "[":
                self.next()
                n = self.expr()
                self.expect("]")
                return root(self.script(), n)
            return sqrt(self.script())
        if name in FUNCTIONS:
            return self.apply(FUNCTIONS[name])
        if name in SPECIAL and self.peek().text == "(":
            return self.apply(SPECIAL[name])
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name == r"\int":
            return self.integral()
        if name in (r"\sum", r"\prod"):
            return self.series(Sum if name == r"\sum" else Product)
        if name == r"\E":
            return self.expectation(tok)
        if name[1:] in GREEK:
            return self.name(name[1:])
        raise self.fail(f"unsupported command '{name}' at column {tok.column}")

    def apply(self, f) -> Expr:
        if self.peek().text == "_":  # \log_b x
            self.next()
            base = self.script()
            return log(self.apply_argument(), base)
        return f(self.apply_argument())

    def apply_argument(self) -> Expr:
        if self.peek().text in ("(", "["):
            close = OPEN[self.next().text]
            inner = self.expr()
            self.expect(close)
            return inner
        if not self.starts_primary():
            raise self.fail(f"a function without an argument before {_describe(self.peek())}")
        return self.chain()

    # names, applications, functionals ----------------------------------------------------------------------------
    def subscript(self) -> str | None:
        if self.peek().text != "_":
            return None
        self.next()
        tok = self.next()
        if tok.text != "{":
            return tok.text.lstrip("\\")[0] if tok.kind == "num" else tok.text.lstrip("\\")
        parts = []
        while self.peek().text != "}":
            if self.peek().kind == "eof":
                raise self.fail("unbalanced '{' in a subscript")
            parts.append(self.next().text.lstrip("\\"))
        self.next()
        return "".join(parts)

    def name(self, base: str) -> Expr:
        sub = self.subscript()
        if sub is None and base in self.indices:
            return self.indices[base]
        if sub is not None and sub in self.indices:
            known = self.names.get(base)
            assumptions = {"positive": True} if known is not None and known.is_positive else {"real": True}
            return IndexedBase(base, **assumptions)[self.indices[sub]]
        candidates = [base] if sub is None else [f"{base}_{sub}", f"{base}{sub}"]
        if candidates[0] in self.functions and self.peek().text == "(":
            return self.application(candidates[0])
        for c in candidates:
            if c in self.names:
                return self.names[c]
        return Symbol(candidates[-1] if sub is not None and sub.isdigit() else candidates[0], real=True)

    def application(self, name: str) -> Expr:
        self.expect("(")
        args = [self.expr()]
        while self.peek().text in (",", ";", "|", r"\mid"):
            self.next()
            args.append(self.expr())
        self.expect(")")
        return Function(name)(*args)

    def functional(self, first: str, tok: Token) -> Expr | None:
        """``KL(q || p)``, ``D_{KL}(q || p)``, ``CE(q, p)``, ``H(q)``, ``H(q, p)`` (also with ``[ ]`` and ``q(z)``)."""
        word, k = first, 0
        if first == "D" and self.peek().text == "_":  # D_{KL}
            save = self.i
            sub = self.subscript()
            if sub in ("KL", "mathrm{KL}"):
                word = "KL"
            else:
                self.i = save
                return None
        elif first in ("K", "C") and self.peek().text == {"K": "L", "C": "E"}[first]:
            word, k = first + self.peek().text, 1
        if word not in FUNCTIONALS or self.peek(k).text not in ("(", "["):
            return None
        if word == "H" and not (self.peek(k + 1).kind == "letter" and self.peek(k + 1).text in self.functions):
            return None
        self.i += k + 1
        close = "]" if self.tokens[self.i - 1].text == "[" else ")"
        args = [self.density_name()]
        while self.peek().text in (",", r"\parallel", ";", "|"):
            self.next()
            args.append(self.density_name())
        self.expect(close)
        arity = {"KL": (2,), "CE": (2,), "H": (1, 2)}[word]
        if len(args) not in arity:
            raise self.fail(f"{word} at column {tok.column} takes {' or '.join(map(str, arity))} densities")
        return Function(FUNCTIONALS[word])(*args)

    def density_name(self) -> Symbol:
        tok = self.next()
        if tok.kind != "letter":
            raise self.fail(f"expected a density name but found {_describe(tok)}")
        sub = self.subscript()
        name = tok.text if sub is None else f"{tok.text}_{sub}"
        if self.peek().text == "(":  # q(z): the variable is implied by the divergence
            depth = 0
            while True:
                t = self.next()
                depth += {"(": 1, ")": -1}.get(t.text, 0)
                if depth == 0 or t.kind == "eof":
                    break
        if name not in self.functions:
            known = ", ".join(sorted(self.functions)) or "none (pass --let)"
            raise self.fail(f"'{name}' at column {tok.column} is not a declared density (declared: {known})")
        return Symbol(name)

    # integrals, sums, expectations --------------------------------------------------------------------------------
    def integral(self) -> Expr:
        lo = hi = None
        while self.peek().text in ("_", "^"):
            which = self.next().text
            value = self.script()
            lo, hi = (value, hi) if which == "_" else (lo, value)
        self.integrals += 1
        body = self.expr()
        if self.at_differential():
            self.next()
            tok = self.next()
            var = self.name(tok.text.lstrip("\\"))
        else:
            var = self.implied_variable(body)
        self.integrals -= 1
        if (lo is None) != (hi is None):
            raise self.fail("an integral with only one limit")
        return Integral(body, var) if lo is None else Integral(body, (var, lo, hi))

    def implied_variable(self, body: Expr) -> Symbol:
        for app in sorted(body.atoms(AppliedUndef), key=str):
            if app.func.__name__ in self.functions and isinstance(app.args[0], Symbol):
                var = app.args[0]
                self.warnings.append(f"an integral without a differential: read as d{var}")
                return var
        raise self.fail("an integral without a differential (dz)")

    def series(self, kind) -> Expr:
        if self.peek().text != "_":
            raise self.fail(f"a {kind.__name__.lower()} needs its range, as in \\sum_{{d=1}}^{{D}}")
        self.next()
        braced = self.peek().text == "{"
        if braced:
            self.next()
        tok = self.next()
        if tok.kind != "letter":
            raise self.fail(f"expected a summation index but found {_describe(tok)}")
        index = Symbol(tok.text, integer=True)
        if self.peek().text != "=":
            raise self.fail(f"the index {tok.text} needs a range, as in \\sum_{{{tok.text}=1}}^{{D}}")
        self.next()
        lo = self.expr() if braced else self.script()
        if braced:
            self.expect("}")
        if self.peek().text != "^":
            raise self.fail(f"the index {tok.text} needs an upper limit (^D)")
        self.next()
        hi = self.script()
        outer = self.indices.get(tok.text)
        self.indices[tok.text] = index
        body = self.chain()
        if outer is None:
            del self.indices[tok.text]
        else:
            self.indices[tok.text] = outer
        return kind(body, (index, lo, hi))

    def expectation(self, tok: Token) -> Expr:
        """``\\mathbb{E}_{q}[f]``, ``\\mathbb{E}_{q(z)}[f]``, ``\\mathbb{E}_{z \\sim q}[f]``: ∫ q(z) f dz."""
        if self.peek().text != "_":
            raise self.fail(f"an expectation at column {tok.column} needs its density, as in \\mathbb{{E}}_{{q}}[...]")
        self.next()
        group = [self.next()]
        if group[0].text == "{":
            group = []
            while self.peek().text != "}":
                if self.peek().kind == "eof":
                    raise self.fail("unbalanced '{' in an expectation's subscript")
                group.append(self.next())
            self.next()
        letters = [t.text for t in group if t.kind == "letter"]
        density = next((s for s in letters if s in self.functions), None)
        if density is None:
            raise self.fail(f"the expectation at column {tok.column} names no declared density")
        others = [s for s in letters if s != density]
        var = self.name(others[0]) if others else self.names.get("z", Symbol("z", real=True))
        if self.peek().text not in ("[", "("):
            raise self.fail(f"expected '[' after the expectation at column {tok.column}")
        close = OPEN[self.next().text]
        body = self.expr()
        self.expect(close)
        return Integral(Function(density)(var) * body, var)


def parse(text: str, names: dict[str, Symbol], functions=frozenset()) -> tuple[Expr, list[str]]:
    """(expression, warnings) for one side of an equality; densities in ``functions`` stay placeholders."""
    parser = Parser(text, names, functions)
    return parser.parse(), parser.warnings


def parse_latex_expr(text: str, names: dict[str, Symbol]) -> Expr:
    """Parse one LaTeX expression into SymPy.

    ``names`` maps identifiers to symbols: ``\\mu`` looks up ``"mu"``, ``\\sigma_1`` ``"sigma_1"`` then
    ``"sigma1"``, ``\\mathrm{rate}`` ``"rate"``. An identifier not in ``names`` becomes a real ``Symbol`` of that
    name. Raises :class:`~derive.audit.errors.LatexError` (a usage error, one line) when the text does not parse.
    """
    if not isinstance(text, str):
        raise LatexError(f"expected LaTeX in a string, got {type(text).__name__}")
    expr, _ = parse(text, names)
    if expr.atoms(AppliedUndef):
        raise LatexError(f"'{text.strip()}' applies densities or divergences; an expression of parameters was expected")
    return expr
