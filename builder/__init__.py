"""Turns the spec into files: normalise, render, validate, write, push, diff."""
