/* SPDX-License-Identifier: MIT */
/* log.c -- diagnostics, after OpenBSD's log.c: native journal entries with
 * structured fields when stderr is a journald stream (JOURNAL_STREAM matches
 * it), plain lines on a terminal, and stderr lines with sd-daemon "<N>"
 * priority prefixes otherwise. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "util.h"

static const char *log_ident = "homectl";
static int log_level = LOG_INFO;
static bool log_journal;
static bool log_prefix = true;	/* "<N>" before each stderr line */
static void (*log_fatal_fn)(const char *msg);

/* journald sets JOURNAL_STREAM to "dev:ino" of the stream it gave us; only
 * when our stderr is that very stream do we talk to the journal natively
 * (a redirected stderr in a test must get plain lines). */
static bool
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (e == NULL)
		return false;
	errno = 0;
	dev = strtoull(e, &end, 10);
	if (errno != 0 || *end != ':')
		return false;
	ino = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void
log_init(const char *ident, int level)
{
	log_ident = ident;
	log_level = level;
	log_journal = stderr_is_journal();
	/* The prefixes are for a supervisor that reads our stderr (systemd
	 * without JOURNAL_STREAM, a pipe to a logger); a person at a
	 * terminal reads the message only. */
	log_prefix = !isatty(STDERR_FILENO);
}

void
log_init_command(const char *ident, int level)
{
	log_init(ident, level);
	log_prefix = false;
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

int
log_level_parse(const char *s)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err", "warning",
		"notice", "info", "debug" };
	size_t i;

	if (s == NULL)
		return -1;
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
		return s[0] - '0';
	for (i = 0; i < 8; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "error") == 0)
		return LOG_ERR;
	if (strcasecmp(s, "warn") == 0)
		return LOG_WARNING;
	return -1;
}

static void
log_emit(int pri, const char *const *fields, const char *msg)
{
	if (log_journal) {
		struct iovec iov[LOG_KV_MAX + 8];
		char mbuf[4096], pbuf[16], ibuf[64];
		int n = 0, max = (int)(sizeof(iov) / sizeof(iov[0]));

		snprintf(mbuf, sizeof(mbuf), "MESSAGE=%s", msg);
		snprintf(pbuf, sizeof(pbuf), "PRIORITY=%d", pri);
		snprintf(ibuf, sizeof(ibuf), "SYSLOG_IDENTIFIER=%s", log_ident);
		iov[n].iov_base = mbuf, iov[n++].iov_len = strlen(mbuf);
		iov[n].iov_base = pbuf, iov[n++].iov_len = strlen(pbuf);
		iov[n].iov_base = ibuf, iov[n++].iov_len = strlen(ibuf);
		for (; fields != NULL && *fields != NULL && n < max; fields++) {
			/* iovec has no const; journald only reads it. */
			iov[n].iov_base = (void *)(uintptr_t)*fields; /* NOLINT(performance-no-int-to-ptr) */
			iov[n++].iov_len = strlen(*fields);
		}
		if (sd_journal_sendv(iov, n) >= 0)
			return;
	}
	if (log_prefix)
		fprintf(stderr, "<%d>%s: %s\n", pri, log_ident, msg);
	else
		fprintf(stderr, "%s: %s\n", log_ident, msg);
}

static void log_vlog(int pri, const char *const *fields, bool with_errno, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

static void
log_vlog(int pri, const char *const *fields, bool with_errno, const char *fmt, va_list ap)
{
	char msg[4096];
	int saved = errno;
	size_t len;

	if (pri > log_level)
		return;
	vfmt(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	log_emit(pri, fields, msg);
	errno = saved;
}

#define LOG_FN(name, pri, with_errno)				\
	void name(const char *fmt, ...)				\
	{							\
		va_list ap;					\
		va_start(ap, fmt);				\
		log_vlog(pri, NULL, with_errno, fmt, ap);	\
		va_end(ap);					\
	}

LOG_FN(log_warn, LOG_WARNING, true)
LOG_FN(log_warnx, LOG_WARNING, false)
LOG_FN(log_info, LOG_INFO, false)
LOG_FN(log_debug, LOG_DEBUG, false)

void
log_fatal_hook(void (*fn)(const char *msg))
{
	log_fatal_fn = fn;
}

static void log_fatal_fmt(char *msg, size_t size, bool with_errno, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

/* Formats and logs a fatal message into msg (size bytes). */
static void
log_fatal_fmt(char *msg, size_t size, bool with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t len;

	/* clang 14's analyzer does not see that ap comes initialised from the
	 * caller's va_start. */
	vsnprintf(msg, size, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	if (with_errno) {
		len = strlen(msg);
		snprintf(msg + len, size - len, ": %s", strerror(saved));
	}
	log_emit(LOG_CRIT, NULL, msg);
}

static void __attribute__((noreturn))
log_die(const char *msg)
{
	if (log_fatal_fn != NULL)
		log_fatal_fn(msg);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	log_fatal_fmt(msg, sizeof(msg), true, fmt, ap);
	va_end(ap);
	log_die(msg);
}

void
fatalx(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	log_fatal_fmt(msg, sizeof(msg), false, fmt, ap);
	va_end(ap);
	log_die(msg);
}

void
log_fields(int priority, const char *const *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(priority, fields, false, fmt, ap);
	va_end(ap);
}

void
log_kv_init(struct log_kv *kv)
{
	kv->n = 0;
	kv->used = 0;
	kv->dropped = 0;
	kv->v[0] = NULL;
}

void
log_kv_add(struct log_kv *kv, const char *key, const char *value)
{
	size_t room = sizeof(kv->buf) - kv->used;
	int len;

	if (value == NULL)
		return;
	len = snprintf(kv->buf + kv->used, room, "%s=%s", key, value);
	if (kv->n >= LOG_KV_MAX || len < 0 || (size_t)len >= room) {
		kv->dropped++;
		return;
	}
	kv->v[kv->n++] = kv->buf + kv->used;
	kv->used += (size_t)len + 1;
	kv->v[kv->n] = NULL;
}

size_t
log_kv_devices(struct log_kv *kv, struct json_object *result)
{
	struct json_object *devs, *d, *id, *type;
	size_t i, n, added = 0;

	if (json_object_object_get_ex(result, "devices", &devs) &&
	    json_object_is_type(devs, json_type_array)) {
		n = json_object_array_length(devs);
		for (i = 0; i < n; i++) {
			d = json_object_array_get_idx(devs, i);
			if (json_object_object_get_ex(d, "id", &id) &&
			    json_object_is_type(id, json_type_string)) {
				log_kv_add(kv, "HOMECTL_DEVICE", json_object_get_string(id));
				added++;
			}
		}
	} else if (json_object_object_get_ex(result, "id", &id) &&
	    json_object_is_type(id, json_type_string) &&
	    json_object_object_get_ex(result, "type", &type) &&
	    json_object_is_type(type, json_type_string)) {
		/* A device has a type; a room or a mode, which have ids too,
		 * do not. */
		log_kv_add(kv, "HOMECTL_DEVICE", json_object_get_string(id));
		added++;
	}
	return added;
}

const char *const *
log_kv_fields(struct log_kv *kv)
{
	if (kv->dropped > 0 && kv->n <= LOG_KV_MAX) {
		snprintf(kv->dropped_buf, sizeof(kv->dropped_buf), "HOMECTL_FIELDS_DROPPED=%zu",
		    kv->dropped);
		kv->v[kv->n] = kv->dropped_buf;
		kv->v[kv->n + 1] = NULL;
	}
	return kv->v;
}
