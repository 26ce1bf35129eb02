#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# hold-lock.py -- another process that holds SQLite's write lock, as a
# shell user with `BEGIN IMMEDIATE` open would: takes it, writes a row it
# does not commit yet, prints "locked", sleeps, commits, prints "released".
#
#   hold-lock.py DB SECONDS
import sqlite3, sys, time

db, secs = sys.argv[1], float(sys.argv[2])
c = sqlite3.connect(db, isolation_level=None, timeout=30)
c.execute('BEGIN IMMEDIATE')
c.execute("UPDATE devices SET name = name || '' WHERE id = (SELECT min(id) FROM devices)")
print('locked', flush=True)
time.sleep(secs)
c.execute('COMMIT')
print('released', flush=True)
