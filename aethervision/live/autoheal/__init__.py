"""The autoheal service: Alertmanager webhook in, safe remediation commands out."""
