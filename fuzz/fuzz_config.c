/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_config.c: libFuzzer harness: a config file's text through the loader
 * (on top of the built-in default, as every user file is), then every routine
 * of a config that loads compiled into a timeline, with and without the
 * safety notice. Speech lengths are made up from the text, so nothing is
 * synthesised: this exercises parsing, validation and the compiler. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "coach/config.h"
#include "coach/routine.h"
#include "speech/speech.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A made-up speech length: 60 ms per byte, so long texts make long cues. */
static int64_t measure(void *ctx, const char *text, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	return (int64_t)strlen(text) * 60 * 48;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];

	/* A name in a directory that does not exist: relative sound paths
	 * resolve there and are not found. */
	if (config_load_text(&cfg, "/nonexistent/fuzz/backcoach.ini",
			     (const char *)data, size,
			     &speech_config_voices, NULL) < 0)
		return 0;
	for (size_t r = 0; r < cfg.n_routines; r++) {
		for (int notice = 0; notice < 2; notice++) {
			struct compile_opts opts = { .notice = notice };
			struct timeline tl;

			if (routine_compile(&cfg, (int)r, &opts, measure, NULL, &tl,
					    err, sizeof(err)) == 0)
				timeline_free(&tl);
		}
	}
	config_free(&cfg);
	return 0;
}
