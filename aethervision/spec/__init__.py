"""Spec layer: aethervision.yaml -> the frozen model (see load.py), and safe YAML input."""

from aethervision.spec.load import VERSION, from_data, load, parse, schema
from aethervision.spec.yamlio import field_path, read_yaml

__all__ = ["VERSION", "field_path", "from_data", "load", "parse", "read_yaml", "schema"]
