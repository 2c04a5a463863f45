"""Run the real Sloth (`sloth generate`) on a Sloth spec: its rules, to measure and compare with ours."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from aethervision.clients import servers
from aethervision.core.errors import ToolMissing, UserError
from aethervision.core.files import load_yaml


def find() -> str:
    path = servers.locate("sloth")
    if not path:
        raise ToolMissing("sloth not found: `make servers` builds Sloth "
                          f"{servers.server('sloth').version} into .servers/, or point SLOTH at the binary")
    return path


def generate(spec_text: str, timeout: float = 300) -> dict:
    """The Prometheus rule file `sloth generate` writes for a `prometheus/v1` spec, parsed."""
    with tempfile.TemporaryDirectory(prefix="aethervision-sloth-") as tmp:
        source, out = Path(tmp, "slos.yml"), Path(tmp, "rules.yml")
        source.write_text(spec_text)
        result = subprocess.run([find(), "generate", "--no-log", "-i", str(source), "-o", str(out)],
                                capture_output=True, text=True, timeout=timeout, check=False,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0 or not out.is_file():
            raise UserError(f"sloth generate failed (exit {result.returncode}): "
                            f"{(result.stderr or result.stdout).strip()[-2000:]}")
        return load_yaml(out.read_text())
