/* SPDX-License-Identifier: MIT */
/* util.h -- small helpers every module uses: freeing, strict number parsing,
 * UTC timestamps. */
#ifndef HOMECTL_UTIL_H
#define HOMECTL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FREE(p) do { free(p); (p) = NULL; } while (0)
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The one vsnprintf wrapper: every "format a message into this buffer"
 * helper of homectl (error sentences, log lines, replies) calls it between
 * its own va_start and va_end.  Writes fmt with ap into buf (len > 0
 * bytes), always NUL-terminated, cut short when longer.  Returns the length
 * the whole text needs (>= len: it was cut), or -1 after a format error,
 * with buf "". */
int vfmt(char *buf, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Strict integer parse: the whole string, base 10, within [min, max].
 * 0 on success, -EINVAL otherwise (out is untouched on failure). */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Strict floating-point parse of the whole string, finite, within range. */
int parse_double(const char *s, double min, double max, double *out);

/* Writes the current UTC time as "2026-11-26T01:02:03.456Z" into buf
 * (at least 32 bytes).  Returns buf. */
char *utc_now(char *buf, size_t len);
/* Monotonic clock in microseconds. */
uint64_t mono_usec(void);

/* true when s equals one of the NULL-ended list. */
bool str_in(const char *s, const char *const *list);
/* Levenshtein distance, capped at 255; used for "did you mean" hints. */
unsigned str_distance(const char *a, const char *b);
/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF): what
 * homectl reads is echoed to clients, and a client decoding our output (a
 * browser closes a WebSocket on a text frame that is not UTF-8) must not
 * choke on bytes someone else put there. */
bool utf8_valid(const unsigned char *s, size_t len);

#endif
