"""Read an OSS error body in tests."""

import xml.etree.ElementTree as ET


async def error_of(response) -> dict[str, str]:
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(await response.read())
    assert root.tag == "Error"
    fields = {child.tag: child.text or "" for child in root}
    assert fields["RequestId"] == response.headers["x-oss-request-id"]
    return fields
