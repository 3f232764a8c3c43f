/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control_server.c: accept connections on the control socket, read one
 * request line from each, answer "OK\n" or "ERR\n" and the text, close.
 * Every connection is a source of the daemon's loop, so a slow client never
 * holds up the others. */
#include "daemon/control_server.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/commands.h"
#include "base/log.h"
#include "base/loop.h"
#include "daemon/runtime.h"
#include "base/util.h"

#define MAX_CLIENTS 8

struct client {
	struct control_server *cs;
	struct loop_source *src;
	int fd;
	bool held;    /* the request was not yet to be carried out: retried */
	size_t len;
	char buf[CONTROL_MAX_REQUEST + 1];
};

struct control_server {
	struct loop *loop;
	const struct command_target *t;
	char *path;
	int lfd;
	struct loop_source *src;
	struct client clients[MAX_CLIENTS];
};

static void client_close(struct client *cl)
{
	loop_remove(cl->cs->loop, cl->src);
	cl->src = NULL;
	close(cl->fd);
	cl->fd = -1;
	cl->len = 0;
	cl->held = false;
}

/* Longest command word ("snooze"), with room to grow. */
#define CONTROL_MAX_COMMAND 32

int control_parse(char *buf, size_t len, char **cmd, char **arg, char *err,
		  size_t errlen)
{
	char *nl = memchr(buf, '\n', len), *p, *end;

	*cmd = *arg = NULL;
	if (!nl && len >= CONTROL_MAX_REQUEST) {
		snprintf(err, errlen, "request too long (at most %d bytes)",
			 CONTROL_MAX_REQUEST);
		return -1;
	}
	end = nl ? nl : buf + len;
	if (end > buf && end[-1] == '\r')
		end--;
	*end = '\0';
	if (memchr(buf, '\0', (size_t)(end - buf)) ||
	    util_utf8_valid(buf, (size_t)(end - buf)) != (size_t)(end - buf) ||
	    !util_text_ok(buf)) {
		snprintf(err, errlen, "request is not text");
		return -1;
	}
	for (p = buf; *p == ' ' || *p == '\t'; p++)
		;
	if (!*p) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	*cmd = p;
	while (*p >= 'a' && *p <= 'z')
		p++;
	if ((*p && *p != ' ' && *p != '\t') || p - *cmd > CONTROL_MAX_COMMAND) {
		snprintf(err, errlen, "unknown command \"%.*s\"",
			 (int)strcspn(*cmd, " \t") > 40 ? 40 : (int)strcspn(*cmd, " \t"), *cmd);
		*cmd = NULL;
		return -1;
	}
	while (*p == ' ' || *p == '\t')
		*p++ = '\0';
	if (!*p)
		return 0;
	*arg = p;
	p += strcspn(p, " \t");
	while (*p == ' ' || *p == '\t')
		*p++ = '\0';
	if (*p) {
		snprintf(err, errlen, "too many arguments: one word at most after \"%s\"",
			 *cmd);
		*cmd = *arg = NULL;
		return -1;
	}
	return 0;
}

/* Carry out one request (len bytes at req, parsed by control_parse); writes
 * the reply text to f. Returns 0 (OK) or -1, or 1: not yet (nothing
 * written). */
static int request(const struct command_target *t, char *req, size_t len, FILE *f)
{
	const struct command *cmd;
	char *name, *arg, err[256];

	if (control_parse(req, len, &name, &arg, err, sizeof(err)) < 0) {
		fprintf(f, "%s\n", err);
		return -1;
	}
	cmd = command_by_name(name);
	if (!cmd) {
		fprintf(f, "unknown command \"%s\"\n", name);
		return -1;
	}
	return command_run(t, cmd, arg, "control", f);
}

static void client_answer(struct client *cl)
{
	char *text = NULL, req[CONTROL_MAX_REQUEST + 1];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ok;

	cl->buf[cl->len] = '\0';
	if (!f) {
		client_close(cl);
		return;
	}
	/* Parsed in a copy: the request may be run again (control_server_retry). */
	memcpy(req, cl->buf, cl->len + 1);
	ok = request(cl->cs->t, req, cl->len, f);
	fclose(f);
	if (ok > 0) { /* not yet: the client waits, its socket no longer read */
		free(text);
		cl->held = true;
		loop_remove(cl->cs->loop, cl->src);
		cl->src = NULL;
		return;
	}
	/* Replies are short: they fit the socket buffer, a blocking write
	 * would not stall the loop. */
	const char *head = ok == 0 ? "OK\n" : "ERR\n";
	(void)!send(cl->fd, head, strlen(head), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)!send(cl->fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	free(text);
	client_close(cl);
}

static void client_read(void *data, short revents)
{
	struct client *cl = data;
	ssize_t n;

	(void)revents;
	n = read(cl->fd, cl->buf + cl->len, CONTROL_MAX_REQUEST - cl->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(cl);
		return;
	}
	cl->len += (size_t)n;
	if (n == 0 || memchr(cl->buf, '\n', cl->len) ||
	    cl->len == CONTROL_MAX_REQUEST)
		client_answer(cl);
}

static void accept_client(void *data, short revents)
{
	struct control_server *cs = data;
	int fd = accept4(cs->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct client *slot = NULL;

	(void)revents;
	if (fd < 0)
		return;
	if (!runtime_peer_ok(fd)) {
		log_warn("control: refused a connection from another user");
		close(fd);
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cs->clients[i].fd < 0) {
			slot = &cs->clients[i];
			break;
		}
	if (!slot) { /* every slot held by a silent client: drop the first */
		slot = &cs->clients[0];
		client_close(slot);
	}
	slot->fd = fd;
	slot->len = 0;
	slot->src = loop_add_fd(cs->loop, fd, POLLIN, client_read, slot);
}

void control_server_retry(struct control_server *cs)
{
	if (!cs)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cs->clients[i].fd >= 0 && cs->clients[i].held) {
			cs->clients[i].held = false;
			client_answer(&cs->clients[i]);
		}
}

struct control_server *control_server_open(struct loop *l, const char *rundir,
					   const struct command_target *t, char *err,
					   size_t errlen)
{
	struct control_server *cs;
	int lfd = runtime_listen(rundir, err, errlen);

	if (lfd < 0)
		return NULL;
	cs = xcalloc(1, sizeof(*cs));
	cs->loop = l;
	cs->t = t;
	cs->lfd = lfd;
	cs->path = xasprintf("%s/" RUNTIME_SOCKET, rundir);
	for (int i = 0; i < MAX_CLIENTS; i++) {
		cs->clients[i].cs = cs;
		cs->clients[i].fd = -1;
	}
	cs->src = loop_add_fd(l, lfd, POLLIN, accept_client, cs);
	return cs;
}

void control_server_close(struct control_server *cs)
{
	if (!cs)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (cs->clients[i].fd >= 0)
			client_close(&cs->clients[i]);
	loop_remove(cs->loop, cs->src);
	unlink(cs->path);
	free(cs->path);
	close(cs->lfd);
	free(cs);
}
