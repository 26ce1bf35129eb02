/* SPDX-License-Identifier: MIT */
/* loop.c -- everything is an fd: foreign fds (signalfd, timerfds, the
 * watcher, MHD's epoll set, listening sockets, the peek set) adopted into
 * the libwebsockets loop as raw files, each with its own rx handler. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api.h"
#include "evfd.h"
#include "log.h"

static int
loop_raw_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct api_fd *h;

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT_FILE:
		return 0;
	case LWS_CALLBACK_RAW_RX_FILE:
		h = lws_get_opaque_user_data(wsi);
		if (h == NULL || h->rx == NULL)
			return -1;
		return h->rx(h) < 0 ? -1 : 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		h = lws_get_opaque_user_data(wsi);
		if (h != NULL && h->wsi == wsi) {
			log_debug("loop: %s closed", h->name);
			h->wsi = NULL;
			if (h->closed != NULL)
				h->closed(h);
		}
		return 0;
	default:
		return 0;
	}
}

const struct lws_protocols loop_raw_protocol = {
	.name = "raw-fd",
	.callback = loop_raw_callback,
};

int
loop_adopt(struct api *api, int fd, struct api_fd *h, const char *name)
{
	lws_adopt_desc_t ad;

	memset(&ad, 0, sizeof(ad));
	ad.vh = api->vh;
	ad.type = LWS_ADOPT_RAW_FILE_DESC;
	ad.fd.filefd = fd;
	ad.vh_prot_name = "raw-fd";
	ad.opaque = h;
	h->api = api;
	h->name = name;
	h->fd = fd;
	h->wsi = lws_adopt_descriptor_vhost_via_info(&ad);
	if (h->wsi == NULL) {
		log_warnx("loop: cannot adopt %s (fd %d)", name, fd);
		return -EIO;
	}
	return 0;
}

void
loop_unadopt(struct api_fd *h)
{
	if (h->wsi != NULL)
		lws_set_timeout(h->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

int
loop_timer(struct api *api, struct api_fd *h, const char *name, uint64_t interval_us)
{
	int fd = evfd_timer(interval_us, interval_us);

	if (fd < 0) {
		log_warnx("loop: %s: timerfd: %s", name, strerror(-fd));
		return fd;
	}
	return loop_adopt(api, fd, h, name);
}

uint64_t
loop_timer_drain(struct api_fd *h)
{
	return h->wsi != NULL ? evfd_timer_drain(h->fd) : 0;
}
