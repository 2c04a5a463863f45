"""AetherVision: predictive SLO operations as code."""

__version__ = "0.1.0"
