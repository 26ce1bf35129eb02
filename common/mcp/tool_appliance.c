/* SPDX-License-Identifier: MIT */
/* tool_appliance.c -- the seed's single-purpose tools: feed_fish,
 * water_plants, start_ev_charging and stop_ev_charging. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "mcpcore.h"
#include "model.h"

static struct json_object *
result_schema(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object();

	schema_add(s, "changed", schema_type("integer", "Devices whose state changed"), true);
	schema_add(s, "devices", schema_array(schema_device(), "The devices, as they are now"),
	    true);
	schema_add(s, "skipped", schema_array(schema_type("object", NULL), NULL), false);
	schema_add(s, "duration", schema_type("integer", "Minutes (water_plants)"), false);
	return s;
}

/* Common tail: keep ops' result and say what happened.  (out is passed
 * by address: C leaves the order of argument evaluation open.) */
static int
done(struct tool_call *t, int r, struct json_object **outp, const char *what)
{
	struct json_object *out = *outp;
	int changed;
	size_t n;

	if (r < 0)
		return r;
	changed = json_object_get_int(json_object_object_get(out, "changed"));
	n = json_object_array_length(json_object_object_get(out, "devices"));
	t->out = out;
	t->wrote = true;
	tool_summary(t, "%s: %zu device%s, %d changed.", what, n, n == 1 ? "" : "s", changed);
	return 0;
}

static int
feed_call(struct tool_call *t)
{
	struct json_object *out = NULL;

	return done(t, ops_feed_fish(t->ops, tool_confirmed(t), &out, t->err), &out, "Fish fed");
}

const struct tool tool_feed_fish = {
	.name = "feed_fish",
	.title = "Feed the fish",
	.description = "Run the fish feeder once and record when the fish were fed.",
	.flags = 0,
	.output = result_schema,
	.call = feed_call,
};

static struct json_object *
water_input(const struct ops_ctx *ops)
{
	struct json_object *s = schema_object(), *d;

	schema_add(s, "zone", schema_home_enum(ops, HOME_ZONES,
	    "Which garden zone; leave out to water every zone"), false);
	d = schema_prop("duration", "Minutes of watering (default 15)");
	json_object_object_add(d, "default", json_object_new_int(15));
	schema_add(s, "duration", d, false);
	return s;
}

static int
water_call(struct tool_call *t)
{
	struct json_object *out = NULL;
	const char *zone = NULL;
	int64_t duration = 15;
	char what[96];

	json_get_string(t->args, "zone", &zone, true, NULL);
	json_get_int(t->args, "duration", &duration, true, 15);
	snprintf(what, sizeof(what), "Watering %s for %lld minutes", zone ? zone : "every zone",
	    (long long)duration);
	return done(t, ops_water_plants(t->ops, zone, duration, tool_confirmed(t), &out,
	    t->err), &out, what);
}

const struct tool tool_water_plants = {
	.name = "water_plants",
	.title = "Water the plants",
	.description = "Turn on the sprinklers of one zone (front_yard, back_yard, ...) or of "
	    "every zone for a number of minutes (default 15).",
	.flags = 0,
	.input = water_input,
	.output = result_schema,
	.call = water_call,
};

static int
ev_call(struct tool_call *t, bool start)
{
	struct json_object *out = NULL;

	return done(t, ops_ev_charging(t->ops, start, tool_confirmed(t), &out, t->err), &out,
	    start ? "EV charging started" : "EV charging stopped");
}

static int
ev_start(struct tool_call *t)
{
	return ev_call(t, true);
}

static int
ev_stop(struct tool_call *t)
{
	return ev_call(t, false);
}

const struct tool tool_start_ev_charging = {
	.name = "start_ev_charging",
	.title = "Start EV charging",
	.description = "Start charging the electric car at the home's EV charger.",
	.flags = TOOL_IDEMPOTENT,
	.output = result_schema,
	.call = ev_start,
};

const struct tool tool_stop_ev_charging = {
	.name = "stop_ev_charging",
	.title = "Stop EV charging",
	.description = "Stop charging the electric car at the home's EV charger.",
	.flags = TOOL_IDEMPOTENT,
	.output = result_schema,
	.call = ev_stop,
};
