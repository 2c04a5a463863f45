"""The foundation: the frozen model, errors, durations, defaults (all of them), atomic files, calendar
periods, and how right a runway forecast was (`forecast.py`).

Imports: nothing of AetherVision.
"""
