"""deploy/docker-compose.yml: Docker cannot run here, so check its structure.

Every mounted path exists, the services read the generated files, and the
ports the services listen on are the ones the generated config and spec use.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.core import defaults

from support.repo import REPO_SPEC, ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


@pytest.fixture(scope="module")
def spec():
    return spec_mod.load(REPO_SPEC)


def mounts(service: str) -> dict[str, Path]:
    """Container path -> host path, for bind mounts (named volumes skipped)."""
    out = {}
    for volume in SERVICES[service].get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            out[target] = (DEPLOY / source).resolve()
    return out


def host_path(service: str, container_path: str) -> Path:
    for target, source in mounts(service).items():
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            return source / Path(container_path).relative_to(target)
    pytest.fail(f"{service}: {container_path} is not inside a mounted folder")


def arg(service: str, flag: str) -> str:
    command = SERVICES[service]["command"]
    for i, item in enumerate(command):
        if item.startswith(f"{flag}="):
            return item.split("=", 1)[1]
        if item == flag:
            return command[i + 1]
    pytest.fail(f"{service}: no {flag} in its command")


def port(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def test_every_mounted_path_exists():
    for service in SERVICES:
        for target, source in mounts(service).items():
            assert source.exists(), f"{service}: {source} (mounted at {target}) does not exist"


def test_images_built_here_have_their_dockerfile_and_sources():
    for name, service in SERVICES.items():
        if "build" not in service:
            continue
        context = (DEPLOY / service["build"]["context"]).resolve()
        dockerfile = context / service["build"]["dockerfile"]
        assert dockerfile.is_file(), name
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY "):
                for source in line.split()[1:-1]:
                    assert (context / source).exists(), f"{dockerfile}: COPY {source}"


def test_prometheus_reads_the_generated_config_and_rules(spec):
    config_path = host_path("prometheus", arg("prometheus", "--config.file"))
    assert config_path == ROOT / "provisioning" / "prometheus" / "prometheus.yml"
    config = yaml.safe_load(config_path.read_text())
    for rule_file in config["rule_files"]:
        assert (config_path.parent / rule_file).is_file(), rule_file
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    assert targets[spec.autoheal.job] == [spec.autoheal.target]


def test_grafana_mounts_provisioning_where_the_provider_points():
    assert host_path("grafana", "/etc/grafana/provisioning") == ROOT / "provisioning"
    provider = yaml.safe_load((ROOT / "provisioning/dashboards/aethervision.yaml").read_text())
    folder = provider["providers"][0]["options"]["path"]
    assert host_path("grafana", folder).is_dir()
    assert list(host_path("grafana", folder).glob("*.json"))


def test_ports_agree_with_the_spec_and_generated_files(spec):
    datasource = yaml.safe_load((ROOT / "provisioning/datasources/prometheus.yaml").read_text())
    prometheus_url = urlparse(datasource["datasources"][0]["url"])
    assert port(arg("prometheus", "--web.listen-address")) == prometheus_url.port
    assert int(SERVICES["grafana"]["environment"]["GF_SERVER_HTTP_PORT"]) == urlparse(spec.grafana.url).port
    autoheal_listen = arg("autoheal", "--listen")
    assert port(autoheal_listen) == port(spec.autoheal.target) == port(defaults.AUTOHEAL_LISTEN)
    sli_targets = {port(t) for job in spec.prometheus.scrape for t in job.targets}
    assert port(arg("simulator", "--listen")) == port(defaults.SIMULATOR_LISTEN)
    assert port(defaults.SIMULATOR_LISTEN) in sli_targets
    for name, service in SERVICES.items():  # loopback addresses only make sense on the host network
        assert service.get("network_mode") == "host", name


def test_autoheal_in_compose_reads_the_repository_mapping():
    mapping = arg("autoheal", "--actions")
    assert host_path("autoheal", mapping) == DEPLOY / "autoheal-actions.yaml"
    assert re.fullmatch(r"\$\{AUTOHEAL_ENABLED:-false\}", SERVICES["autoheal"]["environment"]["AUTOHEAL_ENABLED"])
