"""Reading YAML input and wording schema errors: one home for the spec, the autoheal
mapping file and the webhook payload.

Input is untrusted: the reader refuses files over a size limit, bytes that are not
UTF-8 (naming the offset), duplicate keys, and alias "bombs" (a few lines whose
aliases expand to billions of nodes) before anything builds the expanded data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from aethervision.core import defaults, durations
from aethervision.core.errors import SpecError

# libyaml's parser when PyYAML was built with it (same results, several times faster).
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):
    """Safe loader that refuses duplicate mapping keys instead of keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              lambda loader, node: loader.construct_mapping(node))


def expanded_size(node: yaml.Node, limit: int) -> int:
    """Nodes the document has once every alias is expanded; stops counting past `limit`.

    Aliases share nodes, so sizes are memoised per node: the count is linear in
    the file, while the number it computes is what a consumer would walk.
    """
    memo: dict[int, int] = {}

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key not in memo:
            memo[key] = 0  # a recursive alias counts once, not forever
            if isinstance(n, yaml.MappingNode):
                total = 1 + sum(size(k) + size(v) for k, v in n.value)
            elif isinstance(n, yaml.SequenceNode):
                total = 1 + sum(size(v) for v in n.value)
            else:
                total = 1
            memo[key] = min(total, limit + 1)
        return memo[key]

    return size(node)


def parse_yaml(text: str, source: str, max_nodes: int = defaults.MAX_YAML_NODES):
    """YAML text to data; SpecError with line and column when malformed."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and expanded_size(node, max_nodes) > max_nodes:
            raise SpecError(source, "", f"YAML expands to more than {max_nodes:,} nodes through "
                                        "aliases (&anchor/*alias): refusing to load it")
        return loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(source, where, f"malformed YAML: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise SpecError(source, "", f"malformed YAML: {exc}") from exc
    finally:
        loader.dispose()


def read_yaml(path: Path, max_bytes: int = defaults.MAX_SPEC_BYTES):
    """Read and parse a YAML file strictly; SpecError names the file."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SpecError(source, "", f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(source, "", "file not found") from None
    except IsADirectoryError:
        raise SpecError(source, "", "is a directory, not a file") from None
    except OSError as exc:
        raise SpecError(source, "", f"cannot read: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(source, "", f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset "
                                    f"{exc.start} (save the file as UTF-8)") from exc
    return parse_yaml(text, source)


def field_path(parts) -> str:
    """['slos', 0, 'objective'] -> 'slos[0].objective'."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


Hint = Callable[[jsonschema.ValidationError], "str | None"]


def _message(error: jsonschema.ValidationError, hint: Hint | None) -> tuple[list, str]:
    """A short, human message for one schema failure, and the path it is about."""
    path, v, kind = list(error.absolute_path), error.validator_value, error.validator
    special = hint(error) if hint else None
    if special:
        return path, special
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return path + extra[:1], f"unknown key (allowed here: {allowed})"
    if kind == "required":
        missing = [k for k in v if k not in error.instance]
        return path + missing[:1], "required key is missing"
    if kind == "dependentRequired":
        for key, needs in v.items():
            missing = [k for k in needs if key in error.instance and k not in error.instance]
            if missing:
                return path + missing[:1], f"required key is missing (it goes with {key})"
    if kind == "pattern":
        what = "a duration such as 30s, 15m, 6h or 30d" if v == durations.PATTERN else f"matching {v}"
        return path, f"must be {what} (got {error.instance!r})"
    messages = {
        "exclusiveMaximum": f"must be < {v}", "exclusiveMinimum": f"must be > {v}",
        "maximum": f"must be <= {v}", "minimum": f"must be >= {v}", "const": f"must be {v!r}",
        "type": f"must be of type {v}", "minItems": f"must have at least {v} item(s)",
        "maxItems": f"must have at most {v} item(s)", "minLength": "must not be empty",
        "enum": f"must be one of {v}",
    }
    message = messages.get(kind, error.message)
    return path, message if len(message) < 300 else message[:297] + "..."


def schema_problems(validator: jsonschema.protocols.Validator, data, hint: Hint | None = None,
                    limit: int = defaults.MAX_REPORTED_PROBLEMS) -> list[tuple[str, str]]:
    """Every schema violation as (field path, message), most specific first, at most `limit`."""
    found = []
    for error in validator.iter_errors(data):
        while error.context:  # oneOf/anyOf: the deepest branch error is nearest the mistake
            error = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.schema_path)))
        path, message = _message(error, hint)
        found.append((field_path(path), message, len(path)))
    found.sort(key=lambda item: (-item[2], item[0]))
    unique = list(dict.fromkeys((f, m) for f, m, _ in found))
    if len(unique) > limit:
        unique = unique[:limit] + [("", f"... and {len(unique) - limit} more problem(s)")]
    return unique


def check_schema(validator, data, source: str, hint: Hint | None = None) -> None:
    """SpecError listing every schema violation (up to the limit), if any."""
    problems = schema_problems(validator, data, hint)
    if problems:
        (field, message), *more = problems
        raise SpecError(source, field, message, more)
