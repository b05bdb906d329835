"""OSS and S3 spellings: headers mapped up and down, S3 XML reshaped the way oss2 parses it."""

import xml.etree.ElementTree as ET

import oss2
from oss2 import xml_utils

from proxy.auth import Identity
from proxy.front.dialect import client_headers, oss_document, reaches_upstream, upstream_headers

SIGNED_ALL = Identity("key", "oss-v4", False)  # a signature covering every header sent


def test_oss_headers_become_s3_headers_and_the_s3_spelling_wins():
    headers = [
        ("Content-Type", "text/plain"), ("x-oss-meta-Owner", "zhang"), ("x-amz-meta-kind", "s3"),
        ("x-oss-meta-kind", "oss"), ("x-oss-copy-source", "/b/k%20k"), ("x-oss-storage-class", "IA"),
        ("x-oss-object-acl", "public-read"), ("x-oss-forbid-overwrite", "true"), ("x-oss-date", "now"),
        ("Authorization", "OSS a:b"), ("Host", "example"), ("x-oss-server-side-encryption", "SM4"),
    ]
    assert upstream_headers(headers, False, SIGNED_ALL) == {
        "content-type": "text/plain", "x-amz-meta-owner": "zhang", "x-amz-meta-kind": "s3",
        "x-amz-copy-source": "/b/k%20k", "x-amz-storage-class": "STANDARD_IA", "if-none-match": "*",
    }


def test_aws_chunked_framing_and_signature_headers_stay_behind():
    headers = [
        ("Content-Encoding", "aws-chunked,gzip"), ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        ("x-amz-decoded-content-length", "3"), ("x-amz-trailer", "x-amz-checksum-crc32"),
        ("x-amz-sdk-checksum-algorithm", "CRC32"), ("x-amz-date", "20240101T000000Z"), ("x-amz-acl", "private"),
    ]
    assert upstream_headers(headers, True, SIGNED_ALL) == {"content-encoding": "gzip", "x-amz-acl": "private"}
    assert "x-amz-sdk-checksum-algorithm" in upstream_headers(headers, False, SIGNED_ALL)


def test_vendor_headers_the_signature_does_not_cover_never_reach_the_upstream():
    headers = [("Content-Type", "text/plain"), ("x-amz-copy-source", "/vault/secret.txt"),
               ("x-oss-copy-source", "/vault/other.txt"), ("x-amz-meta-kind", "s3"), ("x-oss-meta-owner", "zhang")]
    partly = Identity("key", "aws-sigv4", True, unsigned_headers=frozenset({"x-amz-copy-source", "x-oss-copy-source",
                                                                           "x-oss-meta-owner", "content-type"}))
    assert upstream_headers(headers, False, partly) == {"content-type": "text/plain", "x-amz-meta-kind": "s3"}
    assert upstream_headers(headers, False, None) == {"content-type": "text/plain"}  # anonymous: no vendor header


def test_only_vendor_headers_that_change_the_upstream_call_need_a_signature():
    assert all(map(reaches_upstream, ["x-amz-copy-source", "X-Amz-Acl", "x-oss-copy-source", "x-oss-meta-a",
                                      "x-oss-forbid-overwrite", "x-oss-storage-class"]))
    assert not any(map(reaches_upstream, ["x-amz-date", "x-amz-content-sha256", "x-oss-date", "x-oss-object-acl",
                                          "content-type", "range"]))


def test_answers_carry_metadata_and_versions_in_both_spellings_and_not_the_upstream_ids():
    down = client_headers({"etag": '"e"', "x-amz-meta-a": "1", "x-amz-version-id": "v1", "x-amz-request-id": "r",
                           "server": "AmazonS3", "content-length": "3"})
    assert down == {"etag": '"e"', "x-amz-meta-a": "1", "x-oss-meta-a": "1", "x-amz-version-id": "v1",
                    "x-oss-version-id": "v1"}


S3_LISTING = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bk</Name><Prefix></Prefix>
<MaxKeys>2</MaxKeys><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
<Contents><Key>a+b/c%2Bd.txt</Key><LastModified>2024-05-06T07:08:09.123Z</LastModified><ETag>"x"</ETag>
<Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>z.bin</Key><LastModified>2024-05-06T07:08:09Z</LastModified><ETag>"y-2"</ETag><Size>9</Size>
<StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>"""


class _Result:
    def __init__(self):
        self.object_list, self.prefix_list = [], []


def test_an_s3_listing_parses_with_oss2_once_reshaped():
    document, headers = oss_document(S3_LISTING, "osprey.test")
    assert headers == {}
    result = xml_utils.parse_list_objects(_Result(), document)
    assert [o.key for o in result.object_list] == ["a b/c+d.txt", "z.bin"]
    assert [o.type for o in result.object_list] == ["Normal", "Multipart"]
    assert result.object_list[0].last_modified == oss2.utils.iso8601_to_unixtime("2024-05-06T07:08:09.000Z")
    assert result.is_truncated and result.next_marker == "z.bin"


def test_copy_and_complete_answers_surface_their_etag_as_a_header():
    body = b'<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>"abc"</ETag></CopyObjectResult>'
    document, headers = oss_document(body, "osprey.test")
    assert headers == {"etag": '"ABC"'}  # in OSS's upper case
    assert ET.fromstring(document).tag == "CopyObjectResult"
