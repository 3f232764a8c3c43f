/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_control.c: libFuzzer harness: the daemon's control-socket request
 * parser, on whatever a client (of the same user) may send: up to
 * CONTROL_MAX_REQUEST bytes, as the daemon reads them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/control_server.h"
#include "daemon/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The daemon's buffer: CONTROL_MAX_REQUEST bytes and a NUL. A copy
	 * of exactly the bytes read, so ASan sees any read past them. */
	char *buf, *cmd, *arg, err[256];

	if (size > CONTROL_MAX_REQUEST)
		size = CONTROL_MAX_REQUEST;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	if (control_parse(buf, size, &cmd, &arg, err, sizeof(err)) == 0) {
		/* What the daemon relies on: a lower-case word, and at
		 * most one more word without blanks. */
		if (!cmd || !*cmd || strspn(cmd, "abcdefghijklmnopqrstuvwxyz") != strlen(cmd))
			abort();
		if (arg && (!*arg || strpbrk(arg, " \t\r\n")))
			abort();
	} else if (!*err || strlen(err) >= sizeof(err)) {
		abort();
	}
	free(buf);
	return 0;
}
