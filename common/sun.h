/* SPDX-License-Identifier: MIT */
/* sun.h -- sunrise and sunset for a place and a day, by NOAA's published
 * algorithm (the equations behind NOAA's Solar Calculator, after Meeus'
 * Astronomical Algorithms): the sun's upper edge on a sea-level horizon,
 * with standard refraction (zenith 90.833 degrees).  Good to about a
 * minute between the polar circles. */
#ifndef HOMECTL_SUN_H
#define HOMECTL_SUN_H

#include <stdbool.h>
#include <stdint.h>

enum sun_event { SUN_SUNRISE, SUN_SUNSET };

/* "sunrise" / "sunset" -> 0, else -EINVAL. */
int sun_event_parse(const char *name, enum sun_event *out);
const char *sun_event_name(enum sun_event ev);

/* true when lat is within [-90, 90] and lon within [-180, 180]. */
bool sun_location_valid(double lat, double lon);

/* The event on the UTC calendar day that contains `day` (seconds since the
 * epoch), for latitude lat (north positive) and longitude lon (east
 * positive), in seconds since the epoch.  -ENOENT when the sun does not
 * rise or set that day (polar day or night). */
int sun_event_on(double lat, double lon, int64_t day, enum sun_event ev, int64_t *out);

/* The first event strictly after `after` (seconds), shifted by offset
 * seconds (negative: before the event), that is: the first t > after with
 * t = event + offset.  -ENOENT when none happens within a year. */
int sun_next(double lat, double lon, enum sun_event ev, int64_t offset, int64_t after,
    int64_t *out);

#endif
