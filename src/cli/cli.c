/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.c: the backcoach command line: options, subcommands, exit codes. */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "speech/check_speech.h"
#include "coach/adapt.h"
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

struct command;

struct cli {
	const char *config_path; /* --config */
	bool verbose;            /* --verbose */
	const struct command *cmd; /* the command being run */
	int exit;                /* cli_getopt's CLI_DONE: exit with this */
};

/* A command: its name, its usage after the name, what it does, its own
 * options (getopt's short string and long table, and their help), and how
 * many operands it takes. Every command also takes the common options:
 * -c/--config, -v/--verbose, -h/--help, -V/--version. */
struct command {
	const char *name;
	const char *args;
	const char *what;
	const char *shortopts;
	const struct option *longopts;
	const char *opthelp;
	int max_operands;
	int (*fn)(struct cli *cli, int argc, char **argv);
};

/* cli_getopt's answer when the command is done before it runs: -h, -V or
 * a bad option (cli->exit says how it ended). */
#define CLI_DONE 0x100

#define COMMON_SHORTOPTS "c:vhV"
#define COMMON_LONGOPTS                                          \
	{ "config", required_argument, NULL, 'c' },              \
	{ "verbose", no_argument, NULL, 'v' },                   \
	{ "help", no_argument, NULL, 'h' },                      \
	{ "version", no_argument, NULL, 'V' },                   \
	{ NULL, 0, NULL, 0 }

static const char common_opthelp[] =
	"  -c, --config FILE       use FILE instead of searching for backcoach.ini\n"
	"  -v, --verbose           say more (status: the audio details; others: debug messages)\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n";

static void command_usage(const struct command *c, FILE *f)
{
	fprintf(f, "Usage: backcoach %s [OPTION]...%s%s\n%c%s.\n\nOptions:\n%s%s",
		c->name, *c->args ? " " : "", c->args,
		toupper((unsigned char)c->what[0]), c->what + 1,
		c->opthelp ? c->opthelp : "", common_opthelp);
}

/* A bad command line: one line saying what, one saying where to look. */
static int bad_usage(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int bad_usage(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "backcoach %s: ", cli->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; try 'backcoach %s --help'\n", cli->cmd->name);
	return EXIT_USAGE;
}

/* getopt_long over a command's arguments, options anywhere among its
 * operands (GNU getopt permutes them to the end; "--" ends the options).
 * The common options are handled here; the command's own are returned.
 * -1: the options are done (argv[optind..] are the operands, checked
 * against the command's maximum); CLI_DONE: exit with cli->exit. */
static int cli_getopt(struct cli *cli, int argc, char **argv)
{
	const struct command *cmd = cli->cmd;
	char shortopts[64];
	int c;

	snprintf(shortopts, sizeof(shortopts), ":" COMMON_SHORTOPTS "%s",
		 cmd->shortopts ? cmd->shortopts : "");
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, shortopts, cmd->longopts, NULL);
		switch (c) {
		case 'c':
			cli->config_path = optarg;
			continue;
		case 'v':
			cli->verbose = true;
			continue;
		case 'h':
			command_usage(cmd, stdout);
			cli->exit = EXIT_OK;
			return CLI_DONE;
		case 'V':
			printf("backcoach %s\n", PACKAGE_VERSION);
			cli->exit = EXIT_OK;
			return CLI_DONE;
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				cli->exit = bad_usage(cli, "option '%s' needs a value",
						      argv[optind - 1]);
			else
				cli->exit = bad_usage(cli, "option '-%c' needs a value",
						      optopt);
			return CLI_DONE;
		case '?':
			if (optopt)
				cli->exit = bad_usage(cli, "unknown option '-%c'", optopt);
			else
				cli->exit = bad_usage(cli, "unknown option '%s'",
						      argv[optind - 1]);
			return CLI_DONE;
		case -1:
			log_init(cli->verbose);
			if (argc - optind > cmd->max_operands) {
				cli->exit = bad_usage(cli, "unexpected argument '%s'",
						      argv[optind + cmd->max_operands]);
				return CLI_DONE;
			}
			return -1;
		default:
			return c;
		}
	}
}

/* The options of a command that has none of its own: -1 to go on, or the
 * exit status (after --help, --version or a bad option). */
static int no_own_options(struct cli *cli, int argc, char **argv)
{
	return cli_getopt(cli, argc, argv) == -1 ? -1 : cli->exit;
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

static int cmd_check(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	const char *file;
	struct check_stats st;
	struct speech *sp;
	char *path, err[512];
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	file = optind < argc ? argv[optind] : cli->config_path;
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

static const struct option render_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "notice", no_argument, NULL, 'n' },
	{ "subtitles", required_argument, NULL, 's' },
	COMMON_LONGOPTS,
};

static int cmd_render(struct cli *cli, int argc, char **argv)
{
	struct compile_opts copts = { .notice = false };
	const char *out = NULL, *name = NULL, *subtitles = NULL;
	struct render_stats st;
	struct config cfg;
	struct speech *sp;
	char err[512];
	int c, r, ret;

	while ((c = cli_getopt(cli, argc, argv)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'n': /* as a new user hears it */
			copts.notice = copts.tones = true;
			copts.risks = (1u << EQ_COUNT) - 1;
			break;
		case 's':
			subtitles = optarg;
			break;
		default:
			return cli->exit;
		}
	}
	if (optind < argc)
		name = argv[optind];
	if (!out)
		return bad_usage(cli, "no output file (-o FILE)");
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
	/* What the next session plays, as `script` shows it (a file does not
	 * wait where a session would). */
	adapt_next_opts(&cfg, &copts);
	ret = render_routine(&cfg, sp, r, &copts, out, subtitles,
			     isatty(STDERR_FILENO), &st, err, sizeof(err));
	free((void *)copts.plan);
	copts.plan = NULL;
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
static const struct option script_opts[] = {
	{ "samples", no_argument, NULL, 'S' },
	{ "notice", no_argument, NULL, 'n' },
	COMMON_LONGOPTS,
};

static int cmd_script(struct cli *cli, int argc, char **argv)
{
	struct compile_opts copts = { .notice = false };
	struct voice_speech vs = { 0 };
	const char *name = NULL;
	bool samples = false;
	struct timeline tl;
	struct config cfg;
	char err[1024];
	int c, r, ret;

	while ((c = cli_getopt(cli, argc, argv)) != -1) {
		switch (c) {
		case 'S':
			samples = true;
			break;
		case 'n': /* as a new user hears it */
			copts.notice = copts.tones = true;
			copts.risks = (1u << EQ_COUNT) - 1;
			break;
		default:
			return cli->exit;
		}
	}
	if (optind < argc)
		name = argv[optind];
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
	/* What the next session plays: the forms the record of the day says,
	 * the waits, the question after the last exercise. */
	adapt_next_opts(&cfg, &copts);
	if (routine_compile(&cfg, r, &copts, voice_speech_measure, &vs, &tl, err,
			    sizeof(err)) < 0) {
		log_err("%s", err);
		ret = EXIT_FAIL;
	} else {
		ret = script_write(stdout, &cfg, &tl, samples) < 0 ? EXIT_FAIL : EXIT_OK;
		timeline_free(&tl);
	}
	free((void *)copts.plan);
	speech_close(vs.sp);
	config_free(&cfg);
	return ret;
}

static const struct option list_opts[] = {
	{ "routines", no_argument, NULL, 'r' },
	{ "exercises", no_argument, NULL, 'e' },
	COMMON_LONGOPTS,
};

/* Measured durations: compile each routine with real speech lengths.
 * --routines, --exercises: only their names, one a line, nothing measured
 * (for scripts and shell completion). */
static int cmd_list(struct cli *cli, int argc, char **argv)
{
	bool routines = false, exercises = false;
	struct config cfg;
	struct speech *sp;
	int64_t *ex_ms;
	char err[512], d[32];
	int c, ret;

	while ((c = cli_getopt(cli, argc, argv)) != -1) {
		switch (c) {
		case 'r':
			routines = true;
			break;
		case 'e':
			exercises = true;
			break;
		default:
			return cli->exit;
		}
	}
	if ((ret = load_config(cli, &cfg)) != EXIT_OK)
		return ret;
	if (routines || exercises) {
		for (size_t i = 0; routines && i < cfg.n_routines; i++)
			printf("%s\n", cfg.routines[i].name);
		for (size_t i = 0; exercises && i < cfg.n_exercises; i++)
			printf("%s\n", cfg.exercises[i].name);
		config_free(&cfg);
		return EXIT_OK;
	}
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
		/* As the next session plays it (as script and render show it),
		 * a wait counted as none. */
		adapt_next_opts(&cfg, &copts);
		int cr = routine_compile(&cfg, (int)r, &copts, voice_speech_measure, &vs,
					 &tl, err, sizeof(err));
		free((void *)copts.plan);
		if (cr < 0) {
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

static int cmd_voices(struct cli *cli, int argc, char **argv)
{
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	speech_list_voices(stdout);
	return EXIT_OK;
}

static int cmd_play(struct cli *cli, int argc, char **argv)
{
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	return play_run(cli->config_path, optind < argc ? argv[optind] : NULL);
}

static int cmd_run(struct cli *cli, int argc, char **argv)
{
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	return daemon_run(cli->config_path);
}

static int cmd_devices(struct cli *cli, int argc, char **argv)
{
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	return devices_run();
}

/* stats [today|week|month]: figures from the record of the day. */
static int cmd_stats(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	unsigned days;
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	/* The streak counts the reminder days: [reminders] days. */
	if (load_config(cli, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	days = cfg.reminders.days;
	config_free(&cfg);
	return stats_run(optind < argc ? argv[optind] : NULL, util_test_now(), days, stdout);
}

/* feedback [EXERCISE] good|easier|harder|hurt: to the record of the day. */
static int cmd_feedback(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	const char *ex = NULL, *word;
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	if (optind >= argc)
		return bad_usage(cli, "say good, easier, harder or hurt");
	word = argv[argc - 1];
	if (argc - optind == 2)
		ex = argv[optind];
	if (load_config(cli, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	ret = adapt_feedback_run(&cfg, ex, word, util_test_now(), stdout);
	config_free(&cfg);
	return ret;
}

/* progress: each exercise's form and history. */
static int cmd_progress(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	if (load_config(cli, &cfg) != EXIT_OK)
		return EXIT_CONFIG;
	ret = adapt_progress_run(&cfg, stdout);
	config_free(&cfg);
	return ret;
}

/* start [ROUTINE], stop, pause, resume, skip, repeat, snooze, reload,
 * status. */
static int cmd_control(struct cli *cli, int argc, char **argv)
{
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	/* status -v: the technical lines too (the audio path, faults, realtime). */
	if (strcmp(cli->cmd->name, "status") == 0 && cli->verbose)
		return control_client("status", "verbose");
	return control_client(cli->cmd->name, optind < argc ? argv[optind] : NULL);
}

static const struct option common_opts[] = { COMMON_LONGOPTS };

static const struct option start_opts[] = {
	{ "minutes", required_argument, NULL, 'm' },
	COMMON_LONGOPTS,
};

/* start [ROUTINE | --minutes N]: the routine named, or the longest that
 * fits in N minutes (the daemon knows their lengths). */
static int cmd_start(struct cli *cli, int argc, char **argv)
{
	const char *minutes = NULL;
	char arg[64];
	int c;

	while ((c = cli_getopt(cli, argc, argv)) != -1) {
		if (c != 'm')
			return cli->exit;
		minutes = optarg;
	}
	if (minutes && optind < argc)
		return bad_usage(cli, "a routine or --minutes, not both");
	if (minutes) {
		char *end;
		long m = strtol(minutes, &end, 10);

		if (end == minutes || *end || m <= 0 || m > 24 * 60)
			return bad_usage(cli, "--minutes: \"%s\" is not a number of minutes (1..1440)",
					 minutes);
		snprintf(arg, sizeof(arg), "--minutes=%ld", m);
		return control_client("start", arg);
	}
	return control_client("start", optind < argc ? argv[optind] : NULL);
}

/* hold DURATION | until HH:MM | tomorrow: the words as one argument. */
static int cmd_hold(struct cli *cli, int argc, char **argv)
{
	int ret;

	if ((ret = no_own_options(cli, argc, argv)) >= 0)
		return ret;
	if (optind == argc)
		return bad_usage(cli, "hold for how long? DURATION, until HH:MM, or tomorrow");
	if (argc - optind == 2 && strcmp(argv[optind], "until") == 0) {
		char arg[64];

		/* One word on the control socket. */
		snprintf(arg, sizeof(arg), "until=%s", argv[optind + 1]);
		return control_client("hold", arg);
	}
	if (argc - optind > 1)
		return bad_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	return control_client("hold", argv[optind]);
}

#define ROUTINE_ARG "[ROUTINE]"
static const struct command commands[] = {
	{ "play", ROUTINE_ARG, "play a routine now (default: [general] routine)",
	  NULL, common_opts, NULL, 1, cmd_play },
	{ "render", "[ROUTINE] -o FILE", "render a routine to FILE (.wav, .flac, .ogg)",
	  "o:ns:", render_opts,
	  "  -o, --output FILE       the sound file to write (its extension picks the format)\n"
	  "  -n, --notice            the safety notice and the tones explained, as in a first session\n"
	  "  -s, --subtitles FILE    the speech as WebVTT subtitles too\n",
	  1, cmd_render },
	{ "script", ROUTINE_ARG, "print a routine's timeline, one line per cue",
	  "Sn", script_opts,
	  "  -S, --samples           times as sample numbers (22050 Hz), not M:SS.mmm\n"
	  "  -n, --notice            the safety notice and the tones explained, as in a first session\n",
	  1, cmd_script },
	{ "check", "[FILE]", "validate a config file and speak every line it can say",
	  NULL, common_opts, NULL, 1, cmd_check },
	{ "list", "", "list routines and exercises with durations",
	  "re", list_opts,
	  "  -r, --routines          only the routines' names, one a line\n"
	  "  -e, --exercises         only the exercises' names, one a line\n",
	  0, cmd_list },
	{ "voices", "", "list eSpeak NG languages and voice variants",
	  NULL, common_opts, NULL, 0, cmd_voices },
	{ "devices", "", "list audio output devices",
	  NULL, common_opts, NULL, 0, cmd_devices },
	{ "run", "", "run the daemon (reminders, signals, control)",
	  NULL, common_opts, NULL, 0, cmd_run },
	{ "start", "[ROUTINE | --minutes N]",
	  "ask the running daemon to start a routine (a reminder waiting: its answer)",
	  "m:", start_opts,
	  "  -m, --minutes N         the longest routine that fits in N minutes\n",
	  1, cmd_start },
	{ "stop", "", "stop the session", NULL, common_opts, NULL, 0, cmd_control },
	{ "pause", "", "pause the session", NULL, common_opts, NULL, 0, cmd_control },
	{ "resume", "", "resume the session", NULL, common_opts, NULL, 0, cmd_control },
	{ "skip", "", "skip to the next step", NULL, common_opts, NULL, 0, cmd_control },
	{ "repeat", "", "say the current step again from its start",
	  NULL, common_opts, NULL, 0, cmd_control },
	{ "snooze", "[DURATION]", "put off the next reminder (default: [reminders] snooze)",
	  NULL, common_opts, NULL, 1, cmd_control },
	{ "hold", "DURATION | until HH:MM | tomorrow", "no reminders for a while",
	  NULL, common_opts, NULL, 2, cmd_hold },
	{ "unhold", "", "reminders as usual again (ends a hold or a snooze)",
	  NULL, common_opts, NULL, 0, cmd_control },
	{ "reload", "", "reload the config; on errors say them and keep the old one",
	  NULL, common_opts, NULL, 0, cmd_control },
	{ "status", "", "what the daemon is doing, and when the next reminder is due\n"
	  "(-v: the audio output, its faults and realtime scheduling too)",
	  NULL, common_opts, NULL, 0, cmd_control },
	{ "stats", "[today|week|month]", "time at the machine, breaks, sessions",
	  NULL, common_opts, NULL, 1, cmd_stats },
	{ "feedback", "[EXERCISE] good|easier|harder|hurt",
	  "say how an exercise went (default: the one played last); the next sessions adapt",
	  NULL, common_opts, NULL, 2, cmd_feedback },
	{ "progress", "", "each exercise's form (easier, as configured, harder) and its history",
	  NULL, common_opts, NULL, 0, cmd_progress },
};
static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

static void usage(FILE *f)
{
	fputs("Usage: backcoach [OPTION]... COMMAND [ARG]...\n"
	      "A voice-guided audio coach for stiff backs: spoken stretching\n"
	      "routines with breath cues and a metronome, and reminders to get up.\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < n_commands; i++) {
		const struct command *c = &commands[i];
		int n = fprintf(f, "  %s%s%s", c->name, *c->args ? " " : "", c->args);

		if (n > 25)
			fprintf(f, "\n%26s", "");
		else
			fprintf(f, "%*s", 26 - n, "");
		fprintf(f, "%s\n", c->what);
	}
	fprintf(f, "\nOptions (before or after the command):\n%s"
		   "\n'backcoach COMMAND --help' shows a command's own options.\n"
		   "Exit status: 0 success, 1 failure, 64 usage error, 66 unknown routine,\n"
		   "69 no daemon running, 78 configuration error. See backcoach(1).\n",
		common_opthelp);
}

int cli_main(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_LONGOPTS };
	struct cli cli = { NULL, false, NULL, EXIT_OK };
	int c;

	/* The options before the command ("+": stop at it). */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:" COMMON_SHORTOPTS, opts, NULL)) != -1) {
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
		case ':':
			fprintf(stderr, "backcoach: option '%s' needs a value; try 'backcoach --help'\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "backcoach: unknown option '-%c'; try 'backcoach --help'\n",
					optopt);
			else
				fprintf(stderr, "backcoach: unknown option '%s'; try 'backcoach --help'\n",
					argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("backcoach: no command; try 'backcoach --help'\n", stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	for (size_t i = 0; i < n_commands; i++)
		if (strcmp(argv[0], commands[i].name) == 0) {
			cli.cmd = &commands[i];
			optind = 0; /* GNU getopt: 0 re-initialises its state */
			log_init(cli.verbose);
			return commands[i].fn(&cli, argc, argv);
		}
	fprintf(stderr, "backcoach: unknown command \"%s\"; try 'backcoach --help'\n",
		argv[0]);
	return EXIT_USAGE;
}
