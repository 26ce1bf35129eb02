/* SPDX-License-Identifier: MIT */
/* fuzz_config.c -- libFuzzer target: any homectl.conf through
 * config_read, the reader behind config_load.  Besides "no crash, no
 * leak" it checks that a refused file says why, and that an accepted one
 * leaves every setting within its documented range. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[512];
	FILE *f;
	int r;

	if (size == 0)
		return 0;	/* fmemopen wants a buffer */
	if ((f = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		abort();
	config_defaults(&c);
	err[0] = '\0';
	r = config_read(&c, f, "homectl.conf", err, sizeof(err));
	fclose(f);
	if (r < 0 && err[0] == '\0')
		abort();	/* refused without a word */
	if (r == 0 && (c.ws_queue_max < 1 || c.max_clients < 1 || c.feed_max_age_days < 0 ||
	    c.feed_max_age_days > 36500 || c.feed_max_rows < 0 ||
	    (c.have_location && (!(c.latitude >= -90 && c.latitude <= 90) ||
	    !(c.longitude >= -180 && c.longitude <= 180)))))
		abort();	/* accepted out of range */
	(void)config_database(&c, NULL);
	config_free(&c);
	return 0;
}
