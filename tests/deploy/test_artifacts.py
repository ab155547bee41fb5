"""The deployment artifacts, checked statically: there is no Docker engine or Kubernetes cluster here (`docker` is
only a client), so nothing is built or applied. Compose against the compose specification's JSON schema (vendored
in tests/deploy/compose-spec.json, from compose-spec/compose-spec), every manifest with kubernetes-validate (its
schemas ship in the package; KEDA's kinds, which it does not know, against the fields KEDA requires), every
Dockerfile with hadolint, and every service, variable and port against the services' settings classes and
the ports of the shared interfaces.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
INTERFACES = ROOT.parent / "shared" / "design" / "interfaces.md"
KUBERNETES_VERSION = "1.30.0"


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return doc


def manifests() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.append((path, doc))
    return found


def documented_ports() -> dict[str, int]:
    """`| gateway | 8000 | ...` rows of interfaces.md's process table."""
    ports = {}
    for name, port in re.findall(r"^\| (\w[\w ]*?) \| (\d{4}) \|", INTERFACES.read_text(), re.MULTILINE):
        ports.setdefault(name, int(port))
    return ports


def settings_class(service: str) -> Any:
    module = "cartio_simulator.settings" if service == "simulator" else f"cartio_{service}.settings"
    attr = "SimSettings" if service == "simulator" else "Settings"
    return getattr(importlib.import_module(module), attr)


def variables(service: str) -> set[str]:
    """The environment variables a service reads: its settings' fields with the prefix, upper-cased."""
    cls = settings_class(service)
    prefix = cls.model_config.get("env_prefix", "")
    return {(prefix + name).upper() for name in cls.model_fields}


def unknown_variables(service: str, env: dict[str, Any]) -> set[str]:
    prefix = "SIM_" if service == "simulator" else "CARTIO_"
    return {k for k in env if k.startswith(prefix)} - variables(service)


def test_compose_follows_the_compose_specification() -> None:
    schema = json.loads((Path(__file__).parent / "compose-spec.json").read_text())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(compose())]
    assert errors == []


def test_every_service_has_its_image_its_migration_and_its_health_checks_in_compose() -> None:
    services = compose()["services"]
    for name in SERVICES:
        assert name in services, f"{name} is missing from docker-compose.yml"
        image = services[name]["image"]
        builders = [s for s in services.values() if s.get("image") == image and "build" in s]
        assert [b["build"]["dockerfile"] for b in builders] == [f"services/{name}/Dockerfile"]
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        if (ROOT / "services" / name / "migrations").is_dir():
            migrate = services[f"{name}-migrate"]
            assert migrate["command"] == ["migrate"]
            assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert services[name]["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
            assert migrate["environment"]["CARTIO_DATABASE_URL"] == services[name]["environment"]["CARTIO_DATABASE_URL"]
            assert f"/cartio_{name}" in services[name]["environment"]["CARTIO_DATABASE_URL"]
    assert services["simulator"]["profiles"] == ["demo"]
    init = services["postgres"]["environment"]["CARTIO_SERVICES"].split()
    assert sorted(init) == sorted(n for n in SERVICES if (ROOT / "services" / n / "migrations").is_dir())


@pytest.mark.parametrize("service", [*SERVICES, "simulator"])
def test_compose_sets_only_variables_the_service_reads_and_its_documented_port(service: str) -> None:
    services = compose()["services"]
    env = services[service]["environment"]
    assert unknown_variables(service, env) == set()
    port = documented_ports()[service]
    port_var = "SIM_PORT" if service == "simulator" else "CARTIO_PORT"
    assert int(env[port_var]) == port
    assert settings_class(service)().port == port, "the settings' default port is the documented one"
    assert f"127.0.0.1:{port}:{port}" in services[service]["ports"]
    if f"{service}-migrate" in services:
        assert unknown_variables(service, services[f"{service}-migrate"]["environment"]) == set()


@pytest.mark.parametrize("service", [*SERVICES, "simulator"])
def test_each_dockerfile_passes_hadolint_and_runs_its_service_as_a_non_root_user(service: str) -> None:
    dockerfile = ROOT / ("simulator" if service == "simulator" else f"services/{service}") / "Dockerfile"
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), "--failure-threshold", "info", str(dockerfile)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    text = dockerfile.read_text()
    port = documented_ports()[service]
    assert "USER 10001:10001" in text
    assert f"EXPOSE {port}" in text
    assert "HEALTHCHECK" in text
    module = "cartio_simulator" if service == "simulator" else f"cartio_{service}"
    assert f'ENTRYPOINT ["python", "-m", "{module}"]' in text
    assert "uv sync --frozen --no-dev --package" in text
    if service == "gateway":
        assert "npm ci" in text
        assert "npm run build" in text


KEDA_REQUIRED = {
    "ScaledObject": {"type": "object", "required": ["spec"], "properties": {"spec": {
        "type": "object", "required": ["scaleTargetRef", "triggers"],
        "properties": {"scaleTargetRef": {"type": "object", "required": ["name"]},
                       "triggers": {"type": "array", "minItems": 1,
                                    "items": {"type": "object", "required": ["type", "metadata"]}}}}}},
    "TriggerAuthentication": {"type": "object", "required": ["spec"], "properties": {"spec": {
        "type": "object", "required": ["secretTargetRef"]}}},
}


def test_every_kubernetes_manifest_is_valid() -> None:
    everything = manifests()
    patches = {path.parent / p["path"] for path, doc in everything if doc["kind"] == "Kustomization"
               for p in doc.get("patches", [])}
    named = {(doc["kind"], doc["metadata"]["name"]) for path, doc in everything
             if path not in patches and doc["kind"] != "Kustomization"}
    checked = 0
    for path, doc in everything:
        kind = doc["kind"]
        if path in patches:
            # A strategic-merge patch is partial: it must name an object the base has.
            assert (kind, doc["metadata"]["name"]) in named, f"{path} patches nothing"
        elif kind == "Kustomization":
            for resource in doc.get("resources", []):
                assert (path.parent / resource).exists(), f"{path}: {resource} does not exist"
            assert all(p.exists() for p in patches)
        elif doc["apiVersion"].startswith("keda.sh/"):
            jsonschema.validate(doc, KEDA_REQUIRED[kind])
        else:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 6 * len(SERVICES)


def base(service: str) -> dict[str, dict[str, Any]]:
    docs = yaml.safe_load_all((K8S / "base" / f"{service}.yaml").read_text())
    return {d["kind"]: d for d in docs}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_s_manifests_carry_its_settings_port_probes_and_scaling(service: str) -> None:
    kinds = base(service)
    port = documented_ports()[service]
    assert unknown_variables(service, kinds["ConfigMap"]["data"]) == set()
    assert int(kinds["ConfigMap"]["data"]["CARTIO_PORT"]) == port
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == port
    assert kinds["Service"]["spec"]["ports"][0]["port"] == port
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # /readyz needs the service token (issue 13.8): an exec probe sends it from the container's environment
    assert container["readinessProbe"]["exec"]["command"] == ["python", "-m", "cartio_platform.probe", "/readyz"]
    assert {"configMapRef": {"name": f"{service}-config"}} in container["envFrom"]
    assert {"secretRef": {"name": f"cartio-{service}"}} in container["envFrom"]
    assert "PodDisruptionBudget" in kinds
    has_db = (ROOT / "services" / service / "migrations").is_dir()
    assert ("Job" in kinds) == has_db
    if has_db:
        assert kinds["Job"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    if service in ("ingest", "gateway"):
        assert kinds["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    else:
        triggers = kinds["ScaledObject"]["spec"]["triggers"]
        assert all(t["type"] == "rabbitmq" for t in triggers)
        assert all(t["metadata"]["queueName"].startswith(f"cartio.{service}.") for t in triggers)
    listed = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())["resources"]
    assert f"{service}.yaml" in listed
