#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# notify.py -- plays systemd's side of sd_notify for a test: binds a
# NOTIFY_SOCKET, runs the command with a watchdog, and prints (as JSON) the
# messages it sent until it has said READY=1 and WATCHDOG=1 twice; then it
# sends SIGTERM and reports the exit status.
#
#   notify.py WATCHDOG_USEC COMMAND [ARGS...]
import json, os, signal, socket, subprocess, sys, tempfile

usec, cmd = sys.argv[1], sys.argv[2:]
d = tempfile.mkdtemp()
path = os.path.join(d, 'notify')
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=usec)
p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
msgs = []
s.settimeout(30)
while sum(m.startswith('WATCHDOG=1') for m in msgs) < 2:
    msgs.append(s.recv(4096).decode())
p.send_signal(signal.SIGTERM)
rc = p.wait(timeout=30)
try:
    while True:
        s.settimeout(0.5)
        msgs.append(s.recv(4096).decode())
except socket.timeout:
    pass
os.unlink(path)
os.rmdir(d)
print(json.dumps({'messages': msgs, 'rc': rc}))
