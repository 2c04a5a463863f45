"""Paths and helpers the tests share: the fixture specs, schemas, trees, generated rule files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aethervision import spec as spec_mod
from aethervision.builder import outputs, pipeline

ROOT = Path(__file__).resolve().parent.parent.parent


# Tests own their inputs: the fixture spec below, never the user's aethervision.yaml
# (only tests/test_repository.py reads that, checking what holds for any valid spec).
GOLDEN = ROOT / "tests" / "golden"


SPEC = GOLDEN / "default" / "aethervision.yaml"


EXPECTED = GOLDEN / "default" / "provisioning"


REPO_SPEC = ROOT / "aethervision.yaml"


def schema_dir() -> Path:
    """Grafana's official JSON Schemas: $AETHERVISION_GRAFANA_SCHEMA, else ../shared/grafana-schema."""
    env = os.environ.get("AETHERVISION_GRAFANA_SCHEMA")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "grafana-schema", ROOT / "shared" / "grafana-schema"]
    for candidate in candidates:
        if (candidate / "dashboard.jsonschema.json").is_file():
            return candidate
    pytest.fail("Grafana JSON Schemas not found: set AETHERVISION_GRAFANA_SCHEMA or provide "
                "../shared/grafana-schema")


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def add_slo(data: dict, name: str, service: str) -> dict:
    """Append a second SLO shaped like the first (for multi-SLO tests)."""
    extra = dict(data["slos"][0], name=name, service=service, title=f"{service} {name}")
    extra["sli"] = {"errors": f'{service}_requests_total{{code=~"5.."}}',
                    "total": f"{service}_requests_total"}
    data["slos"].append(extra)
    return data


def generated_rule_files(folder: Path, spec_path: Path = SPEC) -> list[Path]:
    """Write the generated rule files; recording rules first, as prometheus.yml loads them.

    promtool evaluates files in the order given; alerts read the recorded
    series of the same evaluation only when the recording rules come first.
    """
    paths = []
    for name, text in outputs.rule_files(spec_mod.load(spec_path)).items():
        path = folder / name
        path.write_text(text)
        paths.append(path)
    return paths


def generated(spec):
    """Everything the build generates for a loaded spec (dashboards, rule documents, files)."""
    return pipeline.generate_from(spec)
