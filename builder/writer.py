"""Write generated files atomically, or report which ones are stale."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aethervision.files import write_atomic

from .outputs import MANAGED_DIRS


@dataclass(frozen=True)
class Change:
    path: str
    status: str  # "created", "updated", "removed" (build) / "missing", "differs", "unexpected" (check)


def _extra_files(out_dir: Path, files: dict[str, str]) -> list[str]:
    extra = []
    for managed in MANAGED_DIRS:
        folder = out_dir / managed
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                rel = path.relative_to(out_dir).as_posix()
                if path.is_file() and rel not in files and not path.name.startswith("."):
                    extra.append(rel)
    return extra


def check(out_dir: Path, files: dict[str, str]) -> list[Change]:
    """What differs between disk and the generated files; writes nothing."""
    changes = []
    for rel, content in files.items():
        path = out_dir / rel
        if not path.is_file():
            changes.append(Change(rel, "missing"))
        elif path.read_text("utf-8") != content:
            changes.append(Change(rel, "differs"))
    changes += [Change(rel, "unexpected") for rel in _extra_files(out_dir, files)]
    return changes


def write(out_dir: Path, files: dict[str, str]) -> list[Change]:
    """Write changed files one by one atomically; remove stale managed files."""
    changes = []
    for rel, content in files.items():
        path = out_dir / rel
        if path.is_file() and path.read_text("utf-8") == content:
            continue
        status = "updated" if path.exists() else "created"
        write_atomic(path, content)
        changes.append(Change(rel, status))
    for rel in _extra_files(out_dir, files):
        (out_dir / rel).unlink()
        changes.append(Change(rel, "removed"))
    return changes
