#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# notify.py -- plays systemd's side of sd_notify for a test: binds a
# NOTIFY_SOCKET, runs the command with a watchdog, and prints (as JSON) the
# messages it sent until it has said READY=1 and WATCHDOG=1 twice; then it
# sends SIGTERM and reports the exit status.
#
#   notify.py WATCHDOG_USEC COMMAND [ARGS...]
#
# With NOTIFY_THEN set to a JSON array (a command line), it runs that command
# once READY=1 has come and waits also for a STATUS= that names a last change.
import json, os, signal, socket, subprocess, sys, tempfile

usec, cmd = sys.argv[1], sys.argv[2:]
d = tempfile.mkdtemp()
path = os.path.join(d, 'notify')
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=usec)
p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
then = json.loads(os.environ['NOTIFY_THEN']) if 'NOTIFY_THEN' in os.environ else None
msgs = []
s.settimeout(30)
while (sum(m.startswith('WATCHDOG=1') for m in msgs) < 2 or
       (then is not None and not any('last change' in m for m in msgs))):
    msgs.append(s.recv(4096).decode())
    if then is not None and msgs[-1].startswith('READY=1'):
        subprocess.run(then, check=True, stdout=subprocess.DEVNULL)
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
