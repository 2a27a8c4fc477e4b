"""Symbols with the assumptions every derivation relies on.

Scales are declared positive so that ``log(sigma**2)`` expands to ``2*log(sigma)`` without ``force=True``;
locations are real; the integration variable is real.
"""

from sympy import IndexedBase, Symbol

z = Symbol("z", real=True)
u = Symbol("u", real=True)

mu = Symbol("mu", real=True)
sigma = Symbol("sigma", positive=True)
mu1 = Symbol("mu1", real=True)
sigma1 = Symbol("sigma1", positive=True)
mu2 = Symbol("mu2", real=True)
sigma2 = Symbol("sigma2", positive=True)

# exponential rates (torch.distributions' name for the parameter)
rate = Symbol("rate", positive=True)
rate1 = Symbol("rate1", positive=True)
rate2 = Symbol("rate2", positive=True)

# scales of families other than the normal (torch.distributions' name, e.g. HalfNormal(scale))
scale = Symbol("scale", positive=True)
scale1 = Symbol("scale1", positive=True)
scale2 = Symbol("scale2", positive=True)

# D-dimensional (diagonal) case: index d runs over 1..D.
D = Symbol("D", integer=True, positive=True)
d = Symbol("d", integer=True, positive=True)
j = Symbol("j", integer=True, positive=True)
z_vec = Symbol("z_vec", real=True)  # the vector z in R^D, printed bold
z_ix = IndexedBase("z", real=True)
mu_ix = IndexedBase("mu", real=True)
sigma_ix = IndexedBase("sigma", positive=True)

#: LaTeX names for symbols whose Python names are not their printed names.
LATEX_NAMES = {
    z_vec: r"\mathbf{z}",
    mu1: r"\mu_{1}",
    mu2: r"\mu_{2}",
    sigma1: r"\sigma_{1}",
    sigma2: r"\sigma_{2}",
    rate: r"\lambda",
    rate1: r"\lambda_{1}",
    rate2: r"\lambda_{2}",
    scale: r"\sigma",
    scale1: r"\sigma_{1}",
    scale2: r"\sigma_{2}",
}
