#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# notify-log.py -- systemd's side of sd_notify for a test that runs a long
# time: binds the NOTIFY_SOCKET path, prints "bound", then one line per
# message: "<milliseconds since the epoch> <message>", until killed.
#
#   notify-log.py PATH
import socket, sys, time

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('bound', flush=True)
while True:
    m = s.recv(4096).decode()
    print(int(time.time() * 1000), m.replace('\n', ' '), flush=True)
