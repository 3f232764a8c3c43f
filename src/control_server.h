/* control_server.h: the daemon's end of the control socket (control.h is
 * the client's): one request per connection, run through the command
 * table (commands.h). */
#ifndef BC_CONTROL_SERVER_H
#define BC_CONTROL_SERVER_H

#include <stddef.h>

struct control_server;
struct daemon;
struct loop;

/* Listen on rundir's control socket and serve it from loop, running
 * requests on d. NULL with err filled on error. */
struct control_server *control_server_open(struct loop *l, const char *rundir,
					   struct daemon *d, char *err,
					   size_t errlen);
/* Close every connection and the socket, and remove the socket file.
 * NULL is fine. */
void control_server_close(struct control_server *cs);

#endif
