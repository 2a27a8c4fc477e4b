"""derive.emit.formatting: Ruff formats generated modules, one at a time or all of a build at once."""

from __future__ import annotations

import pytest

from derive.emit.formatting import FormatError, deferred, format_many, format_python

UGLY = ["def f( x ):\n  return x+1\n", "value=[1,\n2]\n", "x = {'a':1}\n"]


def test_one_module_is_formatted_in_black_style():
    assert format_python(UGLY[0]) == "def f(x):\n    return x + 1\n"
    assert format_python(UGLY[2]) == 'x = {"a": 1}\n'


def test_a_batch_formats_each_source_as_alone():
    assert format_many(UGLY) == [format_python(s) for s in UGLY]
    assert format_many([]) == []


def test_deferred_formatting_returns_the_source():
    with deferred():
        assert format_python(UGLY[0]) == UGLY[0]
    assert format_python(UGLY[0]) != UGLY[0]


@pytest.mark.parametrize("call", [format_python, lambda s: format_many([UGLY[0], s])])
def test_invalid_source_is_one_line_error(call):
    with pytest.raises(FormatError) as error:
        call("def f(:\n")
    assert "ruff could not format" in str(error.value) and "\n" not in str(error.value)
