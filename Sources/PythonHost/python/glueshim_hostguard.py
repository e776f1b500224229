"""Refuses connections to real AWS hosts: a job run by glueshim only ever talks to the local endpoint.

Installed by glueshim's runner before the job script starts. Name resolution is where every client
(urllib3/botocore, http.client, asyncio, requests) passes, so socket.getaddrinfo and
socket.create_connection are wrapped; loopback and any other host stay allowed.
"""

import socket
import sys

_suffixes = ()
_reported = set()
_original_getaddrinfo = None
_original_create_connection = None


def is_blocked(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or not _suffixes:
        return False
    name = host.strip().rstrip(".").lower()
    return any(name == suffix or name.endswith("." + suffix) for suffix in _suffixes)


def _refuse(host):
    message = ("glueshim: local mode never contacts real AWS (%s); leave endpoint_url unset so boto3 "
               "uses the local endpoint from AWS_ENDPOINT_URL" % host)
    # botocore retries and rewraps connection errors, which hides this message: say it once on stderr too.
    if host not in _reported:
        _reported.add(host)
        try:
            sys.stderr.write(message + "\n")
        except Exception:
            pass
    raise ConnectionRefusedError(message)


def _getaddrinfo(host, *args, **kwargs):
    if is_blocked(host):
        _refuse(host)
    return _original_getaddrinfo(host, *args, **kwargs)


def _create_connection(address, *args, **kwargs):
    if isinstance(address, tuple) and address and is_blocked(address[0]):
        _refuse(address[0])
    return _original_create_connection(address, *args, **kwargs)


def install(suffixes):
    global _suffixes, _original_getaddrinfo, _original_create_connection
    _suffixes = tuple(s.strip().strip(".").lower() for s in suffixes if s.strip().strip("."))
    if _original_getaddrinfo is None:
        _original_getaddrinfo = socket.getaddrinfo
        _original_create_connection = socket.create_connection
        socket.getaddrinfo = _getaddrinfo
        socket.create_connection = _create_connection
