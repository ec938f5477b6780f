"""OpenCME board-reporting service: reports MOC completions to certifying boards (ACCME PARS-style)."""
