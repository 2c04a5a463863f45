"""Chaos experiments against the running demo: inject a failure, wait for the alert, the
notification and the autoheal action, restore, check recovery, report the times."""
