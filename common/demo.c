/* SPDX-License-Identifier: MIT */
/* demo.c -- the demo home: the seed system's 24 devices, their rooms, and
 * the four modes written as explicit scenes. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <json-c/json.h>

#include "demo.h"
#include "util.h"

static const struct {
	const char *id, *name;
} rooms[] = {
	{ "living_room", "Living room" },
	{ "bedroom", "Bedroom" },
	{ "kitchen", "Kitchen" },
	{ "bathroom", "Bathroom" },
	{ "outdoor", "Outdoor" },
};

/* room NULL: house-wide.  props is JSON text. */
static const struct {
	const char *id, *name, *type, *room, *state, *props;
} devices[] = {
	{ "living_room_light_main", "Living room ceiling light", "light", "living_room", "on",
	    "{\"brightness\":75,\"color_temp\":2700}" },
	{ "living_room_light_lamp", "Reading lamp", "light", "living_room", "off",
	    "{\"brightness\":40,\"color_temp\":2700}" },
	{ "living_room_fan", "Living room fan", "fan", "living_room", "off", "{\"speed\":0}" },
	{ "living_room_blinds", "Living room blinds", "blinds", "living_room", "open",
	    "{\"position\":100}" },
	{ "living_room_temperature_sensor", "Living room temperature", "temperature_sensor",
	    "living_room", "active", "{\"value\":71.5,\"unit\":\"°F\"}" },
	{ "living_room_motion_sensor", "Living room motion", "motion_sensor", "living_room",
	    "no_motion", "{\"last_motion\":\"2026-11-25T21:14:05.000Z\"}" },
	{ "bedroom_light_main", "Bedroom ceiling light", "light", "bedroom", "off",
	    "{\"brightness\":80,\"color_temp\":3000}" },
	{ "bedroom_light_bedside", "Bedside lamp", "light", "bedroom", "off",
	    "{\"brightness\":30,\"color_temp\":2200}" },
	{ "bedroom_fan", "Bedroom fan", "fan", "bedroom", "off", "{\"speed\":0}" },
	{ "bedroom_blinds", "Bedroom blinds", "blinds", "bedroom", "closed", "{\"position\":0}" },
	{ "bedroom_temperature_sensor", "Bedroom temperature", "temperature_sensor", "bedroom",
	    "active", "{\"value\":68.9,\"unit\":\"°F\"}" },
	{ "kitchen_light_main", "Kitchen ceiling light", "light", "kitchen", "on",
	    "{\"brightness\":100,\"color_temp\":4000}" },
	{ "kitchen_light_counter", "Counter lights", "light", "kitchen", "off",
	    "{\"brightness\":60,\"color_temp\":3500}" },
	{ "kitchen_fish_feeder", "Aquarium feeder", "fish_feeder", "kitchen", "idle",
	    "{\"last_fed\":\"2026-11-25T08:00:00.000Z\"}" },
	{ "kitchen_motion_sensor", "Kitchen motion", "motion_sensor", "kitchen", "motion",
	    "{\"last_motion\":\"2026-11-26T00:41:12.000Z\"}" },
	{ "bathroom_light", "Bathroom light", "light", "bathroom", "off",
	    "{\"brightness\":100,\"color_temp\":4000}" },
	{ "bathroom_fan", "Bathroom extractor fan", "fan", "bathroom", "off", "{\"speed\":0}" },
	{ "outdoor_sprinkler_front_yard", "Front yard sprinkler", "sprinkler", "outdoor", "off",
	    "{\"zone\":\"front_yard\",\"duration\":15}" },
	{ "outdoor_sprinkler_back_yard", "Back yard sprinkler", "sprinkler", "outdoor", "off",
	    "{\"zone\":\"back_yard\",\"duration\":20}" },
	{ "outdoor_ev_charger", "EV charger", "ev_charger", "outdoor", "idle",
	    "{\"battery_level\":62,\"charging\":false}" },
	{ "thermostat_main", "Thermostat", "thermostat", NULL, "auto",
	    "{\"target_temp\":72,\"mode\":\"auto\",\"current_temp\":70.5}" },
	{ "front_door_lock", "Front door", "lock", NULL, "locked", "{}" },
	{ "back_door_lock", "Back door", "lock", NULL, "locked", "{}" },
	{ "garage_door", "Garage door", "garage", NULL, "closed", "{\"position\":0}" },
};

static const struct {
	const char *name, *description;
} modes[] = {
	{ "home", "Main lights on at 75 %, thermostat 72 °F on auto." },
	{ "away", "All lights off, doors locked, thermostat 65 °F." },
	{ "sleep", "Bedroom lights at 20 %, other lights off, doors locked, thermostat 68 °F." },
	{ "vacation", "All lights off, doors locked, garage closed, thermostat 60 °F." },
};

/* Each scene step names its device: no substring matching. */
static const struct {
	const char *mode, *device, *action, *props;
} scenes[] = {
	{ "home", "living_room_light_main", "on", "{\"brightness\":75}" },
	{ "home", "kitchen_light_main", "on", "{\"brightness\":75}" },
	{ "home", "bedroom_light_main", "on", "{\"brightness\":75}" },
	{ "home", "thermostat_main", "set", "{\"target_temp\":72,\"mode\":\"auto\"}" },

	{ "away", "living_room_light_main", "off", NULL },
	{ "away", "living_room_light_lamp", "off", NULL },
	{ "away", "bedroom_light_main", "off", NULL },
	{ "away", "bedroom_light_bedside", "off", NULL },
	{ "away", "kitchen_light_main", "off", NULL },
	{ "away", "kitchen_light_counter", "off", NULL },
	{ "away", "bathroom_light", "off", NULL },
	{ "away", "front_door_lock", "lock", NULL },
	{ "away", "back_door_lock", "lock", NULL },
	{ "away", "thermostat_main", "set", "{\"target_temp\":65}" },

	{ "sleep", "bedroom_light_main", "on", "{\"brightness\":20}" },
	{ "sleep", "bedroom_light_bedside", "on", "{\"brightness\":20}" },
	{ "sleep", "living_room_light_main", "off", NULL },
	{ "sleep", "living_room_light_lamp", "off", NULL },
	{ "sleep", "kitchen_light_main", "off", NULL },
	{ "sleep", "kitchen_light_counter", "off", NULL },
	{ "sleep", "bathroom_light", "off", NULL },
	{ "sleep", "front_door_lock", "lock", NULL },
	{ "sleep", "back_door_lock", "lock", NULL },
	{ "sleep", "thermostat_main", "set", "{\"target_temp\":68}" },

	{ "vacation", "living_room_light_main", "off", NULL },
	{ "vacation", "living_room_light_lamp", "off", NULL },
	{ "vacation", "bedroom_light_main", "off", NULL },
	{ "vacation", "bedroom_light_bedside", "off", NULL },
	{ "vacation", "kitchen_light_main", "off", NULL },
	{ "vacation", "kitchen_light_counter", "off", NULL },
	{ "vacation", "bathroom_light", "off", NULL },
	{ "vacation", "front_door_lock", "lock", NULL },
	{ "vacation", "back_door_lock", "lock", NULL },
	{ "vacation", "garage_door", "close", NULL },
	{ "vacation", "thermostat_main", "set", "{\"target_temp\":60}" },
};

int
demo_populate(struct db *db, bool demo)
{
	struct json_object *props;
	size_t i;
	int r;

	for (i = 0; i < NELEMS(modes); i++)
		if ((r = db_mode_add(db, modes[i].name, modes[i].description, (int)i)) < 0)
			return r;
	if (!demo)
		return 0;
	for (i = 0; i < NELEMS(rooms); i++)
		if ((r = db_room_add(db, rooms[i].id, rooms[i].name, (int)i)) < 0)
			return r;
	for (i = 0; i < NELEMS(devices); i++) {
		props = json_tokener_parse(devices[i].props);
		r = db_device_add(db, devices[i].id, devices[i].name, devices[i].type,
		    devices[i].room, devices[i].state, props);
		json_object_put(props);
		if (r < 0)
			return r;
	}
	for (i = 0; i < NELEMS(scenes); i++) {
		props = scenes[i].props ? json_tokener_parse(scenes[i].props) : NULL;
		r = db_scene_add(db, scenes[i].mode, scenes[i].device, scenes[i].action, props);
		json_object_put(props);
		if (r < 0)
			return r;
	}
	return 0;
}
