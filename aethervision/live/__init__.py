"""Live operations layer: a running system. breach, verify and open read a live Prometheus or
Grafana; the demo stack (stack, procs) starts real processes; the simulator and the autoheal
service (services, httpd, autoheal/) are the servers it runs."""
