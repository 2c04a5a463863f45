"""`aethervision diff`: from a base state (git ref, folder or live Grafana) to what the code generates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aethervision import spec as spec_mod
from aethervision.builder import diff as diff_mod
from aethervision.builder import spec_diff
from aethervision.builder.pipeline import Generated
from aethervision.core.errors import AetherVisionError
from aethervision.core.model import Spec
from aethervision.grafana import push
from aethervision.grafana import store as grafana_store
from aethervision.grafana.client import Session
from aethervision.rules import cost as rule_cost


def diff(gen: Generated, base: str | None = None, folder: Path | None = None,
         session: Session | None = None) -> list[diff_mod.Change]:
    return diff_mod.compare(*states(gen, base, folder, session))


def states(gen: Generated, base: str | None = None, folder: Path | None = None,
           session: Session | None = None, whole_rules: bool = False,
           say: Callable[[str], None] = lambda _line: None) -> tuple[dict, dict]:
    """(base state, generated state); the base from a git ref (default HEAD), a folder or Grafana.

    Rule groups whose text is the same in both are left out of both states (they cannot
    differ), unless `whole_rules` (a measured cost needs every rule); the static cost
    estimates are still of the whole rule sets."""
    if session is None and not whole_rules:
        say(f"reading the base ({'--dir ' + str(folder) if folder is not None else base or 'HEAD'})")
        files = diff_mod.read_folder(folder) if folder is not None else diff_mod.read_git_ref(base or "HEAD")
        say(f"comparing {len(files)} files, group by group")
        old_files, new_files, dropped = diff_mod.without_common_groups(files, gen.files)
        say(f"{dropped:,} rule groups are the same on both sides; parsing the rest")
        intervals = rule_cost.intervals(gen.rule_docs.values())
        new = diff_mod.state_from_files(new_files)
        full_new = rule_cost.estimate(gen.rule_docs.values(), series_interval=intervals)
        old_cost = full_new - rule_cost.estimate(new["rule_docs"], series_interval=intervals)
        old = diff_mod.state_from_files(old_files)
        old["cost"] = old_cost + rule_cost.estimate(old["rule_docs"], series_interval=intervals)
        new["cost"] = full_new
        return old, new
    new = diff_mod.state_from_generated(gen.dashboards, gen.rule_docs, gen.files)
    if session is not None:
        remote = {}
        store = grafana_store.open_store(session)
        family = push.family_for(gen.spec.grafana.format)
        for uid in new["dashboards"]:
            found = store.read(uid, family if family in store.families else "v1")
            if found is not None:  # read as stored (v2 stays v2), then compared in the classic shape
                remote[uid] = diff_mod.comparable(push.classic_view(found))
        old = {"dashboards": remote, "rules": new["rules"], "files": None}  # only dashboards are in Grafana
    elif folder is not None:
        old = diff_mod.state_from_files(diff_mod.read_folder(folder))
    else:
        old = diff_mod.state_from_files(diff_mod.read_git_ref(base or "HEAD"))
    return old, new


def spec_changes(spec: Spec, base: str | None) -> list[diff_mod.Change]:
    """The spec at `base` (default HEAD) against `spec`, in words (builder/spec_diff.py); nothing
    when the ref holds no spec at that path or one that no longer loads."""
    try:
        text = diff_mod.git_show(f"{base or 'HEAD'}:./{spec.source}")
        before = spec_mod.parse(text, f"{base or 'HEAD'}:{spec.source}")
    except AetherVisionError:
        return []
    return spec_diff.changes(before, spec)
