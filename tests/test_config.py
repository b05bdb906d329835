from pathlib import Path

import pytest

from proxy.cli import main
from proxy.config import ConfigError, load_config, parse_config

CONFIG_DIR = Path(__file__).parent.parent / "config"


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.toml")), ids=lambda p: p.name)
def test_every_example_config_loads(path):
    config = load_config(path, environ={})
    assert config.upstream.type in {"local", "s3"}
    assert config.buckets, "each example configures at least one bucket"


def test_defaults_are_oss_limits_and_private_buckets():
    config = parse_config({}, environ={})
    assert config.limits.max_source_bytes == 20 * 1024 * 1024
    assert config.limits.max_pixels == 250_000_000
    assert config.bucket("anything").anonymous == "none"
    assert config.bucket("anything").styles == {}
    server = config.server
    assert (server.header_timeout_s, server.body_idle_timeout_s, server.keepalive_timeout_s) == (20, 20, 75)
    assert server.max_connections == 1024
    assert config.server.trust_unsigned_process is False


def test_trusting_unsigned_process_strings_is_a_boolean_from_toml_or_environment():
    assert parse_config({"server": {"trust_unsigned_process": True}}, environ={}).server.trust_unsigned_process
    env = {"OSPREY_SERVER_TRUST_UNSIGNED_PROCESS": "true"}
    assert parse_config({}, environ=env).server.trust_unsigned_process is True


def test_environment_overrides_every_section():
    env = {
        "OSPREY_SERVER_PORT": "9999",
        "OSPREY_UPSTREAM_TYPE": "s3",
        "OSPREY_UPSTREAM_ENDPOINT": "http://127.0.0.1:9000",
        "OSPREY_CACHE_MAX_BYTES": "0",
        "OSPREY_LIMITS_TIMEOUT_S": "2.5",
        "OSPREY_CREDENTIALS_ACCESS_KEY_ID": "ak",
        "OSPREY_CREDENTIALS_SECRET_ACCESS_KEY": "sk",
        "OSPREY_BUCKETS_MY_PHOTOS_ANONYMOUS": "read",
        "OSPREY_BUCKETS_MY_PHOTOS_STYLES": '{thumb = "image/resize,w_10"}',
        "OSPREY_BUCKETS_MY_PHOTOS_STYLE_DELIMITERS": "!-",
        "OSPREY_BUCKETS_MY_PHOTOS_AUTO_FORMAT": "avif, webp",
    }
    config = parse_config({"server": {"port": 1}}, environ=env)
    assert config.server.port == 9999
    assert config.upstream.endpoint == "http://127.0.0.1:9000"
    assert config.cache.max_bytes == 0
    assert config.limits.timeout_s == 2.5
    assert config.credentials[0].access_key_id == "ak"
    photos = config.bucket("my-photos")
    assert (photos.anonymous, photos.styles, photos.style_delimiters) == ("read", {"thumb": "image/resize,w_10"}, "!-")
    assert photos.auto_format == ("avif", "webp")


@pytest.mark.parametrize(
    ("raw", "env", "names"),
    [
        ({"server": {"port": "eighty"}}, {}, ["server.port", "'eighty'", "whole number"]),
        ({"server": {"port": -1}}, {}, ["server.port", ">= 0"]),
        ({"server": {"hots": "x"}}, {}, ["server.hots", "no such key"]),
        ({"server": {"header_timeout_s": 0}}, {}, ["server.header_timeout_s", ">= 1"]),
        ({"server": {"body_idle_timeout_s": -5}}, {}, ["server.body_idle_timeout_s", ">= 1"]),
        ({"server": {"keepalive_timeout_s": "never"}}, {}, ["server.keepalive_timeout_s", "a number"]),
        ({}, {"OSPREY_SERVER_MAX_CONNECTIONS": "0"}, ["server.max_connections", ">= 1"]),
        ({}, {"OSPREY_SERVER_MAX_CHUNKED_UPLOAD_BYTES": "0"}, ["server.max_chunked_upload_bytes", ">= 1"]),
        ({"server": {"spool_dir": "/no/such/folder"}}, {}, ["server.spool_dir", "existing directory"]),
        ({"upstream": {"type": "ftp"}}, {}, ["upstream.type", "'ftp'", "'local', 's3'"]),
        ({"upstream": {"endpoint": "not a url"}}, {}, ["upstream.endpoint", "URL"]),
        ({"upstream": {"type": "s3", "access_key_id": "only-one"}}, {}, ["upstream.access_key_id", "both"]),
        ({"limits": {"max_pixels": 0}}, {}, ["limits.max_pixels", ">= 1"]),
        ({"limits": {"timeout_s": "soon"}}, {}, ["limits.timeout_s", "a number"]),
        ({"limits": {"workers": 2, "heavy_workers": 3}}, {}, ["limits.heavy_workers", "at most limits.workers (2)"]),
        ({"limits": {"heavy_workers": -1}}, {}, ["limits.heavy_workers", ">= 0"]),
        ({"limits": {"worker_memory_bytes": 1000}}, {}, ["limits.worker_memory_bytes", "0 (no cap) or at least"]),
        ({"limits": {"heavy_cost": 0}}, {}, ["limits.heavy_cost", ">= 1"]),
        ({"cache": {"max_bytes": True}}, {}, ["cache.max_bytes", "whole number"]),
        ({"credentials": [{"access_key_id": "ak"}]}, {}, ["credentials[0]", "secret_access_key"]),
        ({"credentials": {"access_key_id": "ak"}}, {}, ["credentials", "array"]),
        ({"buckets": {"Bad_Name": {}}}, {}, ["buckets.Bad_Name", "bucket name"]),
        ({"buckets": {"ok-name": {"anonymous": "write"}}}, {}, ["buckets.ok-name.anonymous", "'none', 'read'"]),
        ({"buckets": {"ok-name": {"style_delimiters": "#"}}}, {}, ["style_delimiters", "-_/!"]),
        ({"buckets": {"ok-name": {"styles": {"bad name": "image/info"}}}}, {}, ["styles.bad name"]),
        ({"server": {"single_bucket": "UPPER"}}, {}, ["server.single_bucket"]),
        ({"buckets": {"ok-name": {"auto_format": ["gif"]}}}, {}, ["buckets.ok-name.auto_format", "'avif', 'webp'"]),
        ({"buckets": {"ok-name": {"auto_format": "webp"}}}, {"OSPREY_BUCKETS_OK_NAME_AUTO_FORMAT": "jxl"}, ["jxl"]),
        ({"server": {"virtual_host_domain": "http://x"}}, {}, ["server.virtual_host_domain"]),
        ({"nonsense": {}}, {}, ["nonsense", "section"]),
        ({"server": {"trust_unsigned_process": 1}}, {}, ["server.trust_unsigned_process", "true or false"]),
        ({}, {"OSPREY_SERVER_TRUST_UNSIGNED_PROCESS": "yes"}, ["server.trust_unsigned_process", "'yes'"]),
        ({}, {"OSPREY_LIMITS_MAX_CHAIN": "many"}, ["limits.max_chain", "'many'"]),
        ({}, {"OSPREY_WHATEVER_X": "1"}, ["OSPREY_WHATEVER_X", "section"]),
        ({}, {"OSPREY_BUCKETS_PHOTOS_COLOUR": "1"}, ["OSPREY_BUCKETS_PHOTOS_COLOUR"]),
        ({}, {"OSPREY_BUCKETS_PHOTOS_STYLES": "{not toml"}, ["buckets.photos.styles", "inline table"]),
    ],
)
def test_bad_values_stop_with_one_line_naming_key_value_and_allowed(raw, env, names):
    with pytest.raises(ConfigError) as info:
        parse_config(raw, environ=env)
    message = str(info.value)
    assert "\n" not in message
    for name in names:
        assert name in message


def test_missing_and_malformed_files_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[server\nport = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, environ={})


def test_check_config_command_reports_ok_and_fails_with_exit_2(tmp_path, capsys):
    assert main(["check-config", str(CONFIG_DIR / "minio.toml")]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    bad = tmp_path / "bad.toml"
    bad.write_text('[upstream]\ntype = "ftp"\n')
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "upstream.type" in err


def test_every_bucket_setting_can_come_from_the_environment():
    import dataclasses

    from proxy.config import BucketConfig

    names = [f.name for f in dataclasses.fields(BucketConfig)]
    with pytest.raises(ConfigError) as refused:
        parse_config({}, {"OSPREY_BUCKETS_MY_PHOTOS_NOT_A_SETTING": "x"})
    assert all(name.upper() in str(refused.value) for name in names)
    config = parse_config({}, {"OSPREY_BUCKETS_MY_PHOTOS_PROTECT_SOURCE": "jpg, png"})
    assert config.bucket("my-photos").protect_source == ("jpg", "png")
