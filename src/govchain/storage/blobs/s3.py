"""Blobs as objects in an S3-compatible store, through boto3 (F-A1, docs/spec/assets.md).

Each blob is one object in one bucket, its key the lowercase hex of its
hash. Requests use path-style addressing (``ENDPOINT/BUCKET/KEY``), which
every S3-compatible server (SeaweedFS, MinIO, Ceph) takes without DNS set
up per bucket. A put is one PutObject, atomic on the server: a reader sees
the whole blob or none. Every get checks the hash of what came back.

Errors reach callers as :class:`BlobError` subclasses with one clear line
(an endpoint that cannot be reached, credentials refused, a missing
bucket), never as a botocore traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    FlexibleChecksumError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from govchain.storage.blobs.base import (
    MAX_BLOB,
    BlobAccessDeniedError,
    BlobCorruptError,
    BlobError,
    BlobNotFoundError,
    BlobUnavailableError,
    HashFn,
    check_blob_limit,
    check_blob_size,
    verified_blob,
)

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client
    from types_boto3_s3.literals import BucketLocationConstraintType

__all__ = ["S3BlobStore"]

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60
MAX_ATTEMPTS = 3
"""Attempts per request (first try included) before an error is raised."""

LIST_PAGE_SIZE = 1000
"""Keys per ListObjectsV2 page (the S3 maximum)."""

_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "403",
    }
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
_HEX = frozenset("0123456789abcdef")


class S3BlobStore:
    """A :class:`~govchain.storage.blobs.BlobStore` in one bucket of an S3 endpoint."""

    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        hash_fn: HashFn,
        region: str = "us-east-1",
        max_blob: int = MAX_BLOB,
        create_bucket: bool = True,
        page_size: int = LIST_PAGE_SIZE,
    ) -> None:
        """Connect and check the bucket: created when missing if ``create_bucket``.

        An endpoint that does not answer, credentials it refuses, or a
        missing bucket (with ``create_bucket=False``) is a :class:`BlobError`
        here, when the store opens.
        """
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.max_blob = check_blob_limit(max_blob)
        if not 0 < page_size <= LIST_PAGE_SIZE:
            raise BlobError(f"an S3 listing page is 1..{LIST_PAGE_SIZE} keys, not {page_size}")
        self._page_size = page_size
        self._hash = hash_fn
        self._digest_size = len(hash_fn(b""))
        config = Config(
            s3={"addressing_style": "path"},
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        )
        # a session of our own: boto3's default session is not safe to share across threads
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region
        )
        self._client: S3Client = session.client("s3", endpoint_url=endpoint_url, config=config)
        try:
            self._open_bucket(create_bucket, region)
        except BaseException:
            self._client.close()  # a store that failed to open holds no connections
            raise

    def put(self, data: bytes) -> bytes:
        """Store ``data`` as the object named by its hash; the hash (idempotent)."""
        check_blob_size(len(data), self.max_blob)
        digest = self._hash(data)
        with self._errors_mapped(f"store blob {digest.hex()}"):
            self._client.put_object(Bucket=self.bucket, Key=digest.hex(), Body=data)
        return digest

    def get(self, digest: bytes) -> bytes:
        """The blob with hash ``digest``, its hash checked; BlobNotFoundError, BlobCorruptError."""
        key = self._key_of(digest)
        if key is None:
            raise BlobNotFoundError(self._not_found(digest))
        with self._errors_mapped(f"read blob {key}", missing=self._not_found(digest)):
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
            body = answer["Body"]
            try:
                if answer.get("ContentLength", 0) > MAX_BLOB:
                    raise BlobCorruptError(f"blob {key} is corrupt: its object is over MAX_BLOB")
                data = body.read(MAX_BLOB + 1)  # bounded whatever the server sends
            finally:
                body.close()
        if len(data) > MAX_BLOB:
            raise BlobCorruptError(f"blob {key} is corrupt: its object is over MAX_BLOB")
        return verified_blob(digest, data, self._hash)

    def has(self, digest: bytes) -> bool:
        """True when an object for ``digest`` is in the bucket (its bytes are not checked)."""
        key = self._key_of(digest)
        if key is None:
            return False
        try:
            with self._errors_mapped(f"look up blob {key}", missing="absent"):
                self._client.head_object(Bucket=self.bucket, Key=key)
        except BlobNotFoundError:
            return False
        return True

    def delete(self, digest: bytes) -> None:
        """Remove the blob's object (no error when absent)."""
        key = self._key_of(digest)
        if key is not None:
            with self._errors_mapped(f"delete blob {key}"):
                self._client.delete_object(Bucket=self.bucket, Key=key)

    def digests(self) -> Iterator[bytes]:
        """The hash of every blob object, page by page of ListObjectsV2 (other keys skipped)."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, PaginationConfig={"PageSize": self._page_size}
        )
        with self._errors_mapped("list the blobs"):
            for page in pages:
                for item in page.get("Contents", []):
                    key = item.get("Key", "")
                    if len(key) == 2 * self._digest_size and set(key) <= _HEX:
                        yield bytes.fromhex(key)

    def close(self) -> None:
        """Close the client's connections (the store is not used afterwards)."""
        self._client.close()

    def _open_bucket(self, create: bool, region: str) -> None:
        try:
            with self._errors_mapped(f"open bucket {self.bucket}", missing="absent"):
                self._client.head_bucket(Bucket=self.bucket)
            return
        except BlobNotFoundError:
            if not create:
                raise BlobUnavailableError(
                    f"bucket {self.bucket} does not exist at the S3 endpoint {self.endpoint_url}"
                    " (create it, or let the store create it)"
                ) from None
        with self._errors_mapped(f"create bucket {self.bucket}"):
            try:
                if region == "us-east-1":  # the one region S3 refuses a location constraint for
                    self._client.create_bucket(Bucket=self.bucket)
                else:
                    self._client.create_bucket(
                        Bucket=self.bucket,
                        # any name a self-hosted server uses, not only AWS's list
                        CreateBucketConfiguration={
                            "LocationConstraint": cast("BucketLocationConstraintType", region)
                        },
                    )
            except ClientError as exc:
                if _code_of(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise  # another opener of the same bucket won the race: that is fine

    def _key_of(self, digest: bytes) -> str | None:
        return digest.hex() if len(digest) == self._digest_size else None

    def _not_found(self, digest: bytes) -> str:
        return f"no blob {digest.hex()} in bucket {self.bucket} at {self.endpoint_url}"

    @contextmanager
    def _errors_mapped(self, action: str, missing: str | None = None) -> Iterator[None]:
        """Turn boto3's errors into BlobErrors; ``missing`` is the not-found message, if any."""
        where = f"the S3 endpoint {self.endpoint_url} (bucket {self.bucket})"
        try:
            yield
        except ClientError as exc:
            code = _code_of(exc)
            if missing is not None and code in _NOT_FOUND_CODES:
                raise BlobNotFoundError(missing) from None
            if code in _DENIED_CODES:
                raise BlobAccessDeniedError(
                    f"{where} refused our credentials ({code}): could not {action}; "
                    "check the access key and secret key"
                ) from None
            if code == "NoSuchBucket":
                raise BlobUnavailableError(
                    f"bucket {self.bucket} does not exist at {self.endpoint_url}: "
                    f"could not {action}"
                ) from None
            raise BlobUnavailableError(f"{where} failed to {action}: {code}") from None
        except FlexibleChecksumError:
            raise BlobCorruptError(
                f"{where}: could not {action}: the bytes received failed their transfer checksum"
            ) from None
        except (NoCredentialsError, PartialCredentialsError):
            raise BlobAccessDeniedError(
                f"no S3 credentials were given for {where}: could not {action}"
            ) from None
        except (ConnectionError, HTTPClientError):
            raise BlobUnavailableError(
                f"{where} cannot be reached: could not {action} (is it running, and is the URL"
                " right?)"
            ) from None
        except BotoCoreError as exc:
            raise BlobUnavailableError(
                f"{where}: could not {action}: {type(exc).__name__}"
            ) from None


def _code_of(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code")
    if code:
        return str(code)
    return str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "unknown"))
