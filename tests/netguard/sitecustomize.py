"""Network guard for smoke runs: any connection to a non-loopback address raises.

Python imports ``sitecustomize`` at start-up from any folder on ``PYTHONPATH``; the
Makefile puts this folder there for ``make test`` and ``make run``, so the test process,
its xdist workers and every notebook kernel run with the guard. It acts only when
``TFAT_NETWORK_GUARD=1``. Each blocked attempt is also appended to the file named by
``TFAT_NETWORK_LOG`` (if set), so an attempt that a library catches and hides is still
seen: tests/conftest.py fails the session when that file is not empty.
"""

import os

if os.environ.get("TFAT_NETWORK_GUARD") == "1":
    import ipaddress
    import socket

    class NetworkBlockedError(ConnectionRefusedError):
        """Raised for a connection to a non-loopback address during a smoke run."""

    _LOCAL_NAMES = {None, "", "localhost", "localhost.localdomain", "ip6-localhost"}

    def _is_local(host) -> bool:
        if isinstance(host, bytes):
            host = host.decode(errors="replace")
        if host in _LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False  # a host name other than localhost would need a DNS query

    def _block(what: str, host, port) -> None:
        message = (
            f"this offline run (smoke mode or the dry run) must not use the network: {what} to "
            f"{host}:{port} blocked "
            "(TFAT_NETWORK_GUARD=1)"
        )
        log = os.environ.get("TFAT_NETWORK_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"pid {os.getpid()}: {what} {host}:{port}\n")
        raise NetworkBlockedError(message)

    def _check(sock, address, what):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _is_local(address[0]):
                _block(what, address[0], address[1] if len(address) > 1 else "")

    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _sendto = socket.socket.sendto
    _getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        _check(self, address, "connect")
        return _connect(self, address)

    def connect_ex(self, address):
        _check(self, address, "connect")
        return _connect_ex(self, address)

    def sendto(self, data, *args):
        _check(self, args[-1], "sendto")
        return _sendto(self, data, *args)

    def getaddrinfo(host, port, *args, **kwargs):
        if not _is_local(host):
            _block("name lookup", host, port)
        return _getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo
    socket.NetworkBlockedError = NetworkBlockedError
