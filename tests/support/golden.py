"""Golden pairs: tests/golden/<case>/aethervision.yaml in, tests/golden/<case>/provisioning/ out.

`make golden` (python -m support.golden, from tests/) regenerates every expected
folder with the real build; the test `test_golden.py` requires them to be current.
Never edit an expected file by hand: change code or spec, regenerate, review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "aethervision.yaml").is_file())


def main() -> int:
    from aethervision.builder import pipeline

    for case in cases():
        changes = pipeline.build(pipeline.generate(case / "aethervision.yaml"), case / "provisioning")
        print(f"{case.name}: {len(changes)} file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
