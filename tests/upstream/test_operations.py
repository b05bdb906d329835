"""Which S3 operation a call is, and which OSS features Osprey refuses rather than forwards."""

import pytest

from proxy.errors import OssError
from proxy.upstream.operations import LIST_LIVE_CHANNELS, operation, refuse_oss_features


def test_an_upload_listing_with_oss2s_options_is_list_multipart_uploads():
    params = ["uploads", "prefix", "delimiter", "key-marker", "upload-id-marker", "max-uploads", "encoding-type"]
    assert operation("GET", "b", "", params) == "ListMultipartUploads"


def test_a_bucket_get_naming_live_lists_live_channels():
    assert operation("GET", "b", "", ["live", "prefix", "marker", "max-keys"]) == LIST_LIVE_CHANNELS
    refuse_oss_features("GET", "", ["live", "max-keys"], oss_caller=True)  # answered, not refused


@pytest.mark.parametrize(("method", "key", "name", "feature"), [
    ("POST", "k", "append", "appending to objects"),
    ("PUT", "channel", "live", "live channels"),
    ("GET", "", "bucketInfo", "bucket info"),
    ("GET", "k", "x-oss-traffic-limit", "the traffic limit"),
])
def test_an_oss_only_feature_is_refused_whoever_signed(method, key, name, feature):
    for oss_caller in (True, False):
        with pytest.raises(OssError) as refused:
            refuse_oss_features(method, key, [name], oss_caller)
        assert (refused.value.status, refused.value.code) == (501, "NotImplemented")
        assert feature in refused.value.message


@pytest.mark.parametrize("name", ["acl", "restore", "replication", "inventory", "requestPayment"])
def test_a_sub_resource_s3_also_has_is_refused_to_oss_callers_only(name):
    refuse_oss_features("GET", "", [name], oss_caller=False)
    with pytest.raises(OssError) as refused:
        refuse_oss_features("GET", "", [name], oss_caller=True)
    assert refused.value.status == 501
