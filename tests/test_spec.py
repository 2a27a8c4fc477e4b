"""Spec files: the whitelisting expression parser, the loader's validation and the normalisation check."""

import json
import os

import pytest
import sympy
from sympy import (
    Abs,
    E,
    EulerGamma,
    Max,
    Min,
    Rational,
    Symbol,
    exp,
    log,
    loggamma,
    oo,
    pi,
    polygamma,
    sqrt,
)

from derive.spec import SpecError, check_normalised, load_spec, parse_expression

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")

z = Symbol("z", real=True)
scale = Symbol("scale", positive=True)
NAMES = {"z": z, "scale": scale}


def write_spec(tmp_path, text=None, parameters=None, **keys):
    """A spec file in tmp_path: the half-logistic with ``keys`` replaced (None drops a key), or ``text`` verbatim."""
    if text is None:
        fields = {
            "name": "half-logistic",
            "variable": "z",
            "support": ["0", "oo"],
            "density": "2*exp(-z/scale) / (scale*(1 + exp(-z/scale))**2)",
        }
        fields.update(keys)
        lines = [f"{key} = {json.dumps(value)}" for key, value in fields.items() if value is not None]
        params = {"scale": "positive"} if parameters is None else parameters
        text = "\n".join(lines + ["[parameters]"] + [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in params.items()])
    path = tmp_path / "family.toml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(SpecError) as info:
        call(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the worked examples ---------------------------------------------------------------------------------------


def test_half_logistic_example_loads_and_normalises():
    spec = load_spec(os.path.join(EXAMPLES, "half-logistic.toml"))
    assert spec.name == "half-logistic"
    assert spec.variable == z and not spec.discrete
    assert spec.parameters == (("scale", "positive", scale),)
    assert spec.support == (0, oo)
    assert spec.density == 2 * exp(-z / scale) / (scale * (1 + exp(-z / scale)) ** 2)
    assert sympy.simplify(exp(spec.log_density) - spec.density) == 0
    check_normalised(spec)


def test_maxwell_example_loads_and_normalises():
    spec = load_spec(os.path.join(EXAMPLES, "maxwell.toml"))
    assert spec.density == sqrt(2 / pi) * z**2 * exp(-(z**2) / (2 * scale**2)) / scale**3
    assert spec.bounds == {"scale": (0, oo)}
    check_normalised(spec, points=2, seed=7)


def test_log_density_discrete_and_integer_parameters(tmp_path):
    # Poisson given by its log-density: a discrete family, checked with nsum
    path = write_spec(
        tmp_path,
        name="poisson",
        variable="k",
        variable_domain="integer",
        support=["0", "oo"],
        density=None,
        log_density="k*log(rate) - rate - loggamma(k + 1)",
        parameters={"rate": "positive"},
    )
    spec = load_spec(path)
    k, rate = Symbol("k", integer=True), Symbol("rate", positive=True)
    assert spec.discrete and spec.variable == k
    assert spec.density == exp(k * log(rate) - rate - loggamma(k + 1))
    check_normalised(spec)
    # binomial: a nonnegative-integer count and a unit probability
    path = write_spec(
        tmp_path,
        name="binomial",
        variable="k",
        variable_domain="integer",
        support=["0", "n"],
        density="binomial(n, k) * p**k * (1 - p)**(n - k)",
        parameters={"n": "nonnegative-integer", "p": "unit"},
    )
    spec = load_spec(path)
    assert spec.parameters[0].symbol.is_integer and spec.parameters[0].symbol.is_nonnegative
    assert spec.bounds["p"] == (0, 1)
    check_normalised(spec)


def test_kinks_are_split_points(tmp_path):
    """Laplace: quadrature straddling the kink at loc would be off by ~1e-5; it is split there."""
    loc = Symbol("loc", real=True)
    path = write_spec(
        tmp_path,
        name="laplace",
        support=["-oo", "oo"],
        density="exp(-abs(z - loc)/scale) / (2*scale)",
        parameters={"loc": "real", "scale": "positive"},
    )
    spec = load_spec(path)
    assert spec.density == exp(-Abs(z - loc) / scale) / (2 * scale)
    check_normalised(spec)


def test_not_normalised_is_refused(tmp_path):
    spec = load_spec(write_spec(tmp_path, density="4*exp(-z/scale) / (scale*(1 + exp(-z/scale))**2)"))
    message = refusal(check_normalised, spec)
    assert "'half-logistic' integrates to 2.0 at scale=" in message
    assert "not 1" in message


def test_wrong_support_is_refused(tmp_path):
    spec = load_spec(write_spec(tmp_path, support=["-oo", "oo"]))  # the half-logistic over the whole line
    assert "integrates to 2.0" in refusal(check_normalised, spec)


# --- parsing -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2*exp(-z/scale) / (scale*(1 + exp(-z/scale))**2)", 2 * exp(-z / scale) / (scale * (1 + exp(-z / scale)) ** 2)),
        ("scale*z^2 + 1", scale * z**2 + 1),  # '^' is a power, with the power's precedence
        ("0.1*z - 2.5e-3", Rational(1, 10) * z - Rational(1, 400)),  # floats are exact
        ("-z**2 + +z", -(z**2) + z),
        ("log(z, 2) + log(E) + e", log(z) / log(2) + 1 + E),
        ("digamma(z) + lgamma(z) + loggamma(scale)", polygamma(0, z) + loggamma(z) + loggamma(scale)),
        ("abs(z) + Abs(scale) + min(z, scale) + Max(z, 1, scale)", Abs(z) + scale + Min(z, scale) + Max(z, 1, scale)),
        ("EulerGamma*pi + oo", EulerGamma * pi + oo),
        ("beta(z, scale) * binomial(5, 2) * factorial(3) * floor(z) * erfc(z) * erf(z)",
         sympy.beta(z, scale) * 10 * 6 * sympy.floor(z) * sympy.erfc(z) * sympy.erf(z)),
        ("(z\n + 1)", z + 1),
    ],
)  # fmt: skip
def test_parse_matches_sympy_built_by_hand(text, expected):
    assert parse_expression(text, NAMES) == expected


@pytest.mark.parametrize(
    "text, part",
    [
        ("__import__('os')", "'__import__'"),
        ("os.system", "attribute access 'os.system'"),
        ("os.system('ls')", "attribute access 'os.system'"),
        ("(lambda x: x)(1)", "lambda 'lambda x: x'"),
        ("[x for x in z]", "comprehension '[x for x in z]'"),
        ("z[0]", "subscript 'z[0]'"),
        ("'a'", "string 'a'"),
        ("z if z else 1", "conditional expression 'z if z else 1'"),
        ("z and 1", "boolean operator 'z and 1'"),
        ("z < 1", "comparison 'z < 1'"),
        ("f(z)", "unknown function 'f'"),
        ("exp(x=1)", "keyword argument 'x=1'"),
        ("exp(*z)", "starred argument '*z'"),
        ("9**9**9", "exponent 387420489 in '9 ** 9 ** 9' exceeds the limit of 100"),
        ("sigma", "unknown name 'sigma' (declared: scale, z;"),
        ("(y := 1)", "assignment expression '(y := 1)'"),
        ("z // 2", "operator '//'"),
        ("True", "boolean True"),
        ("lambda*z", "'lambda' is a Python keyword"),
        ("z +* 1", "invalid syntax at column 4"),
        ("z ^^ 2", "invalid syntax at column 4"),  # columns count in the text as written, before '^' -> '**'
        ("10000000", "number 10000000 exceeds the limit of 10**6"),
        ("1e300", "exceeds the limit of 10**6"),
        ("((999999**100)**100)**100", "bits (limit 10000)"),
        ("factorial(1000000)", "argument 1000000 of factorial() exceeds the limit of 1000"),
        ("log(z, 2, 3)", "log() takes 1 or 2 arguments, got 3"),
        ("exp", "'exp' is a function"),
        ("1/(z - z)", "undefined"),
        ("-" * 60 + "z", "limit of 50 levels"),
        ("z+" * 1000 + "z", "2001 characters long (limit 2000)"),
    ],
)
def test_refused(text, part):
    message = refusal(parse_expression, text, NAMES, where="density")
    assert message.startswith("density: ")
    assert part in message


def test_refusal_lists_the_alternatives():
    message = refusal(parse_expression, "os.system", NAMES, where="density")
    assert "allowed: numbers" in message and "declared names scale, z" in message and "functions exp, log" in message


try:
    from hypothesis import assume, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    _leaves = st.sampled_from(["z", "scale", "1", "2", "3", "pi", "E"])

    def _extend(children):
        return st.one_of(
            st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(children, st.integers(-3, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
            st.tuples(children, st.integers(-3, 3)).map(lambda t: f"({t[0]})^({t[1]})"),
            children.map(lambda c: f"-{c}"),
            st.tuples(st.sampled_from(["exp", "log", "sqrt", "sin", "atan", "gamma"]), children).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
        )

    @settings(max_examples=60, deadline=None)
    @given(st.recursive(_leaves, _extend, max_leaves=8))
    def test_parse_agrees_with_sympify(text):
        try:
            parsed = parse_expression(text, NAMES)
        except SpecError as err:
            assert "undefined" in str(err)  # e.g. 1/(z - z): SymPy's zoo, refused
            assume(False)
        assert parsed == sympy.sympify(text, locals=dict(NAMES))


# --- loading -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parameter, part",
    [
        ("lambda", "'lambda' is a Python keyword and cannot be a name"),
        ("class", "'class' is a Python keyword and cannot be a name"),
        ("_hidden", "'_hidden' must not start with '_'"),
        ("2abc", "'2abc' is not a valid identifier"),
        ("exp", "'exp' is reserved"),
        ("z_vec", "'z_vec' is reserved"),
        ("z", "same name as the variable"),
    ],
)
def test_bad_parameter_names(tmp_path, parameter, part):
    path = write_spec(tmp_path, parameters={parameter: "positive"}, density="exp(-z)")
    message = refusal(load_spec, path)
    assert message.startswith(f"{path}: ")
    assert part in message


@pytest.mark.parametrize(
    "keys, part",
    [
        ({"variable": "lambda"}, "variable name: 'lambda' is a Python keyword"),
        ({"name": "Half_Logistic"}, "name 'Half_Logistic' must be lower case and hyphenated"),
        ({"name": None}, "missing key 'name'"),
        ({"support": None}, "missing key 'support'"),
        ({"density": None}, "missing key 'density' (or 'log_density')"),
        ({"log_density": "-z"}, "exactly one of 'density' and 'log_density'"),
        ({"colour": "red"}, "unknown key 'colour' (allowed keys: name, variable, variable_domain, support,"),
        ({"variable_domain": "complex"}, "unknown variable_domain 'complex' (allowed: real, integer)"),
        ({"support": ["0"]}, "support must be a list of two expressions"),
        ({"support": ["oo", "0"]}, "lower end oo is not below upper end 0"),
        ({"support": ["0", "sigma"]}, "support: unknown name 'sigma' (declared: scale;"),
        ({"density": "exp(-z/sigma)"}, "density: unknown name 'sigma' (declared: scale, z;"),
        ({"density": "os.system('rm -rf /')"}, "density: attribute access 'os.system'"),
    ],
)
def test_bad_keys(tmp_path, keys, part):
    message = refusal(load_spec, write_spec(tmp_path, **keys))
    assert part in message


def test_unknown_domain(tmp_path):
    message = refusal(load_spec, write_spec(tmp_path, parameters={"scale": "posative"}))
    assert "parameter 'scale': unknown domain 'posative'" in message
    assert "(allowed: real, positive, unit, nonnegative-integer, positive-integer)" in message


def test_missing_parameters_table(tmp_path):
    text = 'name = "x"\nvariable = "z"\nsupport = ["0", "oo"]\ndensity = "exp(-z)"'
    assert "missing key 'parameters'" in refusal(load_spec, write_spec(tmp_path, text=text))


def test_unreadable_path(tmp_path):
    missing = tmp_path / "nowhere.toml"
    message = refusal(load_spec, missing)
    assert str(missing) in message and "cannot read" in message
    assert "cannot read" in refusal(load_spec, tmp_path)  # a directory


def test_invalid_toml(tmp_path):
    path = write_spec(tmp_path, text='name = "half-logistic\nvariable = "z"')
    message = refusal(load_spec, path)
    assert message.startswith(f"{path}: invalid TOML: ")


def test_not_utf8(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b'name = "\xff"\n')
    assert "not UTF-8" in refusal(load_spec, path)
