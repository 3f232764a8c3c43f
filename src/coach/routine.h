/* SPDX-License-Identifier: GPL-3.0-or-later */
/* routine.h: compile a routine into a timeline of cues at sample positions. */
#ifndef BC_ROUTINE_H
#define BC_ROUTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/audio.h"
#include "coach/config.h"

enum cue_kind {
	CUE_SPEECH, /* text spoken by the coach voice */
	CUE_TONE,   /* sine glide f0 -> f1 (breath tones, chimes) */
	CUE_CLICK,  /* one metronome beat */
};

/* What a cue is for; tests and `status` read it. */
enum cue_role {
	ROLE_NOTICE,      /* safety notice (first session only) */
	ROLE_CHIME_START, /* start-of-break sound */
	ROLE_INTRO,
	ROLE_SKIPPED,     /* "skipping ... (equipment)" */
	ROLE_WITHIN_REACH, /* "Keep your foam roller within reach." */
	ROLE_TONES,       /* what the tones mean (first session) */
	ROLE_ANNOUNCE,    /* the exercise's title, as it begins */
	ROLE_SETUP,       /* how to get into position */
	ROLE_CAUTION,
	ROLE_GET_READY,
	ROLE_COUNTDOWN,   /* "3", "2", "1" */
	ROLE_BEGIN,
	ROLE_REP_CUE,     /* exercise's rep_cue */
	ROLE_COUNT,       /* rep number */
	ROLE_BREATH,      /* breath phase word or tone; see cue.phase */
	ROLE_HALFWAY,     /* instead of the count at the middle rep */
	ROLE_LAST,
	ROLE_TIME_LEFT,
	ROLE_FIRST_SIDE,
	ROLE_SWITCH,
	ROLE_RELEASE,
	ROLE_REST,
	ROLE_NEXT,        /* in the rest: "Next: title." and what to do or fetch */
	ROLE_OUTRO,
	ROLE_CHIME_END,   /* end-of-break sound, different from the start */
	ROLE_BEAT,        /* metronome */
	ROLE_STOPPED,     /* said when a session is stopped during an exercise */
	ROLE_WAIT,        /* "Take your time; press play when you're in position." */
	ROLE_ASK,         /* "Was anything too much? ..." after the last exercise */
	ROLE_LEFT_OUT,    /* "I've left out ..., as it hurt last time: ..." */
	ROLE_EASIER,      /* the exercise's easier_cue, in its easier form */
	ROLE_COUNT_OF
};

/* Short names for scripts and messages: "next", "breath", "beat", ... */
const char *routine_role_name(enum cue_role role);
/* "inhale", "hold", "exhale", "hold_after" (the config's keys). */
const char *routine_phase_name(int phase);

struct cue {
	int64_t at;           /* first sample */
	int64_t len;          /* length in samples (speech: measured) */
	enum cue_kind kind;
	enum cue_role role;
	int step;             /* index into timeline.steps */
	int phase;            /* ROLE_BREATH, or a speech cue that carries a
	                         breath word joined to other text: enum
	                         breath_phase; else -1 */
	const char *text;     /* CUE_SPEECH: owned by the timeline */
	float f0, f1;         /* CUE_TONE: start and end frequency, Hz */
	float gain;           /* linear, before the mixer's master gain */
	bool accent;          /* CUE_CLICK: first beat of a bar */
	unsigned risk;        /* ROLE_NOTICE: the equipment whose risks it
	                         tells (notice_floor, ...); 0: the notice */
};

/* A step is what `skip` jumps over and `status` names: intro, each
 * exercise (each side), each rest, outro. */
struct step {
	int64_t at;
	const char *name;     /* "Cat cow (right side)", owned by the timeline */
	int exercise;         /* index into config->exercises, -1 for others */
};

/* A breath phase as paced: every phase of a pattern lasts exactly what the
 * pattern says (never stretched, never cut). */
struct phase {
	int64_t at, len;
	int phase;            /* enum breath_phase */
	int breath;           /* index into config->breaths */
	int step;
};

struct timeline {
	struct cue *cues;     /* sorted by at, then by order of creation */
	size_t n_cues;
	struct phase *phases; /* sorted by at; may be NULL (no breath paced) */
	size_t n_phases;
	struct step *steps;
	size_t n_steps;
	int64_t length;       /* total samples, >= end of the last cue */
	int routine;          /* index into config->routines */
	char *language_voice; /* eSpeak NG language of the routine's language */
	unsigned skipped_equipment; /* mask of equipment whose exercises were skipped */
	/* Where playback waits for the user (compile_opts.wait): sample
	 * positions, ascending; each is the end of a ROLE_WAIT cue (or of
	 * what comes next) inside a step of its own. */
	int64_t *waits;
	size_t n_waits;
	/* The answer window after the question (compile_opts.ask): next
	 * there means "all good", previous "too much". ask_end 0: none. */
	int64_t ask_at, ask_end;
	/* The plan it plays (compile_opts.plan, copied: one per config
	 * exercise, n_plan of them), or NULL: the forms as configured. */
	struct exercise_plan *plan;
	size_t n_plan;
	char *pool;           /* internal: owned strings */
	size_t pool_len, pool_cap;
};

/* Length in samples of text spoken with the routine's voice, or -1 on
 * error (with err filled). The compiler asks this for every speech cue, so
 * it can place the next cue after the speech ends. */
typedef int64_t (*speech_measure_fn)(void *ctx, const char *text, char *err,
				     size_t errlen);

/* A breath cue that cannot be said within its phase. */
struct misfit {
	struct origin at;     /* where the words that do not fit are set */
	const char *exercise; /* its name */
	int phase;            /* enum breath_phase */
	const char *text;     /* the words */
	int64_t cue_len, phase_len; /* samples */
	const char *lost;     /* NULL; or the opening ("Begin.", a count, "Last
	                         one.") left out for these words: the session
	                         goes on without it, `check` reports it */
};

/* An exercise as adapted for this user (adapt.h): the form to play. */
struct exercise_plan {
	int level;            /* adapt.h: -1 easier, 0 the config's, N up */
	int reps;             /* repetitions per side, >= 1 */
	int64_t hold_ms;      /* length of one rep, as the exercise's hold */
	bool easier;          /* the easier form: its easier_cue after the setup */
	bool left_out;        /* not played: it hurt */
	bool tell;            /* left out: say so (once: ROLE_LEFT_OUT) */
};

/* The answer window after the question, ms. */
#define ROUTINE_ASK_WINDOW_MS 8000

struct compile_opts {
	bool notice;          /* begin with the safety notice */
	/* NULL, or one entry per cfg->n_exercises: each exercise's form. */
	const struct exercise_plan *plan;
	/* Wait for the user where the place changes: down to the floor, up
	 * from it, fetching the foam roller or the ball (routine_needs_wait);
	 * a step of its own named by the language's `waiting`, with its
	 * `wait` phrase; tl->waits. */
	bool wait;
	/* After the last exercise: the language's `ask` question and an
	 * answer window (tl->ask_at, tl->ask_end). */
	bool ask;
	bool tones;           /* explain the tones (a user's first session) */
	unsigned risks;       /* equipment whose risks (notice_floor, ...) are
	                         told before the first exercise using it */
	/* Called for every breath cue that cannot fit its phase; the
	 * compile goes on without it. NULL: the compile fails at the first,
	 * with the message of routine_misfit_message. */
	void (*misfit)(void *ctx, const struct misfit *m);
	void *misfit_ctx;
};

/* "FILE:LINE: exercise x, inhale: \"...\" takes 4.32 s to say; ...", or
 * with m->lost: "... \"Begin.\" is left out: with it, \"...\" takes ..." */
void routine_misfit_message(const struct misfit *m, char *buf, size_t len);

/* The compiler's least silence after speech in a breath phase, ms. */
#define ROUTINE_MIN_GAP_MS 300

/* Compile routine number `routine` of cfg. Breath phases last exactly what
 * their pattern says; a hold paced by a breath pattern lasts whole breath
 * cycles (its hold rounded to the nearest, at least one). Pure: same config, options and
 * measurements give the same timeline; touches no device, file or clock.
 * Returns 0, or -1 with err filled ("routine desk-break, exercise x: ..."). */
int routine_compile(const struct config *cfg, int routine,
		    const struct compile_opts *opts, speech_measure_fn measure,
		    void *ctx, struct timeline *tl, char *err, size_t errlen);

void timeline_free(struct timeline *tl);

/* Step index playing at sample pos (last step with at <= pos). */
int timeline_step_at(const struct timeline *tl, int64_t pos);

/* The equipment routine r uses with the equipment the user owns: that of
 * the exercises it plays (a mask of enum equipment). */
unsigned routine_equipment_used(const struct config *cfg, int routine);

/* Does going from exercise prev (-1: the start) to next need moving, so
 * the coach waits: down to the floor or up from it, or fetching the foam
 * roller or the ball? Not before a movement (reps = 0: it is coached), but
 * after one on the floor (getting down: the wait is for being there). */
bool routine_needs_wait(const struct config *cfg, int prev, int next);

/* Is pos within an exercise's reps: after its count-in, before its
 * release? (Where stopping may mean it hurt.) */
bool timeline_in_exercise(const struct timeline *tl, int64_t pos);

/* The equipment routine r plays whose risks its language tells
 * (notice_floor, notice_ball): a mask of enum equipment. */
unsigned routine_risks(const struct config *cfg, int routine);

/* Was the safety notice in tl heard (the session got past it by sample
 * `heard`), or one of its risk notes? *risks: the equipment whose risk
 * notes were heard. False when tl's notice was not heard. */
bool timeline_notice_heard(const struct timeline *tl, int64_t heard, unsigned *risks);

#endif
