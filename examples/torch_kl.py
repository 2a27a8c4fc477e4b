"""KL divergences written elsewhere, to check against derive's closed forms with ``derive compare --code``.

    derive compare kl-normal-normal --code examples/torch_kl.py:torch_kl_normal_normal
    derive compare kl-normal-normal --code examples/torch_kl.py:textbook_kl_normal_normal
    derive compare kl-normal-std-normal --code examples/torch_kl.py:vae_kl_normal_std_normal
    derive compare kl-gamma-gamma --code examples/torch_kl.py:torch_kl_gamma_gamma

Each function takes the derivation's parameters by name (``derive show NAME`` lists them) as float64 numbers and
returns one number; derive calls it at random admissible points and near KL = 0, and reports the relative error and
the float64 ulp against the closed form evaluated in 50-digit mpmath.
"""

import math


def torch_kl_normal_normal(mu1, sigma1, mu2, sigma2):
    """torch.distributions' KL(N(mu1, sigma1^2) || N(mu2, sigma2^2)), in float64."""
    import torch
    from torch.distributions import Normal, kl_divergence

    def t(x):
        return torch.tensor(x, dtype=torch.float64)

    return kl_divergence(Normal(t(mu1), t(sigma1)), Normal(t(mu2), t(sigma2)))


def torch_kl_gamma_gamma(concentration1, rate1, concentration2, rate2):
    """torch.distributions' KL(Gamma(concentration1, rate1) || Gamma(concentration2, rate2)), in float64."""
    import torch
    from torch.distributions import Gamma, kl_divergence

    def t(x):
        return torch.tensor(x, dtype=torch.float64)

    return kl_divergence(Gamma(t(concentration1), t(rate1)), Gamma(t(concentration2), t(rate2)))


def textbook_kl_normal_normal(mu1, sigma1, mu2, sigma2):
    """The formula as printed in most notes: log(sigma2/sigma1) + (sigma1^2 + (mu1 - mu2)^2) / (2 sigma2^2) - 1/2."""
    return math.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5


def vae_kl_normal_std_normal(mu, sigma):
    """The VAE line -1/2 (1 + log sigma^2 - mu^2 - sigma^2)."""
    return -0.5 * (1 + math.log(sigma**2) - mu**2 - sigma**2)
