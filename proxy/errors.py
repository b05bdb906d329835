"""The one error type every layer raises; the front renders it as the OSS XML body."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OssError(Exception):
    """An error with the OSS `Code`, HTTP status and optional fine-grained `EC`."""

    status: int
    code: str
    message: str
    ec: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.message}")

    def __reduce__(self) -> tuple[type[OssError], tuple[int, str, str, str | None, dict[str, str]]]:
        """Pickle by fields: errors cross from worker processes back to the server."""
        return (OssError, (self.status, self.code, self.message, self.ec, self.extra))


def invalid_argument(message: str, ec: str | None = None, **extra: str) -> OssError:
    return OssError(400, "InvalidArgument", message, ec, dict(extra))


def bad_request(message: str, ec: str | None = None) -> OssError:
    return OssError(400, "BadRequest", message, ec)


def missing_argument(message: str, ec: str | None = None) -> OssError:
    return OssError(400, "MissingArgument", message, ec)


def image_too_large(message: str, ec: str | None = None) -> OssError:
    return OssError(400, "ImageTooLarge", message, ec)


def not_implemented(message: str, ec: str | None = None) -> OssError:
    return OssError(400, "NotImplemented", message, ec)


def no_such_key(key: str) -> OssError:
    return OssError(404, "NoSuchKey", "The specified key does not exist.", "0026-00000001", {"Key": key})


def no_such_bucket(bucket: str) -> OssError:
    return OssError(
        404, "NoSuchBucket", "The specified bucket does not exist.", "0015-00000101",
        {"BucketName": bucket},
    )


def access_denied(message: str) -> OssError:
    return OssError(403, "AccessDenied", message)
