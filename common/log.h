/* SPDX-License-Identifier: MIT */
/* log.h -- diagnostics for people: the journal with structured fields when
 * stderr is connected to journald, plain "ident: message" lines on a
 * terminal, and lines with sd-daemon "<N>" priority prefixes otherwise (a
 * pipe or file that a supervisor may read). */
#ifndef HOMECTL_LOG_H
#define HOMECTL_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#include <json-c/json.h>

/* ident names the program in every line; level is a syslog priority
 * (LOG_ERR .. LOG_DEBUG): messages above it are dropped before formatting.
 * It also decides where lines go: the journal when stderr is the stream
 * journald gave us (JOURNAL_STREAM), no prefix when stderr is a terminal,
 * "<N>" prefixes otherwise. */
void log_init(const char *ident, int level);
/* The same for a command people run (homectl): its stderr is read by a
 * person or a script, never "<N>" prefixes; still the journal when stderr
 * is journald's stream (a command run from a unit). */
void log_init_command(const char *ident, int level);
void log_setlevel(int level);
int log_getlevel(void);
/* Parses "err", "warning", "info", "debug" (and the numbers 0-7). -1 if bad. */
int log_level_parse(const char *s);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Startup only: log at LOG_CRIT and exit(1) (after the fatal hook, when
 * one is set, has had the message). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A message with structured journal fields: fields is NULL or a NULL-ended
 * array of "KEY=value" strings (KEY upper case, e.g. "HOMECTL_DEVICE=lamp").
 * On stderr only the message is printed. */
void log_fields(int priority, const char *const *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* fn (NULL: none) gets the message of fatal()/fatalx() before they exit; it
 * may not return (common/refuse.c serves the reason to clients). */
void log_fatal_hook(void (*fn)(const char *msg));

/* Structured fields built up for log_fields(): v is NULL-ended and points
 * into buf, so a struct log_kv on the stack needs no freeing.  A field that
 * does not fit is dropped (and counted in HOMECTL_FIELDS_DROPPED=N). */
#define LOG_KV_MAX 24
struct log_kv {
	const char *v[LOG_KV_MAX + 2];	/* + HOMECTL_FIELDS_DROPPED and the NULL */
	size_t n, used, dropped;
	char buf[2048];
	char dropped_buf[48];
};

void log_kv_init(struct log_kv *kv);
/* Adds KEY=value (KEY upper case, value as is).  Journald allows a key more
 * than once: `journalctl HOMECTL_DEVICE=x` matches any of its values. */
void log_kv_add(struct log_kv *kv, const char *key, const char *value);
/* Adds HOMECTL_DEVICE=id for every device in an ops result: its "devices"
 * array (control, bulk, modes, water_plants), or its "id" when it is a
 * single device (it has a "type"; a room or a mode has not).  Returns how
 * many were added. */
size_t log_kv_devices(struct log_kv *kv, struct json_object *result);
/* The NULL-ended array for log_fields().  Borrowed from kv. */
const char *const *log_kv_fields(struct log_kv *kv);

#endif
