#!/usr/bin/env python3
"""botocore's SigV4 for S3, as an oracle for Berth's own signer (Tests/S3StorageTests).

Reads JSON from stdin: {"access_key", "secret_key", "session_token"?, "region", "timestamp"
(ISO 8601, UTC), "requests": [{"method", "url", "headers": {...}, "body": "..."}],
"presign": [{"method", "url", "expires"}]} and writes {"authorization": [...], "presigned": [...]}
with botocore's Authorization header for each request and its presigned URL for each presign.
"""
import datetime
import json
import sys
from unittest import mock

from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    spec = json.load(sys.stdin)
    credentials = Credentials(spec["access_key"], spec["secret_key"], spec.get("session_token"))
    now = datetime.datetime.fromisoformat(spec["timestamp"].replace("Z", "+00:00"))
    out = {"authorization": [], "presigned": []}
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        for item in spec["requests"]:
            request = AWSRequest(method=item["method"], url=item["url"], headers=item["headers"],
                                 data=item.get("body", "").encode())
            S3SigV4Auth(credentials, "s3", spec["region"]).add_auth(request)
            out["authorization"].append(request.headers["Authorization"])
        for item in spec["presign"]:
            request = AWSRequest(method=item["method"], url=item["url"])
            S3SigV4QueryAuth(credentials, "s3", spec["region"], expires=item["expires"]).add_auth(request)
            out["presigned"].append(request.url)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
