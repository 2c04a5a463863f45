"""alertmanager.yml from the spec: routes by severity, autoheal, and inhibitions per SLO.

Routes: alerts labelled autoheal="true" go to the autoheal webhook and on
(`continue`); then critical pages, warning tickets, info goes to a quiet
receiver. Grouped by alert name, SLO and every label an SLO groups by, so
one cluster's incident is one notification. Inhibitions, for the same SLO and
group: a page silences that SLO's tickets (not its no-data alert), and a spent
budget (ErrorBudgetExhausted) silences the runway predictions.
"""

from __future__ import annotations

import copy

from aethervision.core.model import Spec
from aethervision.promql import queries as q

WEBHOOK_PATH = "/alertmanager"  # the autoheal service's webhook route
RECEIVERS = {"critical": "page", "warning": "ticket", "info": "quiet"}


def autoheal_receiver(url: str, token_file: str) -> dict:
    config = {"url": url, "send_resolved": True, "max_alerts": 0}
    if token_file:
        config["http_config"] = {"authorization": {"type": "Bearer", "credentials_file": token_file}}
    return {"name": "autoheal", "webhook_configs": [config]}


def config(spec: Spec, autoheal_url: str | None = None, token_file: str | None = None) -> dict:
    """The whole alertmanager.yml; the demo passes its own autoheal URL and token file."""
    am = spec.alertmanager
    if am is None:
        raise ValueError("the spec has no alertmanager section")
    same = ["slo", *q.group_labels(spec)]
    routes = []
    receivers = []
    if spec.autoheal:
        url = autoheal_url or f"http://{spec.autoheal.target}{WEBHOOK_PATH}"
        receivers.append(autoheal_receiver(url, am.autoheal_token_file if token_file is None else token_file))
        routes.append({"receiver": "autoheal", "matchers": ['autoheal="true"'], "continue": True})
    routes += [{"receiver": name, "matchers": [f'severity="{severity}"']} for severity, name in RECEIVERS.items()]
    given = dict(am.receivers)
    receivers += [{"name": name, **copy.deepcopy(given.get(name, {}))} for name in RECEIVERS.values()]
    return {
        "route": {"receiver": "quiet", "group_by": ["alertname", *same],
                  "group_wait": am.group_wait, "group_interval": am.group_interval,
                  "repeat_interval": am.repeat_interval, "routes": routes},
        "receivers": receivers,
        "inhibit_rules": [
            {"source_matchers": ['severity="critical"', 'component="slo"'],
             "target_matchers": ['severity="warning"', 'component="slo"', 'alertname!~".+SLINoData"'],
             "equal": same},
            {"source_matchers": ['alertname=~".+ErrorBudgetExhausted"', 'component="slo"'],
             "target_matchers": ['alertname=~".+PredictedBreach(Soon|Critical)"', 'component="slo"'],
             "equal": same},
        ],
    }
