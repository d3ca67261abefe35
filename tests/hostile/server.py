#!/usr/bin/env python3
"""A deliberately hostile dealer endpoint, for testing that dealer-tck stays bounded, inert and
honest against a server that is not trying to be tested (issue 16).

    python3 tests/hostile/server.py --mode MODE --port PORT [--starts FILE] [--answers N]

Standard library only. Every connection is answered once and closed. The modes:

  The agent card itself is hostile (the harness must say what answered, exit 3):
    redirect-loop   every request: 302 to the same URL
    reset           every connection: closed with a TCP reset
    unauthorized    every request: 401 with a WWW-Authenticate challenge
    plain-web       every request: 200 text/html, no agent card, no MCP
    not-json-card   the card: 200 application/json that is not JSON
    stall-headers   every request: read, then never a byte back

  The card is a good one (A2A JSON-RPC and HTTP+JSON, every skill); what follows is hostile:
    hang            every POST: never answered
    drip            every POST: headers, then one body byte every 0.2 s, forever
    garbage         every POST: 200 application/json of random bytes
    bad-utf8        every POST: JSON whose strings hold invalid UTF-8
    huge            every POST: 200 with a 200 MB body, sent as fast as it is read
    endless-sse     every POST: an SSE stream of keep-alives and notifications that never ends
    deep-json       every POST: 100,000 nested arrays
    hostile-strings every POST: a well-formed answer whose every string carries markup,
                    control bytes, a right-to-left override and table-breaking pipes
                    (the card's name and description too)
    pad             every POST: a well-formed answer padded to ~4,000,000 bytes by one long
                    hostile string (the cap is 4 MiB)
    dies-after      answers --answers N POSTs like hostile-strings, then the process exits

--starts FILE appends a line per start (a test counts launches).
"""

import argparse
import json
import os
import random
import socket
import socketserver
import struct
import sys
import threading
import time

HOSTILE = (
    "<script>alert(1)</script> ]]> \"dq\" 'sq' `tick` | a | b | "
    "\u0000NUL \u001b[31mRED\u001b[0m \u001b]0;pwned\u0007 \u001b[2J \u202eRLO\u202c "
    "<img src=x onerror=alert(2)> &amp; ** _ # [x](javascript:alert(3))"
)

SKILLS = [
    "search_inventory",
    "create_reservation",
    "release_reservation",
    "initiate_deal_handoff",
    "lead.submit",
    "lead.general",
    "inventory.search",
]

OP_MODES = {
    "hang", "drip", "garbage", "bad-utf8", "huge", "endless-sse", "deep-json",
    "hostile-strings", "pad", "dies-after",
}
CARD_MODES = {
    "redirect-loop", "reset", "unauthorized", "plain-web", "not-json-card", "stall-headers",
}

PAD_TO = 4_000_000


def card(base, mode):
    name = "Hostile dealer " + (HOSTILE if mode == "hostile-strings" else mode)
    return {
        "name": name,
        "description": HOSTILE if mode == "hostile-strings" else "a hostile test server",
        "version": "1.0.0",
        "supportedInterfaces": [
            {"url": base + "/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
            {"url": base + "/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"},
        ],
        "capabilities": {"streaming": False, "pushNotifications": False},
        "defaultInputModes": ["application/json"],
        "defaultOutputModes": ["application/json"],
        "skills": [
            {"id": s, "name": s, "description": HOSTILE if mode == "hostile-strings" else s,
             "tags": ["dealer"]}
            for s in SKILLS
        ],
        "securitySchemes": {"bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer"}}},
        "securityRequirements": [{"schemes": {"bearer": {"list": []}}}],
    }


def answer_object(text):
    """The operation answer: an error envelope whose every string is `text`."""
    return {
        "error": {"code": text, "message": text, "details": {text: text}},
        "_metadata": {"protocol": text, "request_id": text},
    }


def op_body(path, request, text):
    """A well-formed answer for the binding the path names, carrying `text` everywhere."""
    obj = answer_object(text)
    message = {"messageId": text, "role": "ROLE_AGENT", "parts": [{"data": obj}]}
    if path.startswith("/a2a"):
        rid = request.get("id") if isinstance(request, dict) else None
        return {"jsonrpc": "2.0", "id": rid, "result": {"message": message}}
    if path.startswith("/mcp"):
        rid = request.get("id") if isinstance(request, dict) else None
        return {"jsonrpc": "2.0", "id": rid,
                "result": {"content": [{"type": "text", "text": text}],
                           "structuredContent": obj, "isError": True}}
    return {"message": message}


class State:
    answers = 0
    lock = threading.Lock()


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.request.settimeout(30)

    def read_request(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return None
            data += chunk
            if len(data) > 1 << 20:
                return None
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = (lines[0].split(" ") + ["", ""])[:2]
        length = 0
        for line in lines[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip() or 0)
        while len(body) < length:
            chunk = self.request.recv(65536)
            if not chunk:
                break
            body += chunk
        return method, path, body

    def send(self, status, ctype, body, extra=""):
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
        )
        self.request.sendall(head.encode("latin-1") + body)

    def send_json(self, obj):
        self.send("200 OK", "application/json", json.dumps(obj, ensure_ascii=False).encode())

    def hold(self):
        while True:
            time.sleep(3600)

    def handle(self):
        mode = self.server.mode
        req = self.read_request()
        if mode == "reset":
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if req is None:
            return
        method, path, body = req
        if mode == "stall-headers":
            self.hold()
        if mode == "redirect-loop":
            return self.send("302 Found", "text/plain", b"", f"Location: {path}\r\n")
        if mode == "unauthorized":
            return self.send("401 Unauthorized", "application/json", b'{"error":"unauthorized"}',
                             'WWW-Authenticate: Bearer realm="dealer"\r\n')
        if mode == "plain-web":
            return self.send("200 OK", "text/html", b"<html><body>It works!</body></html>")
        if method == "GET":
            if path.startswith("/.well-known/agent-card.json"):
                if mode == "not-json-card":
                    return self.send("200 OK", "application/json", b"<html>not json</html>")
                return self.send_json(card(self.server.base, mode))
            return self.send("404 Not Found", "text/plain", b"not found")
        self.operation(mode, path, body)

    def operation(self, mode, path, body):
        try:
            request = json.loads(body or b"null")
        except ValueError:
            request = None
        if mode == "hang":
            self.hold()
        if mode == "drip":
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 1000000\r\nConnection: close\r\n\r\n")
            while True:
                self.request.sendall(b" ")
                time.sleep(0.2)
        if mode == "garbage":
            rnd = random.Random(len(body))
            return self.send("200 OK", "application/json", bytes(rnd.randrange(256) for _ in range(2000)))
        if mode == "bad-utf8":
            text = json.dumps(op_body(path, request, "@@")).encode()
            return self.send("200 OK", "application/json", text.replace(b"@@", b"\xff\xfe\xc3("))
        if mode == "huge":
            total = 200_000_000
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 + f"Content-Length: {total}\r\nConnection: close\r\n\r\n".encode())
            block = b"[" + b" " * 65535
            sent = 0
            while sent < total:
                self.request.sendall(block)
                sent += len(block)
            return None
        if mode == "endless-sse":
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                 b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n")
            note = json.dumps({"jsonrpc": "2.0", "method": "notifications/progress",
                               "params": {"progress": 1, "message": HOSTILE}})
            while True:
                self.request.sendall(b": keep-alive\n\nevent: message\ndata: " + note.encode() + b"\n\n")
                time.sleep(0.05)
        if mode == "deep-json":
            return self.send("200 OK", "application/json", b"[" * 100_000 + b"]" * 100_000)
        if mode == "pad":
            shape = json.dumps(op_body(path, request, "@@")).encode()
            # The long string appears up to eight times in an answer; ASCII with nothing JSON
            # escapes, so the answer's size is known before it is encoded.
            fill = "<script>alert(1)</script> | `tick` | "
            room = (PAD_TO - len(shape)) // 8
            long = (fill * (room // len(fill) + 1))[:room]
            return self.send_json(op_body(path, request, long))
        if mode == "dies-after":
            with State.lock:
                State.answers += 1
                n = State.answers
            if n > self.server.answers:
                os._exit(0)
        return self.send_json(op_body(path, request, HOSTILE))


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer is what the modes provoke; no traceback.
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", required=True, choices=sorted(OP_MODES | CARD_MODES))
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--starts", help="append a line to this file at every start")
    p.add_argument("--answers", type=int, default=5, help="dies-after: answers before exiting")
    args = p.parse_args()
    if args.starts:
        with open(args.starts, "a") as f:
            f.write(f"{os.getpid()}\n")
    server = Server(("127.0.0.1", args.port), Handler)
    server.mode = args.mode
    server.answers = args.answers
    port = server.server_address[1]
    server.base = f"http://127.0.0.1:{port}"
    print(f"hostile server ({args.mode}) on {server.base}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
