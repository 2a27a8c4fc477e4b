"""Everything under output/: built in memory first, then written atomically; check mode diffs instead."""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import sys
from pathlib import Path

from derive import registry
from derive.emit import params
from derive.emit.code import emit_module, function_name, refused
from derive.emit.formatting import deferred, format_many
from derive.emit.targets import TARGETS
from derive.fileio import check_creatable, write_atomic
from derive.pdf import compile_pdf, have_pdflatex, have_pdftoppm, png_preview
from derive.render import documents

ARTICLE = "latex/kl-gaussians.tex"
ARTICLE_PDF = "latex/kl-gaussians.pdf"
PREVIEW_PNG = "img/kl-gaussians.png"
BINARY = (ARTICLE_PDF, PREVIEW_PNG)
#: parameterisations whose modules are kept in output/ (the ones users reach for); others via ``derive code``.
CODE_PARAMS = ("sigma", "logvar")


def code_params(name: str) -> tuple[str, ...]:
    """The parameterisations whose modules go to output/: sigma and logvar of a univariate normal's, every one of
    the other families' (a covariance's three, the exponential's rate)."""
    options = params.options(name)
    return CODE_PARAMS if "sigma" in options else options


COVERAGE = "coverage.md"
VERDICTS = "coverage verdicts"  # a job that step-checks one of the coverage table's derivations


def _code_jobs(early: bool) -> list[tuple[str, str]]:
    """The build's jobs. Early: one per step check of a vector family's derivation (checked at D = 1, 2: the
    longest jobs, needing only a few cheap derivations, so a worker starts on them while the registry is derived).
    Else: one per other step check, then one per (derivation, parameterisation): its targets share the symbolic
    work."""
    from derive import coverage

    checked = coverage.derivations()
    if early:
        return [(VERDICTS, name) for name in checked if coverage.multivariate(name)]
    return [*((VERDICTS, name) for name in checked if not coverage.multivariate(name)),
            *((name, param) for name in registry.names("derivation") for param in code_params(name))]


def _emit(job: tuple[str, str], root: Path | None = None) -> list[tuple[str, object]]:
    """A job's results, stored in the cache under ``root`` (``derive.cache``; None: none)."""
    from derive import cache

    result = _compute(job)
    cache.store(job, result, root)
    return result


def _compute(job: tuple[str, str]) -> list[tuple[str, object]]:
    name, param = job
    if name == VERDICTS:
        from derive import coverage

        return [(VERDICTS, coverage.check([param]))]
    with deferred():  # formatted all at once by the caller (``_with_coverage``): one Ruff call per build
        return [(f"code/{target}/{param}/{function_name(name)}.py", emit_module(name, target, param))
                for target in TARGETS if not refused(name, target)]  # a kept series or integral: NumPy only


def _with_coverage(items) -> dict:
    """The job results (the modules formatted), the verdict halves merged into the coverage table."""
    from derive import coverage

    out, verdicts = {}, {}
    for rel, content in items:
        if rel == VERDICTS:
            verdicts.update(content)
        else:
            out[rel] = content
    out.update(zip(out, format_many(list(out.values()))))
    out[COVERAGE] = coverage.markdown(verdicts)
    return out


def _code_modules(jobs, root=None, workers: int = 2):
    """Emit the code modules (and run the coverage step checks) of ``jobs`` in ``workers`` processes while the
    caller works on: (the pool, or None, and a lazy iterator of the results).

    Workers are forked, except in a process that has imported a multithreaded framework (JAX, torch, TensorFlow:
    tests, notebooks), where a forked child can deadlock: there they start from a fresh interpreter (forkserver or
    spawn). Without either, the jobs run in this process.
    """
    threaded = any(m in sys.modules for m in ("jax", "torch", "tensorflow"))
    methods = multiprocessing.get_all_start_methods()
    method = next((m for m in (("forkserver", "spawn") if threaded else ("fork",)) if m in methods), None)
    if method is None or not jobs:
        return None, (item for job in jobs for item in _emit(job, root))
    context = multiprocessing.get_context(method)
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context)
    futures = [pool.submit(_emit, job, root) for job in jobs]
    return pool, (item for f in futures for item in f.result())


#: the code modules and coverage verdicts of this process's first build (they depend only on the code)
_CODE: dict = {}


def artefacts(with_pdf: bool | None = None) -> dict[str, bytes]:
    """Relative path -> content of every generated file (the PDF and its preview when pdflatex exists)."""
    pools: list = []
    try:
        return _artefacts(_CODE["items"] if "items" in _CODE else _start_code(pools), with_pdf)
    finally:  # a failed build stops its workers' pending jobs instead of waiting for them at exit
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)


def _start_code(pools: list):
    """A lazy iterator of the code jobs' results: the cached ones, and those the workers (added to ``pools``)
    compute while this process derives the registry and renders documents."""
    from derive import cache

    registry.names()  # the catalog, with its lemma proofs, imported once before any worker forks
    root, hits, parts = cache.directory(), [], []
    for early in (True, False):
        # one worker starts on the early jobs while this process derives the registry (the other core would
        # idle); then two more fork, sharing the derivations instead of each deriving them
        if not early:
            for name in registry.names():
                registry.get(name)
        jobs = _code_jobs(early)
        cached = [cache.load(job, root) for job in jobs]  # results the same source computed before
        hits += [hit for hit in cached if hit is not None]
        pool, computed = _code_modules([job for job, hit in zip(jobs, cached) if hit is None], root,
                                       workers=1 if early else 2)
        pools += [pool] if pool is not None else []
        parts.append(computed)
    return itertools.chain((item for hit in hits for item in hit), *parts)


def _artefacts(code, with_pdf) -> dict[str, bytes]:
    out: dict[str, str | bytes] = {}
    for name in registry.names():
        out[f"latex/{name}.tex"] = documents.latex(name, standalone=True)
        out[f"markdown/{name}.md"] = documents.markdown(name)
    out[ARTICLE] = documents.article()
    if with_pdf is None:
        with_pdf = have_pdflatex()
    if with_pdf:
        pdf = compile_pdf(out[ARTICLE], "kl-gaussians")
        out[ARTICLE_PDF] = pdf
        if have_pdftoppm():
            out[PREVIEW_PNG] = png_preview(pdf)
    code = _CODE.setdefault("items", list(code))  # the expensive part, the same on every call in a process
    out.update(_with_coverage(code))
    return {k: (v.encode("utf-8") if isinstance(v, str) else v) for k, v in sorted(out.items())}


def build(out_dir: Path, with_pdf: bool | None = None) -> list[str]:
    """Write all artefacts under ``out_dir``; returns the relative paths written. Nothing is written on error, and
    an ``out_dir`` that cannot be created fails before any work."""
    check_creatable(out_dir)
    files = artefacts(with_pdf)
    for rel, data in files.items():
        target = Path(out_dir) / rel
        if not target.exists() or target.read_bytes() != data:
            write_atomic(target, data)
    return list(files)


def check(out_dir: Path, with_pdf: bool | None = None) -> list[str]:
    """Relative paths that differ from a fresh build (changed, missing, or stale)."""
    if with_pdf is None:
        with_pdf = have_pdflatex()
    files = artefacts(with_pdf)
    out_dir = Path(out_dir)
    differ = []
    for rel, data in files.items():
        path = out_dir / rel
        if not path.exists():
            differ.append(f"{rel} (missing)")
        elif path.read_bytes() != data:
            differ.append(f"{rel} (differs)")
    if out_dir.is_dir():
        for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(out_dir).as_posix()
            if rel not in files and not (rel in BINARY and not with_pdf):
                differ.append(f"{rel} (stale: not produced by a fresh build)")
    return differ
