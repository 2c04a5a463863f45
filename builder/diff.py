"""Semantic diffs of dashboards and rules between two states.

A state is {"dashboards": {uid: dashboard}, "rules": {"group / name": rule},
"files": {path: parsed YAML}} (every other generated file: scrape config,
datasources, the dashboard provider, Alertmanager, blackbox). Panels are matched
by title (ids are layout noise); rules by group and name; files by path, then
key by key. Rendering is in diff_report.py.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aethervision.builder import dashboard_v2
from aethervision.core.errors import UserError
from aethervision.core.files import load_yaml
from aethervision.rules import cost as rule_cost
from aethervision.rules.files import walk_rules

PANEL_FIELDS = ("type", "unit", "thresholds", "mappings", "overrides", "transformations", "queries")
STAMP_KEY = "aethervision"  # push's stamp: {"contentHash": ...}
# Owned by the server (or by push, the stamp): never part of a comparison.
SERVER_FIELDS = ("id", "version", "iteration", STAMP_KEY)


def comparable(dashboard: dict) -> dict:
    """The dashboard without server-owned fields, so local and remote compare on content."""
    return {k: v for k, v in dashboard.items() if k not in SERVER_FIELDS}


@dataclass(frozen=True)
class Change:
    object: str  # "dashboard aethervision: panel 'Ops Snapshot'" / "rule slo_x.alerts / Name"
    change: str  # added | removed | moved | resized | changed
    field: str = ""
    before: object = None
    after: object = None


def _is_dashboard(rel: str) -> bool:
    return rel.endswith(".json") and rel.startswith("dashboards/")


def _is_rules(rel: str) -> bool:
    return rel.startswith("prometheus/") and ("rules" in rel or "alerts" in rel)


def _other_files(files: dict[str, str]) -> dict[str, object]:
    return {rel: load_yaml(text) for rel, text in sorted(files.items())
            if not _is_dashboard(rel) and not _is_rules(rel)}


def state_from_generated(dashboards: dict[str, dict], rule_docs: dict[str, dict],
                         files: dict[str, str] | None = None) -> dict:
    """From what the code generates; `files` (all generated files) adds the other files."""
    return _state(dashboards.values(), rule_docs.values(), _other_files(files or {}))


def state_from_files(files: dict[str, str], cost: int | None = None) -> dict:
    """From provisioning/-relative paths and their text (a folder or a git ref)."""
    dashboards, rule_docs = [], []
    for rel, text in sorted(files.items()):
        if _is_dashboard(rel):
            dashboard = classic_of(json.loads(text))
            if dashboard is not None:
                dashboards.append(dashboard)
        elif _is_rules(rel):
            rule_docs.append(load_yaml(text))
    return _state(dashboards, rule_docs, _other_files(files), cost)


def classic_of(doc: dict) -> dict | None:
    """A dashboard file's classic model, whatever its format (classic, v1 or v2 resource);
    None for a folder resource."""
    if doc.get("kind") == "Folder":
        return None
    if doc.get("kind") == "Dashboard" and "spec" in doc:
        spec = doc["spec"]
        classic = dashboard_v2.to_classic(spec) if str(doc.get("apiVersion", "")).endswith("/v2") else dict(spec)
        return {**classic, "uid": doc.get("metadata", {}).get("name", classic.get("uid"))}
    return doc


def read_folder(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        raise UserError(f"{folder}: not a directory")
    return {p.relative_to(folder).as_posix(): p.read_text("utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in (".json", ".yml", ".yaml")}


def _git(*args: str, cwd: str | None = None) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=cwd, check=False)
    if done.returncode != 0:
        raise UserError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def git_show(object_name: str, cwd: str | None = None) -> str:
    """`git show REF:path`: a file as committed."""
    return _git("show", object_name, cwd=cwd)


def read_git_ref(ref: str, folder: str = "provisioning", cwd: str | None = None) -> dict[str, str]:
    """The committed generated files at a git ref (CI keeps them in step with the code)."""
    names = _git("ls-tree", "-r", "--name-only", ref, "--", f"{folder}/", cwd=cwd).split()
    return {name[len(folder) + 1:]: git_show(f"{ref}:{name}", cwd=cwd) for name in names
            if name.endswith((".json", ".yml", ".yaml"))}


GROUP_START = "\n- name: "  # how render.to_yaml starts each group of a rule file


def group_chunks(text: str) -> dict[str, str] | None:
    """A generated rule file's groups as text, by name; None for a layout render.to_yaml does not write."""
    _, sep, rest = text.partition("\ngroups:" + GROUP_START)
    if not sep:
        return None
    chunks = {}
    for chunk in rest.split(GROUP_START):
        name = chunk.split("\n", 1)[0].strip()
        if name in chunks:
            return None
        chunks[name] = chunk
    return chunks


def without_common_groups(old: dict[str, str], new: dict[str, str]) -> tuple[dict, dict, int]:
    """(old, new, groups dropped): the rule files without the groups whose text is the same in both.

    At 5,000 SLOs one changed SLO is two groups of 10,000: parsing only what differs turns a
    diff of 35 MB files from minutes into seconds. Files of another layout are kept whole."""
    old, new, dropped = dict(old), dict(new), 0
    for rel in sorted(set(old) & set(new)):
        if not _is_rules(rel):
            continue
        a, b = group_chunks(old[rel]), group_chunks(new[rel])
        if a is None or b is None:
            continue
        same = {name for name in a.keys() & b.keys() if a[name] == b[name]}
        dropped += len(same)
        old[rel], new[rel] = (("groups:" + "".join(GROUP_START + c for n, c in chunks.items() if n not in same)
                               if len(chunks) > len(same) else "groups: []\n") for chunks in (a, b))
    return old, new, dropped


def _state(dashboards, rule_docs, files: dict[str, object], cost: int | None = None) -> dict:
    rule_docs = list(rule_docs)
    state = {"dashboards": {}, "rules": {}, "files": files, "rule_docs": rule_docs,
             "cost": rule_cost.estimate(rule_docs) if cost is None else cost,
             "cost_source": "static estimate, per raw series"}
    for dash in dashboards:
        state["dashboards"][dash.get("uid", dash.get("title"))] = comparable(dash)
    for doc in rule_docs:
        for group, name, rule in walk_rules(doc):
            state["rules"][f"{group} / {name}"] = rule
    return state


def _panels(dashboard: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for panel in dashboard.get("panels", []):
        for item in [panel, *panel.get("panels", [])]:
            key = f"{'row' if item.get('type') == 'row' else 'panel'} {item.get('title', '')!r}"
            while key in out:
                key += "+"
            out[key] = item
    return out


def _columns(overrides: list[dict]) -> dict[str, object]:
    """Field overrides as {"<field names> <property>": value}, so a change names its column."""
    out = {}
    for o in overrides:
        options = o.get("matcher", {}).get("options")
        names = ", ".join(options.get("names", [])) if isinstance(options, dict) else str(options)
        for prop in o.get("properties", []):
            out[f"{names} {prop.get('id')}"] = prop.get("value")
    return out


def _panel_view(panel: dict) -> dict:
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    return {
        "type": panel.get("type"),
        "unit": defaults.get("unit"),
        "thresholds": [(s.get("value"), s.get("color"))
                       for s in defaults.get("thresholds", {}).get("steps", [])],
        "mappings": defaults.get("mappings", []),
        "overrides": _columns(panel.get("fieldConfig", {}).get("overrides", [])),  # per-column (tables)
        "transformations": panel.get("transformations", []),
        "queries": {t.get("refId"): {"expr": t.get("expr"), "legend": t.get("legendFormat", "")}
                    for t in panel.get("targets", [])},
    }


def dashboard_changes(uid: str, old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    where = f"dashboard {uid}"
    for key in ("title", "refresh", "time", "tags"):
        if old.get(key) != new.get(key):
            changes.append(Change(where, "changed", key, old.get(key), new.get(key)))
    a, b = _panels(old), _panels(new)
    for key in sorted(set(a) - set(b)):
        changes.append(Change(f"{where}: {key}", "removed"))
    for key in sorted(set(b) - set(a)):
        changes.append(Change(f"{where}: {key}", "added", "", None, b[key].get("type")))
    for key in sorted(set(a) & set(b)):
        pa, pb = a[key].get("gridPos", {}), b[key].get("gridPos", {})
        obj = f"{where}: {key}"
        if (pa.get("x"), pa.get("y")) != (pb.get("x"), pb.get("y")):
            changes.append(Change(obj, "moved", "gridPos", [pa.get("x"), pa.get("y")], [pb.get("x"), pb.get("y")]))
        if (pa.get("w"), pa.get("h")) != (pb.get("w"), pb.get("h")):
            changes.append(Change(obj, "resized", "gridPos", [pa.get("w"), pa.get("h")], [pb.get("w"), pb.get("h")]))
        va, vb = _panel_view(a[key]), _panel_view(b[key])
        for name in PANEL_FIELDS:
            if name == "overrides":
                for col in sorted(set(va[name]) | set(vb[name])):
                    if va[name].get(col) != vb[name].get(col):
                        changes.append(Change(obj, "changed", f"column {col}", va[name].get(col), vb[name].get(col)))
            elif name == "queries":
                for ref in sorted(set(va[name]) | set(vb[name])):
                    qa, qb = va[name].get(ref), vb[name].get(ref)
                    for part in ("expr", "legend"):
                        if (qa or {}).get(part) != (qb or {}).get(part):
                            changes.append(Change(obj, "changed", f"query {ref} {part}",
                                                  (qa or {}).get(part), (qb or {}).get(part)))
            elif va[name] != vb[name]:
                changes.append(Change(obj, "changed", name, va[name], vb[name]))
    return changes


def compare(old: dict, new: dict) -> list[Change]:
    """What changes from `old` (base, remote) to `new` (what the code generates)."""
    changes: list[Change] = []
    da, db = old["dashboards"], new["dashboards"]
    changes += [Change(f"dashboard {u}", "removed") for u in sorted(set(da) - set(db))]
    changes += [Change(f"dashboard {u}", "added") for u in sorted(set(db) - set(da))]
    for uid in sorted(set(da) & set(db)):
        changes += dashboard_changes(uid, da[uid], db[uid])
    ra, rb = old["rules"], new["rules"]
    changes += [Change(f"rule {k}", "removed") for k in sorted(set(ra) - set(rb))]
    changes += [Change(f"rule {k}", "added", "expr", None, rb[k].get("expr")) for k in sorted(set(rb) - set(ra))]
    for key in sorted(set(ra) & set(rb)):
        for name in ("expr", "for", "labels", "annotations"):
            if ra[key].get(name) != rb[key].get(name):
                changes.append(Change(f"rule {key}", "changed", name, ra[key].get(name), rb[key].get(name)))
    ca, cb = old.get("cost"), new.get("cost")
    if ca and cb and ca != cb:  # rules changed: say what it does to Prometheus's work
        changes.append(Change(f"rule cost ({new.get('cost_source')})", "changed", "samples per hour", ca, cb))
    return changes + file_changes(old.get("files"), new.get("files"))


def file_changes(old: dict | None, new: dict | None) -> list[Change]:
    """Changes to the other generated files, key by key (`scrape_configs[1].static_configs...`).
    None (a Grafana base, which holds no files) compares nothing."""
    if old is None or new is None:
        return []
    changes = [Change(f"file {p}", "removed") for p in sorted(set(old) - set(new))]
    changes += [Change(f"file {p}", "added") for p in sorted(set(new) - set(old))]
    for path in sorted(set(old) & set(new)):
        changes += [Change(f"file {path}", "changed", key, a, b) for key, a, b in _leaf_diff(old[path], new[path])]
    return changes


def _leaf_diff(a, b, key: str = "") -> list[tuple[str, object, object]]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in [*a, *(k for k in b if k not in a)]:
            out += _leaf_diff(a.get(k), b.get(k), f"{key}.{k}" if key else str(k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _leaf_diff(x, y, f"{key}[{i}]")]
    return [] if a == b else [(key, a, b)]
