"""`build` writes the whole tree or nothing: a folder it cannot write, a swap that fails
part way, and a selector that is not PromQL all leave every file as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from aethervision.builder import writer

from support.repo import SPEC, tree_bytes


@pytest.fixture
def built(cli, tmp_path, spec_data, write_spec):
    """An output tree built from the fixture spec, and a changed spec touching every file kind."""
    out = tmp_path / "provisioning"
    assert cli("build", "--spec", str(SPEC), "--out", str(out)).exit_code == 0
    spec_data["slos"][0]["objective"] = 0.995  # rules change
    spec_data["runway"]["days_to_breach_thresholds"][1]["value"] = 4  # dashboard changes
    return out, write_spec(spec_data)


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_a_read_only_subfolder_fails_with_exit_1_and_changes_no_file(built):
    out, changed = built
    before = tree_bytes(out)
    folder = out / "prometheus"
    # A read-only bind mount of one output folder, in a mount namespace of this command only.
    script = (f'mount --bind -o ro "{folder}" "{folder}" && exec "{sys.executable}" -m aethervision build '
              f'--spec "{changed}" --out "{out}"')
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    if "mount:" in done.stderr and "permission denied" in done.stderr.lower():
        pytest.skip("this machine does not allow a private mount namespace")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot write" in done.stderr and "Read-only file system" in done.stderr
    assert "no file in" in done.stderr and "was changed" in done.stderr
    assert tree_bytes(out) == before
    assert not [p for p in out.rglob(".*") if p.is_file()], "staged or backup files left behind"


def test_a_swap_failing_part_way_puts_every_file_back(built, monkeypatch):
    out, changed = built
    from aethervision.builder import pipeline

    before = tree_bytes(out)
    real, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # the second file of the swap: one is already in place
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(writer.os, "replace", failing_replace)
    with pytest.raises(Exception, match="no file in .* was changed"):
        pipeline.build(pipeline.generate(changed), out)
    monkeypatch.setattr(writer.os, "replace", real)
    assert tree_bytes(out) == before
    assert len(calls) >= 2


def test_a_selector_that_is_not_promql_is_refused_before_writing(cli, built, spec_data, write_spec):
    out, _ = built
    before = tree_bytes(out)
    spec_data["slos"][0]["sli"]["errors"] = 'crm_payments_total{status=="failed"}'
    path = write_spec(spec_data, "typo.yaml")
    result = cli("build", "--spec", str(path), "--out", str(out))
    assert result.exit_code == 1
    assert f"{path}: slos[0].sli.errors: not a valid PromQL series selector" in result.stderr
    assert tree_bytes(out) == before


@pytest.mark.promtool
def test_build_parses_the_generated_rules_with_promtool_before_writing(cli, built, monkeypatch):
    """Anything that slipped past the spec checks and does not parse is refused, nothing written."""
    from aethervision.rules import slo as slo_rules

    out, changed = built
    before = tree_bytes(out)
    real = slo_rules.recording_group

    def broken(spec, slo):
        group = real(spec, slo)
        group["rules"][0]["expr"] += " +"  # a dangling operator
        return group

    monkeypatch.setattr(slo_rules, "recording_group", broken)
    result = cli("build", "--spec", str(changed), "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "prometheus/:" in result.stderr and "prometheus-recording-rules.yml" in result.stderr
    assert "SUCCESS" not in result.stderr  # the files that passed are not listed as problems
    assert tree_bytes(out) == before


def test_without_promtool_build_says_what_it_did_not_check(cli, built, monkeypatch, tmp_path):
    out, changed = built
    monkeypatch.setenv("PROMTOOL", "")
    monkeypatch.setenv("PATH", str(tmp_path))  # no promtool anywhere
    monkeypatch.setenv("AETHERVISION_SERVERS", str(tmp_path))  # nor a pinned build
    result = cli("build", "--spec", str(changed), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "promtool not found" in result.stderr and "spec selectors were checked" in result.stderr


def test_ctrl_c_exits_130_and_leaves_the_output_whole(tmp_path):
    """SIGINT during a long build (4,000 SLOs): exit 130, the shell's convention (1 is bad input),
    and the output folder as it was."""
    import signal
    import time

    import yaml

    data = yaml.safe_load(SPEC.read_text())
    slo = data["slos"][0]
    data["slos"] = [{**slo, "name": f"s{i:04d}"} for i in range(4000)]
    spec = tmp_path / "big.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = tree_bytes(out)
    proc = subprocess.Popen([sys.executable, "-m", "aethervision", "build", "--spec", str(spec), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PROMTOOL": "", "AETHERVISION_SERVERS": str(tmp_path)})
    time.sleep(1.5)  # loading and generating 4,000 SLOs takes several seconds
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert tree_bytes(out) == before


def test_a_raw_sli_that_is_not_promql_is_refused_by_field_without_promtool(cli, built, spec_data, write_spec,
                                                                             monkeypatch, tmp_path):
    """Without promtool anywhere, a syntax error in sli.raw is still refused at its field (it built
    and wrote rules Prometheus rejects before)."""
    out, _ = built
    before = tree_bytes(out)
    monkeypatch.setenv("PROMTOOL", "")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("AETHERVISION_SERVERS", str(tmp_path))
    spec_data["slos"][0]["sli"] = {"raw": "sum(rate(e[$window])) / (sum(rate(t[$window]))"}
    path = write_spec(spec_data, "raw.yaml")
    result = cli("build", "--spec", str(path), "--out", str(out))
    assert result.exit_code == 1
    assert f"{path}: slos[0].sli.raw: PromQL does not parse" in result.stderr
    assert tree_bytes(out) == before
