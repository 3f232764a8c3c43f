/* daemon.c: `backcoach run` (the daemon), `play` and `devices`. */
#include "daemon.h"

#include "log.h"

int daemon_run(const char *config_path)
{
	(void)config_path;
	log_err("the daemon is not built yet");
	return EXIT_FAIL;
}

int play_run(const char *config_path, const char *routine)
{
	(void)config_path;
	(void)routine;
	log_err("play is not built yet");
	return EXIT_FAIL;
}

int devices_run(void)
{
	log_err("devices is not built yet");
	return EXIT_FAIL;
}
