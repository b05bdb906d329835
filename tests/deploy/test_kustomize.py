"""deploy/k8s rendered by `kubectl kustomize`, validated against Kubernetes' schemas and Osprey's config loader."""

from __future__ import annotations

import tomllib

import pytest
from deploy_support import (
    K8S,
    OVERLAYS,
    REPO,
    assert_locked_down,
    assert_probes_hit_health_endpoints,
    assert_runs_osprey_with_mounted_config,
    container,
    kinds,
    kustomize,
    one,
    osprey_config,
    pod_spec,
    validate_objects,
)

TREES = {"base": K8S / "base", **{name: K8S / "overlays" / name for name in OVERLAYS}}


@pytest.fixture(scope="module", params=sorted(TREES))
def rendered(request) -> list[dict]:
    return kustomize(TREES[request.param])


def test_every_tree_renders_valid_kubernetes_objects(rendered):
    assert validate_objects(rendered) == []


def test_pod_runs_locked_down(rendered):
    assert_locked_down(pod_spec(rendered))


def test_config_is_accepted_by_osprey(rendered):
    osprey_config(rendered)


def test_probes_ask_osprey_health_endpoints_on_its_port(rendered):
    assert_probes_hit_health_endpoints(pod_spec(rendered), osprey_config(rendered).server.port)


def test_container_runs_osprey_serve_on_the_mounted_config(rendered):
    assert_runs_osprey_with_mounted_config(pod_spec(rendered))


def test_image_tag_is_the_project_version(rendered):
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert container(pod_spec(rendered))["image"] == f"osprey-proxy:{version}"


def test_credentials_come_from_an_optional_secret(rendered):
    (source,) = container(pod_spec(rendered))["envFrom"]
    assert source["secretRef"] == {"name": "osprey-credentials", "optional": True}
    assert "Secret" not in kinds(rendered), "no credential is committed; the Secret is created by hand"


def test_selectors_match_the_pod_labels(rendered):
    labels = one(rendered, "Deployment")["spec"]["template"]["metadata"]["labels"]
    selectors = [
        one(rendered, "Deployment")["spec"]["selector"]["matchLabels"],
        one(rendered, "Service")["spec"]["selector"],
    ]
    selectors += [o["spec"]["selector"]["matchLabels"] for o in rendered if o["kind"] == "PodDisruptionBudget"]
    for selector in selectors:
        assert selector and selector.items() <= labels.items()


def test_deployment_overlay_scales_with_an_autoscaler_and_a_disruption_budget():
    objects = kustomize(TREES["deployment"])
    assert kinds(objects) == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    ]
    deployment = one(objects, "Deployment")
    hpa = one(objects, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["minReplicas"] <= deployment["spec"]["replicas"] <= hpa["maxReplicas"]
    assert one(objects, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    assert osprey_config(objects).limits.workers == 2, "one worker per requested core"


def test_overlays_replace_the_base_config():
    base = osprey_config(kustomize(TREES["base"]))
    for name in OVERLAYS:
        assert osprey_config(kustomize(TREES[name])) != base, name


def test_sidecar_overlay_puts_the_app_beside_osprey_on_loopback():
    objects = kustomize(TREES["sidecar"])
    spec = pod_spec(objects)
    config = osprey_config(objects)
    assert config.server.host == "127.0.0.1"
    assert not config.server.single_bucket, "an S3 SDK's path-style requests name the bucket in the path"
    assert [c["name"] for c in spec["containers"]] == ["app", "osprey"]
    app = container(spec, "app")
    env = {e["name"]: e["value"] for e in app["env"]}
    assert env["AWS_ENDPOINT_URL_S3"] == f"http://127.0.0.1:{config.server.port}"
    assert config.bucket(env["IMAGE_BUCKET"]).anonymous == "read"
    osprey = container(spec)
    assert all(
        "exec" in osprey[p] and "httpGet" not in osprey[p] for p in ("livenessProbe", "readinessProbe", "startupProbe")
    )
    target = one(objects, "Service")["spec"]["ports"][0]["targetPort"]
    assert target in [p["name"] for p in app["ports"]], "the Service sends traffic to the app, not to Osprey"
    assert app["securityContext"]["readOnlyRootFilesystem"] is True
