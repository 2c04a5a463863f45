"""Operations configuration generated from the spec: prometheus.yml, Alertmanager, blackbox."""
