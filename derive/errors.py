"""Which exceptions the CLI turns into one-line errors (imported lazily: some live in SymPy-using modules)."""

from __future__ import annotations


def USAGE_ERRORS() -> tuple[type[BaseException], ...]:
    """Bad input from the user: unknown derivation, target or parameterisation, a refused spec file (exit 2)."""
    from derive.audit.errors import AuditError
    from derive.compare import CompareError
    from derive.emit.code import CodeError
    from derive.emit.params import ParamError
    from derive.registry import UnknownDerivation
    from derive.spec import SpecError

    return (UnknownDerivation, CodeError, ParamError, SpecError, AuditError, CompareError)


def FAILURES() -> tuple[type[BaseException], ...]:
    """Things that went wrong while working: unwritable paths, templates, LaTeX, derivation errors (exit 1)."""
    from derive.fileio import OutputError
    from derive.pdf import LatexError
    from derive.prove import DerivationError
    from derive.render.environment import TemplateError

    return (OutputError, LatexError, DerivationError, TemplateError)
