#!/usr/bin/env python3
"""One TLS 1.3 connection made by tlslite-ng (an independent implementation, with kyber-py for
ML-KEM), for tests/interop_tlslite.rs.

  tlslite_peer.py server --cert FILE --key FILE --groups LIST [--keylog FILE]
      listens on 127.0.0.1 (a free port), prints "listening on 127.0.0.1:PORT", serves one
      connection: the handshake, then echoes the first message it reads and closes.
  tlslite_peer.py client --port N --groups LIST --key-shares LIST --send TEXT [--keylog FILE]
      connects to 127.0.0.1:N, sends TEXT, prints what comes back, and closes.

Groups are tlslite-ng's names: x25519mlkem768, secp256r1mlkem768, x25519, secp256r1. Both print
"group: NAME" on stderr, the group the handshake used. --keylog writes the application traffic
secrets as NSS key log lines (tlslite-ng keeps no key log of its own; these come from its session).
"""

import argparse
import socket
import sys

from tlslite.api import HandshakeSettings, TLSConnection, X509CertChain, parsePEMKey
from tlslite.constants import GroupName


def settings(groups, key_shares):
    s = HandshakeSettings()
    s.minVersion = (3, 4)
    s.maxVersion = (3, 4)
    s.cipherNames = ["aes128gcm"]
    s.eccCurves = groups
    s.keyShares = key_shares
    # No finite-field groups: the engine has none.
    s.dhGroups = []
    return s


def write_keylog(path, conn):
    if not path:
        return
    random = conn._clientRandom.hex()
    with open(path, "w") as f:
        f.write("CLIENT_TRAFFIC_SECRET_0 %s %s\n" % (random, conn.session.cl_app_secret.hex()))
        f.write("SERVER_TRAFFIC_SECRET_0 %s %s\n" % (random, conn.session.sr_app_secret.hex()))


def report(conn):
    print("group: %s" % GroupName.toRepr(conn.ecdhCurve), file=sys.stderr, flush=True)


def server(args):
    with open(args.cert) as f:
        chain = X509CertChain()
        chain.parsePemList(f.read())
    with open(args.key) as f:
        key = parsePEMKey(f.read(), private=True, implementations=["python"])
    groups = args.groups.split(",")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    sock, _ = listener.accept()
    sock.settimeout(20)
    conn = TLSConnection(sock)
    conn.handshakeServer(certChain=chain, privateKey=key, settings=settings(groups, []))
    report(conn)
    write_keylog(args.keylog, conn)
    data = conn.read()
    conn.write(data)
    conn.close()


def client(args):
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=20)
    conn = TLSConnection(sock)
    conn.handshakeClientCert(serverName="localhost", settings=settings(args.groups.split(","), args.key_shares.split(",")))
    report(conn)
    write_keylog(args.keylog, conn)
    conn.write(args.send.encode())
    reply = conn.read()
    sys.stdout.write(reply.decode())
    sys.stdout.flush()
    conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["server", "client"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--port", type=int)
    p.add_argument("--groups", required=True)
    p.add_argument("--key-shares", default="")
    p.add_argument("--send", default="hello\n")
    p.add_argument("--keylog")
    args = p.parse_args()
    server(args) if args.mode == "server" else client(args)


if __name__ == "__main__":
    main()
