/* SPDX-License-Identifier: MIT */
/* http_openapi.c -- GET /api/openapi.json: an OpenAPI 3.1 document whose
 * fixed part is written here and whose enums and device property schemas
 * are generated from the model table (common/model.c), so the document
 * cannot drift from what the daemon validates. */
#include <string.h>

#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "model.h"

/* "@NAME@" strings are replaced by generated values. */
static const char skeleton[] =
	"{\n"
	" \"openapi\": \"3.1.0\",\n"
	" \"info\": {\"title\": \"homectl REST API\", \"version\": \"@VERSION@\",\n"
	"  \"description\": \"The REST half of docs/protocol.md. Live updates come over the WebSocket at /ws (not described by OpenAPI).\"},\n"
	" \"security\": [{\"bearer\": []}],\n"
	" \"paths\": {\n"
	"  \"/api/devices\": {\"get\": {\"operationId\": \"listDevices\", \"summary\": \"Devices, optionally filtered\",\n"
	"    \"parameters\": [\n"
	"     {\"name\": \"room\", \"in\": \"query\", \"schema\": {\"type\": \"string\"}, \"description\": \"room id\"},\n"
	"     {\"name\": \"type\", \"in\": \"query\", \"schema\": {\"$ref\": \"#/components/schemas/DeviceType\"}},\n"
	"     {\"name\": \"state\", \"in\": \"query\", \"schema\": {\"type\": \"string\"}, \"description\": \"only devices in this state (on, off, locked, ...)\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"the devices\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/DeviceList\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"404\": {\"$ref\": \"#/components/responses/NotFound\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}},\n"
	"   \"post\": {\"operationId\": \"addDevice\", \"summary\": \"Add a device; it starts in its type's initial state\",\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/DeviceNew\"}}}},\n"
	"    \"responses\": {\"201\": {\"description\": \"the device\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Device\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/devices/{id}\": {\n"
	"   \"patch\": {\"operationId\": \"editDevice\", \"summary\": \"Rename a device or move it (room null: house-wide)\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/DeviceId\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/DeviceEdit\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"the device\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Device\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}},\n"
	"   \"delete\": {\"operationId\": \"removeDevice\", \"summary\": \"Remove a device; the scenes that named it lose that step (listed); 409 in_use when automations use it, unless force\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/DeviceId\"}, {\"$ref\": \"#/components/parameters/Confirm\"},\n"
	"     {\"name\": \"force\", \"in\": \"query\", \"schema\": {\"type\": \"string\", \"enum\": [\"0\", \"1\", \"false\", \"true\"]}, \"description\": \"remove it even when automations use it, and disable them (listed as disabled)\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"what was removed\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Removed\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}},\n"
	"   \"get\": {\"operationId\": \"getDevice\", \"summary\": \"One device\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/DeviceId\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"the device\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Device\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"}}}},\n"
	"  \"/api/devices/{id}/actions\": {\"post\": {\"operationId\": \"controlDevice\", \"summary\": \"Run an action on one device\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/DeviceId\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ActionRequest\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"the device after the action\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ActionResult\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"413\": {\"$ref\": \"#/components/responses/PayloadTooLarge\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Superseded\"}, \"503\": {\"$ref\": \"#/components/responses/DeviceUnavailable\"},\n"
	"     \"504\": {\"$ref\": \"#/components/responses/DeviceTimeout\"}}}},\n"
	"  \"/api/devices/{id}/history\": {\"get\": {\"operationId\": \"deviceHistory\", \"summary\": \"One device's changes between two times, from the change feed, at most points of them (the last of each of points equal slices when more happened)\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/DeviceId\"},\n"
	"     {\"name\": \"from\", \"in\": \"query\", \"schema\": {\"type\": \"string\", \"format\": \"date-time\"}, \"description\": \"UTC, ending in Z; default: a day before to\"},\n"
	"     {\"name\": \"to\", \"in\": \"query\", \"schema\": {\"type\": \"string\", \"format\": \"date-time\"}, \"description\": \"UTC, ending in Z; default: now\"},\n"
	"     {\"name\": \"points\", \"in\": \"query\", \"schema\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 2000, \"default\": 300}}],\n"
	"    \"responses\": {\"200\": {\"description\": \"the history\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/History\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"404\": {\"$ref\": \"#/components/responses/NotFound\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/actions\": {\"post\": {\"operationId\": \"controlDevices\", \"summary\": \"Run an action on every matching device that supports it\",\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/BulkActionRequest\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"the devices after the action\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ActionResult\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"413\": {\"$ref\": \"#/components/responses/PayloadTooLarge\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Superseded\"}, \"503\": {\"$ref\": \"#/components/responses/DeviceUnavailable\"},\n"
	"     \"504\": {\"$ref\": \"#/components/responses/DeviceTimeout\"}}}},\n"
	"  \"/api/rooms\": {\"get\": {\"operationId\": \"listRooms\", \"summary\": \"Rooms in display order\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the rooms\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/RoomList\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}},\n"
	"   \"post\": {\"operationId\": \"addRoom\", \"summary\": \"Add a room (last in display order)\",\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/RoomNew\"}}}},\n"
	"    \"responses\": {\"201\": {\"description\": \"the room\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Room\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/rooms/{id}\": {\n"
	"   \"patch\": {\"operationId\": \"editRoom\", \"summary\": \"Rename a room or move it in the display order\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/RoomId\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/RoomEdit\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"the room\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Room\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}},\n"
	"   \"delete\": {\"operationId\": \"removeRoom\", \"summary\": \"Remove a room; its devices become house-wide (listed)\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/RoomId\"}, {\"$ref\": \"#/components/parameters/Confirm\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"what was removed\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Removed\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/modes/{name}\": {\n"
	"   \"put\": {\"operationId\": \"putMode\", \"summary\": \"Create or replace a mode and its scene\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/ModeNameParam\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ModePut\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"the mode\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ModeDef\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}},\n"
	"   \"delete\": {\"operationId\": \"removeMode\", \"summary\": \"Remove a mode and its scene (not the active one: 409)\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/ModeNameParam\"}, {\"$ref\": \"#/components/parameters/Confirm\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"what was removed\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Removed\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/export\": {\"get\": {\"operationId\": \"exportHome\", \"summary\": \"The home as one document (format 1, docs/home-document.md)\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the document\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/HomeDocument\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}}},\n"
	"  \"/api/import\": {\"post\": {\"operationId\": \"importHome\", \"summary\": \"Make the home match a document, in one transaction\",\n"
	"    \"parameters\": [{\"name\": \"dry_run\", \"in\": \"query\", \"schema\": {\"type\": \"integer\", \"enum\": [0, 1]}, \"description\": \"1: say what would change, write nothing\"},\n"
	"     {\"name\": \"prune\", \"in\": \"query\", \"schema\": {\"type\": \"integer\", \"enum\": [0, 1]}, \"description\": \"1: also remove what the document lacks\"},\n"
	"     {\"$ref\": \"#/components/parameters/Confirm\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/HomeDocument\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"what changed\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ImportResult\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/stats\": {\"get\": {\"operationId\": \"getStats\", \"summary\": \"Counts for the dashboard header\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the stats\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Stats\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}}},\n"
	"  \"/api/mode\": {\n"
	"   \"get\": {\"operationId\": \"getMode\", \"summary\": \"The active home mode\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the mode\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Mode\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}},\n"
	"   \"put\": {\"operationId\": \"setMode\", \"summary\": \"Apply a mode's scene and make it the active mode\",\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ModeRequest\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"the result\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ModeResult\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"413\": {\"$ref\": \"#/components/responses/PayloadTooLarge\"}}}},\n"
	"  \"/api/modes\": {\"get\": {\"operationId\": \"listModes\", \"summary\": \"Every mode and its scene\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the modes\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ModeList\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}},\n"
	"   \"post\": {\"operationId\": \"addMode\", \"summary\": \"Add a mode with its scene (409 when it exists)\",\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ModeNew\"}}}},\n"
	"    \"responses\": {\"201\": {\"description\": \"the mode\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ModeDef\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/changes\": {\"get\": {\"operationId\": \"listChanges\", \"summary\": \"The change feed after a seq, oldest first\",\n"
	"    \"parameters\": [\n"
	"     {\"name\": \"since\", \"in\": \"query\", \"schema\": {\"type\": \"integer\", \"minimum\": 0, \"default\": 0}},\n"
	"     {\"name\": \"limit\", \"in\": \"query\", \"schema\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 1000, \"default\": 100}},\n"
	"     {\"name\": \"device\", \"in\": \"query\", \"schema\": {\"type\": \"string\"}, \"description\": \"only this device's changes\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"the changes\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/ChangeList\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"404\": {\"$ref\": \"#/components/responses/NotFound\"}}}},\n"
	"  \"/api/types\": {\"get\": {\"operationId\": \"listTypes\", \"summary\": \"The device model: states, actions and properties of each type\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the model\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Types\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}}},\n"
	"  \"/api/health\": {\"get\": {\"operationId\": \"getHealth\", \"summary\": \"Liveness, version, feed position and WebSocket clients\",\n"
	"    \"responses\": {\"200\": {\"description\": \"healthy\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Health\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}}},\n"
	"  \"/api/automations\": {\n"
	"   \"get\": {\"operationId\": \"listAutomations\", \"summary\": \"Every automation, its next time or sun trigger and its last run\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the automations\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/AutomationList\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}},\n"
	"   \"post\": {\"operationId\": \"createAutomation\", \"summary\": \"Check an automation document against the home (and for loops) and store it\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/Confirm\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/AutomationDocument\"}}}},\n"
	"    \"responses\": {\"201\": {\"description\": \"stored\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Automation\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"409\": {\"$ref\": \"#/components/responses/Conflict\"}, \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}}},\n"
	"  \"/api/automations/{name}\": {\n"
	"   \"parameters\": [{\"$ref\": \"#/components/parameters/AutomationName\"}],\n"
	"   \"get\": {\"operationId\": \"getAutomation\", \"summary\": \"One automation with its newest runs\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the automation\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Automation\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"}}},\n"
	"   \"put\": {\"operationId\": \"replaceAutomation\", \"summary\": \"Replace an automation (the document names the same one)\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/Confirm\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/AutomationDocument\"}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"stored\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Automation\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"},\n"
	"     \"422\": {\"$ref\": \"#/components/responses/InvalidValue\"}}},\n"
	"   \"delete\": {\"operationId\": \"removeAutomation\", \"summary\": \"Remove an automation and its runs\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/Confirm\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"removed\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\", \"properties\": {\"removed\": {\"type\": \"string\"}}}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}, \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"},\n"
	"     \"404\": {\"$ref\": \"#/components/responses/NotFound\"}}}},\n"
	"  \"/api/automations/{name}/enable\": {\"post\": {\"operationId\": \"enableAutomation\", \"summary\": \"Turn an automation on or off\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/AutomationName\"}],\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\", \"required\": [\"enabled\"], \"additionalProperties\": false,\n"
	"     \"properties\": {\"enabled\": {\"type\": \"boolean\"}, \"confirm\": {\"type\": \"boolean\", \"default\": false}}}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"the automation\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Automation\"}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"}}}},\n"
	"  \"/api/automations/{name}/run\": {\"post\": {\"operationId\": \"runAutomation\", \"summary\": \"Ask homectl-automations to run the actions now, whatever the triggers and conditions say\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/AutomationName\"}, {\"$ref\": \"#/components/parameters/Confirm\"}],\n"
	"    \"responses\": {\"202\": {\"description\": \"requested: GET the automation for how the run went\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\",\n"
	"     \"properties\": {\"name\": {\"type\": \"string\"}, \"run\": {\"type\": \"integer\"}}}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}, \"403\": {\"$ref\": \"#/components/responses/ConfirmationRequired\"},\n"
	"     \"404\": {\"$ref\": \"#/components/responses/NotFound\"}}}},\n"
	"  \"/api/automations/{name}/test\": {\"get\": {\"operationId\": \"testAutomation\", \"summary\": \"Which of the conditions hold now; changes nothing\",\n"
	"    \"parameters\": [{\"$ref\": \"#/components/parameters/AutomationName\"}],\n"
	"    \"responses\": {\"200\": {\"description\": \"the conditions\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\",\n"
	"     \"properties\": {\"name\": {\"type\": \"string\"}, \"enabled\": {\"type\": \"boolean\"}, \"holds\": {\"type\": \"boolean\"},\n"
	"      \"conditions\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"condition\": {\"type\": \"object\"}, \"holds\": {\"type\": \"boolean\"}, \"detail\": {\"type\": \"string\"}}}}}}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}, \"404\": {\"$ref\": \"#/components/responses/NotFound\"}}}},\n"
	"  \"/api/oauth/request\": {\"get\": {\"operationId\": \"oauthRequest\", \"summary\": \"For the consent page: the OAuth authorization request in the query (response_type, client_id, redirect_uri, code_challenge, code_challenge_method, scope, state, resource), checked; who asks, where the answer goes, the scopes this token may grant, and the URL that denies (the OAuth endpoints themselves are described at /.well-known/oauth-authorization-server)\",\n"
	"    \"responses\": {\"200\": {\"description\": \"the request\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\",\n"
	"     \"properties\": {\"client_id\": {\"type\": \"string\"}, \"client_name\": {\"type\": \"string\"}, \"redirect_uri\": {\"type\": \"string\"}, \"redirect_host\": {\"type\": \"string\"},\n"
	"      \"resource\": {\"type\": \"string\"}, \"scope\": {\"$ref\": \"#/components/schemas/Scope\"}, \"your_scope\": {\"$ref\": \"#/components/schemas/Scope\"},\n"
	"      \"scopes\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Scope\"}}, \"deny\": {\"type\": \"string\"}}}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}}},\n"
	"  \"/api/oauth/approve\": {\"post\": {\"operationId\": \"oauthApprove\", \"summary\": \"The person approves an OAuth authorization request with at most this token's scope: a grant and its code\",\n"
	"    \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\", \"required\": [\"grant\"],\n"
	"     \"properties\": {\"response_type\": {\"type\": \"string\"}, \"client_id\": {\"type\": \"string\"}, \"redirect_uri\": {\"type\": \"string\"}, \"code_challenge\": {\"type\": \"string\"},\n"
	"      \"code_challenge_method\": {\"type\": \"string\"}, \"scope\": {\"type\": \"string\"}, \"state\": {\"type\": \"string\"}, \"resource\": {\"type\": \"string\"},\n"
	"      \"grant\": {\"$ref\": \"#/components/schemas/Scope\"}}, \"additionalProperties\": false}}}},\n"
	"    \"responses\": {\"200\": {\"description\": \"where to send the browser: the client's redirect_uri with code, state and iss\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\",\n"
	"     \"properties\": {\"redirect\": {\"type\": \"string\"}, \"grant\": {\"$ref\": \"#/components/schemas/Scope\"}}}}}},\n"
	"     \"400\": {\"$ref\": \"#/components/responses/BadRequest\"}, \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},\n"
	"     \"403\": {\"description\": \"more than this token's scope, or than the client asked for\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}}}}},\n"
	"  \"/api/openapi.json\": {\"get\": {\"operationId\": \"getOpenApi\", \"summary\": \"This document\",\n"
	"    \"responses\": {\"200\": {\"description\": \"OpenAPI 3.1\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\"}}}},\n"
	"     \"401\": {\"$ref\": \"#/components/responses/Unauthorized\"}}}}\n"
	" },\n"
	" \"components\": {\n"
	"  \"securitySchemes\": {\"bearer\": {\"type\": \"http\", \"scheme\": \"bearer\", \"description\": \"a token from `homectl token create NAME`\"}},\n"
	"  \"parameters\": {\"DeviceId\": {\"name\": \"id\", \"in\": \"path\", \"required\": true, \"schema\": {\"type\": \"string\"}},\n"
	"   \"RoomId\": {\"name\": \"id\", \"in\": \"path\", \"required\": true, \"schema\": {\"$ref\": \"#/components/schemas/Id\"}},\n"
	"   \"AutomationName\": {\"name\": \"name\", \"in\": \"path\", \"required\": true, \"schema\": {\"type\": \"string\"}},\n"
	"   \"ModeNameParam\": {\"name\": \"name\", \"in\": \"path\", \"required\": true, \"schema\": {\"$ref\": \"#/components/schemas/Id\"}},\n"
	"   \"Confirm\": {\"name\": \"confirm\", \"in\": \"query\", \"schema\": {\"type\": \"integer\", \"enum\": [0, 1]}, \"description\": \"1: the user confirmed (with confirm = all)\"}},\n"
	"  \"responses\": {\n"
	"   \"BadRequest\": {\"description\": \"malformed JSON, a missing or mistyped field, a bad query parameter\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"Unauthorized\": {\"description\": \"no token, or an unknown or revoked one\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"ConfirmationRequired\": {\"description\": \"the change needs the user's confirmation (it opens the home, or the home is configured with confirm = all): ask, then repeat it with \\\"confirm\\\": true\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"NotFound\": {\"description\": \"unknown route, device, room or mode\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"Conflict\": {\"description\": \"a room, device or mode of that id exists (exists), or it is in use: the active mode (in_use)\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"PayloadTooLarge\": {\"description\": \"body over 64 KiB\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"InvalidValue\": {\"description\": \"action not valid for the device, a value out of range, or (code loop) an automation that would set itself off forever\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"Superseded\": {\"description\": \"a newer command to the real device replaced this one (code superseded)\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"DeviceUnavailable\": {\"description\": \"the real device is offline (code device_unavailable)\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}},\n"
	"   \"DeviceTimeout\": {\"description\": \"the real device did not confirm the command in time and keeps its reported state (code device_timeout)\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/Error\"}}}}\n"
	"  },\n"
	"  \"schemas\": {\n"
	"   \"Error\": {\"type\": \"object\", \"required\": [\"error\"], \"properties\": {\"error\": {\"type\": \"object\", \"required\": [\"code\", \"message\"],\n"
	"     \"properties\": {\"code\": {\"type\": \"string\", \"enum\": [\"bad_request\", \"unauthorized\", \"confirmation_required\", \"forbidden\", \"not_found\", \"method_not_allowed\", \"payload_too_large\", \"invalid_value\", \"loop\", \"internal\", \"busy\", \"read_only\", \"storage_full\", \"unavailable\", \"exists\", \"in_use\", \"insufficient_scope\",\n"
	"       \"invalid_request\", \"invalid_client\", \"invalid_scope\", \"invalid_target\", \"unsupported_response_type\"]},\n"
	"      \"message\": {\"type\": \"string\"}}}}},\n"
	"   \"Scope\": {\"type\": \"string\", \"enum\": [\"read\", \"control\", \"full\"]},\n"
	"   \"DeviceType\": {\"type\": \"string\", \"enum\": \"@TYPES@\"},\n"
	"   \"Id\": {\"type\": \"string\", \"pattern\": \"^[a-z0-9_]{1,64}$\"},\n"
	"   \"Name\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 128},\n"
	"   \"RoomNew\": {\"type\": \"object\", \"required\": [\"id\"], \"additionalProperties\": false, \"properties\": {\"id\": {\"$ref\": \"#/components/schemas/Id\"}, \"name\": {\"$ref\": \"#/components/schemas/Name\"}, \"confirm\": {\"type\": \"boolean\"}}},\n"
	"   \"RoomEdit\": {\"type\": \"object\", \"additionalProperties\": false, \"properties\": {\"name\": {\"$ref\": \"#/components/schemas/Name\"}, \"position\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 10000}, \"confirm\": {\"type\": \"boolean\"}}},\n"
	"   \"DeviceNew\": {\"type\": \"object\", \"required\": [\"id\", \"type\"], \"additionalProperties\": false, \"properties\": {\"id\": {\"$ref\": \"#/components/schemas/Id\"}, \"type\": {\"$ref\": \"#/components/schemas/DeviceType\"}, \"room\": {\"type\": \"string\"}, \"name\": {\"$ref\": \"#/components/schemas/Name\"}, \"confirm\": {\"type\": \"boolean\"}}},\n"
	"   \"DeviceEdit\": {\"type\": \"object\", \"additionalProperties\": false, \"properties\": {\"name\": {\"$ref\": \"#/components/schemas/Name\"}, \"room\": {\"type\": [\"string\", \"null\"], \"description\": \"a room id, or null: house-wide\"}, \"confirm\": {\"type\": \"boolean\"}}},\n"
	"   \"SceneStep\": {\"type\": \"object\", \"required\": [\"device\", \"action\"], \"properties\": {\"device\": {\"type\": \"string\"}, \"action\": {\"$ref\": \"#/components/schemas/Action\"}, \"properties\": {\"$ref\": \"#/components/schemas/DeviceProperties\"}}},\n"
	"   \"ModeNew\": {\"type\": \"object\", \"required\": [\"name\"], \"additionalProperties\": false, \"properties\": {\"name\": {\"$ref\": \"#/components/schemas/Id\"}, \"description\": {\"type\": \"string\"}, \"scene\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/SceneStep\"}}, \"confirm\": {\"type\": \"boolean\"}}},\n"
	"   \"ModePut\": {\"type\": \"object\", \"additionalProperties\": false, \"properties\": {\"description\": {\"type\": \"string\"}, \"scene\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/SceneStep\"}}, \"confirm\": {\"type\": \"boolean\"}}},\n"
	"   \"ModeDef\": {\"type\": \"object\", \"required\": [\"name\", \"description\", \"scene\"], \"properties\": {\"name\": {\"type\": \"string\"}, \"description\": {\"type\": \"string\"}, \"scene\": {\"type\": \"array\", \"items\": {\"type\": \"object\"}}}},\n"
	"   \"Removed\": {\"type\": \"object\", \"required\": [\"removed\"], \"properties\": {\"removed\": {\"type\": \"string\"}, \"house_wide\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}, \"scenes\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"
	" \"disabled\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"description\": \"automations that used the device, disabled by a forced removal\"}}},\n"
	"   \"HomeDocument\": {\"type\": \"object\", \"required\": [\"format\"], \"properties\": {\"format\": {\"const\": 1}, \"mode\": {\"type\": \"string\"}, \"rooms\": {\"type\": \"array\"}, \"devices\": {\"type\": \"array\"}, \"modes\": {\"type\": \"array\"}}},\n"
	"   \"ImportResult\": {\"type\": \"object\", \"required\": [\"changes\", \"created\", \"updated\", \"removed\", \"dry_run\"], \"properties\": {\"changes\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}, \"created\": {\"type\": \"integer\"}, \"updated\": {\"type\": \"integer\"}, \"removed\": {\"type\": \"integer\"}, \"dry_run\": {\"type\": \"boolean\"}}},\n"
	"   \"DeviceState\": {\"type\": \"string\", \"enum\": \"@STATES@\"},\n"
	"   \"Action\": {\"type\": \"string\", \"enum\": \"@ACTIONS@\"},\n"
	"   \"ModeName\": {\"type\": \"string\", \"pattern\": \"^[a-z0-9_]{1,64}$\", \"description\": \"a mode of the home (GET /api/modes): modes are the home's own, not a fixed list\"},\n"
	"   \"DeviceProperties\": \"@PROPS@\",\n"
	"   \"Device\": {\"type\": \"object\", \"required\": [\"id\", \"name\", \"type\", \"room\", \"room_name\", \"state\", \"properties\", \"updated_at\"],\n"
	"    \"properties\": {\"id\": {\"type\": \"string\"}, \"name\": {\"type\": \"string\"}, \"type\": {\"$ref\": \"#/components/schemas/DeviceType\"},\n"
	"     \"room\": {\"type\": [\"string\", \"null\"]}, \"room_name\": {\"type\": [\"string\", \"null\"]},\n"
	"     \"state\": {\"$ref\": \"#/components/schemas/DeviceState\"}, \"properties\": {\"$ref\": \"#/components/schemas/DeviceProperties\"},\n"
	"     \"updated_at\": {\"type\": \"string\", \"format\": \"date-time\"},\n"
	"     \"driver\": {\"type\": \"string\", \"enum\": [\"sim\", \"z2m\", \"tasmota\", \"shelly\"], \"description\": \"sim: simulated; else what moves the real device (homectl-mqtt)\"},\n"
	"     \"address\": {\"type\": [\"string\", \"null\"]}, \"available\": {\"type\": \"string\", \"enum\": [\"online\", \"offline\", \"unknown\"]},\n"
	"     \"pending\": {\"type\": [\"object\", \"null\"], \"description\": \"the command the real device has not confirmed yet\"}}},\n"
	"   \"DeviceList\": {\"type\": \"object\", \"required\": [\"devices\"], \"properties\": {\"devices\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Device\"}}}},\n"
	"   \"ActionRequest\": {\"type\": \"object\", \"required\": [\"action\"], \"additionalProperties\": false,\n"
	"    \"properties\": {\"action\": {\"$ref\": \"#/components/schemas/Action\"}, \"properties\": {\"$ref\": \"#/components/schemas/DeviceProperties\"},\n"
	"     \"confirm\": {\"type\": \"boolean\", \"default\": false, \"description\": \"the user confirmed this action (needed when it opens the home, or for every change with confirm = all)\"}}},\n"
	"   \"BulkActionRequest\": {\"type\": \"object\", \"required\": [\"action\"], \"additionalProperties\": false,\n"
	"    \"properties\": {\"action\": {\"$ref\": \"#/components/schemas/Action\"}, \"room\": {\"type\": \"string\"}, \"type\": {\"$ref\": \"#/components/schemas/DeviceType\"},\n"
	"     \"properties\": {\"$ref\": \"#/components/schemas/DeviceProperties\"}, \"confirm\": {\"type\": \"boolean\", \"default\": false}}},\n"
	"   \"ActionResult\": {\"type\": \"object\", \"required\": [\"devices\", \"changed\", \"skipped\"],\n"
	"    \"properties\": {\"devices\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Device\"}}, \"changed\": {\"type\": \"integer\"},\n"
	"     \"skipped\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}, \"reason\": {\"type\": \"string\"}}}}}},\n"
	"   \"Room\": {\"type\": \"object\", \"required\": [\"id\", \"name\", \"devices\"], \"properties\": {\"id\": {\"type\": \"string\"}, \"name\": {\"type\": \"string\"}, \"devices\": {\"type\": \"integer\"}, \"position\": {\"type\": \"integer\"}}},\n"
	"   \"RoomList\": {\"type\": \"object\", \"required\": [\"rooms\"], \"properties\": {\"rooms\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Room\"}}}},\n"
	"   \"Stats\": {\"type\": \"object\", \"required\": [\"lights\", \"doors\", \"total_devices\", \"garage_open\", \"active_mode\"],\n"
	"    \"properties\": {\"lights\": {\"type\": \"object\", \"properties\": {\"on\": {\"type\": \"integer\"}, \"total\": {\"type\": \"integer\"}}},\n"
	"     \"doors\": {\"type\": \"object\", \"properties\": {\"locked\": {\"type\": \"integer\"}, \"total\": {\"type\": \"integer\"}}},\n"
	"     \"total_devices\": {\"type\": \"integer\"}, \"garage_open\": {\"type\": \"boolean\"}, \"active_mode\": {\"$ref\": \"#/components/schemas/ModeName\"}}},\n"
	"   \"SceneStep\": {\"type\": \"object\", \"properties\": {\"device_id\": {\"type\": \"string\"}, \"action\": {\"$ref\": \"#/components/schemas/Action\"},\n"
	"     \"properties\": {\"$ref\": \"#/components/schemas/DeviceProperties\"}}},\n"
	"   \"Mode\": {\"type\": \"object\", \"required\": [\"mode\"], \"properties\": {\"mode\": {\"$ref\": \"#/components/schemas/ModeName\"}, \"description\": {\"type\": \"string\"},\n"
	"     \"scene\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/SceneStep\"}}}},\n"
	"   \"ModeList\": {\"type\": \"object\", \"required\": [\"modes\"], \"properties\": {\"modes\": {\"type\": \"array\", \"items\": {\"type\": \"object\",\n"
	"     \"properties\": {\"name\": {\"$ref\": \"#/components/schemas/ModeName\"}, \"description\": {\"type\": \"string\"}, \"scene\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/SceneStep\"}}}}}}},\n"
	"   \"ModeRequest\": {\"type\": \"object\", \"required\": [\"mode\"], \"additionalProperties\": false, \"properties\": {\"mode\": {\"$ref\": \"#/components/schemas/ModeName\"},\n"
	"     \"confirm\": {\"type\": \"boolean\", \"default\": false, \"description\": \"the user confirmed this change (needed when the home is configured with confirm = all)\"}}},\n"
	"   \"ModeResult\": {\"type\": \"object\", \"required\": [\"mode\", \"previous\", \"devices\", \"changed\"],\n"
	"    \"properties\": {\"mode\": {\"$ref\": \"#/components/schemas/ModeName\"}, \"previous\": {\"type\": [\"string\", \"null\"]},\n"
	"     \"devices\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Device\"}}, \"changed\": {\"type\": \"integer\"}}},\n"
	"   \"Change\": {\"type\": \"object\", \"required\": [\"seq\", \"at\", \"source\", \"kind\"],\n"
	"    \"properties\": {\"seq\": {\"type\": \"integer\"}, \"at\": {\"type\": \"string\", \"format\": \"date-time\"},\n"
	"     \"source\": {\"type\": \"string\", \"enum\": [\"mcp\", \"api\", \"cli\", \"automation\", \"device\", \"hass\", \"unknown\"]},\n"
	"     \"automation\": {\"type\": \"string\", \"description\": \"source automation: which one\"},\n"
	"     \"kind\": {\"type\": \"string\", \"enum\": [\"device\", \"device_removed\", \"mode\", \"home\", \"command\", \"automation\"]},\n"
	"     \"subject\": {\"type\": \"string\", \"description\": \"kind home: what was edited (room:ID, mode:NAME, restore)\"},\n"
	"     \"run\": {\"type\": \"object\", \"description\": \"kind automation: how a run ended, {automation, id, outcome, error, trigger, started_at, finished_at}\",\n"
	"      \"properties\": {\"automation\": {\"type\": \"string\"}, \"id\": {\"type\": [\"integer\", \"null\"]}, \"outcome\": {\"type\": \"string\"},\n"
	"       \"error\": {\"type\": [\"string\", \"null\"]}, \"trigger\": {}, \"started_at\": {\"type\": \"string\"}, \"finished_at\": {\"type\": \"string\"}}},\n"
	"     \"command\": {\"type\": \"object\", \"description\": \"kind command: {id, device_id, state, properties, status, error, requested_by}\"},\n"
	"     \"device_id\": {\"type\": \"string\"}, \"device\": {\"$ref\": \"#/components/schemas/Device\"}, \"mode\": {\"$ref\": \"#/components/schemas/ModeName\"}}},\n"
	"   \"HistoryPoint\": {\"type\": \"object\", \"required\": [\"seq\", \"at\", \"source\", \"state\", \"properties\"],\n"
	"    \"properties\": {\"seq\": {\"type\": \"integer\"}, \"at\": {\"type\": \"string\", \"format\": \"date-time\"}, \"source\": {\"type\": \"string\"},\n"
	"     \"automation\": {\"type\": \"string\"}, \"state\": {\"type\": \"string\"}, \"properties\": {\"type\": \"object\"}}},\n"
	"   \"History\": {\"type\": \"object\", \"required\": [\"device_id\", \"from\", \"to\", \"count\", \"downsampled\", \"start\", \"changes\", \"retention\", \"oldest_at\"],\n"
	"    \"properties\": {\"device_id\": {\"type\": \"string\"}, \"from\": {\"type\": \"string\", \"format\": \"date-time\"}, \"to\": {\"type\": \"string\", \"format\": \"date-time\"},\n"
	"     \"count\": {\"type\": \"integer\", \"description\": \"changes in the span before downsampling\"}, \"downsampled\": {\"type\": \"boolean\"},\n"
	"     \"start\": {\"oneOf\": [{\"$ref\": \"#/components/schemas/HistoryPoint\"}, {\"type\": \"null\"}], \"description\": \"the last change before from: the state at from\"},\n"
	"     \"changes\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/HistoryPoint\"}},\n"
	"     \"retention\": {\"type\": \"object\", \"properties\": {\"max_rows\": {\"type\": [\"integer\", \"null\"]}, \"max_age_days\": {\"type\": [\"integer\", \"null\"]}}, \"description\": \"feed_max_rows, feed_max_age_days (homectl.conf); null: no limit\"},\n"
	"     \"oldest_at\": {\"type\": [\"string\", \"null\"], \"format\": \"date-time\", \"description\": \"the oldest change the feed still holds\"}}},\n"
	"   \"ChangeList\": {\"type\": \"object\", \"required\": [\"changes\", \"oldest\", \"newest\"],\n"
	"    \"properties\": {\"changes\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Change\"}}, \"oldest\": {\"type\": \"integer\"}, \"newest\": {\"type\": \"integer\"}}},\n"
	"   \"Types\": {\"type\": \"object\", \"description\": \"one entry per device type\", \"additionalProperties\": {\"type\": \"object\",\n"
	"     \"properties\": {\"states\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}, \"actions\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}, \"properties\": {\"type\": \"object\"}}}},\n"
	"   \"AutomationDocument\": {\"type\": \"object\", \"required\": [\"name\", \"triggers\", \"actions\"], \"additionalProperties\": false,\n"
	"    \"description\": \"homectl-automations(8): triggers (state, numeric, time in systemd OnCalendar syntax, sun, mode), conditions (mode, time window, weekday, device, any/all/not), actions (device, room/type, mode, delay_s)\",\n"
	"    \"properties\": {\"name\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 80}, \"enabled\": {\"type\": \"boolean\", \"default\": true},\n"
	"     \"mode\": {\"type\": \"string\", \"enum\": [\"single\", \"restart\", \"queued\"], \"default\": \"single\"}, \"persistent\": {\"type\": \"boolean\", \"default\": false},\n"
	"     \"triggers\": {\"type\": \"array\", \"minItems\": 1, \"maxItems\": 16, \"items\": {\"type\": \"object\"}},\n"
	"     \"conditions\": {\"type\": \"array\", \"maxItems\": 16, \"items\": {\"type\": \"object\"}},\n"
	"     \"actions\": {\"type\": \"array\", \"minItems\": 1, \"maxItems\": 32, \"items\": {\"type\": \"object\"}}}},\n"
	"   \"AutomationRun\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}, \"automation\": {\"type\": \"string\"},\n"
	"     \"started_at\": {\"type\": \"string\"}, \"finished_at\": {\"type\": [\"string\", \"null\"]}, \"trigger\": {\"type\": \"object\"},\n"
	"     \"conditions\": {\"type\": [\"array\", \"null\"]}, \"outcome\": {\"type\": \"string\", \"enum\": [\"requested\", \"queued\", \"waiting\", \"running\", \"done\", \"skipped\", \"failed\", \"cancelled\", \"expired\"]},\n"
	"     \"actions\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"action\": {\"type\": \"object\"}, \"ok\": {\"type\": \"boolean\"}, \"error\": {\"type\": \"string\"}}}}}},\n"
	"   \"Automation\": {\"type\": \"object\", \"required\": [\"name\", \"enabled\", \"document\", \"next_run\", \"last_run\"],\n"
	"    \"properties\": {\"name\": {\"type\": \"string\"}, \"enabled\": {\"type\": \"boolean\"}, \"document\": {\"$ref\": \"#/components/schemas/AutomationDocument\"},\n"
	"     \"created_at\": {\"type\": \"string\"}, \"updated_at\": {\"type\": \"string\"}, \"next_run\": {\"type\": [\"string\", \"null\"], \"format\": \"date-time\"},\n"
	"     \"last_run\": {\"oneOf\": [{\"$ref\": \"#/components/schemas/AutomationRun\"}, {\"type\": \"null\"}]},\n"
	"     \"runs\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/AutomationRun\"}}}},\n"
	"   \"AutomationList\": {\"type\": \"object\", \"required\": [\"automations\"], \"properties\": {\"automations\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Automation\"}}}},\n"
	"   \"Health\": {\"type\": \"object\", \"required\": [\"status\", \"version\", \"seq\", \"clients\"],\n"
	"    \"properties\": {\"status\": {\"const\": \"ok\"}, \"version\": {\"type\": \"string\"}, \"seq\": {\"type\": \"integer\"},"
	" \"feed\": {\"type\": \"string\", \"description\": \"the change feed's identity (resume with it)\"},"
	" \"clients\": {\"type\": \"integer\"}}}\n"
	"  }\n"
	" }\n"
	"}\n";

static struct json_object *
string_array(const char *const *list)
{
	struct json_object *a = json_object_new_array();

	for (; list != NULL && *list != NULL; list++)
		json_object_array_add(a, json_object_new_string(*list));
	return a;
}

/* Every writable property of any type, each described once. */
static struct json_object *
props_schema(void)
{
	struct json_object *schema, *props;
	const struct model_type *t;
	const struct model_prop *p;

	schema = json_object_new_object();
	props = json_object_new_object();
	json_object_object_add(schema, "type", json_object_new_string("object"));
	json_object_object_add(schema, "description", json_object_new_string(
	    "device properties; which ones a type has is served at /api/types"));
	for (t = model_types; t->name != NULL; t++)
		for (p = t->props; p != NULL && p->name != NULL; p++)
			if (!json_object_object_get_ex(props, p->name, NULL))
				json_object_object_add(props, p->name, model_prop_schema(p));
	json_object_object_add(schema, "properties", props);
	return schema;
}

/* Replaces every "@NAME@" string value below obj.  Recursive on purpose:
 * obj is parsed from the compiled-in skeleton, so the depth is fixed (about
 * ten levels) and no client input reaches here. */
static void
fill(struct json_object *obj) /* NOLINT(misc-no-recursion) */
{
	struct json_object *v;
	const char *s;
	size_t i, n;

	if (json_object_is_type(obj, json_type_array)) {
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++)
			fill(json_object_array_get_idx(obj, i));
		return;
	}
	if (!json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, key, val) {
		if (!json_object_is_type(val, json_type_string)) {
			fill(val);
			continue;
		}
		s = json_object_get_string(val);
		if (s[0] != '@')
			continue;
		if (strcmp(s, "@VERSION@") == 0)
			v = json_object_new_string(HOMECTL_VERSION);
		else if (strcmp(s, "@TYPES@") == 0)
			v = string_array(model_type_names);
		else if (strcmp(s, "@STATES@") == 0)
			v = string_array(model_states);
		else if (strcmp(s, "@ACTIONS@") == 0)
			v = string_array(model_actions);
		else if (strcmp(s, "@PROPS@") == 0)
			v = props_schema();
		else
			continue;
		/* Replacing the value of the key being visited is safe:
		 * json-c keeps the entry and swaps its value. */
		json_object_object_add(obj, key, v);
	}
}

struct json_object *
openapi_document(void)
{
	struct json_object *doc;
	char err[128];

	doc = json_parse_strict(skeleton, sizeof(skeleton) - 1, err, sizeof(err));
	if (doc == NULL) {
		log_warnx("openapi: %s", err);
		return NULL;
	}
	fill(doc);
	return doc;
}

enum MHD_Result
http_openapi(struct http_req *r)
{
	struct json_object *doc = openapi_document();

	if (doc == NULL)
		return http_reply_error(r, 500, "internal", "internal error");
	return http_reply_json(r, 200, doc);
}
