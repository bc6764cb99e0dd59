"""Backtests: project from past base years with what was known then, score against what SSB
later recorded, beside naive baselines, and split the error into population-projection error
and model error (MODEL.md, "Backtests")."""
