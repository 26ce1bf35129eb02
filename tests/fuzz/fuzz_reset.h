/* SPDX-License-Identifier: MIT */
/* A fuzz target's home, put back after every input that changed it.
 *
 * fuzz_cli and fuzz_mcp run real code that writes to a real SQLite home;
 * for a crash to reproduce from its input alone, every input must start
 * from the same home.  Making the home afresh costs more than the input,
 * so it is made once (on tmpfs when there is one), copied into memory,
 * and copied back only when another connection committed (PRAGMA
 * data_version moved). */
#ifndef FUZZ_RESET_H
#define FUZZ_RESET_H

/* Makes an empty directory for the home (NAME in its name) and returns
 * the path of home.db in it; the directory goes at exit, unless the
 * target crashed (then it stays, for a look). */
const char *fuzz_home_path(const char *name);
/* Remembers the home as it is now. */
void fuzz_home_keep(void);
/* Puts the home back as it was kept, if anyone wrote to it since. */
void fuzz_home_reset(void);

#endif
