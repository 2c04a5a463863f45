"""Write the generated tree all or nothing, or report which files are stale.

`write` stages every new file beside its target first (so a folder that cannot
be written fails before anything changes), then swaps them in. Should a swap
fail part way, the files already swapped are put back from hard-linked copies
of the originals: on any error, every file is as it was.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aethervision.builder.outputs import MANAGED_DIRS
from aethervision.core.errors import UserError


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


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def check(out_dir: Path, files: dict[str, str]) -> list[Change]:
    """What differs between disk and the generated files; writes nothing."""
    changes = []
    for rel, content in files.items():
        on_disk = _read(out_dir / rel)
        if on_disk is None:
            changes.append(Change(rel, "missing"))
        elif on_disk != content:
            changes.append(Change(rel, "differs"))
    changes += [Change(rel, "unexpected") for rel in _extra_files(out_dir, files)]
    return changes


def _stage(path: Path, content: str, created_dirs: list[Path]) -> Path:
    """A temporary file beside `path` holding `content` (folders created and remembered)."""
    missing = [p for p in [path.parent, *path.parent.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir()
        created_dirs.append(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(content)
    os.chmod(tmp, 0o644)
    return Path(tmp)


def _backup(path: Path) -> Path:
    """A hard link to the current file, to restore it if the swap fails part way."""
    backup = path.with_name(f".{path.name}.{os.getpid()}.old")
    backup.unlink(missing_ok=True)
    os.link(path, backup)
    return backup


def write(out_dir: Path, files: dict[str, str]) -> list[Change]:
    """Bring out_dir in line with `files` (and remove stale managed files), all or nothing."""
    changes = check(out_dir, files)
    if not changes:
        return []
    staged: dict[Path, Path] = {}  # target -> staged new content
    backups: dict[Path, Path] = {}  # target -> hard link to the old content
    created_dirs: list[Path] = []
    done: list[tuple[Path, str]] = []
    try:
        for change in changes:
            target = out_dir / change.path
            if change.status != "missing":
                backups[target] = _backup(target)
            if change.status != "unexpected":
                staged[target] = _stage(target, files[change.path], created_dirs)
        for change in changes:  # the swap: renames within each folder
            target = out_dir / change.path
            if change.status == "unexpected":
                target.unlink()
            else:
                os.replace(staged[target], target)
                del staged[target]
            done.append((target, change.status))
    except BaseException as exc:
        for target, status in reversed(done):
            if status == "missing":
                target.unlink(missing_ok=True)
            else:
                os.replace(backups.pop(target), target)
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        for folder in reversed(created_dirs):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        if isinstance(exc, OSError):
            where = exc.filename or out_dir
            raise UserError(f"cannot write {where}: {exc.strerror or exc}; no file in {out_dir}/ was "
                            "changed") from exc
        raise
    finally:
        for backup in backups.values():
            backup.unlink(missing_ok=True)
    labels = {"missing": "created", "differs": "updated", "unexpected": "removed"}
    return [Change(c.path, labels[c.status]) for c in changes]
