// SPDX-License-Identifier: MIT
// store.js -- what the dashboard knows: devices, rooms, the mode and the
// seq it is up to. A snapshot replaces everything; changes apply in seq
// order and a change at or below the current seq is ignored.

export class Store {
	constructor() {
		this.devices = new Map();
		this.rooms = [];	// [{id, name}] in the server's order
		this.mode = null;
		this.seq = null;
	}

	// Returns nothing: after a snapshot the caller re-renders everything.
	snapshot(msg) {
		this.devices = new Map();
		for (const d of msg.devices || [])
			this.devices.set(d.id, d);
		this.setRooms(msg.rooms);
		this.mode = msg.mode ?? null;
		this.seq = typeof msg.seq === 'number' ? msg.seq : null;
	}

	// The rooms as the server lists them: [{id, name, position, devices}].
	setRooms(rooms) {
		this.rooms = (rooms || []).map((r) => ({ id: r.id, name: r.name, position: r.position,
			devices: r.devices }));
	}

	// Applies a changes frame; returns [{change, prev}] for the changes that
	// were new, in order. prev is the device before the change (or null).
	changes(msg) {
		const applied = [];
		for (const c of msg.changes || []) {
			if (typeof c.seq === 'number' && this.seq != null && c.seq <= this.seq)
				continue;
			let prev = null;
			switch (c.kind) {
			case 'device':
			case 'command':	// carries the device as it is now, pending or not
				if (c.device && c.device.id) {
					prev = this.devices.get(c.device.id) || null;
					this.devices.set(c.device.id, c.device);
				}
				break;
			case 'device_removed':
				prev = this.devices.get(c.device_id) || null;
				this.devices.delete(c.device_id);
				break;
			case 'mode':
				prev = this.mode;
				this.mode = c.mode;
				break;
			default:
				break;
			}
			if (typeof c.seq === 'number')
				this.seq = c.seq;
			applied.push({ change: c, prev });
		}
		if (typeof msg.seq === 'number' && (this.seq == null || msg.seq > this.seq))
			this.seq = msg.seq;
		return applied;
	}

	// Counted like GET /api/stats, from the feed's state: no request.
	stats() {
		let lightsOn = 0, lights = 0, locked = 0, locks = 0, garageOpen = 0;
		for (const d of this.devices.values()) {
			if (d.type === 'light') {
				lights++;
				if (d.state === 'on')
					lightsOn++;
			} else if (d.type === 'lock') {
				locks++;
				if (d.state === 'locked')
					locked++;
			} else if (d.type === 'garage' && d.state !== 'closed') {
				garageOpen++;
			}
		}
		return {
			lights: { on: lightsOn, total: lights },
			doors: { locked, total: locks },
			total_devices: this.devices.size,
			garage_open: garageOpen,
			active_mode: this.mode,
		};
	}
}
