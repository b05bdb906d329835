"""Client signature verification (AWS SigV4 and V2, OSS V1, V2 and V4; header or presigned), free of any web framework.

The front builds a `SignedRequest`, calls `verify`, and for aws-chunked bodies feeds the body through
`decoder_for(identity)`.
"""

from proxy.auth.chunked import AwsChunkedDecoder, decoder_for
from proxy.auth.request import ChunkSigner, Identity, SignedRequest
from proxy.auth.verify import SIGNATURE_PARAMS, verify

__all__ = ["SIGNATURE_PARAMS", "AwsChunkedDecoder", "ChunkSigner", "Identity", "SignedRequest", "decoder_for", "verify"]
