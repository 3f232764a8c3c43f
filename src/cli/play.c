/* SPDX-License-Identifier: GPL-3.0-or-later */
/* play.c: `backcoach play` and `backcoach devices`. `play` is the daemon's
 * core in the foreground (daemon_play): the same session, signals and
 * command table, for one routine. */
#include "cli/play.h"

#include <stdio.h>

#include "base/exitcode.h"
#include "daemon/daemon.h"
#include "base/log.h"
#include "audio/sink_pa.h"

int play_run(const char *config_path, const char *routine)
{
	return daemon_play(config_path, routine);
}

int devices_run(void)
{
	char err[512];

	if (sink_pa_init(err, sizeof(err)) < 0) {
		log_err("audio: %s", err);
		return EXIT_FAIL;
	}
	sink_pa_list(stdout);
	sink_pa_terminate();
	return EXIT_OK;
}
