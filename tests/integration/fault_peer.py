#!/usr/bin/env python3
"""Misbehaving servers for the fault-peer suite: each serves one behaviour on 127.0.0.1:PORT, every
connection in its own thread, until killed.
usage: fault_peer.py PORT BEHAVIOUR

Behaviours (see BEHAVIOURS below): transport faults (close, rst, garbage, endless, silent, drip),
PostgreSQL peers that misbehave after a real-looking login, Redis peers with unbounded replies, and
HTTP peers with interim, endless or malformed responses."""
import os
import socket
import struct
import sys
import threading
import time

FOREVER = 3600


def pg_msg(kind, body=b""):
    return kind + struct.pack("!I", len(body) + 4) + body


def pg_fields(**fields):
    """An ErrorResponse / NoticeResponse body: S=severity, C=code, M=message."""
    out = b""
    for key, value in fields.items():
        out += key.encode() + value.encode() + b"\0"
    return out + b"\0"


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def pg_startup(conn):
    """Answers SSLRequest/GSSENCRequest with 'N' and returns the startup packet; None for a cancel
    request (which is read and then left hanging, as a frozen server would)."""
    while True:
        length = struct.unpack("!I", recv_exact(conn, 4))[0]
        body = recv_exact(conn, length - 4)
        code = struct.unpack("!I", body[:4])[0]
        if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest
            conn.sendall(b"N")
            continue
        if code == 80877102:  # CancelRequest: never acted on
            return None
        return body


def pg_read_message(conn):
    kind = recv_exact(conn, 1)
    length = struct.unpack("!I", recv_exact(conn, 4))[0]
    return kind, recv_exact(conn, length - 4)


def pg_login_ok(conn, auth_ok=True):
    conn.sendall((pg_msg(b"R", struct.pack("!I", 0)) if auth_ok else b"")
                 + pg_msg(b"S", b"server_version\x0015.0\x00")
                 + pg_msg(b"S", b"client_encoding\x00UTF8\x00")
                 + pg_msg(b"S", b"standard_conforming_strings\x00on\x00")
                 + pg_msg(b"K", struct.pack("!II", 4242, 4242))
                 + pg_msg(b"Z", b"I"))


def hang(conn):
    while conn.recv(65536):
        pass
    time.sleep(FOREVER)


def pg_silent_after_login(conn):
    if pg_startup(conn) is None:
        return hang(conn)
    pg_login_ok(conn)
    hang(conn)


def pg_notice_echo(conn):
    """Asks for a cleartext password, then echoes it in a notice during login and in an error."""
    if pg_startup(conn) is None:
        return hang(conn)
    conn.sendall(pg_msg(b"R", struct.pack("!I", 3)))
    kind, body = pg_read_message(conn)
    password = body.rstrip(b"\0").decode(errors="replace")
    conn.sendall(pg_msg(b"R", struct.pack("!I", 0))
                 + pg_msg(b"N", pg_fields(S="WARNING", C="01000", M="notice with " + password)))
    pg_login_ok(conn, auth_ok=False)
    pg_read_message(conn)
    conn.sendall(pg_msg(b"E", pg_fields(S="ERROR", C="XX000", M="error with " + password)) + pg_msg(b"Z", b"I"))
    conn.close()


def pg_query_asked(conn):
    """Logs the client in, reads its query and starts a one-column result; False for a cancel request."""
    if pg_startup(conn) is None:
        return False
    pg_login_ok(conn)
    pg_read_message(conn)
    conn.sendall(pg_msg(b"T", struct.pack("!H", 1) + b"x\0" + struct.pack("!IhIhih", 0, 0, 25, -1, -1, 0)))
    return True


def pg_then_endless(first, unit):
    """After the result starts: `first`, then `unit` for ever (rows, or the bytes of one huge row)."""
    def serve(conn):
        if not pg_query_asked(conn):
            return hang(conn)
        conn.sendall(first)
        block = unit * max(1, 65536 // len(unit))
        while True:
            conn.sendall(block)
    return serve


def http_response(head_and_body):
    def serve(conn):
        conn.recv(65536)
        conn.sendall(head_and_body)
        hang(conn)
    return serve


def endless_after(prefix, unit):
    """Reads the request, sends `prefix`, then `unit` for ever."""
    def serve(conn):
        conn.recv(65536)
        conn.sendall(prefix)
        block = unit * (65536 // len(unit))
        while True:
            conn.sendall(block)
    return serve


def http_echo(conn):
    """Echoes the request (Authorization header included) in its reason phrase and body."""
    request = conn.recv(65536).replace(b"\r\n", b" | ")
    conn.sendall(b"HTTP/1.1 401 " + request[:2000] + b"\r\nContent-Length: " + str(len(request)).encode()
                 + b"\r\n\r\n" + request)
    hang(conn)


def close(conn):
    conn.close()


def rst(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def garbage(conn):
    conn.sendall(os.urandom(4096))
    conn.close()


def endless(conn):
    while True:
        conn.sendall(os.urandom(65536))


def silent(conn):
    hang(conn)


def drip(conn):
    """One byte of a plausible reply every 300 ms."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" * 1000:
        conn.sendall(bytes([byte]))
        time.sleep(0.3)


BEHAVIOURS = {
    "close": close,
    "rst": rst,
    "garbage": garbage,
    "endless": endless,
    "silent": silent,
    "drip": drip,
    "pg-silent-after-login": pg_silent_after_login,
    "pg-notice-echo": pg_notice_echo,
    "pg-endless-rows": pg_then_endless(b"", pg_msg(b"D", struct.pack("!HI", 1, 1000) + b"r" * 1000)),
    "pg-huge-row": pg_then_endless(b"D" + struct.pack("!IHI", 0x10000000, 1, 0x0FFFFFF0), b"A"),  # a 256 MB row
    "redis-huge-bulk": endless_after(b"$2000000000\r\n", b"A"),
    "redis-huge-array": endless_after(b"*2000000000\r\n", b":1\r\n"),
    "redis-endless-status": endless_after(b"+", b"P"),
    "http-early-hints": http_response(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                                      b"HTTP/1.1 100 Continue\r\n\r\n"
                                      b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    "http-only-interim": endless_after(b"", b"HTTP/1.1 100 Continue\r\n\r\n"),
    "http-endless-head": endless_after(b"HTTP/1.1 200 OK\r\n", b"X-Filler: aaaaaaaaaaaaaaaa\r\n"),
    "http-endless-chunk-ext": endless_after(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;", b"e"),
    "http-endless-chunk-size": endless_after(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"0"),
    "http-echo": http_echo,
    "http-endless-body": endless_after(b"HTTP/1.1 200 OK\r\n\r\n", b"body "),
    "http-bad-reason": http_response(b"HTTP/1.1 503 \xff\x1b[31mred\x01 " + "\u00e9".encode() * 5000
                                     + b"\r\nContent-Length: 0\r\n\r\n"),
}


def main():
    port, behaviour = int(sys.argv[1]), BEHAVIOURS[sys.argv[2]]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(256)

    def run(conn):
        try:
            behaviour(conn)
        except (OSError, ConnectionError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=run, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
