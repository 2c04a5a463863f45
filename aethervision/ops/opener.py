"""`aethervision open`: find the AetherVision dashboard in Grafana and open it in a browser."""

from __future__ import annotations

import webbrowser
from dataclasses import dataclass

from aethervision.core.errors import NetworkError, UserError
from aethervision.core.model import Spec
from aethervision.grafana.client import Session


@dataclass(frozen=True)
class Located:
    url: str
    note: str = ""  # set when Grafana would not say whether it has the dashboard


def locate(session: Session, spec: Spec, slo: str | None = None) -> Located:
    """The dashboard's URL (the SLO detail with `slo` selected, when given), after checking
    Grafana is up and has it.

    NetworkError when Grafana is unreachable, UserError when the dashboard is not there
    (or the URL is not Grafana), or `slo` is not in the spec.
    """
    if slo is not None:
        names = [s.name for s in spec.slos]
        if slo not in names:
            raise UserError(f"{spec.source}: no SLO named {slo!r} (the spec has {', '.join(names)})")
        found = _locate(session, spec, spec.grafana.detail_uid, spec.grafana.detail_path)
        return Located(f"{found.url}?var-slo={slo}", found.note)
    return _locate(session, spec, spec.grafana.dashboard_uid, spec.grafana.dashboard_path)


def _locate(session: Session, spec: Spec, uid: str, default_path: str) -> Located:
    conn = session.conn
    try:
        # /api/health answers without credentials (grafana-client's health.check
        # reads /api/frontend/settings, which needs them).
        session.health()
    except NetworkError as exc:
        raise NetworkError(f"{exc}. Start Grafana (with Docker: `docker compose -f "
                           "deploy/docker-compose.yml up -d`) or set GRAFANA_URL") from exc
    status, found = session.dashboard(uid, absent=(401, 403, 404))
    if not status:
        path = (found.get("meta") or {}).get("url") or default_path
        return Located(f"{conn.url}{path}")
    if status == 404:
        raise UserError(f"dashboard {uid!r} is not in Grafana at {conn.safe_url}: mount provisioning/ "
                        "as /etc/grafana/provisioning, or run `make push`")
    hint = "set GRAFANA_TOKEN to check" if not conn.has_credentials else "the credentials may not read it"
    return Located(f"{conn.url.rstrip('/')}{default_path}",
                   f"could not check that the dashboard exists ({status}; {hint})")


def open_in_browser(url: str) -> bool:
    """True when a browser took the URL; False where none can open (headless, no $BROWSER)."""
    try:
        return bool(webbrowser.open(url, new=2))
    except webbrowser.Error:
        return False
