"""The alerting-provisioning half of the Grafana TEST DOUBLE (grafana_double.py). Not Grafana.

It follows Grafana's documented alerting provisioning HTTP API (the same on 10 to 13):
rule groups (GET / PUT /api/v1/provisioning/folder/:folderUid/rule-groups/:group,
404 for a missing group, 404 when the folder does not exist), contact points (GET
the list, POST, PUT /:uid; Slack's `url` is a secure setting, answered as
[REDACTED]), mute timings (GET /:name, 404 when missing; POST, 409 when the name exists; PUT /:name;
answers carry a version), and the notification policy tree (GET / PUT; the default tree until
one is put; a PUT naming a mute timing that does not exist is refused with 400, as Grafana
refuses it). Durations come back spelled as Go prints them (5m0s); every answer carries
the provenance Grafana records for API writes.
"""

from __future__ import annotations

import copy

SECURE = {"slack": ("url",), "pagerduty": ("integrationKey",)}


def go_duration(value) -> str:
    seconds = value if isinstance(value, int) else None
    if seconds is None:
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        seconds = int(str(value)[:-1]) * units[str(value)[-1]] if value else 0
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return (f"{h}h" if h else "") + (f"{m}m" if h or m else "") + f"{s}s"


class Alerting:
    def __init__(self, double):
        self.double = double
        self.groups: dict[tuple[str, str], dict] = {}
        self.contact_points: dict[str, dict] = {}
        self.policy: dict = {"receiver": "grafana-default-email"}
        self.mute_timings: dict[str, dict] = {}

    def handle(self, method: str, path: str, body) -> tuple[int, dict | list] | None:
        parts = path.strip("/").split("/")  # api v1 provisioning ...
        if parts[:3] != ["api", "v1", "provisioning"]:
            return None
        rest = parts[3:]
        if rest[:1] == ["folder"] and len(rest) == 4 and rest[2] == "rule-groups":
            folder, name = rest[1], rest[3]
            if folder not in self.double.folders:
                return 404, {"message": "folder does not exist"}
            if method == "GET":
                group = self.groups.get((folder, name))
                return (200, self._answer(group)) if group else (404, {"message": "rule group does not exist"})
            if method == "PUT":
                self.groups[(folder, name)] = copy.deepcopy(body)
                self.double.effective_writes.append(("PUT", path))
                return 200, self._answer(body)
        if rest == ["contact-points"]:
            if method == "GET":
                return 200, [self._redacted(p) for _, p in sorted(self.contact_points.items())]
            if method == "POST":
                self.contact_points[body["uid"]] = copy.deepcopy(body)
                self.double.effective_writes.append(("POST", path))
                return 202, self._redacted(body)
        if rest[:1] == ["contact-points"] and len(rest) == 2 and method == "PUT":
            if rest[1] not in self.contact_points:
                return 404, {"message": "contact point not found"}
            self.contact_points[rest[1]] = copy.deepcopy(body)
            self.double.effective_writes.append(("PUT", path))
            return 202, {"message": "contactpoint updated"}
        if rest[:1] == ["mute-timings"]:
            return self._mute_timing(method, path, rest[1:], body)
        if rest == ["policies"]:
            if method == "GET":
                return 200, {**copy.deepcopy(self.policy), "provenance": "api"}
            if method == "PUT":
                missing = sorted(set(_mute_names(body)) - set(self.mute_timings))
                if missing:
                    return 400, {"message": f"mute time interval {missing[0]!r} does not exist"}
                self.policy = copy.deepcopy(body)
                self.double.effective_writes.append(("PUT", path))
                return 202, {"message": "policies updated"}
        return 404, {"message": "Not found"}

    def _mute_timing(self, method: str, path: str, rest: list[str], body) -> tuple[int, dict | list]:
        if not rest and method == "GET":
            return 200, [self._versioned(t) for _, t in sorted(self.mute_timings.items())]
        if not rest and method == "POST":
            if body["name"] in self.mute_timings:
                return 409, {"message": "a mute timing with this name already exists"}
            self.mute_timings[body["name"]] = copy.deepcopy(body)
            self.double.effective_writes.append(("POST", path))
            return 201, self._versioned(body)
        if len(rest) == 1 and method == "GET":
            found = self.mute_timings.get(rest[0])
            return (200, self._versioned(found)) if found else (404, {"message": "mute timing not found"})
        if len(rest) == 1 and method == "PUT":
            if rest[0] not in self.mute_timings:
                return 404, {"message": "mute timing not found"}
            self.mute_timings[rest[0]] = copy.deepcopy(body)
            self.double.effective_writes.append(("PUT", path))
            return 202, self._versioned(body)
        return 404, {"message": "Not found"}

    @staticmethod
    def _versioned(timing: dict) -> dict:
        return {**copy.deepcopy(timing), "version": f"{abs(hash(str(timing))) % 10**8:08d}", "provenance": "api"}

    @staticmethod
    def _answer(group: dict) -> dict:
        out = copy.deepcopy(group)
        for rule in out.get("rules", []):
            rule["for"] = go_duration(rule.get("for", "0s"))
            rule["provenance"] = "api"
            rule["id"] = abs(hash(rule.get("uid"))) % 10000
        return out

    @staticmethod
    def _redacted(point: dict) -> dict:
        out = copy.deepcopy(point)
        for key in SECURE.get(out.get("type"), ()):
            if key in out.get("settings", {}):
                out["settings"][key] = "[REDACTED]"
        out["provenance"] = "api"
        return out


def _mute_names(route: dict) -> list[str]:
    """Every mute timing a policy tree names, its children's included."""
    names = list(route.get("mute_time_intervals") or [])
    for child in route.get("routes") or []:
        names += _mute_names(child)
    return names
