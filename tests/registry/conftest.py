"""Every registry test runs twice: on a local folder and on a real S3-compatible server.

The server is moto's ``ThreadedMotoServer`` (the ``moto[server]`` package, as s3fs's own test
suite uses), started on 127.0.0.1 for the session and stopped after; s3fs talks HTTP to it
like to any S3 endpoint. Each test gets a fresh bucket.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CREDENTIALS = {"key": "testing-key-id", "secret": "testing-secret"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["folder", "s3"])
def registry_location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """(url, storage_options) of an empty registry on one backend."""
    if request.param == "folder":
        return str(tmp_path / "registry"), {}
    import boto3

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"reg-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=CREDENTIALS["key"],
                 aws_secret_access_key=CREDENTIALS["secret"]).create_bucket(Bucket=bucket)
    options = {**CREDENTIALS, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
               "skip_instance_cache": True}
    return f"s3://{bucket}/models", options
