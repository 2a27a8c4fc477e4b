"""Command line: parse, call the library, print. No maths here, and no SymPy import until a command needs it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_FAIL = 1
EXIT_USAGE = 2


_NO_CACHE = ("compute every code module and step check again instead of reusing the results this same source "
             "computed before (kept under $DERIVE_CACHE_DIR, default ~/.cache/derive; DERIVE_CACHE_DIR=off also "
             "turns it off)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="derive",
        description="Derive entropy, cross-entropy and KL divergence step by step, check every step, "
        "render LaTeX/Markdown and emit code.",
        epilog="examples: derive list | derive show kl-normal-std-normal | derive verify | "
        "derive latex kl-normal-normal --standalone -o kl.tex | derive code kl-normal-normal --target numpy",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    spec = argparse.ArgumentParser(add_help=False)
    spec.add_argument("--spec", action="append", type=Path, metavar="FILE.toml",
                      help="also derive for the family declared in FILE.toml (repeatable; see examples/)")
    sub = _WithSpec(sub, spec)
    sub.add_parser("list", help="list derivations and lemmas")
    s = sub.add_parser("show", help="print a derivation's steps in the terminal")
    s.add_argument("name")
    s = sub.add_parser("latex", help="render a derivation as LaTeX (align* chain)")
    s.add_argument("name")
    s.add_argument("--standalone", action="store_true", help="a complete document that compiles with pdflatex")
    s.add_argument("-o", "--output", type=Path, help="write to PATH instead of standard output")
    s = sub.add_parser("markdown", help="render a derivation as Markdown ($$ blocks)")
    s.add_argument("name")
    s.add_argument("-o", "--output", type=Path, help="write to PATH instead of standard output")
    s = sub.add_parser("code", help="emit code for a derivation's closed form")
    s.add_argument("name")
    s.add_argument("--target", default="numpy", help="numpy (default), torch, jax or tensorflow")
    s.add_argument("--param", default=None,
                   help="how scales are passed: sigma (default), var, logvar, logstd for univariate normals; "
                   "scale_tril (default), cov, precision for multivariate normals (*-mvn-*)")
    s.add_argument("--grad", action="store_true", help="also emit the gradient functions, one per parameter")
    s.add_argument("-o", "--output", type=Path, help="write to PATH instead of standard output")
    s = sub.add_parser("verify", help="check step chain, sympy.integrate and mpmath quadrature")
    s.add_argument("names", nargs="*", metavar="NAME",
                   help="derivations to verify (default: all; with --spec, those of the declared families)")
    sub.add_parser("coverage", help="print the table of families and pairs derived, verified and emitted, beside "
                   "torch.distributions and TensorFlow Probability")
    s = sub.add_parser("build", help="regenerate everything under output/")
    s.add_argument("--out", type=Path, default=Path("output"), help="output directory (default: output)")
    s.add_argument("--no-pdf", action="store_true", help="skip compiling the PDF even when pdflatex exists")
    s.add_argument("--no-cache", action="store_true", help=_NO_CACHE)
    s = sub.add_parser("check", help="exit 1 and list the files in output/ that differ from a fresh build")
    s.add_argument("--out", type=Path, default=Path("output"), help="output directory (default: output)")
    s.add_argument("--no-cache", action="store_true", help=_NO_CACHE)
    _compare_parser(sub)
    _audit_parser(sub)
    return p


def _audit_parser(sub) -> None:
    s = sub.add_parser(
        "audit", help="check every chain of equalities in a .tex or .md file (holds / false / unparsed)",
        description="Find the chains of equalities in FILE ($$ ... $$, \\[ ... \\], align, aligned, equation), parse "
        "each side from LaTeX and check each equality: symbolically when SymPy settles it, else with mpmath at random "
        "admissible points (integrals by quadrature). q(z), p(z), KL(q || p), H(q) in the file are the densities given "
        "by --let. Exit code: 1 when an equality is false, 0 otherwise, 2 for a missing file or a bad --let/--assume.",
        epilog='example: derive audit post.md --let "q = N(mu, sigma^2)" --let "p = N(0, 1)"')
    s.add_argument("file", type=Path, metavar="FILE")
    s.add_argument("--let", action="append", default=[], dest="lets", metavar='"q = N(mu, sigma^2)"',
                   help="a density of the document: N(mean, variance), or a family by derive's name with "
                   "torch's parameters, by position or keyword, e.g. \"p = gamma(concentration=a, rate=b)\" "
                   "(repeatable)")
    s.add_argument("--assume", action="append", default=[], dest="assumptions", metavar='"sigma > 0"',
                   help="a relation the symbols satisfy (repeatable)")
    s.add_argument("--json", action="store_true", help="print a JSON list of {line, index, status, detail}")


def _compare_parser(sub) -> None:
    s = sub.add_parser(
        "compare", help="does a formula (EXPR) or a Python function (--code) equal a derivation's closed form?",
        description="Compare a formula someone wrote, in SymPy syntax or LaTeX, with the derived closed form of NAME "
        "(parameter names as in 'derive show NAME'): equal / equal only under extra assumptions (named) / not equal "
        "(a counterexample and both values). Symbolic first, then mpmath at random admissible points. Exit code: 0 "
        "when equal; 1 when not equal, and also when equal only under extra assumptions (the formula is not the closed "
        "form in general); 2 for unknown names or an unparsable EXPR.",
        epilog='example: derive compare kl-normal-normal '
        '"log(sigma2/sigma1) + (sigma1**2 + (mu1-mu2)**2)/(2*sigma2**2) - 1/2"')
    s.add_argument("name", metavar="NAME")
    s.add_argument("expr", metavar="EXPR", nargs="?",
                   help="the formula, e.g. \"-(1 + log(sigma**2) - mu**2 - sigma**2)/2\"")
    s.add_argument("--code", metavar="FILE.py:FUNC",
                   help="instead of EXPR, call FUNC from FILE.py with the parameters by name (float64) at random "
                   "admissible points and, for a KL, near KL = 0; report the max relative error and ulp against "
                   "50-digit mpmath (exit 1 when it disagrees); see examples/torch_kl.py")
    s.add_argument("--tol", type=float, default=None, metavar="ULP",
                   help="with --code: the most ulp a point may be off for FUNC to agree (default 16)")


class _WithSpec:
    """Subparsers that all take ``--spec FILE.toml``."""

    def __init__(self, sub, spec):
        self.sub, self.spec = sub, spec

    def add_parser(self, name, **kwargs):
        return self.sub.add_parser(name, parents=[self.spec], **kwargs)


#: commands that refuse --spec, and why (their output is the built-ins' golden record or their table)
NO_SPEC = {
    "build": "output/ is the record of the built-in derivations",
    "check": "output/ is the record of the built-in derivations",
    "coverage": "the coverage table reports the built-in families",
    "audit": "--let names derive's built-in families",
}


def _declare(args) -> list[str]:
    """Register the families of the --spec files before the command runs; the names of their derivations."""
    if not getattr(args, "spec", None):
        return []
    if args.command in NO_SPEC:
        from derive.spec import SpecError

        raise SpecError(f"'derive {args.command}' does not take --spec: {NO_SPEC[args.command]}")
    from derive.spec_catalog import register_specs

    return register_specs(args.spec)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from derive.fileio import write_atomic

    write_atomic(output, text.encode("utf-8"))
    print(f"wrote {output}", file=sys.stderr)


def cmd_list(args) -> int:
    from derive import registry

    names = registry.names()
    width = max(map(len, names))
    for name in names:
        e = registry.entry(name)
        print(f"{name:<{width}}  {e.kind:<10}  {e.summary}")
    return 0


def cmd_show(args) -> int:
    from derive.render.terminal import show

    sys.stdout.write(show(args.name))
    return 0


def _check_output(args) -> None:
    if getattr(args, "output", None) is not None:
        from derive.fileio import check_writable

        check_writable(args.output)


def cmd_latex(args) -> int:
    _check_output(args)
    from derive.render.documents import latex

    _emit(latex(args.name, standalone=args.standalone), args.output)
    return 0


def cmd_markdown(args) -> int:
    _check_output(args)
    from derive.render.documents import markdown

    _emit(markdown(args.name), args.output)
    return 0


def cmd_code(args) -> int:
    _check_output(args)
    from derive.emit.code import emit_module

    _emit(emit_module(args.name, args.target, args.param, grad=args.grad), args.output)
    return 0


def cmd_verify(args) -> int:
    from derive import registry
    from derive.verify import verify

    names = args.names or getattr(args, "declared", None) or registry.names()
    for name in names:
        registry.entry(name)  # unknown names fail before any work
    print(f"{'derivation':<34} {'check':<16} {'result':<6} {'seconds':>8}  detail")
    failed = 0
    for name in names:
        for r in verify(registry.get(name)):
            failed += not r.ok
            print(f"{r.derivation:<34} {r.check:<16} {r.status:<6} {r.seconds:>8.2f}  {r.detail}", flush=True)
    print(f"{failed} check(s) failed" if failed else "all checks passed")
    return EXIT_FAIL if failed else 0


def cmd_coverage(args) -> int:
    from derive import coverage

    checked = coverage.check(coverage.derivations())
    print(coverage.markdown(checked))
    return 0 if all(checked.values()) else EXIT_FAIL


def _no_cache(args) -> None:
    if args.no_cache:
        from derive import cache

        cache.disable()


def cmd_build(args) -> int:
    from derive.build import build

    _no_cache(args)
    written = build(args.out, with_pdf=False if args.no_pdf else None)
    print(f"built {len(written)} files under {args.out}")
    return 0


def cmd_check(args) -> int:
    from derive.build import check

    _no_cache(args)
    differ = check(args.out)
    for rel in differ:
        print(rel)
    if differ:
        print(f"{len(differ)} file(s) differ from a fresh build; run 'derive build'", file=sys.stderr)
        return EXIT_FAIL
    print(f"{args.out} is up to date")
    return 0


def cmd_compare(args) -> int:
    from derive.compare import CompareError

    if (args.expr is None) == (args.code is None):
        raise CompareError("give either the formula EXPR or --code FILE.py:FUNC (see 'derive compare --help')")
    if args.code is None:
        if args.tol is not None:
            raise CompareError("--tol goes with --code (a formula EXPR is compared to 30 digits)")
        from derive.compare import compare_formula, report

        verdict = compare_formula(args.name, args.expr)
        sys.stdout.write(report(verdict))
        return verdict.exit_code
    from derive.compare_code import TOL, compare_code, report_code

    verdict = compare_code(args.name, args.code, TOL if args.tol is None else args.tol)
    sys.stdout.write(report_code(verdict))
    return verdict.exit_code


def cmd_audit(args) -> int:
    from derive.audit.report import audit, to_json, to_text

    results = audit(args.file, args.lets, args.assumptions)
    sys.stdout.write(to_json(results) if args.json else to_text(args.file, results))
    return EXIT_FAIL if any(r.status == "false" for r in results) else 0


COMMANDS = {
    "list": cmd_list,
    "show": cmd_show,
    "latex": cmd_latex,
    "markdown": cmd_markdown,
    "code": cmd_code,
    "verify": cmd_verify,
    "coverage": cmd_coverage,
    "build": cmd_build,
    "check": cmd_check,
    "compare": cmd_compare,
    "audit": cmd_audit,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from derive.errors import USAGE_ERRORS, FAILURES

    try:
        args.declared = _declare(args)
        return COMMANDS[args.command](args)
    except USAGE_ERRORS() as exc:
        print(f"derive: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FAILURES() as exc:
        print(f"derive: error: {exc}", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
