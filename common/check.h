/* SPDX-License-Identifier: MIT */
/* check.h -- can this installation work?  The checks behind the daemons'
 * --check-config and `homectl doctor`.  Each writes one sentence into msg:
 * what is fine, or what is wrong and what to do about it; each returns 0
 * when fine and -errno when not.  None of them changes anything. */
#ifndef HOMECTL_CHECK_H
#define HOMECTL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* The system user the daemons run as (units/homectl.sysusers). */
#define CHECK_USER "homectl"

/* The database at path opens read-only (no migration, no creation) and has
 * a schema this build can use.  A missing file is fine when may_create
 * (homectl-api creates it) if its directory exists. */
int check_database(const char *path, bool may_create, char *msg, size_t len);
/* PRAGMA quick_check on the database at path. */
int check_database_integrity(const char *path, char *msg, size_t len);
/* The database, its -wal and -shm files and its directory belong to user
 * and nobody else may read them (mode 0600, directory 0700 or tighter).
 * When user does not exist (not installed as a package), only the modes
 * are checked. */
int check_database_owner(const char *path, const char *user, char *msg, size_t len);

/* The end of a daemon's --check-config, once it has read its configuration
 * and options without a fatal mistake: checks the database and prints one
 * line per finding on stdout.  Returns the exit status, 0 or 1. */
int check_daemon_config(const char *cfg_path, const char *db, bool may_create);

#endif
