#!/usr/bin/python3
"""Byte-for-byte TCP transfer check: `server PORT` prints length and SHA-256 of what it received;
`client HOST PORT NBYTES SEED` sends NBYTES of seeded pseudo-random data and prints the same."""
import hashlib
import random
import socket
import sys


def server(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(1)
        s.settimeout(30)
        conn, _ = s.accept()
        conn.settimeout(30)
        h, n = hashlib.sha256(), 0
        while True:
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            h.update(chunk)
            n += len(chunk)
        conn.close()
    print(n, h.hexdigest(), flush=True)


def client(host: str, port: int, nbytes: int, seed: int) -> None:
    data = random.Random(seed).randbytes(nbytes)
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        s.recv(1)
    print(nbytes, hashlib.sha256(data).hexdigest(), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
