"""The foresight benchmark: alert policies against SLO-burn scenarios, in the real promtool."""
