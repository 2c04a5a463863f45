"""The spec: aethervision.yaml -> schema -> frozen model -> semantic checks (`load.py`), the calendar
sections, and safe YAML input.

Imports: promql, core.
"""

from aethervision.spec.load import VERSION, from_data, load, parse, schema
from aethervision.spec.yamlio import field_path, read_yaml

__all__ = ["VERSION", "field_path", "from_data", "load", "parse", "read_yaml", "schema"]
