"""The chart rendered by Helm's own engine, its objects validated against Kubernetes' schemas, its config
loaded by Osprey's own loader."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from deploy_support import (
    CHART,
    EXAMPLE_VALUES,
    REPO,
    assert_locked_down,
    assert_probes_hit_health_endpoints,
    assert_runs_osprey_with_mounted_config,
    chart_objects,
    config_text,
    container,
    kinds,
    load_yaml,
    one,
    osprey_config,
    osprey_environment,
    pod_spec,
    render_chart,
    validate_objects,
)
from yamllint import linter
from yamllint.config import YamlLintConfig

from proxy.app import build_app
from proxy.config import parse_config

VALUES_FILES = [CHART / "values.yaml", *EXAMPLE_VALUES]
RENDERED_LINT = YamlLintConfig(
    "extends: default\n"
    "rules: {line-length: {max: 160}, document-start: disable, comments: {min-spaces-from-content: 1},"
    " indentation: {spaces: 2, indent-sequences: whatever}, empty-lines: {max: 2}}"
)


def values_of(path: Path) -> dict:
    return {} if path.name == "values.yaml" else load_yaml(path)


@pytest.fixture(params=VALUES_FILES, ids=lambda p: p.name)
def rendered(request) -> list[dict]:
    return chart_objects(values_of(request.param))


def test_helm_lint_finds_nothing_wrong_with_each_values_file():
    import helm_python as helm

    for path in VALUES_FILES:
        report = helm.lint(str(CHART), values_of(path), strict=True)
        serious = [m for m in report["messages"] if m["severity"] > 1]  # 1 is INFO ("icon is recommended")
        assert report["errors"] == [] and serious == [], f"{path.name}: {report}"


def test_rendered_objects_are_valid_kubernetes_objects(rendered):
    assert validate_objects(rendered) == []


def test_rendered_text_is_clean_yaml():
    for path in VALUES_FILES:
        for name, text in render_chart(values_of(path)).items():
            if name.endswith(".yaml") and text.strip():
                problems = [f"{p.line}: {p.message}" for p in linter.run(text, RENDERED_LINT)]
                assert problems == [], f"{path.name} → {name}:\n" + "\n".join(problems)


def test_default_values_deploy_osprey_behind_a_service_with_a_disruption_budget():
    objects = chart_objects()
    assert kinds(objects) == ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"]
    assert one(objects, "Deployment")["spec"]["replicas"] == 2
    assert one(objects, "Service")["spec"]["ports"][0]["targetPort"] == "http"


def test_pod_runs_locked_down(rendered):
    assert_locked_down(pod_spec(rendered))


def test_probes_ask_osprey_health_endpoints_on_its_port(rendered):
    config = osprey_config(rendered)
    assert_probes_hit_health_endpoints(pod_spec(rendered), config.server.port)


def test_probe_paths_are_routes_of_the_app():
    routes = {r.resource.canonical for r in build_app(parse_config({}, environ={})).router.routes()}
    assert {"/_osprey/healthz", "/_osprey/readyz"} <= routes


def test_container_runs_osprey_serve_on_the_mounted_config(rendered):
    assert_runs_osprey_with_mounted_config(pod_spec(rendered))


def test_rendered_config_is_accepted_by_osprey(rendered):
    config = osprey_config(rendered)
    assert config.server.host in ("0.0.0.0", "127.0.0.1")


def test_rendered_config_passes_osprey_check_config(rendered, tmp_path):
    path = tmp_path / "osprey.toml"
    path.write_text(config_text(rendered))
    osprey = Path(sys.executable).with_name("osprey")
    result = subprocess.run(
        [str(osprey), "check-config", str(path)],
        capture_output=True,
        text=True,
        env={"PATH": str(osprey.parent)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")


def test_config_values_reach_osprey_unchanged_through_the_toml_rendering():
    """Whole numbers stay integers, fractions stay floats, awkward strings survive quoting."""
    mark = 'image/watermark,text_5L2g5aW9,color_"00FF00"'
    config = {
        "server": {
            "host": "0.0.0.0",
            "port": 9000,
            "cache_control": "public, max-age=600",
            "virtual_host_domain": "img.example.com:8443",
        },
        "upstream": {
            "type": "s3",
            "endpoint": "http://minio:9000",
            "connect_timeout_s": 2.5,
            "read_timeout_s": 30.0,
            "max_connections": 16,
        },
        "buckets": {
            "a.b-c": {
                "anonymous": "read",
                "style_delimiters": "-_/!",
                "styles": {"plain": "image/format,png", "mark": mark},
            },
            "empty": {},
        },
        "cache": {"max_bytes": 4 * 1024**3, "revalidate_after_s": 0.25},
        "limits": {"max_pixels": 250_000_000, "timeout_s": 12, "workers": 3},
    }
    objects = chart_objects({"config": config})
    loaded = osprey_config(objects)
    assert loaded.server.port == 9000
    assert loaded.server.virtual_host_domain == "img.example.com:8443"
    assert loaded.upstream.connect_timeout_s == 2.5 and loaded.upstream.read_timeout_s == 30.0
    assert loaded.cache.max_bytes == 4 * 1024**3 and loaded.cache.revalidate_after_s == 0.25
    assert loaded.limits.max_pixels == 250_000_000 and loaded.limits.timeout_s == 12.0
    assert loaded.limits.workers == 3
    assert dict(loaded.bucket("a.b-c").styles) == {"plain": "image/format,png", "mark": mark}
    assert loaded.bucket("a.b-c").style_delimiters == "-_/!"
    assert "empty" in loaded.buckets
    raw = tomllib.loads(config_text(objects))
    assert isinstance(raw["cache"]["max_bytes"], int) and isinstance(raw["limits"]["timeout_s"], int)


def test_style_names_and_strings_that_need_escaping_render_as_valid_toml():
    styles = {"quote": 'a"b', "backslash": "a\\b", "tab": "a\tb", "unicode": "水印", "html": "<&>"}
    objects = chart_objects({"config": {"buckets": {"photos": {"styles": styles}}}})
    assert dict(tomllib.loads(config_text(objects))["buckets"]["photos"]["styles"]) == styles


def test_workers_follow_the_cpu_request_unless_configured():
    default = chart_objects({"resources": {"requests": {"cpu": "1500m", "memory": "1Gi"}}})
    assert osprey_environment(default)["OSPREY_LIMITS_WORKERS"] == "2"
    assert osprey_config(default).limits.workers == 2
    configured = chart_objects({"config": {"limits": {"workers": 4}}})
    assert "OSPREY_LIMITS_WORKERS" not in osprey_environment(configured)
    assert osprey_config(configured).limits.workers == 4


def test_inline_credentials_become_osprey_variables_from_a_chart_secret():
    secret_values = {
        "upstreamAccessKeyId": "AKIAUP",
        "upstreamSecretAccessKey": "up/secret+",
        "clientAccessKeyId": "app-key",
        "clientSecretAccessKey": "app-secret",
    }
    objects = chart_objects({"secret": secret_values})
    secret = one(objects, "Secret")
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()} == {
        "OSPREY_UPSTREAM_ACCESS_KEY_ID": "AKIAUP",
        "OSPREY_UPSTREAM_SECRET_ACCESS_KEY": "up/secret+",
        "OSPREY_CREDENTIALS_ACCESS_KEY_ID": "app-key",
        "OSPREY_CREDENTIALS_SECRET_ACCESS_KEY": "app-secret",
    }
    osprey = container(pod_spec(objects))
    assert osprey["envFrom"] == [{"secretRef": {"name": secret["metadata"]["name"]}}]
    config = osprey_config(objects)
    assert (config.upstream.access_key_id, config.upstream.secret_access_key) == ("AKIAUP", "up/secret+")
    assert [(c.access_key_id, c.secret_access_key) for c in config.credentials] == [("app-key", "app-secret")]
    assert "AKIAUP" not in config_text(objects) and "up/secret+" not in config_text(objects)


def test_existing_secret_is_referenced_and_none_is_created():
    objects = chart_objects({"secret": {"existingSecret": "team-osprey"}})
    assert "Secret" not in kinds(objects)
    assert container(pod_spec(objects))["envFrom"] == [{"secretRef": {"name": "team-osprey"}}]


def test_no_credentials_means_no_secret_and_no_env_from():
    objects = chart_objects()
    assert "Secret" not in kinds(objects)
    assert "envFrom" not in container(pod_spec(objects))


def test_existing_secret_and_inline_keys_together_refuse_to_render():
    import helm_python as helm

    with pytest.raises(helm.HelmRenderError, match="not both"):
        render_chart({"secret": {"existingSecret": "team-osprey", "upstreamAccessKeyId": "AKIA"}})


def test_changing_the_config_changes_the_pod_template_so_pods_roll():
    def checksum(values):
        return pod_spec_annotations(chart_objects(values))["checksum/config"]

    assert checksum({}) != checksum({"config": {"cache": {"max_bytes": 1}}})
    assert checksum({}) == checksum({"replicaCount": 5})


def pod_spec_annotations(objects):
    return one(objects, "Deployment")["spec"]["template"]["metadata"]["annotations"]


def test_image_tag_is_the_app_version_with_a_suffix_for_the_full_variant():
    chart = load_yaml(CHART / "Chart.yaml")
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert chart["appVersion"] == version
    assert container(pod_spec(chart_objects()))["image"] == f"osprey-proxy:{version}"
    full = chart_objects({"image": {"variant": "full"}})
    assert container(pod_spec(full))["image"] == f"osprey-proxy:{version}-full"
    pinned = chart_objects(
        {"image": {"repository": "registry.example.com/osprey", "tag": "sha-abc", "variant": "full"}}
    )
    assert container(pod_spec(pinned))["image"] == "registry.example.com/osprey:sha-abc"


def test_autoscaling_takes_replicas_over_from_the_deployment():
    objects = chart_objects(
        {"autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 9, "targetMemoryUtilizationPercentage": 80}}
    )
    deployment = one(objects, "Deployment")
    hpa = one(objects, "HorizontalPodAutoscaler")
    assert "replicas" not in deployment["spec"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu", "memory"]
    assert validate_objects(objects) == []


def test_disruption_budget_and_services_select_the_pods():
    objects = chart_objects({"serviceMonitor": {"enabled": True}})
    labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    for selector in (
        one(objects, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
        one(objects, "Service")["spec"]["selector"],
    ):
        assert selector.items() <= labels.items()


def test_service_monitor_scrapes_the_metrics_path_on_the_service_port():
    objects = chart_objects({"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}})
    monitor = one(objects, "ServiceMonitor")
    service = one(objects, "Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/_osprey/metrics"
    assert endpoint["port"] in [p["name"] for p in service["spec"]["ports"]]
    assert re.fullmatch(r"\d+s", endpoint["interval"]) and re.fullmatch(r"\d+s", endpoint["scrapeTimeout"])


def test_service_monitor_is_refused_when_osprey_listens_on_loopback():
    import helm_python as helm

    with pytest.raises(helm.HelmRenderError, match="loopback"):
        render_chart({"config": {"server": {"host": "127.0.0.1"}}, "serviceMonitor": {"enabled": True}})


def test_topology_spread_constraints_get_the_pod_selector():
    objects = chart_objects(
        {
            "topologySpreadConstraints": [
                {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"}
            ]
        }
    )
    (constraint,) = pod_spec(objects)["topologySpreadConstraints"]
    labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert constraint["labelSelector"]["matchLabels"].items() <= labels.items()


def test_sidecar_values_put_the_app_beside_osprey_on_loopback():
    objects = chart_objects(load_yaml(CHART / "values-sidecar.yaml"), release="gallery")
    spec = pod_spec(objects)
    config = osprey_config(objects)
    assert config.server.host == "127.0.0.1"
    assert [c["name"] for c in spec["containers"]] == ["app", "osprey"]
    app = container(spec, "app")
    endpoint = {e["name"]: e["value"] for e in app["env"]}["AWS_ENDPOINT_URL_S3"]
    assert endpoint == f"http://127.0.0.1:{config.server.port}"
    assert not config.server.single_bucket, "an S3 SDK's path-style requests name the bucket in the path"
    bucket = {e["name"]: e["value"] for e in app["env"]}["IMAGE_BUCKET"]
    assert config.bucket(bucket).anonymous == "read"
    assert all("exec" in container(spec)[p] for p in ("livenessProbe", "readinessProbe", "startupProbe"))
    target = one(objects, "Service")["spec"]["ports"][0]["targetPort"]
    assert target in [p["name"] for p in app["ports"]], "the Service sends traffic to the app, not to Osprey"
    assert "HorizontalPodAutoscaler" not in kinds(objects) and "ServiceMonitor" not in kinds(objects)


def test_cdn_origin_values_scale_out_and_cache_long():
    objects = chart_objects(load_yaml(CHART / "values-cdn-origin.yaml"), release="img")
    config = osprey_config(objects)
    max_age = int(re.search(r"max-age=(\d+)", config.server.cache_control).group(1))
    assert max_age >= 30 * 86400
    assert config.server.cache_control.startswith("public")
    hpa = one(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    pdb = one(objects, "PodDisruptionBudget")["spec"]
    assert pdb["minAvailable"] < hpa["spec"]["minReplicas"] and "maxUnavailable" not in pdb
    assert one(objects, "Service")["spec"]["type"] == "LoadBalancer"
    assert "ServiceMonitor" in kinds(objects)
    assert container(pod_spec(objects))["envFrom"] == [{"secretRef": {"name": "osprey-upstream"}}]


def test_every_template_renders_something_with_some_values_file():
    """No template is dead: each one produces an object under at least one of the shipped values files."""
    values = [values_of(p) for p in VALUES_FILES]
    values.append({"secret": {"clientAccessKeyId": "k", "clientSecretAccessKey": "s"}})
    produced = {
        name
        for v in values
        for name, text in render_chart(v).items()
        if name.endswith(".yaml") and yaml.safe_load(text)
    }
    templates = {f"osprey/templates/{p.name}" for p in (CHART / "templates").glob("*.yaml")}
    assert templates <= produced
