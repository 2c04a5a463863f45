"""The loader on hostile or odd input: fast, clear, exit 1, nothing written."""

from __future__ import annotations

import time

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.core.errors import SpecError

from support.repo import tree_bytes

BOMB = """version: aethervision/v1
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
slos:
  - name: x
    service: x
    title: *h
"""


def _build(cli, path, out):
    started = time.monotonic()
    result = cli("build", "--spec", str(path), "--out", str(out))
    return result, time.monotonic() - started


def test_an_alias_bomb_fails_at_once(cli, write_spec, provisioning_copy):
    before = tree_bytes(provisioning_copy)
    result, seconds = _build(cli, write_spec(BOMB), provisioning_copy)
    assert result.exit_code == 1, result.output
    assert "expands to more than" in result.stderr and "aliases" in result.stderr
    assert seconds < 5  # it used to run 82 s to 2.5 GB; measured here well under 1 s
    assert tree_bytes(provisioning_copy) == before


def test_ordinary_anchors_still_work(spec_data, write_spec):
    text = yaml.safe_dump(spec_data, sort_keys=False)
    text = text.replace("sli:\n", "sli: &payments\n", 1)
    data = yaml.safe_load(text)
    data["slos"].append({**data["slos"][0], "name": "payment_rate_copy"})
    path = write_spec(yaml.safe_dump(data, sort_keys=False))
    assert len(spec_mod.load(path).slos) == 2


def test_too_many_slos_fail_fast_with_a_clear_message(cli, spec_data, write_spec, provisioning_copy):
    one = spec_data["slos"][0]
    spec_data["slos"] = [{**one, "name": f"slo_{i}"} for i in range(12_000)]
    path = write_spec(yaml.dump(spec_data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
    before = tree_bytes(provisioning_copy)
    result, seconds = _build(cli, path, provisioning_copy)
    assert result.exit_code == 1
    assert f"{path}: slos: 12,000 SLOs is over the limit of 10,000" in result.stderr
    # 35,000 used to end in MemoryError after 115 s; 12,000 (3 MB of YAML) is over the limit just the same
    assert seconds < 60
    assert tree_bytes(provisioning_copy) == before


def test_non_utf8_names_the_byte_offset(cli, tmp_path):
    path = tmp_path / "latin1.yaml"
    prefix = "version: aethervision/v1\n# caf"
    path.write_bytes((prefix + "\xe9\n").encode("latin-1"))
    result = cli("build", "--spec", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{path}: not UTF-8 text: byte 0xe9 at offset {len(prefix)}" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    from aethervision.core import defaults
    from aethervision.spec import yamlio

    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * 2000 + "\n")
    monkeypatch.setattr(defaults, "MAX_SPEC_BYTES", 1000)
    with pytest.raises(SpecError, match="over the 1,000-byte limit"):
        yamlio.read_yaml(path, max_bytes=defaults.MAX_SPEC_BYTES)


def test_every_schema_error_is_reported_at_once(cli, spec_data, write_spec):
    spec_data["slos"][0]["objective"] = 99.9
    spec_data["slos"][0]["window"] = "a month"
    spec_data["runway"]["min_errors"] = -1
    spec_data["grafana"]["colour"] = "blue"
    path = write_spec(spec_data)
    result = cli("build", "--spec", str(path), "--out", "unused")
    assert result.exit_code == 1
    assert "4 problem(s)" in result.stderr
    for expected in ("slos[0].objective: must be < 1: the objective is a ratio (0.999), not a percentage (99.9)",
                     "slos[0].window: must be a duration", "runway.min_errors: must be >= 0",
                     "grafana.colour: unknown key"):
        assert f"{path}: {expected}" in result.stderr


def test_a_directory_is_not_a_spec(cli, tmp_path):
    result = cli("build", "--spec", str(tmp_path), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
