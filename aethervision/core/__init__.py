"""Foundation layer: the frozen model, errors, durations, defaults, atomic files.

Nothing here imports any other part of AetherVision.
"""
