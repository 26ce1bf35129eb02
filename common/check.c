/* SPDX-License-Identifier: MIT */
/* check.c -- read-only checks of an installation: the database opens, is
 * sound, and is its owner's alone.  Used by --check-config and doctor. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "db.h"

int
check_database(const char *path, bool may_create, char *msg, size_t len)
{
	char dir[PATH_MAX];
	struct db *db = NULL;
	struct stat st;
	int r, v;

	if (stat(path, &st) < 0 && errno == ENOENT) {
		snprintf(dir, sizeof(dir), "%s", path);
		if (!may_create) {
			snprintf(msg, len, "no database at %s: create it with `homectl init` "
			    "(or set database in homectl.conf)", path);
			return -ENOENT;
		}
		if (stat(dirname(dir), &st) < 0 || !S_ISDIR(st.st_mode)) {
			snprintf(msg, len, "no database at %s, and no directory %s to create it "
			    "in", path, dir);
			return -ENOENT;
		}
		snprintf(msg, len, "no database at %s yet: it is created at the first start",
		    path);
		return 0;
	}
	r = db_open(path, DB_READONLY, &db);
	if (r == -EACCES) {
		snprintf(msg, len, "cannot read %s as uid %u: run as root or as its owner "
		    "(%s)", path, (unsigned)geteuid(), CHECK_USER);
		return r;
	}
	if (r == -EPROTO) {
		snprintf(msg, len, "%s is not an SQLite database", path);
		return r;
	}
	if (r < 0) {
		snprintf(msg, len, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	v = db_schema_version(db);
	db_close(db);
	if (v < 0) {
		snprintf(msg, len, "%s: cannot read its schema version", path);
		return -EIO;
	}
	if (v > db_schema_current()) {
		snprintf(msg, len, "%s has schema %d, newer than this homectl knows (%d): "
		    "upgrade homectl", path, v, db_schema_current());
		return -EPROTO;
	}
	if (v == 0) {
		snprintf(msg, len, "%s holds no homectl schema: `homectl init` makes one", path);
		return -EPROTO;
	}
	if (v < db_schema_current())
		snprintf(msg, len, "%s opens (schema %d, migrated to %d at the next start)",
		    path, v, db_schema_current());
	else
		snprintf(msg, len, "%s opens (schema %d)", path, v);
	return 0;
}

int
check_database_integrity(const char *path, char *msg, size_t len)
{
	struct db *db = NULL;
	char problem[256];
	int r;

	if ((r = db_open(path, DB_READONLY, &db)) < 0) {
		snprintf(msg, len, "%s: not checked, it does not open (%s)", path, strerror(-r));
		return r;
	}
	r = db_quick_check(db, problem, sizeof(problem));
	db_close(db);
	if (r == 0)
		snprintf(msg, len, "%s passes PRAGMA quick_check", path);
	else
		snprintf(msg, len, "%s is damaged (quick_check: %s): restore a backup, or "
		    "try sqlite3's .recover", path, problem);
	return r;
}

/* One file: owner uid (when want_uid != (uid_t)-1) and no bits in mask. */
static int
owner_one(const char *path, uid_t want_uid, const char *user, mode_t mask, bool dir,
    char *msg, size_t len)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && !dir)
			return 1;	/* no -wal or -shm now: nothing to check */
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (want_uid != (uid_t)-1 && st.st_uid != want_uid) {
		snprintf(msg, len, "%s belongs to uid %u, not to %s: chown %s:%s %s", path,
		    (unsigned)st.st_uid, user, user, user, path);
		return -EPERM;
	}
	if (st.st_mode & mask) {
		snprintf(msg, len, "%s is mode %04o, readable by others than its owner: "
		    "chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

int
check_database_owner(const char *path, const char *user, char *msg, size_t len)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char file[PATH_MAX], dir[PATH_MAX];
	struct passwd *pw = getpwnam(user);
	uid_t uid = pw != NULL ? pw->pw_uid : (uid_t)-1;
	size_t i;
	int r;

	/* The directory must be the user's (the daemons create -wal and -shm
	 * in it); its mode is not the secret's: the files' modes are. */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((r = owner_one(dirname(dir), uid, user, 0, true, msg, len)) < 0)
		return r;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (snprintf(file, sizeof(file), "%s%s", path, suffixes[i]) >= (int)sizeof(file))
			return -ENAMETOOLONG;
		if ((r = owner_one(file, uid, user, 077, false, msg, len)) < 0)
			return r;
	}
	if (pw == NULL)
		snprintf(msg, len, "%s is readable by its owner only (there is no user %s: "
		    "not installed as a package)", path, user);
	else
		snprintf(msg, len, "%s belongs to %s, readable by no one else", path, user);
	return 0;
}

int
check_daemon_config(const char *cfg_path, const char *db, bool may_create)
{
	char msg[512];
	int r = check_database(db, may_create, msg, sizeof(msg));

	printf("%s: %s\n", r < 0 ? "problem" : "ok", msg);
	if (r == 0)
		printf("ok: the configuration (%s) and the options are valid\n", cfg_path);
	return r < 0 ? 1 : 0;
}
