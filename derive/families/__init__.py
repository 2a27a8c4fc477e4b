"""Distribution families: one module per family (parameters, support, log-density, moment lemmas)."""

from derive.families.base import Distribution, Statistic
from derive.families.exponential import Exponential
from derive.families.half_normal import HalfNormal
from derive.families.normal import Normal

__all__ = ["Distribution", "Exponential", "HalfNormal", "Normal", "Statistic"]
