/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_speech_req.c: libFuzzer harness: the speech worker's decoding of the
 * request stream from its parent (header, then text_len bytes of text), as
 * speech_worker.c's serve() reads it, up to the point where eSpeak NG would
 * be called. Built with -DFUZZ_SEEDS it is instead a program that writes
 * seed requests into the directory given. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speech/speech_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[SPEECH_MAX_TEXT + 1];
	char msg[SPEECH_MAX_MSG];

	while (size >= sizeof(struct speech_req)) {
		struct speech_req rq;

		memcpy(&rq, data, sizeof(rq));
		data += sizeof(rq);
		size -= sizeof(rq);
		if (!speech_req_header_ok(&rq) || size < rq.text_len)
			break; /* the worker closes the connection */
		memcpy(text, data, rq.text_len);
		text[rq.text_len] = '\0';
		data += rq.text_len;
		size -= rq.text_len;
		if (speech_req_check(&rq, text, msg, sizeof(msg)) == 0) {
			/* What select_voice and synth rely on. */
			if (strlen(rq.language) > SPEECH_MAX_LANGUAGE ||
			    strlen(rq.variant) > SPEECH_MAX_VARIANT ||
			    strlen(text) != rq.text_len)
				abort();
		}
	}
	return 0;
}

#ifdef FUZZ_SEEDS
static void seed(const char *dir, const char *name, const char *lang,
		 const char *variant, const char *text, int rate)
{
	struct speech_req rq;
	char *path;
	FILE *f;

	memset(&rq, 0, sizeof(rq));
	rq.magic = SPEECH_REQ_MAGIC;
	rq.text_len = (uint32_t)strlen(text);
	rq.rate = rate;
	rq.pitch = 50;
	rq.range = 50;
	snprintf(rq.language, sizeof(rq.language), "%s", lang);
	snprintf(rq.variant, sizeof(rq.variant), "%s", variant);
	if (asprintf(&path, "%s/%s", dir, name) < 0 || !(f = fopen(path, "wb")))
		exit(1);
	fwrite(&rq, sizeof(rq), 1, f);
	fwrite(text, 1, rq.text_len, f);
	/* A second request on the same connection. */
	fwrite(&rq, sizeof(rq), 1, f);
	fwrite(text, 1, rq.text_len, f);
	fclose(f);
	free(path);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	seed(argv[1], "plain", "en-us", "", "Breathe in.", 150);
	seed(argv[1], "variant", "en-us", "calm", "Switch sides. Now the right side.", 170);
	seed(argv[1], "german", "de", "brisk", "Als N\xc3\xa4" "chstes: Katze.", 120);
	seed(argv[1], "bad-rate", "en", "", "x", 9999);
	return 0;
}
#endif
