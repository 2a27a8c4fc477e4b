"""Audit derivations people wrote: find chains of equalities in a .tex/.md file, parse them, check each equality.

``extract`` finds the chains, ``latex`` parses one side, ``densities`` reads ``--let``/``--assume``, ``check``
decides each equality, ``report`` prints the result.
"""
