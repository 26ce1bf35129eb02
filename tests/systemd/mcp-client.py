#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# mcp-client.py -- drive one MCP session through COMMAND (e.g. `homectl mcp`)
# the way an assistant does: initialize, notifications/initialized, then one
# tools/call of TOOL with the JSON object ARGS. Prints the server's
# initialize answer and the tool's result, one JSON line each; exits 1 if
# the call failed or returned isError.
#
#   mcp-client.py TOOL ARGS COMMAND...
import json
import subprocess
import sys


def main():
    tool, args, cmd = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(msg):
        p.stdin.write(json.dumps(msg) + "\n")
        p.stdin.flush()

    def answer(want_id):
        while True:
            line = p.stdout.readline()
            if not line:
                sys.exit(f"mcp-client: EOF from {cmd} (exit {p.wait()})")
            msg = json.loads(line)
            if msg.get("id") == want_id:
                return msg

    send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
          "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                     "clientInfo": {"name": "systemd-test", "version": "1"}}})
    init = answer(0)
    print(json.dumps(init))
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
          "params": {"name": tool, "arguments": args}})
    res = answer(1)
    print(json.dumps(res))
    p.stdin.close()
    rc = p.wait()
    if "result" not in init or "error" in res or res["result"].get("isError"):
        sys.exit(1)
    sys.exit(rc)


if __name__ == "__main__":
    main()
