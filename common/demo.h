/* SPDX-License-Identifier: MIT */
/* demo.h -- the homes `homectl init` creates. */
#ifndef HOMECTL_DEMO_H
#define HOMECTL_DEMO_H

#include <stdbool.h>
#include "db.h"

/* Adds the four home modes and, with demo, the seed's 24 devices in their
 * rooms and the scenes that make the modes do something.  Runs inside the
 * caller's transaction.  0 or -errno. */
int demo_populate(struct db *db, bool demo);

#endif
