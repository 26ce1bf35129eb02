/* SPDX-License-Identifier: MIT */
/* sun.c -- sunrise and sunset by NOAA's algorithm: the sun's declination
 * and the equation of time from the Julian century (Meeus' low-precision
 * series), the hour angle at zenith 90.833 degrees, and two refinements
 * that evaluate the sun's position at the event itself rather than at noon
 * (which moves the result by up to a minute at high latitudes). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sun.h"

#define DAY		86400
#define ZENITH		90.833	/* 90 degrees + refraction + the sun's radius */
#define REFINEMENTS	3

static double
rad(double d)
{
	return d * M_PI / 180.0;
}

static double
deg(double r)
{
	return r * 180.0 / M_PI;
}

int
sun_event_parse(const char *name, enum sun_event *out)
{
	if (name != NULL && strcmp(name, "sunrise") == 0)
		*out = SUN_SUNRISE;
	else if (name != NULL && strcmp(name, "sunset") == 0)
		*out = SUN_SUNSET;
	else
		return -EINVAL;
	return 0;
}

const char *
sun_event_name(enum sun_event ev)
{
	return ev == SUN_SUNRISE ? "sunrise" : "sunset";
}

bool
sun_location_valid(double lat, double lon)
{
	return isfinite(lat) && isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 &&
	    lon <= 180;
}

/* The sun's declination (degrees) and the equation of time (minutes) at
 * Julian day jd. */
static void
sun_position(double jd, double *decl, double *eqtime)
{
	double t = (jd - 2451545.0) / 36525.0;	/* Julian centuries since J2000.0 */
	double l0 = fmod(280.46646 + t * (36000.76983 + t * 0.0003032), 360.0);
	double m = 357.52911 + t * (35999.05029 - 0.0001537 * t);
	double e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
	double c = sin(rad(m)) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
	    sin(rad(2 * m)) * (0.019993 - 0.000101 * t) + sin(rad(3 * m)) * 0.000289;
	double omega = 125.04 - 1934.136 * t;
	double lambda = l0 + c - 0.00569 - 0.00478 * sin(rad(omega));
	double eps0 = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) /
	    60.0) / 60.0;
	double eps = eps0 + 0.00256 * cos(rad(omega));
	double y = tan(rad(eps / 2)) * tan(rad(eps / 2));

	*decl = deg(asin(sin(rad(eps)) * sin(rad(lambda))));
	*eqtime = 4.0 * deg(y * sin(2 * rad(l0)) - 2 * e * sin(rad(m)) +
	    4 * e * y * sin(rad(m)) * cos(2 * rad(l0)) - 0.5 * y * y * sin(4 * rad(l0)) -
	    1.25 * e * e * sin(2 * rad(m)));
}

int
sun_event_on(double lat, double lon, int64_t day, enum sun_event ev, int64_t *out)
{
	int64_t midnight = day - ((day % DAY) + DAY) % DAY;
	double jd0 = (double)midnight / DAY + 2440587.5;
	double minutes = 720.0 - 4.0 * lon;	/* first guess: solar noon */
	double sign = ev == SUN_SUNRISE ? -1.0 : 1.0;

	if (!sun_location_valid(lat, lon))
		return -EINVAL;
	for (int i = 0; i < REFINEMENTS; i++) {
		double decl, eqtime, cos_ha;

		sun_position(jd0 + minutes / 1440.0, &decl, &eqtime);
		cos_ha = cos(rad(ZENITH)) / (cos(rad(lat)) * cos(rad(decl))) -
		    tan(rad(lat)) * tan(rad(decl));
		if (!(cos_ha >= -1.0 && cos_ha <= 1.0))
			return -ENOENT;	/* the sun stays up, or down, all day */
		minutes = 720.0 - 4.0 * lon - eqtime + sign * 4.0 * deg(acos(cos_ha));
	}
	*out = midnight + (int64_t)llround(minutes * 60.0);
	return 0;
}

int
sun_next(double lat, double lon, enum sun_event ev, int64_t offset, int64_t after,
    int64_t *out)
{
	/* Events come about a day apart, in order; start two days before the
	 * one that could first qualify. */
	int64_t day = after - offset - 2 * (int64_t)DAY;

	if (!sun_location_valid(lat, lon))
		return -EINVAL;
	for (int i = 0; i < 370; i++, day += DAY) {
		int64_t at;

		if (sun_event_on(lat, lon, day, ev, &at) < 0)
			continue;
		if (at + offset > after) {
			*out = at + offset;
			return 0;
		}
	}
	return -ENOENT;
}
