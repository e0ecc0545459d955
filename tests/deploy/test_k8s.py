"""deploy/k8s: core kinds validate against the Kubernetes OpenAPI schemas (kubernetes-validate,
strict); KEDA's ScaledObject is a CRD that kubernetes-validate has no schema for, so it is checked
against the minimal schema below (the fields KEDA requires and the ones this project relies on)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from tests.deploy.conftest import DEPLOY, INSTALL_HINT

K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.31.0"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
REWARD_DEPLOYMENTS = {"thinking-reward", "outcome-verifier"}
ROLLOUT = "rollout"

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


def workloads() -> dict[str, dict[str, Any]]:
    """`Kind/name` -> every Deployment, StatefulSet, DaemonSet and Job."""
    return {
        f"{doc['kind']}/{doc['metadata']['name']}": doc
        for _where, doc in documents()
        if doc["kind"] in WORKLOAD_KINDS
    }


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return dict(workload["spec"]["template"]["metadata"].get("labels") or {})


def argv(container: dict[str, Any]) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def flag_values(args: list[str], *names: str) -> list[str] | None:
    """The values of a flag spelt any of `names` (`--name v1 v2`, as nargs="+" reads them, or
    `--name=v`); None when it is absent."""
    found = None
    for index, word in enumerate(args):
        name, equals, inline = word.partition("=")
        if name not in names:
            continue
        if equals:
            found = [inline]
            continue
        following = args[index + 1 :]
        stop = next((i for i, value in enumerate(following) if value.startswith("-")), len(following))
        found = following[:stop]
    return found


def spellings(name: str) -> tuple[str, str]:
    """`--a-b` and `--a_b`: TRL's parser (and accelerate's) take both."""
    bare = name.removeprefix("--")
    return "--" + bare.replace("_", "-"), "--" + bare.replace("-", "_")


def one_flag(args: list[str], name: str) -> str | None:
    """One flag's single value under either spelling, or None."""
    values = flag_values(args, *spellings(name))
    if values is None:
        return None
    assert len(values) == 1, f"{name}: one value expected, got {values}"
    return values[0]


def trainer_command() -> tuple[dict[str, Any], list[str], list[str]]:
    """The trainer Job's container, `accelerate launch`'s own arguments and `trust-grpo`'s."""
    (job,) = by_kind("Job").values()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    words = argv(container)
    assert words[:2] == ["accelerate", "launch"], words
    module = words.index("-m")
    assert words[module + 1] == "trust_grpo.cli", words
    return container, words[2:module], words[module + 2 :]


def rollout_container() -> dict[str, Any]:
    containers: list[dict[str, Any]] = by_kind("Deployment")[ROLLOUT]["spec"]["template"]["spec"][
        "containers"
    ]
    (container,) = containers
    return container


def service_ports(service: dict[str, Any]) -> set[int]:
    return {port["port"] for port in service["spec"]["ports"]}


def selects(selector: dict[str, str], workload: dict[str, Any]) -> bool:
    return bool(selector) and selector.items() <= pod_labels(workload).items()


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
    assert set(deployments) == {*REWARD_DEPLOYMENTS, ROLLOUT}
    for name in sorted(REWARD_DEPLOYMENTS):
        deployment = deployments[name]
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
    assert set(scaled) == REWARD_DEPLOYMENTS, "the rollout server has one replica: never autoscaled"
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


# ------------------------------------------------------------------------- rollout and trainer


def test_rollout_server_is_one_replica_on_its_gpus() -> None:
    deployment = by_kind("Deployment")[ROLLOUT]
    assert deployment["spec"]["replicas"] == 1, "a TRL vLLM server serves one trainer"
    assert deployment["spec"]["strategy"]["type"] == "Recreate", "an update must not start a second server"
    container = rollout_container()
    words = argv(container)
    assert words[:2] == ["trl", "vllm-serve"], "the trainer image's ENTRYPOINT is trust-grpo: set command"
    args = words[2:]
    resources = container["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == resources["requests"]["nvidia.com/gpu"] == "1"
    parallel = int(one_flag(args, "--tensor-parallel-size") or 1) * int(
        one_flag(args, "--data-parallel-size") or 1
    )
    assert parallel == 1, "vLLM runs tensor x data parallel size workers, one GPU each"
    assert one_flag(args, "--host") == "0.0.0.0", "the trainer connects from another pod"
    (http,) = [port for port in container["ports"] if port["name"] == "http"]
    assert one_flag(args, "--port") == str(http["containerPort"]) == "8000"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe  # vLLM's, no slash
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 600, "loading the policy takes minutes"
    volumes = {
        volume["name"]: volume
        for volume in by_kind("Deployment")[ROLLOUT]["spec"]["template"]["spec"]["volumes"]
    }
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    assert volumes[mounts["/dev/shm"]]["emptyDir"]["medium"] == "Memory"
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    hf_home = env["HF_HOME"]
    claim_mount = next(path for path in mounts if hf_home.startswith(path.rstrip("/") + "/"))
    assert "persistentVolumeClaim" in volumes[mounts[claim_mount]], "the HF cache must outlive the pod"
    service = by_kind("Service")[ROLLOUT]
    assert 8000 in service_ports(service)
    assert selects(service["spec"]["selector"], by_kind("Deployment")[ROLLOUT])


def test_rollout_serves_the_trained_policy() -> None:
    _container, _accelerate, args = trainer_command()
    policy = one_flag(args, "--policy")
    if policy is None:  # then paper.yaml's (the image's copy is this checkout's)
        config_path = one_flag(args, "--config")
        assert config_path is not None
        policy = yaml.safe_load((DEPLOY.parent / config_path).read_text())["policy"]
    assert one_flag(argv(rollout_container())[2:], "--model") == policy


def test_weight_sync_rendezvous_listens_in_the_trainer_pod() -> None:
    """TRL 1.16: the trainer's main process is rank 0 of the weight-sync group; it binds
    vllm_group_port on its own IP and the server's workers connect to it (VLLMClient.init_communicator
    posts `master_address: get_ip()`), so the port belongs to the trainer's pod, not the rollout Service."""
    from trl.trainer.grpo_config import GRPOConfig

    container, _accelerate, args = trainer_command()
    group_port = int(one_flag(args, "--vllm-group-port") or GRPOConfig.vllm_group_port)  # the default
    assert group_port in {port["containerPort"] for port in container["ports"]}
    env = {item["name"]: item for item in container["env"]}
    assert env["VLLM_HOST_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert group_port not in service_ports(by_kind("Service")[ROLLOUT]), (
        "nothing listens there in the rollout pod"
    )


def test_headless_services_select_exactly_the_reward_pods() -> None:
    services, all_workloads = by_kind("Service"), workloads()
    for name in sorted(REWARD_DEPLOYMENTS):
        deployment = by_kind("Deployment")[name]
        headless = services[f"{name}-pods"]
        assert headless["spec"].get("clusterIP") == "None", (
            f"{name}-pods: one A record per pod needs no cluster IP"
        )
        assert headless["spec"].get("publishNotReadyAddresses") is False, (
            f"{name}-pods: not-ready pods get traffic"
        )
        selector = headless["spec"]["selector"]
        assert selector == deployment["spec"]["selector"]["matchLabels"], name
        selected = [where for where, workload in all_workloads.items() if selects(selector, workload)]
        assert selected == [f"Deployment/{name}"], f"{name}-pods selects {selected}"
        assert service_ports(headless) == service_ports(services[name]) == {8000}
        assert services[name]["spec"].get("clusterIP") != "None", (
            f"{name}: other clients keep a ClusterIP Service"
        )


def test_trainer_reaches_every_reward_replica_and_the_rollout_server() -> None:
    _container, _accelerate, args = trainer_command()
    services = by_kind("Service")
    for flag, deployment in (("--thinking-url", "thinking-reward"), ("--outcome-url", "outcome-verifier")):
        urls = flag_values(args, *spellings(flag))
        assert urls, f"{flag}: paper.yaml's ClusterIP URL would reach the replicas through one connection"
        for url in urls:
            parts = urlsplit(url)
            assert parts.scheme == "dns+http", f"{url}: the client resolves only dns+http:// to every pod"
            assert parts.hostname in services, f"{url}: no Service {parts.hostname}"
            service = services[parts.hostname]
            assert service["spec"].get("clusterIP") == "None", f"{url}: not a headless Service"
            assert selects(service["spec"]["selector"], by_kind("Deployment")[deployment]), url
            assert parts.port in service_ports(service), url
    rollout_url = one_flag(args, "--vllm-server-base-url")
    assert rollout_url is not None, "name the rollout Service here, not only in paper.yaml"
    parts = urlsplit(rollout_url)
    assert parts.scheme == "http", rollout_url
    assert parts.hostname == ROLLOUT, f"{rollout_url}: not the rollout Service"
    assert parts.port in service_ports(services[ROLLOUT]), f"{rollout_url}: not a port of the rollout Service"
    timeout = float(one_flag(args, "--vllm-server-timeout") or 240)
    startup = rollout_container()["startupProbe"]
    assert timeout >= startup["periodSeconds"] * startup["failureThreshold"], (
        "the trainer gives up on the rollout server before its startup probe does"
    )


def test_trainer_gpus_equal_the_processes_accelerate_starts() -> None:
    container, accelerate, _args = trainer_command()
    resources = container["resources"]
    gpus = resources["limits"]["nvidia.com/gpu"]
    assert resources["requests"].get("nvidia.com/gpu", gpus) == gpus
    assert (one_flag(accelerate, "--num_machines") or "1") == "1", (
        "one pod is one machine (README: several nodes)"
    )
    processes = one_flag(accelerate, "--num_processes")
    # absent: accelerate starts one process per visible GPU, so the GPU count is the only number
    assert processes is None or processes == gpus, f"{processes} processes on {gpus} GPUs"


def test_every_service_selects_a_workload() -> None:
    all_workloads = workloads()
    for name, service in by_kind("Service").items():
        selector = service["spec"].get("selector") or {}
        assert any(selects(selector, workload) for workload in all_workloads.values()), (
            f"{name} selects no pod"
        )
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            chosen = [w for w in all_workloads.values() if selects(selector, w)]
            declared = {
                value
                for workload in chosen
                for container in workload["spec"]["template"]["spec"]["containers"]
                for item in container.get("ports", [])
                for value in (item.get("name"), item["containerPort"])
            }
            assert target in declared, f"{name}: port {target} is on none of its pods"


def test_rollout_admits_only_the_trainer() -> None:
    policy = by_kind("NetworkPolicy")[ROLLOUT]
    assert (
        policy["spec"]["podSelector"]["matchLabels"]
        == by_kind("Deployment")[ROLLOUT]["spec"]["selector"]["matchLabels"]
    )
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    (peer,) = rule["from"]
    (job,) = by_kind("Job").values()
    assert peer["podSelector"]["matchLabels"].items() <= pod_labels(job).items()
    assert "ports" not in rule, "NCCL connects on ports it picks at run time"


@pytest.mark.parametrize("where", sorted(workloads()))
def test_every_workload_runs_unprivileged(where: str) -> None:
    pod = workloads()[where]["spec"]["template"]["spec"]
    context = pod["securityContext"]
    assert context["runAsNonRoot"] is True, where
    assert context["runAsUser"] == context["runAsGroup"] == 10001, where  # the images' `app` user
    for shared in ("hostNetwork", "hostIPC", "hostPID"):
        assert not pod.get(shared), f"{where}: {shared}"
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["capabilities"]["drop"] == ["ALL"], where
        assert not security.get("capabilities", {}).get("add"), where
        assert not security.get("privileged"), where


def test_every_mounted_claim_is_defined() -> None:
    claims = by_kind("PersistentVolumeClaim")
    for where, workload in workloads().items():
        for volume in workload["spec"]["template"]["spec"].get("volumes", []):
            claim = volume.get("persistentVolumeClaim")
            if claim is not None:
                assert claim["claimName"] in claims, f"{where}: no claim {claim['claimName']} (storage.yaml)"
    assert claims["reward-models"]["spec"]["accessModes"] == ["ReadWriteMany"], (
        "judges on several nodes share it"
    )
