// SPDX-License-Identifier: MIT
// icons.js -- small line icons, drawn here so that nothing is fetched.

const PATHS = {
	light: '<path d="M9 18h6M10 21h4"/><path d="M12 3a6 6 0 0 0-3.8 10.6c.6.6.8 1.3.8 2.4h6c0-1.1.2-1.8.8-2.4A6 6 0 0 0 12 3z"/>',
	switch: '<rect x="6" y="3" width="12" height="18" rx="2"/><rect x="9.5" y="7" width="5" height="10" rx="1"/>',
	plug: '<path d="M9 3v5M15 3v5M6 8h12v3a6 6 0 0 1-12 0zM12 17v4"/>',
	fan: '<circle cx="12" cy="12" r="1.6"/><path d="M12 10.4C11 6 12.5 3 15 3.4c2.2.4 2 3.3-1.4 6.2M13.6 12c4.4-1 7.4.5 7 3-.4 2.2-3.3 2-6.2-1.4M12 13.6c1 4.4-.5 7.4-3 7-2.2-.4-2-3.3 1.4-6.2M10.4 12c-4.4 1-7.4-.5-7-3 .4-2.2 3.3-2 6.2 1.4"/>',
	blinds: '<path d="M3 3h18M5 3v18M19 3v18M5 7.5h14M5 12h14M5 16.5h14"/>',
	garage: '<path d="M3 21V9.5L12 4l9 5.5V21"/><path d="M7 21v-8h10v8M7 16h10M7 18.5h10"/>',
	thermostat: '<circle cx="12" cy="12" r="9"/><path d="M12 12l3.5-3.5M7.5 15.5h9"/>',
	lock: '<rect x="5" y="10.5" width="14" height="10.5" rx="2"/><path d="M8 10.5V7a4 4 0 0 1 8 0v3.5M12 14.5v2.5"/>',
	unlock: '<rect x="5" y="10.5" width="14" height="10.5" rx="2"/><path d="M8 10.5V7a4 4 0 0 1 7.7-1.5M12 14.5v2.5"/>',
	humidity_sensor: '<path d="M12 3.5C9 7.5 6.5 10.6 6.5 14a5.5 5.5 0 0 0 11 0c0-3.4-2.5-6.5-5.5-10.5z"/><path d="M9.5 15a2.5 2.5 0 0 0 2.5 2.5"/>',
	temperature_sensor: '<path d="M14 14.8V5a2 2 0 0 0-4 0v9.8a4 4 0 1 0 4 0z"/><path d="M12 9v7"/>',
	motion_sensor: '<circle cx="12" cy="12" r="1.8"/><path d="M8.8 8.8a4.5 4.5 0 0 0 0 6.4M15.2 8.8a4.5 4.5 0 0 1 0 6.4M6 6a8.5 8.5 0 0 0 0 12M18 6a8.5 8.5 0 0 1 0 12"/>',
	sprinkler: '<path d="M12 3.5s-5.5 6-5.5 10.2a5.5 5.5 0 0 0 11 0C17.5 9.5 12 3.5 12 3.5z"/>',
	ev_charger: '<path d="M13 2.5 5 13.5h6l-1 8 8-11h-6l1-8z"/>',
	fish_feeder: '<path d="M2.5 12c3.2-5 9.3-6 13.5-2.5L21 6v12l-5-3.5C11.8 18 5.7 17 2.5 12z"/><circle cx="7.5" cy="11" r=".9"/>',
	house: '<path d="M3 11.5 12 4l9 7.5M5.5 9.5V20h13V9.5"/><path d="M10 20v-5h4v5"/>',
	device: '<rect x="4" y="4" width="16" height="16" rx="3"/>',
	activity: '<path d="M3 12h4l3-8 4 16 3-8h4"/>',
	logout: '<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10"/>',
};

export function icon(name, cls = 'icon') {
	const body = PATHS[name] || PATHS.device;
	return `<svg class="${cls}" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;
}
