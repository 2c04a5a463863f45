"""Golden pairs (tests/golden/<case>/): the spec in, the expected provisioning/ out.

Regenerate with `make golden` after a deliberate change and review the diff.
"""

from __future__ import annotations

import pytest

from support.golden import cases


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_expected_output_is_what_the_code_generates(cli, case):
    result = cli("build", "--check", "--spec", str(case / "aethervision.yaml"), "--out", str(case / "provisioning"))
    assert result.exit_code == 0, f"{case.name}: run `make golden` and review the diff\n{result.output}"


def test_the_cases_cover_the_default_several_slos_and_the_seed_policy():
    names = {case.name for case in cases()}
    assert {"default", "multi", "seed"} <= names
