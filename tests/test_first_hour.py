"""A user's first change must not turn the project's own tests red.

Copies the repository, adds two SLOs to its aethervision.yaml exactly as the README's
"Adding an SLO" shows, runs `aethervision build` (what `make dashboards` runs) and
then the spec-independent suite (`make test-fast`'s selection) in the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from support.repo import ROOT, schema_dir

pytestmark = pytest.mark.slow


def _readme_slo() -> dict:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Adding an SLO", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    return yaml.safe_load(block)[0]


def _copy_repository(dest):
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, files):
        src, target = ROOT / rel, dest / rel
        if not (src.exists() or src.is_symlink()):
            continue  # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target, follow_symlinks=False)


def test_adding_two_slos_as_the_readme_shows_keeps_the_suite_green(tmp_path):
    repo = tmp_path / "repo"
    _copy_repository(repo)
    first = _readme_slo()
    second = {**first, "name": "agent_availability", "service": "agent", "title": "Agent availability",
              "sli": {"errors": 'agent_requests_total{code=~"5.."}', "total": "agent_requests_total"}}
    spec_path = repo / "aethervision.yaml"
    text = spec_path.read_text()
    added = yaml.safe_dump([first, second], sort_keys=False)
    text = text.replace("\nrunway:", "\n" + "".join("  " + line + "\n" for line in added.splitlines()) + "\nrunway:", 1)
    spec_path.write_text(text)
    env = {**os.environ, "AETHERVISION_GRAFANA_SCHEMA": str(schema_dir()), "PYTHONPATH": str(repo)}
    build = subprocess.run([sys.executable, "-m", "aethervision", "build"], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    recording = (repo / "provisioning/prometheus/prometheus-recording-rules.yml").read_text()
    assert "slo:agent_availability:days_to_breach" in recording
    suite = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                            "-m", "not live and not slow and not bench"], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=900)
    tail = "\n".join(suite.stdout.splitlines()[-25:])
    assert suite.returncode == 0, tail
    assert re.search(r"\d+ passed", tail) and "failed" not in tail
