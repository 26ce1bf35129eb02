/* SPDX-License-Identifier: MIT */
/* fuzz_automation.c -- libFuzzer target for the automation parsers, on a
 * demo home in memory.  Input starting with '{' or '[' is an automation
 * document for automation_check: a refusal must say why and hand nothing
 * back, an accepted document must be accepted again as it came out (the
 * canonical form is a fixed point).  Anything else is a calendar
 * expression: a parsed one must format to a form that parses to the same
 * form again, and its elapses must only move forward. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "automation.h"
#include "calendar.h"
#include "db.h"
#include "jsonutil.h"
#include "log.h"
#include "ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct db *db;
static struct ops_ctx ops;

static void
check_calendar(const char *expr)
{
	struct calendar *c = NULL, *again = NULL;
	char err[OPS_ERRLEN], norm[512], norm2[512];
	int64_t at = 1767225600LL * 1000000;	/* 2026-01-01 */

	if (calendar_parse(expr, &c, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || c != NULL)
			abort();
		return;
	}
	if (calendar_format(c, norm, sizeof(norm)) == 0) {
		if (calendar_parse(norm, &again, err, sizeof(err)) < 0 ||
		    calendar_format(again, norm2, sizeof(norm2)) < 0 || strcmp(norm, norm2) != 0)
			abort();	/* the normalized form is not a fixed point */
		calendar_free(again);
	}
	for (int i = 0; i < 4; i++) {
		int64_t next;

		if (calendar_next(c, at, &next) < 0)
			break;
		if (next <= at)
			abort();
		at = next;
	}
	calendar_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct automation_env env = { .ops = &ops, .have_location = true };
	struct json_object *doc, *out = NULL, *out2 = NULL;
	char err[OPS_ERRLEN], perr[128], *expr;

	if (db == NULL) {
		log_init("fuzz", LOG_CRIT);
		setenv("TZ", "Europe/Berlin", 1);
		if (db_open(":memory:", DB_CREATE, &db) < 0)
			abort();
		ops_ctx_init(&ops, db, NULL, OPS_SRC_API);
		ops.have_location = true;
		ops.latitude = 52.52;
		ops.longitude = 13.4;
		if (ops_init_home(&ops, true, err) < 0)
			abort();
	}
	if (size > 0 && (data[0] == '{' || data[0] == '[')) {
		if ((doc = json_parse_strict((const char *)data, size, perr, sizeof(perr))) == NULL)
			return 0;
		err[0] = '\0';
		if (automation_check(&env, doc, NULL, &out, err) < 0) {
			if (out != NULL || err[0] == '\0')
				abort();	/* a refusal that says nothing, or hands back */
		} else if (automation_check(&env, out, NULL, &out2, err) < 0 ||
		    !json_object_equal(out, out2)) {
			abort();	/* the canonical form is not accepted as is */
		}
		json_object_put(out2);
		json_object_put(out);
		json_object_put(doc);
		return 0;
	}
	if ((expr = malloc(size + 1)) == NULL)
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';
	check_calendar(expr);
	free(expr);
	return 0;
}
