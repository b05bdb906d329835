"""values.yaml, the example values files and values.schema.json: valid, in step with Osprey's config."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import jsonschema
import pytest
from deploy_support import CHART, EXAMPLE_VALUES, load_yaml

from proxy.config import BucketConfig, CacheConfig, ConfigError, ServerConfig, UpstreamConfig, parse_config
from proxy.limits import Limits

SCHEMA = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
SECTIONS = {"server": ServerConfig, "upstream": UpstreamConfig, "cache": CacheConfig, "limits": Limits}
# Secrets reach Osprey from a Secret as OSPREY_* variables, never through the ConfigMap.
SECRET_KEYS = {("upstream", "access_key_id"), ("upstream", "secret_access_key")}
WRONG_VALUES = Path(__file__).with_name("values-wrong.yaml")


def merged(example: Path) -> dict:
    """The values Helm would use: the chart's defaults coalesced with the file (Helm's own merge)."""
    import helm_python as helm

    with helm.Chart.load(str(CHART)) as chart:
        return chart.merge_values(load_yaml(example))


def errors(values: dict) -> list[str]:
    return sorted("/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in VALIDATOR.iter_errors(values))


def config_schema(section: str) -> dict:
    return SCHEMA["properties"]["config"]["properties"][section]


def test_schema_is_a_valid_draft7_schema():
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_default_values_match_the_schema():
    assert errors(load_yaml(CHART / "values.yaml")) == []


@pytest.mark.parametrize("example", EXAMPLE_VALUES, ids=lambda p: p.name)
def test_example_values_match_the_schema_once_merged_with_the_defaults(example):
    assert errors(merged(example)) == []


@pytest.mark.parametrize("example", EXAMPLE_VALUES, ids=lambda p: p.name)
def test_example_values_pass_helms_own_schema_check(example):
    import helm_python as helm

    with helm.Chart.load(str(CHART)) as chart:
        chart.validate_schema(load_yaml(example))


def test_both_pattern_files_exist():
    assert {p.name for p in EXAMPLE_VALUES} >= {"values-sidecar.yaml", "values-cdn-origin.yaml"}


def test_wrong_values_file_is_rejected_at_every_mistake():
    found = errors(merged(WRONG_VALUES))
    expected = [
        ": Additional properties are not allowed ('replicas' was unexpected)",
        "image/variant: 'fat' is not one of ['slim', 'full']",
        "config/server: Additional properties are not allowed ('prot' was unexpected)",
        "config/server/port: 70000 is greater than the maximum of 65535",
        "config/upstream: Additional properties are not allowed ('secret_access_key' was unexpected)",
        "config/upstream/type: 'gcs' is not one of ['local', 's3']",
        "config/buckets: 'Photos_2024' does not match",
        "config/buckets/photos/anonymous: 'public' is not one of ['none', 'read']",
        "podDisruptionBudget/minAvailable: '50 percent' is not valid under any of the given schemas",
    ]
    missing = [m for m in expected if not any(f.startswith(m) for f in found)]
    assert not missing, f"not reported: {missing}\nreported: {found}"
    assert len(found) == len(expected), found


def test_wrong_values_file_is_refused_by_helm_before_rendering():
    import helm_python as helm

    with helm.Chart.load(str(CHART)) as chart, pytest.raises(helm.HelmValuesError, match="prot"):
        chart.render(load_yaml(WRONG_VALUES), name="osprey", namespace="images")


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_schema_knows_exactly_the_config_keys_osprey_knows(section):
    known = {f.name for f in dataclasses.fields(SECTIONS[section])} - {k for s, k in SECRET_KEYS if s == section}
    in_schema = set(config_schema(section)["properties"])
    assert in_schema == known, (
        f"values.schema.json config.{section} is out of step with proxy/config.py: "
        f"add {sorted(known - in_schema)}, remove {sorted(in_schema - known)}"
    )
    assert config_schema(section)["additionalProperties"] is False


def test_schema_bucket_settings_are_osprey_bucket_settings():
    settings = config_schema("buckets")["additionalProperties"]
    assert set(settings["properties"]) == {f.name for f in dataclasses.fields(BucketConfig)}


def _json_type(annotation: str) -> str:
    return {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}[annotation]


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_schema_types_follow_the_config_field_types(section):
    hints = typing.get_type_hints(SECTIONS[section])
    for key, rule in config_schema(section)["properties"].items():
        assert rule["type"] == _json_type(hints[key].__name__), f"config.{section}.{key}"


def _schema_cases():
    """(section, key, value, should Osprey accept it) from each schema enum and minimum."""
    for section in sorted(SECTIONS):
        for key, rule in config_schema(section)["properties"].items():
            for value in rule.get("enum", []):
                yield section, key, value, True
            if "enum" in rule:
                yield section, key, "not-" + rule["enum"][0], False
            if "minimum" in rule and (section, key) != ("server", "port"):
                yield section, key, rule["minimum"], True
                yield section, key, rule["minimum"] - 1, False


@pytest.mark.parametrize(("section", "key", "value", "accepted"), list(_schema_cases()), ids=str)
def test_schema_enums_and_minimums_agree_with_osprey(section, key, value, accepted):
    raw = {section: {key: value}}
    schema_ok = not errors(
        {
            "config": {"server": {}, "upstream": {}, **raw},
            "image": {"repository": "x"},
            "secret": {},
            "service": {},
            "probes": {},
        }
    )
    try:
        parse_config(raw, environ={})
        osprey_ok = True
    except ConfigError:
        osprey_ok = False
    assert (schema_ok, osprey_ok) == (accepted, accepted)
