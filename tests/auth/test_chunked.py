"""aws-chunked bodies: the AWS documentation's signed uploads, botocore's unsigned-trailer upload, bad framing."""

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpchecksum import Crc32Checksum, apply_request_checksum

from proxy.auth import AwsChunkedDecoder, ChunkSigner, decoder_for, verify

# AWS "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks".
DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DOC_NOW = datetime(2013, 5, 24, 0, 1, tzinfo=UTC)
DOC_PAYLOAD = b"a" * 66560
DOC_HEADERS = {
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "Content-Encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "Content-Length": "66824",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
    "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
    "x-amz-decoded-content-length;x-amz-storage-class,"
    "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
}
DOC_CHUNK_SIGNATURES = (
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
)
# The same upload with a signed CRC32C trailer (AWS "Signature calculations for trailing headers").
TRAILER_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
TRAILER_CHUNK_SIGNATURES = (
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
)
TRAILERS = b"x-amz-checksum-crc32c:sOO8/Q==\r\n"
TRAILER_SIGNATURE = b"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n"


def signed_body(signatures, trailers=b"", data=(DOC_PAYLOAD[:65536], DOC_PAYLOAD[65536:], b"")):
    """Frame `data` as signed chunks; the final (empty) chunk is followed by `trailers` and the closing CRLF."""
    pairs = zip(data, signatures, strict=True)
    chunks = [b"%x;chunk-signature=%s\r\n%s\r\n" % (len(d), s.encode(), d) for d, s in pairs]
    return b"".join(chunks)[:-2] + trailers + b"\r\n"


def doc_signer(seed):
    """The documentation's signing key, derived here independently of the code under test."""
    key = ("AWS4" + DOC_SECRET).encode()
    for part in ("20130524", "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return ChunkSigner(key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", seed)


def decode(decoder, body, piece):
    out = b"".join(decoder.feed(body[i : i + piece]) for i in range(0, len(body), piece))
    decoder.finish()
    return out


@pytest.fixture
def doc_decoder(from_url, credentials):
    """The decoder the documented request's verified identity calls for."""
    request = from_url("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", DOC_HEADERS)
    identity = verify(request, credentials, DOC_NOW)
    assert identity.chunk_signer.seed_signature == DOC_HEADERS["Authorization"].rpartition("Signature=")[2]
    return decoder_for(identity, decoded_length=66560)


@pytest.mark.parametrize("piece", [1, 7, 1000, 66824])
def test_signed_upload_decodes_byte_exact_whatever_the_read_sizes(doc_decoder, piece):
    body = signed_body(DOC_CHUNK_SIGNATURES)
    assert len(body) == 66824
    assert decode(doc_decoder, body, piece) == DOC_PAYLOAD
    assert doc_decoder.trailers == {} and doc_decoder.done


def test_signed_chunk_is_held_back_until_its_signature_checks(doc_decoder):
    body = signed_body(DOC_CHUNK_SIGNATURES)
    header_length = body.index(b"\r\n") + 2
    assert doc_decoder.feed(body[: header_length + 65535]) == b""
    assert doc_decoder.feed(body[header_length + 65535 : header_length + 65536]) == DOC_PAYLOAD[:65536]


def test_tampered_chunk_is_refused_before_any_of_it_is_released(doc_decoder, failure):
    body = bytearray(signed_body(DOC_CHUNK_SIGNATURES))
    first_chunk_end = body.index(b"\r\n400;") + 2
    body[first_chunk_end + 100] = ord("b")  # inside the second chunk's data
    assert doc_decoder.feed(bytes(body[:first_chunk_end])) == DOC_PAYLOAD[:65536]
    err = failure(lambda: doc_decoder.feed(bytes(body[first_chunk_end:])))
    assert (err.status, err.code) == (403, "SignatureDoesNotMatch")
    assert err.extra["SignatureProvided"] == DOC_CHUNK_SIGNATURES[1]
    assert err.extra["StringToSign"].startswith("AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n")


def test_dropped_chunk_breaks_the_signature_chain(doc_decoder, failure):
    body = signed_body(DOC_CHUNK_SIGNATURES[1:], data=(DOC_PAYLOAD[65536:], b""))
    assert failure(lambda: doc_decoder.feed(body)).code == "SignatureDoesNotMatch"


def test_signed_chunk_without_a_signature_is_malformed(doc_decoder, failure):
    err = failure(lambda: doc_decoder.feed(b"400\r\n"))
    assert (err.status, err.code) == (400, "InvalidArgument")


def test_trailers_on_a_body_signed_without_them_are_refused(doc_decoder, failure):
    err = failure(lambda: doc_decoder.feed(signed_body(DOC_CHUNK_SIGNATURES, b"x-amz-checksum-crc32:AAAAAA==\r\n")))
    assert (err.status, err.code) == (400, "InvalidArgument")


def test_signed_trailer_upload_decodes_and_exposes_the_checksum():
    decoder = AwsChunkedDecoder(doc_signer(TRAILER_SEED), signed_trailer=True, decoded_length=66560)
    body = signed_body(TRAILER_CHUNK_SIGNATURES, TRAILERS + TRAILER_SIGNATURE)
    assert decode(decoder, body, 4096) == DOC_PAYLOAD
    assert decoder.trailers == {"x-amz-checksum-crc32c": "sOO8/Q=="}


def test_tampered_trailer_is_refused(failure):
    decoder = AwsChunkedDecoder(doc_signer(TRAILER_SEED), signed_trailer=True)
    body = signed_body(TRAILER_CHUNK_SIGNATURES, TRAILERS.replace(b"sOO8", b"sOO9") + TRAILER_SIGNATURE)
    assert failure(lambda: decoder.feed(body)).code == "SignatureDoesNotMatch"


def test_signed_trailer_without_its_signature_is_malformed(failure):
    decoder = AwsChunkedDecoder(doc_signer(TRAILER_SEED), signed_trailer=True)
    err = failure(lambda: decoder.feed(signed_body(TRAILER_CHUNK_SIGNATURES, TRAILERS)))
    assert (err.status, err.code) == (400, "InvalidArgument")


def boto3_trailer_upload(from_url, payload):
    """What boto3 sends for PutObject over https: botocore's own trailer checksum step, then its S3 signer."""
    request_dict = {
        "headers": {},
        "body": payload,
        "context": {
            "checksum": {"request_algorithm": {"algorithm": "crc32", "in": "trailer", "name": "x-amz-checksum-crc32"}}
        },
    }
    apply_request_checksum(request_dict)
    request = AWSRequest(
        method="PUT",
        url="http://127.0.0.1:9/examplebucket/big.bin",
        headers=request_dict["headers"],
        data=request_dict["body"],
    )
    request.context.update(request_dict["context"])
    S3SigV4Auth(Credentials("ak", "sk"), "s3", "us-east-1").add_auth(request)
    signed_at = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return from_url("PUT", request.url, dict(request.headers.items())), request_dict["body"].read(), signed_at


def test_boto3_unsigned_trailer_upload_decodes_and_exposes_its_crc32(from_url, credentials):
    payload = bytes(range(256)) * 10_000  # 2.5 MB: three of botocore's 1 MiB chunks
    request, body, signed_at = boto3_trailer_upload(from_url, payload)
    assert request.header("x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert request.header("content-encoding") == "aws-chunked"
    identity = verify(request, credentials, signed_at)
    decoder = decoder_for(identity, int(request.header("x-amz-decoded-content-length")))
    assert decode(decoder, body, 65536) == payload
    expected = Crc32Checksum()
    expected.update(payload)
    assert decoder.trailers == {"x-amz-checksum-crc32": expected.b64digest()}


def test_unsigned_chunks_stream_through_without_waiting_for_the_chunk_end():
    decoder = AwsChunkedDecoder()
    assert decoder.feed(b"a\r\n01234") == b"01234"
    assert decoder.feed(b"56789\r\n0\r\n\r\n") == b"56789"
    decoder.finish()


def test_plain_payloads_need_no_decoder(from_url, credentials):
    request = from_url(
        "GET",
        "http://examplebucket.s3.amazonaws.com/test.txt",
        {
            "Range": "bytes=0-9",
            "x-amz-date": "20130524T000000Z",
            "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        },
    )
    assert decoder_for(verify(request, credentials, DOC_NOW)) is None


@pytest.mark.parametrize(
    "body,reason",
    [
        (b"zz\r\n", "size is not hex"),
        (b"+a\r\n", "size with a sign"),
        (b"3\r\nabcX\r\n", "data longer than declared"),
        (b"3\nabc\r\n", "bare LF"),
        (b"3\r\nabc\r\n0\r\n\r\nmore", "data after the end"),
        (b"3\r\nabc\r\n0\r\nno-colon\r\n\r\n", "trailer without a colon"),
        (b"1" * 5000, "endless header line"),
        (b"1000001\r\n", "chunk over the limit"),
    ],
)
def test_malformed_framing_is_a_400(failure, body, reason):
    decoder = AwsChunkedDecoder(max_chunk_bytes=16 * 1024 * 1024)
    err = failure(lambda: decoder.feed(body))
    assert (err.status, err.code) == (400, "InvalidArgument"), reason


def test_body_cut_short_is_incomplete(failure):
    decoder = AwsChunkedDecoder()
    decoder.feed(b"3\r\nab")
    assert failure(decoder.finish).code == "IncompleteBody"


@pytest.mark.parametrize("declared", [2, 4])
def test_payload_length_must_match_the_declared_decoded_length(failure, declared):
    decoder = AwsChunkedDecoder(decoded_length=declared)
    err = failure(lambda: decode(decoder, b"3\r\nabc\r\n0\r\n\r\n", 100))
    assert (err.status, err.code) == (400, "InvalidArgument")
