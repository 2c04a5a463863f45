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

from aethervision.configs import maintenance
from aethervision.core import periods
from aethervision.core.model import Spec
from aethervision.promql import queries as q

WEBHOOK_PATH = "/alertmanager"  # the autoheal service's webhook route
RECEIVERS = {"critical": "page", "warning": "ticket", "info": "quiet"}


def autoheal_receiver(url: str, token_file: str) -> dict:
    config = {"url": url, "send_resolved": True, "max_alerts": 0}
    if token_file:
        config["http_config"] = {"authorization": {"type": "Bearer", "credentials_file": token_file}}
    return {"name": "autoheal", "webhook_configs": [config]}


SLACK_TEMPLATE_FILE = "aethervision-slack.tmpl"  # beside alertmanager.yml (template paths are relative to it)

# Slack's incoming-webhook message, from the alerts' annotations (read from the recording rules
# when each alert fired): one block per alert, firing or resolved.
SLACK_TEMPLATE = """{{ define "aethervision.slack.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}\
{{ if .CommonLabels.slo }} ({{ .CommonLabels.slo }}){{ end }}{{ end }}

{{ define "aethervision.slack.text" }}{{ range .Alerts }}\
*{{ .Labels.slo }}*{{ range .Labels.SortedPairs }}{{ if not (or (eq .Name "alertname") (eq .Name "slo") \
(eq .Name "service") (eq .Name "severity") (eq .Name "component") (eq .Name "autoheal")) }} {{ .Name }}={{ .Value }}\
{{ end }}{{ end }} · {{ .Labels.severity }}
{{ if eq .Status "firing" }}Budget exhausted in ~{{ .Annotations.runway_hours }} h \
(~{{ .Annotations.runway_days }} d) at the current burn · {{ .Annotations.budget_remaining }} of the budget left · \
burn {{ .Annotations.burn_1h }}x over 1h, {{ .Annotations.burn_6h }}x over 6h
{{ else }}Resolved: the runway is back to ~{{ .Annotations.runway_hours }} h (~{{ .Annotations.runway_days }} d), \
{{ .Annotations.budget_remaining }} of the budget left
{{ end }}<{{ .Annotations.detail_url }}|SLO detail>{{ if .Annotations.runbook_url }} · \
<{{ .Annotations.runbook_url }}|Runbook>{{ end }}
{{ end }}{{ end }}
"""


def slack_config(spec: Spec) -> dict:
    config = {"api_url_file": spec.slack.webhook_url_file, "send_resolved": True,
              "title": '{{ template "aethervision.slack.title" . }}',
              "text": '{{ template "aethervision.slack.text" . }}'}
    if spec.slack.channel:
        config["channel"] = spec.slack.channel
    return config


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
    by_severity = [{"receiver": name, "matchers": [f'severity="{severity}"']} for severity, name in RECEIVERS.items()]
    calendar = [s.calendar.period for s in spec.slos if s.calendar is not None]
    if calendar:  # budget-consumed alerts hold for the rest of the period: one notification, no reminders
        longest = max(periods.LONGEST[p] for p in calendar)
        routes.append({"receiver": "quiet", "matchers": ['alertname=~".+ErrorBudgetConsumed"'],
                       "repeat_interval": longest, "routes": copy.deepcopy(by_severity)})
    routes += by_severity
    routes = maintenance.routes(spec, routes) + routes
    given = dict(am.receivers)
    receivers += [{"name": name, **copy.deepcopy(given.get(name, {}))} for name in RECEIVERS.values()]
    if spec.slack is not None:
        for receiver in receivers:
            severity = next((s for s, n in RECEIVERS.items() if n == receiver["name"]), None)
            if severity in spec.slack.severities:
                receiver.setdefault("slack_configs", []).append(slack_config(spec))
    return {
        **({"templates": [SLACK_TEMPLATE_FILE]} if spec.slack is not None else {}),
        "route": {"receiver": "quiet", "group_by": ["alertname", *same],
                  "group_wait": am.group_wait, "group_interval": am.group_interval,
                  "repeat_interval": am.repeat_interval, "routes": routes},
        **({"time_intervals": [maintenance.time_interval(w) for w in spec.maintenance]} if spec.maintenance else {}),
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
