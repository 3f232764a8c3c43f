/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.c: the backcoach command line: options, subcommands, exit codes. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speech/check_speech.h"
#include "coach/config.h"
#include "cli/control.h"
#include "daemon/daemon.h"
#include "cli/play.h"
#include "base/log.h"
#include "playback/render.h"
#include "playback/voice_speech.h"
#include "coach/routine.h"
#include "coach/script.h"
#include "speech/speech.h"
#include "coach/statelog.h"
#include "base/util.h"

struct cli {
	const char *config_path; /* --config */
	bool verbose;
};

static void usage(FILE *f)
{
	fputs("Usage: backcoach [OPTION]... COMMAND [ARG]...\n"
	      "A voice-guided audio coach for stiff backs: spoken stretching\n"
	      "routines with breath cues and a metronome, and reminders to get up.\n"
	      "\n"
	      "Commands:\n"
	      "  play [ROUTINE]          play a routine now (default: [general] routine)\n"
	      "  render [ROUTINE] -o FILE [--notice] [--subtitles FILE.vtt]\n"
	      "                          render a routine to FILE (.wav, .flac, .ogg)\n"
	      "  script [ROUTINE] [--samples] [--notice]\n"
	      "                          print a routine's timeline, one line per cue\n"
	      "  check [FILE]            validate a config file\n"
	      "  list                    list routines and exercises with durations\n"
	      "  voices                  list eSpeak NG languages and voice variants\n"
	      "  devices                 list audio output devices\n"
	      "  run                     run the daemon (reminders, signals, control)\n"
	      "  start [ROUTINE]         ask the running daemon to start a routine\n"
	      "  stop | pause | resume | skip | repeat | snooze | reload | status\n"
	      "                          control the running daemon\n"
	      "  stats [today|week|month]  time at the machine, breaks, sessions\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config FILE       use FILE instead of searching for backcoach.ini\n"
	      "  -v, --verbose           print debug messages\n"
	      "  -h, --help              show this help and exit\n"
	      "  -V, --version           show the version and exit\n"
	      "\n"
	      "Exit status: 0 success, 1 failure, 64 usage error, 66 unknown routine,\n"
	      "69 no daemon running, 78 configuration error. See backcoach(1).\n",
	      f);
}

/* Load the config the user asked for (or found); EXIT_CONFIG on errors. */
static int load_config(const struct cli *cli, struct config *cfg)
{
	char *path = config_find(cli->config_path);
	int ret = config_load(cfg, path, &speech_config_voices, stderr);

	free(path);
	return ret < 0 ? EXIT_CONFIG : EXIT_OK;
}

/* Resolve a routine name (NULL: the default); unknown: list what there is. */
static int find_routine(const struct config *cfg, const char *name)
{
	int r = config_routine(cfg, name ? name : cfg->general.routine);

	if (r < 0) {
		fprintf(stderr, "backcoach: unknown routine \"%s\"; routines:",
			name ? name : cfg->general.routine);
		for (size_t i = 0; i < cfg->n_routines; i++)
			fprintf(stderr, " %s", cfg->routines[i].name);
		fputc('\n', stderr);
	}
	return r;
}

static int cmd_check(const struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	const char *file = argc > 1 ? argv[1] : cli->config_path;
	struct check_stats st;
	struct speech *sp;
	char *path, err[512];
	int ret;

	if (argc > 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	path = config_find(file);
	if (config_load(&cfg, path, &speech_config_voices, stderr) < 0) {
		free(path);
		return EXIT_CONFIG;
	}
	/* Everything the config can say, said once, in the isolated worker. */
	if (!(sp = speech_open(err, sizeof(err)))) {
		log_err("%s", err);
		ret = EXIT_FAIL;
	} else if (check_speech(&cfg, sp, stderr, &st) > 0) {
		ret = EXIT_CONFIG;
	} else {
		printf("%s: OK (%zu routines, %zu exercises, %d lines spoken)\n",
		       path ? path : "(built-in)", cfg.n_routines, cfg.n_exercises,
		       st.lines);
		ret = EXIT_OK;
	}
	speech_close(sp);
	config_free(&cfg);
	free(path);
	return ret;
}

static int cmd_render(const struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "notice", no_argument, NULL, 'n' },
		{ "subtitles", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct compile_opts copts = { .notice = false };
	const char *out = NULL, *name = NULL, *subtitles = NULL;
	struct render_stats st;
	struct config cfg;
	struct speech *sp;
	char err[512];
	int c, r, ret;

	optind = 0; /* GNU getopt: 0 re-initialises its state */
	while ((c = getopt_long(argc, argv, "o:ns:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			copts.notice = copts.tones = true;
			break;
		case 's':
			subtitles = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc || !out) {
		fputs("Usage: backcoach render [ROUTINE] -o FILE [--notice] "
		      "[--subtitles FILE.vtt]\n", stderr);
		return EXIT_USAGE;
	}
	if ((ret = load_config(cli, &cfg)) != EXIT_OK)
		return ret;
	if ((r = find_routine(&cfg, name)) < 0) {
		config_free(&cfg);
		return EXIT_NOINPUT;
	}
	if (!(sp = speech_open(err, sizeof(err)))) {
		log_err("%s", err);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	/* Ctrl-C, a closed terminal (SIGHUP) and every other signal that would
	 * end the process are held pending and seen between blocks: the render
	 * stops and no file is left, instead of half a file. */
	sigset_t stop, old;
	render_stop_signals(&stop);
	sigprocmask(SIG_BLOCK, &stop, &old);
	ret = render_routine(&cfg, sp, r, &copts, out, subtitles,
			     isatty(STDERR_FILENO), &st, err, sizeof(err));
	if (ret < 0) {
		int sig = render_pending_signal();

		if (sig == SIGXFSZ || !sig) {
			/* The file size limit: the write failed with EFBIG, which
			 * err says; the signal is only its echo. */
			log_err("%s", err);
			ret = EXIT_FAIL;
		} else {
			/* The signal, not what it broke (a speech worker in the
			 * same process group that a SIGHUP ended, say). */
			log_err("%s: interrupted by SIG%s, no file written", out,
				sigabbrev_np(sig));
			ret = sig == SIGINT || sig == SIGTERM ? EXIT_INTERRUPTED : 128 + sig;
		}
		if (sig == SIGXFSZ) {
			sigset_t xfsz;

			sigemptyset(&xfsz);
			sigaddset(&xfsz, SIGXFSZ);
			sigtimedwait(&xfsz, NULL, &(struct timespec){ 0, 0 });
		}
	} else {
		char d[32];
		printf("%s: %s of audio\n", out,
		       util_format_duration(BC_SAMPLES_TO_MS(st.samples), d, sizeof(d)));
		ret = EXIT_OK;
	}
	speech_close(sp);
	config_free(&cfg);
	return ret;
}

/* The compiled timeline as text, one line per cue. */
static int cmd_script(const struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "samples", no_argument, NULL, 'S' },
		{ "notice", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct compile_opts copts = { .notice = false };
	struct voice_speech vs = { 0 };
	const char *name = NULL;
	bool samples = false;
	struct timeline tl;
	struct config cfg;
	char err[1024];
	int c, r, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "Sn", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			samples = true;
			break;
		case 'n':
			copts.notice = copts.tones = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc) {
		fputs("Usage: backcoach script [ROUTINE] [--samples] [--notice]\n", stderr);
		return EXIT_USAGE;
	}
	if ((ret = load_config(cli, &cfg)) != EXIT_OK)
		return ret;
	if ((r = find_routine(&cfg, name)) < 0) {
		config_free(&cfg);
		return EXIT_NOINPUT;
	}
	if (!(vs.sp = speech_open(err, sizeof(err)))) {
		log_err("%s", err);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	speech_voice_for(&cfg, r, &vs.voice);
	if (routine_compile(&cfg, r, &copts, voice_speech_measure, &vs, &tl, err,
			    sizeof(err)) < 0) {
		log_err("%s", err);
		ret = EXIT_FAIL;
	} else {
		ret = script_write(stdout, &cfg, &tl, samples) < 0 ? EXIT_FAIL : EXIT_OK;
		timeline_free(&tl);
	}
	speech_close(vs.sp);
	config_free(&cfg);
	return ret;
}

/* Measured durations: compile each routine with real speech lengths. */
static int cmd_list(const struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct speech *sp;
	int64_t *ex_ms;
	char err[512], d[32];
	int ret = EXIT_OK;

	(void)argv;
	if (argc > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((ret = load_config(cli, &cfg)) != EXIT_OK)
		return ret;
	if (!(sp = speech_open(err, sizeof(err)))) {
		log_err("%s", err);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	ex_ms = xcalloc(cfg.n_exercises, sizeof(*ex_ms));
	printf("Routines:\n");
	for (size_t r = 0; r < cfg.n_routines; r++) {
		const struct routine *ro = &cfg.routines[r];
		struct voice_speech vs = { .sp = sp };
		struct compile_opts copts = { .notice = false };
		struct timeline tl;
		unsigned need = 0;

		speech_voice_for(&cfg, (int)r, &vs.voice);
		if (routine_compile(&cfg, (int)r, &copts, voice_speech_measure, &vs,
				    &tl, err, sizeof(err)) < 0) {
			/* Listed all the same, with the reason it cannot play. */
			printf("  %-22s %8s  %s%s\n", ro->name, "-", ro->title,
			       (int)r == cfg.general.routine_idx ? " (default)" : "");
			printf("  %-22s %8s  cannot be played: %s (see backcoach check)\n",
			       "", "", err);
			log_err("%s", err);
			ret = EXIT_FAIL;
			continue;
		}
		for (size_t i = 0; i < ro->n_exercises; i++)
			need |= cfg.exercises[ro->exercises[i]].equipment;
		/* An exercise's duration: its run of steps (one per side) at its
		 * first place in the first routine it plays in. */
		for (size_t s = 0; s < tl.n_steps;) {
			int e = tl.steps[s].exercise;
			int64_t span = 0;

			for (; s < tl.n_steps && tl.steps[s].exercise == e; s++)
				span += (s + 1 < tl.n_steps ? tl.steps[s + 1].at : tl.length) -
					tl.steps[s].at;
			if (e >= 0 && ex_ms[e] == 0)
				ex_ms[e] = BC_SAMPLES_TO_MS(span);
		}
		printf("  %-22s %8s  %s%s\n", ro->name,
		       util_format_duration(BC_SAMPLES_TO_MS(tl.length), d, sizeof(d)),
		       ro->title, (int)r == cfg.general.routine_idx ? " (default)" : "");
		printf("  %-22s %8s  language %s; equipment:", "", "",
		       cfg.languages[ro->language].name);
		if (!need)
			printf(" none");
		for (int q = 0; q < EQ_COUNT; q++)
			if (need & (1u << q))
				printf(" %s%s", equipment_names[q],
				       (cfg.general.equipment & (1u << q)) ? "" : " (missing: skipped)");
		putchar('\n');
		timeline_free(&tl);
	}
	printf("Exercises:\n");
	for (size_t e = 0; e < cfg.n_exercises; e++) {
		const struct exercise *ex = &cfg.exercises[e];
		printf("  %-22s %8s  %s; equipment:", ex->name,
		       ex_ms[e] ? util_format_duration(ex_ms[e], d, sizeof(d)) : "-",
		       ex->title);
		if (!ex->equipment)
			printf(" none");
		for (int q = 0; q < EQ_COUNT; q++)
			if (ex->equipment & (1u << q))
				printf(" %s%s", equipment_names[q],
				       (cfg.general.equipment & (1u << q)) ? "" : " (missing: skipped)");
		putchar('\n');
	}
	free(ex_ms);
	speech_close(sp);
	config_free(&cfg);
	return ret;
}

static int cmd_voices(const struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argv;
	if (argc > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	speech_list_voices(stdout);
	return EXIT_OK;
}

static int cmd_play(const struct cli *cli, int argc, char **argv)
{
	if (argc > 2) {
		fputs("Usage: backcoach play [ROUTINE]\n", stderr);
		return EXIT_USAGE;
	}
	return play_run(cli->config_path, argc > 1 ? argv[1] : NULL);
}

static int cmd_run(const struct cli *cli, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return daemon_run(cli->config_path);
}

static int cmd_devices(const struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argv;
	if (argc > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return devices_run();
}

/* stats [today|week|month]: figures from the record of the day. */
static int cmd_stats(const struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	unsigned days;
	int ret;

	if (argc > 2) {
		fputs("Usage: backcoach stats [today|week|month]\n", stderr);
		return EXIT_USAGE;
	}
	/* The streak counts the reminder days: [reminders] days. */
	if (load_config(cli, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	days = cfg.reminders.days;
	config_free(&cfg);
	ret = stats_run(argc > 1 ? argv[1] : NULL, util_test_now(), days, stdout);
	return ret;
}

/* start [ROUTINE], stop, pause, resume, skip, repeat, snooze, reload,
 * status. */
static int cmd_control(const struct cli *cli, int argc, char **argv)
{
	bool takes_arg = strcmp(argv[0], "start") == 0;

	(void)cli;
	if (argc > (takes_arg ? 2 : 1)) {
		fprintf(stderr, "Usage: backcoach %s%s\n", argv[0],
			takes_arg ? " [ROUTINE]" : "");
		return EXIT_USAGE;
	}
	return control_client(argv[0], argc > 1 ? argv[1] : NULL);
}

/* Take the global options out of a command's arguments, so that
 * "backcoach check --config FILE" works like "backcoach --config FILE check".
 * Returns -1 on a --config without its FILE. */
static int take_global_options(struct cli *cli, int *argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= *argc)
				return -1;
			cli->config_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			cli->config_path = a + 9;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			cli->verbose = true;
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

static const struct command {
	const char *name;
	int (*fn)(const struct cli *cli, int argc, char **argv);
} commands[] = {
	{ "play", cmd_play },       { "render", cmd_render },
	{ "script", cmd_script },
	{ "check", cmd_check },     { "list", cmd_list },
	{ "voices", cmd_voices },   { "devices", cmd_devices },
	{ "run", cmd_run },         { "start", cmd_control },
	{ "stop", cmd_control },    { "pause", cmd_control },
	{ "resume", cmd_control },  { "skip", cmd_control },
	{ "reload", cmd_control },  { "status", cmd_control },
	{ "snooze", cmd_control },  { "stats", cmd_stats },
	{ "repeat", cmd_control },
};

int cli_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { NULL, false };
	int c;

	/* "+": stop at the command; its own options follow it. */
	while ((c = getopt_long(argc, argv, "+c:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'v':
			cli.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("backcoach %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (take_global_options(&cli, &argc, argv) < 0) {
		fputs("backcoach: --config needs a FILE\n", stderr);
		return EXIT_USAGE;
	}
	log_init(cli.verbose);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].fn(&cli, argc, argv);
	fprintf(stderr, "backcoach: unknown command \"%s\" (see backcoach --help)\n",
		argv[0]);
	return EXIT_USAGE;
}
