"""The backtest's own logic without servers: the alert state machine, incidents, the base-vs-head line."""

from __future__ import annotations

import json

import pytest

from aethervision.backtest import compare_render, render
from aethervision.backtest import run as backtest_run
from aethervision.backtest.alerts import Episode, alert_labels, replay
from aethervision.backtest.compare import Comparison
from aethervision.backtest.report import INCIDENT_GAP, summarise
from aethervision.cli.backtest import _instant
from aethervision.core.errors import UserError

from support.repo import SPEC

STEP = 30
RULE = {"alert": "X", "labels": {"severity": "critical", "slo": "s"}}


def _held(*times: int) -> dict:
    return {alert_labels({"__name__": "m", "slo": "s"}, RULE): list(times)}


def test_for_fires_at_the_first_evaluation_at_least_for_after_pending():
    # true at 0..270 (10 evaluations), for 2m: pending at 0, firing at 120, resolved at 300
    (e,) = replay(RULE, _held(*range(0, 300, STEP)), 0, 1000, STEP, 120)
    assert (e.pending, e.start, e.end) == (0, 120, 300)
    # a 2m `for` that does not round to the step fires at the next evaluation after it
    (e,) = replay(RULE, _held(*range(0, 300, STEP)), 0, 1000, STEP, 100)
    assert e.start == 120


def test_a_gap_of_one_evaluation_restarts_pending_and_short_runs_never_fire():
    times = [*range(0, 90, STEP), *range(120, 400, STEP)]  # absent at 90
    (e,) = replay(RULE, _held(*times), 0, 1000, STEP, 120)
    assert (e.pending, e.start) == (120, 240)
    assert replay(RULE, _held(0, 30, 60), 0, 1000, STEP, 120) == []


def test_without_for_it_fires_at_once_and_an_open_episode_has_no_end():
    (e,) = replay(RULE, _held(900, 930, 960), 0, 960, STEP, 0)
    assert (e.start, e.end) == (900, None) and e.until(960) == 960


def test_labels_are_the_answer_s_plus_the_rule_s_which_win():
    labels = dict(alert_labels({"__name__": "m", "slo": "other", "cluster": "eu"}, RULE))
    assert labels == {"alertname": "X", "severity": "critical", "slo": "s", "cluster": "eu"}


def _episode(start: int, end: int | None, severity: str = "critical", alert: str = "X") -> Episode:
    labels = (("alertname", alert), ("severity", severity), ("slo", "s"))
    return Episode(alert, severity, labels, start, start, end)


def test_incidents_join_notifications_less_than_an_hour_apart_and_paging_time_is_a_union():
    episodes = (_episode(0, 600), _episode(300, 900, alert="Y"), _episode(900 + INCIDENT_GAP - 1, 5000, "warning"),
                _episode(20000, 20600, "info"), _episode(30000, None, "warning"))
    budget = {(("slo", "s"),): [(0, 0.9), (300, 0.8), (4000, 0.0), (30000, 0.5)]}
    result = summarise("head", episodes, {"s": budget}, {"s": ()}, 0, 40000)
    (s,) = result.summaries
    assert (s.pages, s.tickets, s.paging_seconds) == (2, 2, 900)
    first, second = s.incidents
    assert (first.start, first.end, first.pages, first.tickets) == (0, 5000, 2, 1)
    assert first.spent_at_first == pytest.approx(0.1) and first.lead == 4000
    assert (second.start, second.end, second.first_page, second.lead) == (30000, None, None, None)
    assert second.spent_at_first == pytest.approx(0.5)


def _summary(*episodes: Episode):
    return summarise("x", episodes, {}, {"s": ()}, 0, 10 ** 6).summaries[0]


def test_the_difference_line_names_counts_moved_pages_lost_and_new_incidents():
    base = _summary(_episode(1000, 2000), _episode(50000, 51000, "warning"))
    head = _summary(_episode(1420, 2000), _episode(200000, 201000, "warning"))
    line = render.difference(base, head)
    assert line.startswith("pages 1 -> 1; tickets 1 -> 1; ")
    assert "incident: first page 00:16 -> 00:23 (+7m)" in line
    assert "lost: 01 Jan 13:53 (ticket)" in line and "new: 03 Jan 07:33 (ticket)" in line
    assert render.difference(base, base).endswith("no incident lost")
    assert "first page 00:16 -> 00:16" in render.difference(base, base)


@pytest.mark.parametrize("fmt", sorted(render.FORMATS))
def test_every_format_renders_with_and_without_a_base(fmt):
    result = summarise("head", (_episode(1000, 2000),), {}, {"s": ()}, 0, 7 * 86400)
    base = summarise("main", (), {}, {"s": ()}, 0, 7 * 86400)
    for other in (None, base):
        text = render.FORMATS[fmt](result, other)
        assert "s" in text and ("1 -> 0" not in text)
    assert "pages 0 -> 1" in render.FORMATS[fmt](result, base)


def test_a_workdir_that_is_not_empty_and_not_a_backtest_s_is_refused_not_cleared(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(UserError, match="not empty and not a backtest's folder"):
        backtest_run.workdir_for(mine)
    assert (mine / "notes.txt").read_text() == "keep me"
    ours, temporary = backtest_run.workdir_for(tmp_path / "new")
    (ours / "history").mkdir()
    again, _ = backtest_run.workdir_for(ours)  # a previous backtest's folder is cleared and reused
    assert again == ours and not temporary and not (ours / "history").exists()


def test_bad_invocations_are_user_errors_before_any_network(cli):
    spec = ("--spec", str(SPEC), "--prometheus-url", "http://127.0.0.1:9")  # nothing listens on port 9
    result = cli("backtest", *spec, "--from", "last tuesday")
    assert result.exit_code == 1 and "neither Unix seconds nor an ISO 8601 time" in result.output
    result = cli("backtest", *spec, "--from", "2026-11-01", "--days", "3")
    assert result.exit_code == 1 and "give --days or --from, not both" in result.output
    result = cli("backtest", *spec, "--slo", "nope")
    assert result.exit_code == 1 and "no SLO named 'nope' (the spec has payment_rate)" in result.output


def test_from_and_to_read_iso_8601_as_utc_unless_they_say_otherwise():
    assert _instant(None, None, "2026-11-01") == 1793491200
    assert _instant(None, None, "2026-11-01T01:00:00+01:00") == 1793491200
    assert _instant(None, None, "1793491200") == 1793491200


def test_a_range_that_ends_before_it_starts_is_refused(cli):
    result = cli("backtest", "--spec", str(SPEC), "--prometheus-url", "http://127.0.0.1:9",
                 "--from", "2026-11-10", "--to", "2026-11-01")
    assert result.exit_code == 1 and "at or after its end" in result.output


def test_markdown_with_a_base_puts_both_rule_sets_side_by_side():
    head = summarise("head", (_episode(1000, 2000), _episode(5000, 5600, "warning")), {}, {"s": ()}, 0, 7 * 86400)
    base = summarise("origin/main", (_episode(1000, 2200),), {}, {"s": ()}, 0, 7 * 86400)
    text = render.markdown(head, base)
    assert "| SLO | pages origin/main | pages now | tickets origin/main | tickets now |" in text
    row = next(line for line in text.splitlines() if line.startswith("| s |"))
    assert row.startswith("| s | 1 | 1 | 0 | 1 | 20m | 16m | pages 1 -> 1; tickets 0 -> 1;"), row


@pytest.mark.parametrize("fmt", sorted(compare_render.FORMATS))
def test_a_comparison_renders_side_by_side_naming_caught_incidents_shift_and_cost(fmt):
    facts = {"peer": "sloth generate x.yml", "spec": "aethervision.yaml", "url": "http://p", "series": 2,
             "samples": 100, "resolution": 60}
    theirs = summarise("Sloth", (_episode(1000, 2000), _episode(1060, 2100, "page", "Y"),
                                 _episode(90000, 91000, "warning")), {}, {"s": ()}, 0, 7 * 86400, facts=facts)
    ours = summarise("AetherVision", (_episode(1180, 2000),), {}, {"s": ()}, 0, 7 * 86400, facts=facts)
    c = Comparison("Sloth", ours, theirs, {"s": (1000, 13)}, facts)
    out = compare_render.FORMATS[fmt](c)
    if fmt == "json":
        (slo,) = json.loads(out)["slos"]
        assert (slo["peer"]["pages"], slo["ours"]["pages"], slo["first_notification_shift_seconds"]) == (2, 1, 180)
        out = slo["line"]
    if fmt != "markdown":
        assert out.splitlines()[0 if fmt == "json" else 3] == (
            "s: Sloth 2 pages, 1 ticket / AetherVision 1 page, 0 tickets; incidents caught Sloth 2/2, "
            "AetherVision 1/2; first notification 3m later (median); cost 1.3% of Sloth's")
    else:
        assert "| s | 2 | 1 | 1 | 0 | 18m | 13m | Sloth 2/2, AetherVision 1/2 | 3m later (median) | 1.3% of Sloth's |" \
            in out
