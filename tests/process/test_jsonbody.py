"""OSS's processing-tier JSON layout (image §4.14, image §5), shared by info, average-hue and save-as."""

import json

from proxy.process.jsonbody import MEDIA_TYPE, dumps, output


def test_jsonbody_matches_the_saveas_bytes_from_the_go_sdk_mock():
    body = dumps({"status": "OK", "object": "dest.jpg", "fileSize": 3267, "bucket": ""})
    assert body == b'{\n    "bucket": "",\n    "fileSize": 3267,\n    "object": "dest.jpg",\n    "status": "OK"}'


def test_jsonbody_keeps_nested_values_on_one_line():
    assert dumps({"B": {"value": "2"}, "A": {"value": "1"}}) == (
        b'{\n    "A": {"value": "1"},\n    "B": {"value": "2"}}'
    )


def test_jsonbody_escapes_text_and_keeps_utf8():
    body = dumps({"Software": 'say "hi"\n', "Artist": "张三"})
    assert json.loads(body) == {"Software": 'say "hi"\n', "Artist": "张三"}
    assert "张三".encode() in body


def test_jsonbody_output_is_json():
    assert output({"RGB": "0x000000"}).media_type == MEDIA_TYPE == "application/json"
