"""The OSS errors authentication raises, with the codes, messages and extra elements OSS and S3 clients expect.

Malformed credentials (header or query) are 400 `InvalidArgument` as on OSS, whose error format Osprey
speaks; S3's own codes for them (`AuthorizationHeaderMalformed`, `AuthorizationQueryParametersError`) are
also 400 and every SDK treats them alike. `X-Amz-Expires` out of range keeps S3's own code and words, which
S3 tools match. Missing presigned parameters are 403 `AccessDenied`, as on S3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from proxy.errors import OssError, invalid_argument

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)
MAX_SKEW_MS = 900_000  # 15 minutes, the clock difference OSS and S3 tolerate on header signatures


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def signature_mismatch(provided: str, string_to_sign: str, canonical_request: str | None = None) -> OssError:
    """Carries the string to sign (and canonical request) so a client author can see where they differ."""
    extra = {"SignatureProvided": provided, "StringToSign": string_to_sign}
    if canonical_request is not None:
        extra["CanonicalRequest"] = canonical_request
    return OssError(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH, "0002-00000040", extra)


def unknown_key(access_key_id: str, vendor: str = "OSS") -> OssError:
    return OssError(
        403,
        "InvalidAccessKeyId",
        f"The {vendor} Access Key Id you provided does not exist in our records.",
        extra={f"{vendor}AccessKeyId": access_key_id},
    )


def secret_for(credentials: Mapping[str, str], access_key_id: str, vendor: str = "OSS") -> str:
    """The secret a client signed with, or the error that says the key is not ours (in the vendor's words)."""
    secret = credentials.get(access_key_id)
    if secret is None:
        raise unknown_key(access_key_id, vendor)
    return secret


def too_skewed(request_time: str, now: datetime) -> OssError:
    return OssError(
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
        "0002-00000504",
        {"MaxAllowedSkewMilliseconds": str(MAX_SKEW_MS), "RequestTime": request_time, "ServerTime": _iso(now)},
    )


def expired(expires_at: datetime, now: datetime) -> OssError:
    return OssError(
        403,
        "AccessDenied",
        f"Request has expired: the signature was valid until {_iso(expires_at)}.",
        extra={"Expires": _iso(expires_at), "ServerTime": _iso(now)},
    )


def not_yet_valid(signed_at: datetime, now: datetime) -> OssError:
    return OssError(
        403,
        "AccessDenied",
        f"Request is not valid yet: it was signed for {_iso(signed_at)}.",
        extra={"RequestTime": _iso(signed_at), "ServerTime": _iso(now)},
    )


def no_valid_date(scheme: str) -> OssError:
    return OssError(403, "AccessDenied", f"{scheme} authentication requires a valid Date.")


def missing_parameters(message: str, ec: str | None = None) -> OssError:
    return OssError(403, "AccessDenied", message, ec)


def headers_not_signed(names: Iterable[str]) -> OssError:
    """S3's answer to a request carrying headers its signature had to cover and does not."""
    return OssError(403, "AccessDenied", "There were headers present in the request which were not signed",
                    extra={"HeadersNotSigned": ", ".join(sorted(names))})


def query_parameters_error(message: str) -> OssError:
    """S3's refusal of presigned parameters it cannot use (a lifetime that is no number, negative, or past a week)."""
    return OssError(400, "AuthorizationQueryParametersError", message)


def malformed(message: str, name: str, value: str) -> OssError:
    return invalid_argument(message, ArgumentName=name, ArgumentValue=value)
