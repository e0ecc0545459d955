"""deploy/k8s: core kinds validate against the Kubernetes OpenAPI schemas (kubernetes-validate,
strict); KEDA's ScaledObject is a CRD that kubernetes-validate has no schema for, so it is checked
against the minimal schema below (the fields KEDA requires and the ones this project relies on)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.conftest import DEPLOY, INSTALL_HINT

K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.31.0"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")

SCALED_OBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "triggers"],
            "additionalProperties": False,
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": False,
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": {"type": "string"},
                    },
                },
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "idleReplicaCount": {"type": "integer", "minimum": 0},
                "fallback": {
                    "type": "object",
                    "required": ["failureThreshold", "replicas"],
                    "properties": {"failureThreshold": {"type": "integer"}, "replicas": {"type": "integer"}},
                },
                "advanced": {"type": "object"},
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            # KEDA trigger metadata values are strings, thresholds included
                            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}


def documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}/{doc['kind']}/{doc['metadata']['name']}", doc)
        for path in MANIFESTS
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _where, doc in documents() if doc["kind"] == kind}


@pytest.mark.needs_tool("kubernetes-validate")
@pytest.mark.parametrize(("where", "doc"), documents(), ids=[where for where, _doc in documents()])
def test_manifest_validates(where: str, doc: dict[str, Any]) -> None:
    try:
        import kubernetes_validate
    except ImportError:
        pytest.fail(f"kubernetes-validate is not installed: {INSTALL_HINT}", pytrace=False)
    if doc["apiVersion"].startswith("keda.sh/"):
        assert doc["kind"] == "ScaledObject", f"{where}: no schema for this CRD"
        jsonschema.validate(doc, SCALED_OBJECT_SCHEMA)
        return
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        pytest.fail(f"{where}: {error.message} at {'.'.join(map(str, error.path))}", pytrace=False)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(path.name for path in MANIFESTS)


def test_scorers_have_probes_services_and_gpus() -> None:
    deployments, services = by_kind("Deployment"), by_kind("Service")
    assert set(deployments) == {"thinking-reward", "outcome-verifier"}
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        env = {item["name"]: item for item in container.get("env", [])}
        assert env["REWARD_SERVER_HOST"]["value"] == "0.0.0.0", name
        # the key as a mounted file (tests/deploy/test_security.py checks the mount)
        assert "REWARD_SERVER_API_KEY" not in env, name
        assert env["REWARD_SERVER_API_KEY_FILE"]["value"].startswith("/"), name
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        service = services[name]
        assert service["spec"]["selector"].items() <= labels.items(), f"{name}: Service selects no pod"
        assert service["spec"]["ports"][0]["port"] == 8000, "trainer configs call <name>:8000"
    thinking = deployments["thinking-reward"]["spec"]["template"]["spec"]["containers"][0]
    assert thinking["resources"]["limits"]["nvidia.com/gpu"] == "1"
    probe = thinking["startupProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 600, "a judge load takes minutes"
    outcome = deployments["outcome-verifier"]["spec"]["template"]["spec"]["containers"][0]
    assert "nvidia.com/gpu" not in outcome["resources"].get("limits", {})


def test_autoscalers_follow_the_queue_depth() -> None:
    deployments = by_kind("Deployment")
    scaled = by_kind("ScaledObject")
    assert set(scaled) == set(deployments)
    for name, scaled_object in scaled.items():
        target = scaled_object["spec"]["scaleTargetRef"]
        assert target["name"] in deployments, f"{name} scales a missing Deployment"
        (trigger,) = scaled_object["spec"]["triggers"]
        assert trigger["type"] == "prometheus"
        assert "reward_queue_depth_items" in trigger["metadata"]["query"]


def test_trainer_job_uses_gpus_and_the_api_key() -> None:
    (job,) = by_kind("Job").values()
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    (container,) = spec["containers"]
    assert int(container["resources"]["limits"]["nvidia.com/gpu"]) >= 1
    env = {item["name"]: item for item in container["env"]}
    assert "secretKeyRef" in env["TRUST_GRPO_API_KEY"]["valueFrom"]
