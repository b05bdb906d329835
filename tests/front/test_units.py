import pytest

from proxy.config import ServerConfig
from proxy.errors import OssError
from proxy.front.addressing import Address, resolve_address, split_style
from proxy.front.errors import error_xml, new_request_id
from proxy.front.query import parse_query


@pytest.mark.parametrize(
    ("host", "path", "server", "expected"),
    [
        ("127.0.0.1:8080", "/photos/a/b.jpg", ServerConfig(), Address("photos", "a/b.jpg")),
        ("127.0.0.1", "/photos/a%20b%2Bc.jpg", ServerConfig(), Address("photos", "a b+c.jpg")),
        ("127.0.0.1", "/photos", ServerConfig(), Address("photos", "")),
        ("127.0.0.1", "/", ServerConfig(), Address("", "")),
        ("photos.img.test:8080", "/a.jpg", ServerConfig(virtual_host_domain="img.test"), Address("photos", "a.jpg")),
        ("img.test", "/photos/a.jpg", ServerConfig(virtual_host_domain="img.test"), Address("photos", "a.jpg")),
        ("anything", "/dir/a.jpg", ServerConfig(single_bucket="side"), Address("side", "dir/a.jpg")),
    ],
)
def test_addressing_styles(host, path, server, expected):
    assert resolve_address(host, path, server) == expected


def test_style_split_takes_last_delimiter_naming_a_style():
    styles = {"thumb": "image/resize,w_1", "b": "image/resize,w_2"}
    assert split_style("a-b!thumb", "!-", styles) == ("a-b", "thumb")
    assert split_style("x!a-b", "!-", styles) == ("x!a", "b")
    assert split_style("a.jpg!nostyle", "!", styles) == ("a.jpg!nostyle", None)
    assert split_style("a.jpg!thumb", "", styles) == ("a.jpg!thumb", None)


def test_query_decodes_once_and_keeps_plus():
    q = parse_query("x-oss-process=image%2Fwatermark%2Ctext_a+b%3D&acl&X-Oss-Process=ignored&x-oss-process=second")
    assert q == {"x-oss-process": "image/watermark,text_a+b=", "acl": "", "X-Oss-Process": "ignored"}
    assert parse_query("x-oss-process=image/resize,w_1%252F") == {"x-oss-process": "image/resize,w_1%2F"}


def test_error_xml_has_oss_shape_and_escapes():
    err = OssError(400, "InvalidArgument", "bad <value>", "0040-00000311", {"ArgumentName": "m"})
    rid = new_request_id()
    assert len(rid) == 24 and rid == rid.upper()
    xml = error_xml(err, rid, "h.test").decode()
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>InvalidArgument</Code>')
    assert "<Message>bad &lt;value&gt;</Message>" in xml
    assert f"<RequestId>{rid}</RequestId>" in xml and "<HostId>h.test</HostId>" in xml
    assert "<ArgumentName>m</ArgumentName>" in xml and "<EC>0040-00000311</EC>" in xml
