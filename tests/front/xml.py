"""Read an OSS error body in tests."""

import xml.etree.ElementTree as ET


async def error_of(response) -> dict[str, str]:
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(await response.read())
    assert root.tag == "Error"
    fields = {child.tag: child.text or "" for child in root}
    # The id header of the request's dialect (x-amz-request-id for S3 signatures, x-oss-request-id otherwise).
    assert fields["RequestId"] == response.headers.get("x-oss-request-id", response.headers.get("x-amz-request-id"))
    return fields
