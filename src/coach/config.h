/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config.h: the parsed and validated configuration; see backcoach.ini(5). */
#ifndef BC_CONFIG_H
#define BC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Equipment a user may own and an exercise may need; bit i of a mask is
 * equipment_names[i]. */
enum equipment {
	EQ_CHAIR,
	EQ_FLOOR,
	EQ_MAT,
	EQ_WALL,
	EQ_TOWEL,
	EQ_FOAM_ROLLER,
	EQ_BALL,
	EQ_COUNT
};
extern const char *const equipment_names[EQ_COUNT]; /* "chair", "foam-roller", ... */

/* How a breath phase is cued. */
/* [audio] other_players: what a session does to other MPRIS players. */
enum other_players { OTHER_PAUSE = 0, OTHER_KEEP = 1 };
enum cue_via { VIA_NONE = 0, VIA_VOICE = 1, VIA_TONE = 2, VIA_BOTH = 3 };

enum breath_phase { BP_INHALE, BP_HOLD, BP_EXHALE, BP_HOLD_AFTER, BP_COUNT };

/* Stock phrases of a [language:NAME] section. "{n}" stands for a number,
 * "{title}" for an exercise title, "{list}" for a list of titles. */
enum phrase {
	PH_GET_READY,    /* "Get ready." (before the countdown) */
	PH_BEGIN,        /* "Begin." */
	PH_NEXT,         /* "Next: {title}." */
	PH_INHALE,       /* "Breathe in." */
	PH_HOLD,         /* "Hold." */
	PH_EXHALE,       /* "Breathe out." */
	PH_COUNT_REP,    /* "{n}." rep count */
	PH_HALFWAY,      /* "Halfway." */
	PH_LAST,         /* "Last one." */
	PH_SECONDS_LEFT, /* "{n} seconds left." */
	PH_FIRST_SIDE,   /* "Left side." */
	PH_SWITCH,       /* "Switch sides. Now the right side." */
	PH_RELEASE,      /* "And release." end of an exercise */
	PH_REST,         /* "Rest." */
	PH_SKIPPED,      /* "Skipping {list}: you have not got the equipment." */
	PH_NOTICE,       /* safety notice, spoken before the first session */
	PH_TONES,        /* what the tones and clicks mean (first session) */
	PH_WITHIN_REACH, /* "Keep {list} within reach." */
	PH_STOPPED,      /* said when a session is stopped during an exercise */
	/* Reminders (all optional: reminder_words.h falls back to English). */
	PH_REMINDER,     /* "You have sat for {time}. Time for a break." */
	PH_REMINDER_ASK, /* "Press play when you're ready." */
	PH_MINUTE,       /* "{n} minute" */
	PH_MINUTES,      /* "{n} minutes" */
	PH_FIRST_START,  /* "I'll remind you after {time} at your desk, {when}." */
	PH_WEEKDAYS,     /* "weekdays {hours}" */
	PH_EVERY_DAY,    /* "every day {hours}" */
	PH_ON_DAYS,      /* "on your reminder days {hours}" */
	PH_HOURS,        /* "from {from} to {to}" */
	PH_ALL_DAY,      /* "at any hour" */
	PH_CLOCK,        /* "{ampm_hour}" */
	PH_CLOCK_MINUTES, /* "{ampm_hour}:{minute}" */
	PH_BREAK_TITLE,  /* "Time for a break" (notification) */
	PH_ACT_START,    /* notification buttons: "Start" */
	PH_ACT_SHORT,    /*   "Short: {title}" */
	PH_ACT_SNOOZE,   /*   "Snooze" */
	PH_ACT_SKIP,     /*   "Skip" */
	PH_WAIT,         /* "Take your time; press play when you're in position." */
	PH_WAITING,      /* "Waiting for you" (a wait's step name) */
	PH_ASK,          /* the question after the last exercise */
	PH_LEFT_OUT,     /* "I've left out {title}, as it hurt last time: ..." */
	PH_BEGIN_SHORT,  /* "Go.": begin, where it does not fit with the words */
	PH_LAST_SHORT,   /* "Last.": last, likewise */
	PH_NOTICE_FLOOR, /* the risks of the floor: said the first time */
	PH_NOTICE_BALL,  /* the risks of the ball: said the first time */
	PH_NO_TONES,     /* before a breath cued by voice alone, after tones */
	PH_COUNT
};
extern const char *const phrase_keys[PH_COUNT]; /* INI key of each phrase */

/* Where a value came from, for FILE:LINE messages. */
struct origin {
	const char *file; /* points into config->files */
	int line;
};

struct language {
	char *name; /* section name after "language:" */
	struct origin at;
	char *voice; /* eSpeak NG language voice */
	char *phrase[PH_COUNT];         /* NULL: an optional phrase not set */
	struct origin phrase_at[PH_COUNT]; /* where each was set */
};

struct breath {
	char *name;
	struct origin at;
	int64_t ms[BP_COUNT];          /* phase lengths; 0 = phase skipped */
	enum cue_via via[BP_COUNT];    /* how each phase is cued */
};

/* An exercise's metronome: [metronome] bpm (or the exercise's bpm), none,
 * or beats that subdivide each breath phase. */
enum ex_metronome { METRO_DEFAULT, METRO_OFF, METRO_BREATH };

struct exercise {
	char *name;
	struct origin at;
	char *title;          /* spoken name: "Cat cow" */
	char *setup;          /* how to get into position, spoken before it starts */
	char *caution;        /* spoken during setup, may be NULL */
	char *rep_cue;        /* spoken at the start of every rep, may be NULL */
	char *say[BP_COUNT];  /* per-exercise words for breath phases, NULL = language default */
	int64_t setup_ms;     /* time to get into position after the setup speech */
	int reps;             /* repetitions per side; 0: a movement between
	                         positions (setup said, setup_ms to do it) */
	int64_t hold_ms;      /* length of one rep; 0 = one breath cycle */
	int breath;           /* index into config->breaths, -1 = none */
	bool both_sides;      /* do all reps on one side, switch, do them again */
	int64_t switch_ms;    /* time given to change sides */
	unsigned equipment;   /* mask of enum equipment needed */
	int bpm;              /* metronome tempo for this exercise, 0 = [metronome] bpm */
	int metronome;        /* enum ex_metronome */
	char *first_side;     /* words before the first side, NULL = language's */
	char *switch_text;    /* words for the second side, NULL = language's */
	char *release;        /* words for the exit, NULL = language's */
	char *prepare;        /* said in the rest before it: what to do or fetch */
	char *bring;          /* what to keep within reach ("your foam roller") */
	/* Its easier and harder forms (adapt.h): reps and hold; the easier
	 * form says easier_cue after the setup. */
	int easier_reps, harder_reps;
	int64_t easier_hold_ms, harder_hold_ms;
	char *easier_cue;
	/* Where texts were set, for messages about them. */
	struct origin rep_cue_at, say_at[BP_COUNT];
};

struct routine {
	char *name;
	struct origin at;
	char *title;
	int language;        /* index into config->languages */
	char *intro, *outro; /* may be NULL */
	int *exercises;      /* indexes into config->exercises, in order */
	size_t n_exercises;
	int64_t rest_ms;     /* rest between exercises */
};

/* [reminders] during_calls */
enum reminder_calls { CALLS_WAIT, CALLS_REMIND };
/* [reminders] announce, start */
enum reminder_announce { ANNOUNCE_VOICE, ANNOUNCE_NOTIFICATION, ANNOUNCE_BOTH };
enum reminder_start { START_ASK, START_AUTO };

struct config {
	/* Every file read, in order (built-in default first, as "(built-in)"). */
	char **files;
	size_t n_files;

	struct {
		unsigned equipment; /* mask of enum equipment the user owns */
		char *routine;      /* default routine name */
		int routine_idx;
	} general;
	struct {
		char *voice;  /* variant name, NULL = plain language voice */
		int rate, pitch, range, volume;
		int64_t wait_ms; /* wait_at_most: 0 = no waits */
		bool adapt;
		int fade_after;    /* breath words fade after N cycles, 0 = never */
		struct origin voice_at;
	} coach;
	struct {
		int bpm;          /* 0 = off */
		int accent;       /* accent every N beats, 1 = every beat */
		char *sound;      /* "click", "wood", "beep", or a sound file path */
		double volume;    /* 0..1 */
		struct origin sound_at;
	} metronome;
	struct {
		char *device;     /* substring of a PortAudio device name, NULL = default */
		int64_t latency_ms;
		int other_players; /* enum other_players */
	} audio;
	struct {
		bool enabled;
		int64_t interval_ms;
		int from_min, to_min; /* active hours, minutes after local midnight;
		                         from == to: all day; from > to: overnight */
		unsigned days;        /* bit tm_wday (0 = Sunday) set = active */
		char *message;        /* "{minutes}" = minutes sat */
		char *routine;        /* offered routine, NULL = none */
		int routine_idx;      /* -1 = none */
		int64_t countdown_ms; /* spoken countdown before the routine starts */
		int64_t snooze_ms;
		bool presence;        /* watch the desktop's presence signals */
		int64_t break_ms;     /* an absence this long: a natural break */
		int64_t idle_ms;      /* GNOME's idle monitor threshold */
		int during_calls;     /* enum reminder_calls */
		int64_t call_grace_ms;
		int announce;         /* enum reminder_announce */
		int start;            /* enum reminder_start */
		int64_t answer_within_ms;
	} reminders;

	struct language *languages;
	size_t n_languages;
	struct breath *breaths;
	size_t n_breaths;
	struct exercise *exercises;
	size_t n_exercises;
	struct routine *routines;
	size_t n_routines;

	/* Every spoken text setting and where it was set (or, for a default,
	 * the section it applies to), for messages about what is spoken. */
	struct config_text *texts;
	size_t n_texts;
};

struct config_text {
	const char *text; /* the setting's value in this config, placeholders and all */
	struct origin at;
};

/* Where the spoken text came from: the text setting it is (or, when it was
 * put together, one it contains; else the phrase it was made from, its
 * {placeholders} filled in). NULL if none. */
const struct origin *config_text_origin(const struct config *cfg, const char *spoken);

/* Longest spoken text in a setting (bytes, UTF-8); the synthesiser takes
 * at least this much (SPEECH_MAX_TEXT). */
#define CONFIG_MAX_TEXT 2000

/* Which voice names exist: the synthesiser knows (speech_config_voices in
 * speech.h); config only asks. A NULL function accepts any name. */
struct config_voices {
	bool (*language_exists)(const char *name); /* [language:NAME] voice */
	bool (*variant_exists)(const char *name);  /* [coach] voice */
};

/* Load the built-in default, then path on top of it (path NULL: the built-in
 * default only), checking voice names with voices (NULL: any name). Every
 * problem is printed to errf as "FILE:LINE: message", all of them, not only
 * the first. Returns 0 and a valid config, or -1 (cfg is then left empty and
 * needs no config_free). */
int config_load(struct config *cfg, const char *path,
		const struct config_voices *voices, FILE *errf);

/* The same for len bytes of text (any bytes: NULs, bad UTF-8 and all are
 * reported, not trusted), named name in messages; relative paths in it are
 * relative to name's directory. For tests and fuzzing. */
int config_load_text(struct config *cfg, const char *name, const char *text,
		     size_t len, const struct config_voices *voices, FILE *errf);

/* For tests: the work the last load did, to show it is linear in the
 * file's size: slots looked at finding sections by name, and bytes copied
 * joining continuation lines (growing buffers included). */
struct config_work {
	unsigned long section_probes;
	unsigned long join_bytes;
};
extern struct config_work config_work;

/* Find the user's config: explicit (from --config) if given, else
 * $XDG_CONFIG_HOME/backcoach/backcoach.ini (~/.config fallback), else
 * BC_SYSCONFDIR/backcoach/backcoach.ini; the first that exists. Returns a
 * malloc'd path or NULL for "built-in default only". */
char *config_find(const char *explicit_path);

void config_free(struct config *cfg);

int config_routine(const struct config *cfg, const char *name);  /* -1 if none */
int config_exercise(const struct config *cfg, const char *name); /* -1 if none */

/* The built-in default config text (generated from config/backcoach.ini). */
extern const char config_default_ini[];

/* The settings table (section, key, type, default, range, help) that drives
 * parsing, validation and defaults; tests check that backcoach.ini(5) documents
 * every entry. Calls fn once per setting. */
void config_settings_foreach(void (*fn)(void *ctx, const char *section,
					const char *key, const char *help),
			     void *ctx);

#endif
