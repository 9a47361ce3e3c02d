"""Fixtures the integration tests share: the real S3 server (SeaweedFS) of tests/s3_server.py."""

from tests.s3_server import s3_server

__all__ = ["s3_server"]
