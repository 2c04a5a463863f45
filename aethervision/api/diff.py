"""`aethervision diff`: from a base state (git ref, folder or live Grafana) to what the code generates."""

from __future__ import annotations

from pathlib import Path

from aethervision.builder import diff as diff_mod
from aethervision.builder.pipeline import Generated
from aethervision.clients.grafana import Session


def diff(gen: Generated, base: str | None = None, folder: Path | None = None,
         session: Session | None = None) -> list[diff_mod.Change]:
    return diff_mod.compare(*states(gen, base, folder, session))


def states(gen: Generated, base: str | None = None, folder: Path | None = None,
           session: Session | None = None) -> tuple[dict, dict]:
    """(base state, generated state); the base from a git ref (default HEAD), a folder or Grafana."""
    new = diff_mod.state_from_generated(gen.dashboards, gen.rule_docs, gen.files)
    if session is not None:
        remote = {}
        for uid in new["dashboards"]:
            found = session.dashboard_model(uid)
            if found is not None:
                remote[uid] = diff_mod.comparable(found)
        old = {"dashboards": remote, "rules": new["rules"], "files": None}  # only dashboards are in Grafana
    elif folder is not None:
        old = diff_mod.state_from_files(diff_mod.read_folder(folder))
    else:
        old = diff_mod.state_from_files(diff_mod.read_git_ref(base or "HEAD"))
    return old, new
