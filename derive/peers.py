"""What the peers have: torch.distributions' KL registry and entropies, and TensorFlow Probability's, under
derive's family names. Snapshots, so ``derive coverage`` and ``output/coverage.md`` do not depend on what is
installed; ``tests/test_coverage.py`` compares the torch snapshot with the installed registry."""

from __future__ import annotations

#: torch.distributions class name -> derive family (LowRankMultivariateNormal is a covariance parameterisation of
#: the multivariate normal, OneHotCategorical an encoding of the categorical)
FAMILY_OF = {
    "Bernoulli": "bernoulli", "Beta": "beta", "Binomial": "binomial", "Categorical": "categorical",
    "OneHotCategorical": "categorical", "Cauchy": "cauchy", "ContinuousBernoulli": "continuous-bernoulli",
    "Dirichlet": "dirichlet", "Exponential": "exponential", "Gamma": "gamma", "Geometric": "geometric",
    "Gumbel": "gumbel", "HalfCauchy": "half-cauchy", "HalfNormal": "half-normal", "InverseGamma": "inverse-gamma",
    "Kumaraswamy": "kumaraswamy", "Laplace": "laplace", "LogNormal": "lognormal", "MultivariateNormal": "mvn",
    "LowRankMultivariateNormal": "mvn", "Normal": "normal", "Pareto": "pareto", "Poisson": "poisson",
    "StudentT": "student-t", "Uniform": "uniform", "Weibull": "weibull",
}
#: registered on base classes or wrappers: no specific pair
GENERIC = ("ExponentialFamily", "Independent", "TransformedDistribution")

#: torch 2.13.0 ``torch.distributions.kl._KL_REGISTRY``: (q class, p class, returns +inf everywhere)
TORCH_KL = (
    ("Bernoulli", "Bernoulli", False),
    ("Bernoulli", "Poisson", False),
    ("Beta", "Beta", False),
    ("Beta", "ContinuousBernoulli", False),
    ("Beta", "Exponential", False),
    ("Beta", "Gamma", False),
    ("Beta", "Normal", False),
    ("Beta", "Pareto", True),
    ("Beta", "Uniform", False),
    ("Binomial", "Binomial", True),
    ("Categorical", "Categorical", False),
    ("Cauchy", "Cauchy", False),
    ("ContinuousBernoulli", "ContinuousBernoulli", False),
    ("ContinuousBernoulli", "Exponential", False),
    ("ContinuousBernoulli", "Normal", False),
    ("ContinuousBernoulli", "Pareto", True),
    ("ContinuousBernoulli", "Uniform", False),
    ("Dirichlet", "Dirichlet", False),
    ("Exponential", "Beta", True),
    ("Exponential", "ContinuousBernoulli", True),
    ("Exponential", "Exponential", False),
    ("Exponential", "Gamma", False),
    ("Exponential", "Gumbel", False),
    ("Exponential", "Normal", False),
    ("Exponential", "Pareto", True),
    ("Exponential", "Uniform", True),
    ("ExponentialFamily", "ExponentialFamily", False),
    ("Gamma", "Beta", True),
    ("Gamma", "ContinuousBernoulli", True),
    ("Gamma", "Exponential", False),
    ("Gamma", "Gamma", False),
    ("Gamma", "Gumbel", False),
    ("Gamma", "Normal", False),
    ("Gamma", "Pareto", True),
    ("Gamma", "Uniform", True),
    ("Geometric", "Geometric", False),
    ("Gumbel", "Beta", True),
    ("Gumbel", "ContinuousBernoulli", True),
    ("Gumbel", "Exponential", True),
    ("Gumbel", "Gamma", True),
    ("Gumbel", "Gumbel", False),
    ("Gumbel", "Normal", False),
    ("Gumbel", "Pareto", True),
    ("Gumbel", "Uniform", True),
    ("HalfNormal", "HalfNormal", False),
    ("Independent", "Independent", False),
    ("Laplace", "Beta", True),
    ("Laplace", "ContinuousBernoulli", True),
    ("Laplace", "Exponential", True),
    ("Laplace", "Gamma", True),
    ("Laplace", "Laplace", False),
    ("Laplace", "Normal", False),
    ("Laplace", "Pareto", True),
    ("Laplace", "Uniform", True),
    ("LowRankMultivariateNormal", "LowRankMultivariateNormal", False),
    ("LowRankMultivariateNormal", "MultivariateNormal", False),
    ("MultivariateNormal", "LowRankMultivariateNormal", False),
    ("MultivariateNormal", "MultivariateNormal", False),
    ("Normal", "Beta", True),
    ("Normal", "ContinuousBernoulli", True),
    ("Normal", "Exponential", True),
    ("Normal", "Gamma", True),
    ("Normal", "Gumbel", False),
    ("Normal", "Laplace", False),
    ("Normal", "Normal", False),
    ("Normal", "Pareto", True),
    ("Normal", "Uniform", True),
    ("OneHotCategorical", "OneHotCategorical", False),
    ("Pareto", "Beta", True),
    ("Pareto", "ContinuousBernoulli", True),
    ("Pareto", "Exponential", False),
    ("Pareto", "Gamma", False),
    ("Pareto", "Normal", False),
    ("Pareto", "Pareto", False),
    ("Pareto", "Uniform", True),
    ("Poisson", "Bernoulli", True),
    ("Poisson", "Binomial", True),
    ("Poisson", "Poisson", False),
    ("TransformedDistribution", "TransformedDistribution", False),
    ("Uniform", "Beta", False),
    ("Uniform", "ContinuousBernoulli", False),
    ("Uniform", "Exponential", False),
    ("Uniform", "Gamma", False),
    ("Uniform", "Gumbel", False),
    ("Uniform", "Normal", False),
    ("Uniform", "Pareto", False),
    ("Uniform", "Uniform", False),)
#: families whose torch.distributions class computes .entropy() (Poisson's generic exponential-family entropy raises)
TORCH_ENTROPY = frozenset({
    "bernoulli", "beta", "binomial", "categorical", "cauchy", "continuous-bernoulli", "dirichlet", "exponential",
    "gamma", "geometric", "gumbel", "half-cauchy", "half-normal", "inverse-gamma", "kumaraswamy", "laplace",
    "lognormal", "mvn", "normal", "pareto", "student-t", "uniform", "weibull",
})

#: TensorFlow Probability 0.25.0 RegisterKL pairs under derive's names, with the pairs subclasses inherit
#: (Exponential is a Gamma; MultivariateNormalTriL a MultivariateNormalLinearOperator)
TFP_KL = frozenset({
    ("bernoulli", "bernoulli"), ("beta", "beta"), ("categorical", "categorical"), ("cauchy", "cauchy"),
    ("continuous-bernoulli", "continuous-bernoulli"), ("dirichlet", "dirichlet"), ("gamma", "gamma"),
    ("gamma", "exponential"), ("exponential", "gamma"), ("exponential", "exponential"), ("gumbel", "gumbel"),
    ("half-normal", "half-normal"), ("laplace", "laplace"), ("lognormal", "lognormal"), ("mvn", "mvn"),
    ("normal", "normal"), ("pareto", "pareto"), ("uniform", "uniform"), ("weibull", "weibull"),
    ("weibull", "gamma"), ("weibull", "exponential"),
})
#: TensorFlow Probability 0.25.0 distributions with an entropy
TFP_ENTROPY = frozenset({
    "bernoulli", "beta", "categorical", "cauchy", "continuous-bernoulli", "dirichlet", "exponential", "gamma",
    "geometric", "gumbel", "half-cauchy", "half-normal", "inverse-gamma", "kumaraswamy", "laplace", "lognormal",
    "mvn", "normal", "student-t", "uniform", "weibull",
})


def torch_pairs() -> list[tuple[str, str]]:
    """torch's specific KL pairs under derive's family names, in registry order, without repeats."""
    out = [(FAMILY_OF[a], FAMILY_OF[b]) for a, b, _ in TORCH_KL if a not in GENERIC]
    return list(dict.fromkeys(out))
