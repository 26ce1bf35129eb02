/* SPDX-License-Identifier: MIT */
/* log.h -- diagnostics for people: stderr with sd-daemon <N> prefixes, or the
 * journal with structured fields when stderr is connected to journald. */
#ifndef HOMECTL_LOG_H
#define HOMECTL_LOG_H

#include <stdarg.h>
#include <syslog.h>

/* ident names the program in every line; level is a syslog priority
 * (LOG_ERR .. LOG_DEBUG): messages above it are dropped before formatting. */
void log_init(const char *ident, int level);
void log_setlevel(int level);
int log_getlevel(void);
/* Parses "err", "warning", "info", "debug" (and the numbers 0-7). -1 if bad. */
int log_level_parse(const char *s);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Startup only: log at LOG_CRIT and exit(1). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A message with structured journal fields: fields is NULL or a NULL-ended
 * array of "KEY=value" strings (KEY upper case, e.g. "HOMECTL_DEVICE=lamp").
 * On stderr only the message is printed. */
void log_fields(int priority, const char *const *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
