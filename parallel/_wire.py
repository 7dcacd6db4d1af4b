"""Length-prefixed pickled messages over a stream socket between the master and a worker."""

from __future__ import annotations

import pickle
import socket
import struct
from typing import Any

_LENGTH = struct.Struct("!Q")


def send(sock: socket.socket, message: Any) -> None:
    """Pickle ``message`` and write it whole (raises ``OSError`` if the peer is gone)."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_LENGTH.pack(len(payload)) + payload)


def send_bytes(sock: socket.socket, payload: bytes) -> None:
    """Write one already pickled message."""
    sock.sendall(_LENGTH.pack(len(payload)) + payload)


def recv_bytes(sock: socket.socket) -> bytes | None:
    """Read one message's bytes; None on end of file (the peer closed or died)."""
    header = _recv_exact(sock, _LENGTH.size)
    if header is None:
        return None
    (size,) = _LENGTH.unpack(header)
    return _recv_exact(sock, size)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        try:
            n = sock.recv_into(view[got:], size - got)
        except ConnectionResetError:
            return None
        if n == 0:
            return None
        got += n
    return bytes(buf)
