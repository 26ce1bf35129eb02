/* SPDX-License-Identifier: MIT */
/* conv.c -- the units and names every dialect shares: brightness scales,
 * mired and kelvin, Celsius and Fahrenheit, ids made from names, and the
 * rule that decides whether a report confirms a command. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mqtt.h"

const char *
conv_avail_name(enum avail a)
{
	switch (a) {
	case AVAIL_ONLINE:
		return "online";
	case AVAIL_OFFLINE:
		return "offline";
	case AVAIL_UNKNOWN:
		break;
	}
	return "unknown";
}

int
conv_bri_to_254(int64_t pct)
{
	if (pct <= 0)
		return 0;
	if (pct >= 100)
		return 254;
	return (int)lround((double)pct * 254.0 / 100.0);
}

int
conv_bri_from_254(double v)
{
	if (!(v > 0))
		return 0;
	if (v >= 254)
		return 100;
	return (int)lround(v * 100.0 / 254.0);
}

int
conv_kelvin_to_mired(int64_t k)
{
	if (k < 1000)
		k = 1000;
	return (int)lround(1e6 / (double)k);
}

int
conv_mired_to_kelvin(double mired)
{
	long k;

	if (!(mired > 0))
		return 6500;
	k = lround(1e6 / mired);
	if (k < 2000)
		k = 2000;
	if (k > 6500)
		k = 6500;
	return (int)k;
}

double
conv_c_to_f(double c)
{
	return round((c * 9.0 / 5.0 + 32.0) * 10.0) / 10.0;
}

double
conv_f_to_c(double f, double step)
{
	double c = (f - 32.0) * 5.0 / 9.0;

	if (!(step > 0))
		step = 0.1;
	return round(round(c / step) * step * 100.0) / 100.0;
}

int
conv_slug(const char *name, char *out, size_t len)
{
	size_t n = 0;
	bool gap = false;

	if (len < 2)
		return -EINVAL;
	for (const char *p = name; *p != '\0' && n < len - 1 && n < 64; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (gap && n > 0 && n < len - 2 && n < 63)
				out[n++] = '_';
			gap = false;
			out[n++] = c;
		} else {
			gap = true;
		}
	}
	out[n] = '\0';
	return n > 0 ? 0 : -EINVAL;
}

struct json_object *
conv_parse_object(const char *payload, size_t len, char *err, size_t errlen)
{
	struct json_object *o;

	if (len > MQTT_PAYLOAD_MAX) {
		snprintf(err, errlen, "payload of %zu bytes is too large", len);
		return NULL;
	}
	if (len == 0) {
		snprintf(err, errlen, "empty payload");
		return NULL;
	}
	err[0] = '\0';
	if ((o = json_parse_strict(payload, len, err, errlen)) == NULL) {
		if (err[0] == '\0')	/* the JSON value null */
			snprintf(err, errlen, "payload is not a JSON object");
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "payload is not a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *
conv_number(double v)
{
	char buf[32];

	if (v == floor(v) && fabs(v) < 1e15)
		return json_object_new_int64((int64_t)v);
	/* %.10g: 69.8 stays 69.8, not 69.799999999999997. */
	snprintf(buf, sizeof(buf), "%.10g", v);
	return json_object_new_double_s(v, buf);
}

struct json_object *
conv_report_new(void)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "properties", json_object_new_object());
	return r;
}

void
conv_report_state(struct json_object *report, const char *state)
{
	json_object_object_add(report, "state", json_object_new_string(state));
}

struct json_object *
conv_report_props(struct json_object *report)
{
	struct json_object *p = NULL;

	json_object_object_get_ex(report, "properties", &p);
	return p;
}
