/* SPDX-License-Identifier: GPL-3.0-or-later */
/* routine.c: compile a routine into a timeline of cues at sample positions.
 *
 * The compiler walks the routine once, keeping a cursor and the end of the
 * latest speech cue. Every speech cue is measured before it is placed, so
 * speech never overlaps speech: waits (setup_ms, switch_ms, rest_ms) run
 * from the end of the speech before them, and a rep with no breath pattern
 * lasts at least as long as what is said at its start.
 *
 * A breath pattern is a promise: every phase lasts exactly what the pattern
 * says, and what is said at a phase's start (its breath word, with the rep
 * cue, and "Begin." or the count where they fit) ends MIN_GAP_MS before the
 * phase does. Words that cannot fit are a misfit (see compile_opts): the
 * compile fails, or `backcoach check` lists them all. A rep paced by breath
 * is one breath cycle; a hold paced by breath is whole cycles.
 *
 * Texts that start at the same instant are joined into one utterance
 * ("Begin. Breathe in and sit tall.") carried by one cue whose role is that
 * of the first text; its phase is set when it carries a breath word. The
 * first rep of a side starts with "Begin."; later reps with their number, or
 * "Halfway." at the middle rep of four or more, or "Last one." at the last.
 *
 * Time in holds is marked one way only: "N seconds left", where the silence
 * would otherwise exceed SPEECH_GAP_MAX_MS. Outside breath-paced parts a
 * callout goes where exactly 5k seconds are left of the hold or wait it is
 * in; within them, at a phase start (or inside a phase) where it fits.
 *
 * Between exercises, the rest begins with "Rest." and what comes next
 * (with the next exercise's `prepare` words: what to do, what to fetch), so
 * the rest is the time to move. */
#include "coach/routine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define MS(x) BC_MS_TO_SAMPLES(x)

enum {
	PAUSE_MS = 600,          /* between instructions spoken in a row */
	NOTICE_PAUSE_MS = 1500,  /* after the safety notice */
	MIN_GAP_MS = ROUTINE_MIN_GAP_MS, /* least silence after speech in a phase */
	COUNTDOWN_MS = 1000,     /* "3", "2", "1" spacing */
	COUNTIN_PAUSE_MS = 400,  /* "Get ready." -> "3" */
	SPEECH_GAP_MAX_MS = 15000, /* longest silence between speech cues */
	TIME_LEFT_STEP_MS = 5000,  /* "N seconds left" in multiples of this */
	DEFAULT_REP_MS = 3000,   /* a rep with no hold and no breath pattern */
	TONE_GAP_MS = 100,       /* breath tone stops this much before the phase */
	MIN_TONE_MS = 300,       /* shorter truncated tones are left out */
	CLICK_MS = 30,           /* nominal length of a metronome cue */
	BREATH_BEAT_MS = 1000,   /* metronome = breath: about one beat a second */
	TAIL_MS = 1000,          /* silence after the last cue */
	FADE_EVERY = 4,          /* faded breath words come back every 4th cycle */
};

/* Breath tones: rising over the inhale, falling over the exhale, steady and
 * soft for holds. */
#define TONE_LOW 220.0f
#define TONE_HIGH 330.0f
#define TONE_GAIN 0.25f
#define TONE_HOLD_GAIN 0.12f
#define CHIME_GAIN 0.30f
#define CLICK_GAIN 1.0f

/* A chime is two short bell notes: rising at the start of a break, falling
 * (and lower, longer) at its end. */
struct note {
	float f0, f1;
	int at_ms, len_ms;
};
static const struct note chime_start[] = {
	{ 523.25f, 587.33f, 0, 260 },
	{ 783.99f, 880.00f, 160, 520 },
};
static const struct note chime_end[] = {
	{ 880.00f, 783.99f, 0, 260 },
	{ 523.25f, 440.00f, 160, 800 },
};

/* A cue while compiling: its text is an offset into the pool (which moves as
 * it grows) and seq keeps creation order among cues at the same sample. */
struct ccue {
	struct cue c;
	size_t text_off; /* SIZE_MAX: no text */
	size_t seq;
};

struct cstep {
	int64_t at;
	size_t name_off;
	int exercise;
};

/* A measured utterance, not yet placed. */
struct utt {
	char *text; /* malloc'd, NULL = nothing to say */
	int64_t len;
	enum cue_role role;
	int phase;
};

struct comp {
	const struct config *cfg;
	const struct routine *r;
	const struct language *lang;
	speech_measure_fn measure;
	void *ctx;
	char *err;
	size_t errlen;
	const char *where; /* exercise name for messages, or NULL */

	struct ccue *cues;
	size_t n_cues, cap_cues;
	struct cstep *steps;
	size_t n_steps, cap_steps;
	char *pool;
	size_t pool_len, pool_cap;

	const struct compile_opts *opts;
	struct phase *phases;
	size_t n_phases, cap_phases;

	int step;          /* current step index */
	int64_t last_end;  /* end of the latest speech cue, -1 before any */
	int64_t cd_end;    /* what time-left callouts count down to (0: the
	                      next speech cue) */
	unsigned risks_told; /* equipment whose risks were told */
	bool toned;        /* an exercise with breath tones was placed */
	bool in_breath;    /* placing a breath-paced part: no callouts from
	                      fill_gaps (the part places its own) */
	int64_t *waits;    /* where playback waits for the user */
	size_t n_waits, cap_waits;
};

static int fail(struct comp *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct comp *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->where)
		snprintf(c->err, c->errlen, "routine %s, exercise %s: %s",
			 c->r->name, c->where, msg);
	else
		snprintf(c->err, c->errlen, "routine %s: %s", c->r->name, msg);
	return -1;
}

static size_t pool_add(struct comp *c, const char *s)
{
	size_t n = strlen(s) + 1, off = c->pool_len;

	if (c->pool_len + n > c->pool_cap) {
		c->pool_cap = (c->pool_len + n) * 2 + 256;
		c->pool = xrealloc(c->pool, c->pool_cap);
	}
	memcpy(c->pool + off, s, n);
	c->pool_len += n;
	return off;
}

static struct cue *add_cue(struct comp *c, int64_t at, int64_t len,
			   enum cue_kind kind, enum cue_role role,
			   const char *text)
{
	struct ccue *q;

	if (c->n_cues == c->cap_cues) {
		c->cap_cues = c->cap_cues ? c->cap_cues * 2 : 64;
		c->cues = xrealloc(c->cues, c->cap_cues * sizeof(*c->cues));
	}
	q = &c->cues[c->n_cues];
	memset(q, 0, sizeof(*q));
	q->seq = c->n_cues++;
	q->text_off = text ? pool_add(c, text) : SIZE_MAX;
	q->c.at = at;
	q->c.len = len;
	q->c.kind = kind;
	q->c.role = role;
	/* A callout filling the silence before a new step belongs to the
	 * step before. */
	q->c.step = c->step;
	while (q->c.step > 0 && c->steps[q->c.step].at > at)
		q->c.step--;
	q->c.phase = -1;
	q->c.gain = 1.0f;
	return &q->c;
}

static void add_step(struct comp *c, int64_t at, const char *name,
		     int exercise)
{
	if (c->n_steps == c->cap_steps) {
		c->cap_steps = c->cap_steps ? c->cap_steps * 2 : 16;
		c->steps = xrealloc(c->steps, c->cap_steps * sizeof(*c->steps));
	}
	c->steps[c->n_steps] = (struct cstep){
		.at = at, .name_off = pool_add(c, name), .exercise = exercise
	};
	c->step = (int)c->n_steps++;
}

/* A growing string. */
struct str {
	char *s;
	size_t n, cap;
};

static void str_addn(struct str *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void str_add(struct str *b, const char *s)
{
	str_addn(b, s, strlen(s));
}

/* phrase with {n}, {title}, {list} and {name} replaced; NULL if the
 * phrase is unset or empty. */
static char *expand_named(const char *phrase, long n, const char *title,
			  const char *list, const char *name)
{
	struct str b = { 0 };
	char num[32];
	const char *p;

	if (!phrase || !*phrase)
		return NULL;
	snprintf(num, sizeof(num), "%ld", n);
	str_add(&b, "");
	for (p = phrase; *p;) {
		const char *rep = NULL;
		size_t skip = 0;

		if (strncmp(p, "{n}", 3) == 0) {
			rep = num;
			skip = 3;
		} else if (strncmp(p, "{title}", 7) == 0) {
			rep = title ? title : "";
			skip = 7;
		} else if (strncmp(p, "{list}", 6) == 0) {
			rep = list ? list : "";
			skip = 6;
		} else if (strncmp(p, "{name}", 6) == 0) {
			rep = name ? name : "";
			skip = 6;
		}
		if (rep) {
			str_add(&b, rep);
			p += skip;
		} else {
			str_addn(&b, p, 1);
			p++;
		}
	}
	return b.s;
}

static char *expand(const char *phrase, long n, const char *title,
		    const char *list)
{
	return expand_named(phrase, n, title, list, NULL);
}

static char *phrase(const struct comp *c, enum phrase ph, long n,
		    const char *title, const char *list)
{
	return expand(c->lang->phrase[ph], n, title, list);
}

static const char *ex_title(const struct exercise *ex)
{
	return ex->title && *ex->title ? ex->title : ex->name;
}

/* A text to be said at some instant, with the role it plays. */
struct part {
	char *text; /* malloc'd or NULL */
	enum cue_role role;
	int phase;  /* breath word: its phase, else -1 */
};

/* Join the non-empty parts into one utterance: a full stop is added after a
 * part that does not end in punctuation, parts are separated by a space. */
static char *join(const struct part *parts, size_t n)
{
	struct str b = { 0 };

	for (size_t i = 0; i < n; i++) {
		const char *t = parts[i].text;
		size_t len;

		if (!t || !*t)
			continue;
		if (b.n) {
			if (!strchr(".!?,;:", b.s[b.n - 1]))
				str_add(&b, ".");
			str_add(&b, " ");
		}
		len = strlen(t);
		while (len && (t[len - 1] == ' ' || t[len - 1] == '\t'))
			len--;
		str_addn(&b, t, len);
	}
	return b.s;
}

static int measure_text(struct comp *c, const char *text, int64_t *len)
{
	char e[256] = "";
	int64_t n = c->measure(c->ctx, text, e, sizeof(e));

	if (n < 0)
		return fail(c, "%s", *e ? e : "speech measurement failed");
	*len = n;
	return 0;
}

/* Measure the joined parts (each freed) into u: its role is the first
 * part's, its phase that of a breath word in it. u says nothing if all parts
 * are empty. */
static int utter(struct comp *c, struct part *parts, size_t n, struct utt *u)
{
	int ret = 0;
	bool first = true;

	memset(u, 0, sizeof(*u));
	u->phase = -1;
	for (size_t i = 0; i < n; i++) {
		if (!parts[i].text || !*parts[i].text)
			continue;
		if (first)
			u->role = parts[i].role;
		first = false;
		if (u->phase < 0)
			u->phase = parts[i].phase;
	}
	u->text = join(parts, n);
	for (size_t i = 0; i < n; i++) {
		free(parts[i].text);
		parts[i].text = NULL;
	}
	if (u->text && measure_text(c, u->text, &u->len) < 0) {
		free(u->text);
		u->text = NULL;
		ret = -1;
	}
	return ret;
}

static int utter1(struct comp *c, char *text, enum cue_role role, struct utt *u)
{
	struct part p = { text, role, -1 };

	return utter(c, &p, 1, u);
}

/* Place a measured utterance at `at` (after filling the silence before it)
 * and free its text. cd_end: what time-left callouts after it count down to
 * (0: the next speech). */
static int fill(struct comp *c, int64_t until);

static int place(struct comp *c, int64_t at, struct utt *u, int64_t cd_end)
{
	struct cue *q;
	int ret = 0;

	if (!u->text) {
		c->cd_end = cd_end;
		return 0;
	}
	if (fill(c, at) < 0) {
		ret = -1;
		goto out;
	}
	q = add_cue(c, at, u->len, CUE_SPEECH, u->role, u->text);
	q->phase = u->phase;
	c->last_end = at + u->len;
	c->cd_end = cd_end;
out:
	free(u->text);
	u->text = NULL;
	return ret;
}

/* Fill the silence from the latest speech to `until` with "N seconds left"
 * callouts, N counting down to cd_end (or until), at the instants where
 * exactly a multiple of 5 s is left, so that no gap exceeds the maximum. */
static int fill_gaps(struct comp *c, int64_t until)
{
	const int64_t max_gap = MS(SPEECH_GAP_MAX_MS), step = MS(TIME_LEFT_STEP_MS);
	const int64_t min_gap = MS(MIN_GAP_MS);

	while (c->last_end >= 0 && until - c->last_end > max_gap) {
		int64_t end = c->cd_end > until ? c->cd_end : until;
		int64_t over = end - (c->last_end + max_gap), k, f = -1, len = 0;
		struct utt u;

		k = over > 0 ? (over + step - 1) / step : 1;
		if (k < 1)
			k = 1;
		for (; end - k * step >= c->last_end + min_gap; k++) {
			int64_t at = end - k * step;

			if (utter1(c, phrase(c, PH_SECONDS_LEFT, (long)(k * 5), NULL, NULL),
				   ROLE_TIME_LEFT, &u) < 0)
				return -1;
			if (!u.text)
				return 0; /* no phrase to say it with */
			if (at + u.len + min_gap <= until) {
				f = at;
				break;
			}
			free(u.text);
		}
		if (f < 0) {
			/* Unreachable with spoken lengths under ~9 s: centre
			 * one callout in the gap. */
			int64_t n5;

			if (utter1(c, phrase(c, PH_SECONDS_LEFT, 5, NULL, NULL),
				   ROLE_TIME_LEFT, &u) < 0)
				return -1;
			len = u.len;
			free(u.text);
			f = c->last_end + (until - c->last_end - len) / 2;
			if (f < c->last_end + min_gap)
				return 0; /* speech too long to fit: give up */
			n5 = (end - f + step / 2) / step * 5;
			if (utter1(c, phrase(c, PH_SECONDS_LEFT, (long)(n5 < 5 ? 5 : n5),
					     NULL, NULL), ROLE_TIME_LEFT, &u) < 0)
				return -1;
		}
		{
			struct cue *q = add_cue(c, f, u.len, CUE_SPEECH, ROLE_TIME_LEFT,
						u.text);
			q->phase = -1;
		}
		c->last_end = f + u.len;
		free(u.text);
	}
	return 0;
}

/* Before speech at `until`: fill the silence since the latest speech,
 * unless a breath-paced part is being placed (it marks its own time). */
static int fill(struct comp *c, int64_t until)
{
	return c->in_breath ? 0 : fill_gaps(c, until);
}

static void add_tone(struct comp *c, int64_t at, int64_t len, float f0,
		     float f1, float gain, enum cue_role role, int phase)
{
	struct cue *q = add_cue(c, at, len, CUE_TONE, role, NULL);

	q->f0 = f0;
	q->f1 = f1;
	q->gain = gain;
	q->phase = phase;
}

/* Returns the end of the chime. */
static int64_t add_chime(struct comp *c, int64_t at, const struct note *notes,
			 size_t n, enum cue_role role)
{
	int64_t end = at;

	for (size_t i = 0; i < n; i++) {
		int64_t a = at + MS(notes[i].at_ms), len = MS(notes[i].len_ms);

		add_tone(c, a, len, notes[i].f0, notes[i].f1, CHIME_GAIN, role, -1);
		if (a + len > end)
			end = a + len;
	}
	return end;
}

/* Metronome beats from start up to end: beat k exactly at
 * start + round(k * 60 * BC_RATE / bpm). */
static void add_beats(struct comp *c, int64_t start, int64_t end, int bpm,
		      int accent)
{
	if (bpm <= 0)
		return;
	for (int64_t k = 0;; k++) {
		int64_t at = start + (k * 60 * BC_RATE * 2 + bpm) / (2 * (int64_t)bpm);
		struct cue *q;

		if (at >= end)
			break;
		q = add_cue(c, at, MS(CLICK_MS), CUE_CLICK, ROLE_BEAT, NULL);
		q->gain = CLICK_GAIN;
		q->accent = accent > 0 && k % accent == 0;
	}
}

static const enum phrase breath_phrase[BP_COUNT] = {
	[BP_INHALE] = PH_INHALE,
	[BP_HOLD] = PH_HOLD,
	[BP_EXHALE] = PH_EXHALE,
	[BP_HOLD_AFTER] = PH_HOLD,
};

/* The word spoken at the start of breath phase k, or NULL. */
static char *breath_word(const struct comp *c, const struct exercise *ex,
			 const struct breath *b, int k)
{
	if (!(b->via[k] & VIA_VOICE))
		return NULL;
	if (ex->say[k] && *ex->say[k])
		return xstrdup(ex->say[k]);
	return phrase(c, breath_phrase[k], 0, NULL, NULL);
}

static void breath_tone(struct comp *c, const struct breath *b, int k,
			int64_t at, int64_t end)
{
	int64_t len = end - at - MS(TONE_GAP_MS);

	if (!(b->via[k] & VIA_TONE) || len < MS(MIN_TONE_MS))
		return;
	switch (k) {
	case BP_INHALE:
		add_tone(c, at, len, TONE_LOW, TONE_HIGH, TONE_GAIN, ROLE_BREATH, k);
		break;
	case BP_EXHALE:
		add_tone(c, at, len, TONE_HIGH, TONE_LOW, TONE_GAIN, ROLE_BREATH, k);
		break;
	case BP_HOLD:
		add_tone(c, at, len, TONE_HIGH, TONE_HIGH, TONE_HOLD_GAIN, ROLE_BREATH, k);
		break;
	default:
		add_tone(c, at, len, TONE_LOW, TONE_LOW, TONE_HOLD_GAIN, ROLE_BREATH, k);
		break;
	}
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Where the words of a phase start come from, for a misfit message: the
 * rep cue (said at a rep's start), or the exercise's say_* words, or the
 * language's. */
static struct origin words_at(const struct comp *c, const struct exercise *ex,
			      int k, bool rep_start)
{
	if (rep_start && ex->rep_cue && *ex->rep_cue)
		return ex->rep_cue_at;
	if (ex->say[k] && *ex->say[k])
		return ex->say_at[k];
	return c->lang->phrase_at[breath_phrase[k]];
}

static void add_phase(struct comp *c, int64_t at, int64_t len, int k, int breath)
{
	if (c->n_phases == c->cap_phases) {
		c->cap_phases = c->cap_phases ? c->cap_phases * 2 : 32;
		c->phases = xrealloc(c->phases, c->cap_phases * sizeof(*c->phases));
	}
	c->phases[c->n_phases++] = (struct phase){
		.at = at, .len = len, .phase = k, .breath = breath, .step = c->step
	};
}

/* Measure the non-empty parts of parts[0..n) joined (copies: parts keep
 * their texts) into *u; *fits: it ends MIN_GAP_MS before room runs out. */
static int try_words(struct comp *c, const struct part *parts, size_t n,
		     int64_t room, struct utt *u, bool *fits)
{
	struct part tmp[4];

	for (size_t j = 0; j < n; j++)
		tmp[j] = (struct part){ parts[j].text ? xstrdup(parts[j].text) : NULL,
					parts[j].role, parts[j].phase };
	if (utter(c, tmp, n, u) < 0)
		return -1;
	*fits = !u->text || u->len <= room;
	return 0;
}

/* What is said at the start of a breath phase: at a rep's start its
 * opening ("Begin.", the count, "Halfway." or "Last one.") and the rep cue,
 * then the phase's words. Each may be NULL. The short forms are what the
 * compiler falls back to where the whole does not fit. */
struct opening {
	char *text, *shorter;  /* the opening and its short form */
	enum cue_role role;
	char *rep_cue;
	char *word, *word_short; /* breath words; the language's plain ones */
	int phase;
};

static void opening_free(struct opening *o)
{
	free(o->text);
	free(o->shorter);
	free(o->rep_cue);
	free(o->word);
	free(o->word_short);
	memset(o, 0, sizeof(*o));
}

/* The opening (or its short form) with the words w but without the rep
 * cue, into *u if it fits in room (else u->text NULL). */
static int try_carry(struct comp *c, const struct opening *o, struct part w,
		     int64_t room, struct utt *u)
{
	const struct part op = { o->text, o->role, -1 };
	const struct part os = { o->shorter, o->role, -1 };
	bool fits;

	if (try_words(c, (struct part[2]){ op, w }, 2, room, u, &fits) < 0)
		return -1;
	if (!fits && o->shorter) {
		free(u->text);
		if (try_words(c, (struct part[2]){ os, w }, 2, room, u, &fits) < 0)
			return -1;
	}
	if (!fits) {
		free(u->text);
		u->text = NULL;
	}
	return 0;
}

/* Measure and place what is said at the start of the phase [p, pend), the
 * first form of it that fits: the opening, rep cue and words whole; the
 * short opening; the plain breath words; both short. Where only the rep cue
 * and words fit, the opening is left out and reported (a misfit with
 * `lost`: `check` lists it; a session goes on without it); where not even
 * they fit, a misfit. Frees o's texts. */
static int phase_words(struct comp *c, const struct exercise *ex, int k,
		       struct opening *o, char **carry, int64_t p, int64_t pend,
		       int64_t cd_end)
{
	const bool rep_start = o->rep_cue != NULL;
	const int64_t room = pend - p - MS(MIN_GAP_MS);
	const struct part rc = { o->rep_cue, ROLE_REP_CUE, -1 };
	const struct part w = { o->word, ROLE_BREATH, k };
	const struct part ws = { o->word_short, ROLE_BREATH, k };
	struct part tries[4][3];
	size_t n_tries = 0;
	struct utt u = { 0 };
	bool fits = false;
	int ret = -1;

	/* The words alone first: where they do not fit, that is a misfit
	 * (the short forms stand in for the opening's sake only). */
	if (try_words(c, (struct part[2]){ rc, w }, 2, room, &u, &fits) < 0)
		goto out;
	if (fits && o->text) {
		const struct part op = { o->text, o->role, -1 };
		const struct part os = { o->shorter, o->role, -1 };

		memcpy(tries[n_tries++], (struct part[3]){ op, rc, w }, sizeof(tries[0]));
		if (o->shorter)
			memcpy(tries[n_tries++], (struct part[3]){ os, rc, w }, sizeof(tries[0]));
		if (o->word_short && o->word)
			memcpy(tries[n_tries++], (struct part[3]){ op, rc, ws }, sizeof(tries[0]));
		if (o->word_short && o->word && o->shorter)
			memcpy(tries[n_tries++], (struct part[3]){ os, rc, ws }, sizeof(tries[0]));
	}
	if (fits && n_tries) {
		struct utt alone = u;
		char *alone_text = u.text;

		fits = false;
		u.text = NULL;
		for (size_t t = 0; t < n_tries && !fits; t++) {
			free(u.text);
			if (try_words(c, tries[t], 3, room, &u, &fits) < 0) {
				free(alone_text);
				goto out;
			}
		}
		if (!fits) {
			/* None with the opening: the rep cue may wait, or the
			 * opening is lost. */
			int64_t with_len = u.len;
			char *with = u.text;

			u.text = NULL;
			if (carry && o->rep_cue && try_carry(c, o, w, room, &u) < 0) {
				free(with);
				free(alone_text);
				goto out;
			}
			if (u.text) { /* the rep cue waits for the next phase */
				*carry = o->rep_cue;
				o->rep_cue = NULL;
				free(with);
				free(alone_text);
				ret = place(c, p, &u, cd_end);
				goto out;
			}
			if (c->opts && c->opts->misfit) {
				struct misfit m = {
					.at = words_at(c, ex, k, rep_start), .exercise = ex->name,
					.phase = k, .text = with, .cue_len = with_len,
					.phase_len = pend - p, .lost = o->text,
				};
				c->opts->misfit(c->opts->misfit_ctx, &m);
			}
			free(with);
			u = alone;
			fits = true;
		} else {
			free(alone_text);
		}
	}
	if (!fits && carry && o->rep_cue && o->text) {
		/* Too long with the rep cue: it may wait for the next phase. */
		char *alone = u.text;

		u.text = NULL;
		if (try_carry(c, o, w, room, &u) < 0) {
			free(alone);
			goto out;
		}
		if (u.text) {
			free(alone);
			*carry = o->rep_cue;
			o->rep_cue = NULL;
			ret = place(c, p, &u, cd_end);
			goto out;
		}
		u.text = alone;
	}
	if (!fits) {
		struct misfit m = {
			.at = words_at(c, ex, k, rep_start), .exercise = ex->name, .phase = k,
			.text = u.text, .cue_len = u.len, .phase_len = pend - p,
		};
		if (!c->opts || !c->opts->misfit) {
			routine_misfit_message(&m, c->err, c->errlen);
			goto out;
		}
		c->opts->misfit(c->opts->misfit_ctx, &m);
		ret = 0;
		goto out;
	}
	ret = place(c, p, &u, cd_end);
out:
	free(u.text);
	opening_free(o);
	return ret;
}

/* In the phase [p, pend) of a breath-paced part that ends at `end`: keep
 * the silence short with "N seconds left" callouts that fit inside the
 * phase: at its start when the silence would be too long by the next
 * phase start, and inside it when the phase alone is too long. */
static int phase_callouts(struct comp *c, int64_t p, int64_t pend, int64_t end)
{
	const int64_t max_gap = MS(SPEECH_GAP_MAX_MS), min_gap = MS(MIN_GAP_MS);

	while (c->last_end >= 0 && pend - c->last_end > max_gap) {
		int64_t t = max64(p, c->last_end + min_gap), left;
		struct utt u;

		if (t > p) /* words were said at the start: about the middle */
			t += max64(0, (pend - t) / 2 - MS(700));
		/* Where a whole number of seconds is left. */
		left = (end - t) / BC_RATE;
		if (left < 1)
			return 0;
		t = end - left * BC_RATE;
		if (utter1(c, phrase(c, PH_SECONDS_LEFT, (long)left, NULL, NULL),
			   ROLE_TIME_LEFT, &u) < 0)
			return -1;
		if (!u.text)
			return 0;
		if (t + u.len + min_gap > pend) {
			free(u.text);
			return 0; /* no room in this phase */
		}
		if (place(c, t, &u, 0) < 0)
			return -1;
	}
	return 0;
}

/* Beats subdividing the phase [p, p + len): n about a second apart, the
 * first (on the phase start) accented. Beat j at p + j * len / n. */
static void add_phase_beats(struct comp *c, int64_t p, int64_t len)
{
	int64_t n = (len + MS(BREATH_BEAT_MS) / 2) / MS(BREATH_BEAT_MS);

	if (n < 1)
		n = 1;
	for (int64_t j = 0; j < n; j++) {
		struct cue *q = add_cue(c, p + j * len / n, MS(CLICK_MS), CUE_CLICK,
					ROLE_BEAT, NULL);
		q->gain = CLICK_GAIN;
		q->accent = j == 0;
	}
}

/* The opening of rep i: "Begin." (first rep), else the count, "Halfway."
 * or "Last one.", with the short form each falls back to ("Go.", the
 * count, "Last."). */
static void rep_opening(struct comp *c, const struct exercise *ex, int i,
			struct opening *o)
{
	if (i == 0) {
		o->text = phrase(c, PH_BEGIN, 0, NULL, NULL);
		o->shorter = phrase(c, PH_BEGIN_SHORT, 0, NULL, NULL);
		o->role = ROLE_BEGIN;
	} else if (i == ex->reps - 1) {
		o->text = phrase(c, PH_LAST, 0, NULL, NULL);
		o->shorter = phrase(c, PH_LAST_SHORT, 0, NULL, NULL);
		o->role = ROLE_LAST;
	} else if (ex->reps >= 4 && i == ex->reps / 2) {
		o->text = phrase(c, PH_HALFWAY, 0, NULL, NULL);
		o->shorter = phrase(c, PH_COUNT_REP, i + 1, NULL, NULL);
		o->role = ROLE_HALFWAY;
	} else {
		o->text = phrase(c, PH_COUNT_REP, i + 1, NULL, NULL);
		o->role = ROLE_COUNT;
	}
}

/* Are the breath words of cycle `cycle` of a side said? Always, unless the
 * phase has tones to carry it: then the first fade_after cycles, and every
 * FADE_EVERY-th after them (0: always). */
static bool words_said(const struct comp *c, const struct breath *b, int k,
		       int64_t cycle)
{
	int n = c->cfg->coach.fade_after;

	if (n <= 0 || !(b->via[k] & VIA_TONE) || cycle < n)
		return true;
	return (cycle - n) % FADE_EVERY == FADE_EVERY - 1;
}

/* One rep starting at R (i: its index in the side); its end in *end. */
static int rep(struct comp *c, const struct exercise *ex, int i, int64_t R,
	       int64_t *end)
{
	const struct breath *b = ex->breath >= 0 ? &c->cfg->breaths[ex->breath] : NULL;
	const int64_t min_gap = MS(MIN_GAP_MS);
	int phases[BP_COUNT], n_phases = 0;
	int64_t cycle = 0, n, p = R, E;
	struct opening o = { 0 };
	char *carried;
	bool next_quiet;

	if (b)
		for (int k = 0; k < BP_COUNT; k++)
			if (b->ms[k] > 0) {
				phases[n_phases++] = k;
				cycle += MS(b->ms[k]);
			}

	if (!n_phases) {
		/* No breath pattern: one hold (or a default length), at least
		 * as long as what is said. */
		int64_t len = MS(ex->hold_ms > 0 ? ex->hold_ms : DEFAULT_REP_MS);
		struct part parts[2];
		struct utt u;

		rep_opening(c, ex, i, &o);
		parts[0] = (struct part){ o.text, o.role, -1 };
		parts[1] = (struct part){ ex->rep_cue && *ex->rep_cue ? xstrdup(ex->rep_cue)
								     : NULL, ROLE_REP_CUE, -1 };
		o.text = NULL;
		opening_free(&o);
		if (utter(c, parts, 2, &u) < 0)
			return -1;
		if (u.text)
			len = max64(len, u.len + min_gap);
		if (place(c, R, &u, R + len) < 0)
			return -1;
		*end = R + len;
		return 0;
	}

	/* One breath cycle, or whole cycles through the hold. */
	n = 1;
	if (ex->hold_ms > 0) {
		n = (MS(ex->hold_ms) + cycle / 2) / cycle;
		if (n < 1)
			n = 1;
	}
	E = R + n * cycle;
	c->in_breath = true;
	carried = NULL;
	for (int64_t j = 0; j < n * n_phases; j++) {
		int k = phases[j % n_phases];
		int64_t len = MS(b->ms[k]);
		/* The cycle of the side: reps are one cycle each, or one rep of
		 * n cycles. */
		int64_t cyc = n > 1 ? j / n_phases : i;

		add_phase(c, p, len, k, ex->breath);
		memset(&o, 0, sizeof(o));
		if (j == 0) {
			rep_opening(c, ex, i, &o);
			if (ex->rep_cue && *ex->rep_cue)
				o.rep_cue = xstrdup(ex->rep_cue);
		} else {
			o.rep_cue = carried; /* a rep cue that waited */
			carried = NULL;
		}
		if (words_said(c, b, k, cyc)) {
			o.word = breath_word(c, ex, b, k);
			if (o.word && ex->say[k] && *ex->say[k])
				o.word_short = phrase(c, breath_phrase[k], 0, NULL, NULL);
		}
		/* The next phase of this rep has no words: the rep cue may wait
		 * for it. */
		next_quiet = j + 1 < n * n_phases &&
			     !(b->via[phases[(j + 1) % n_phases]] & VIA_VOICE);
		if (phase_words(c, ex, k, &o, next_quiet ? &carried : NULL, p, p + len,
				E) < 0 ||
		    phase_callouts(c, p, p + len, E) < 0) {
			free(carried);
			return -1;
		}
		breath_tone(c, b, k, p, p + len);
		if (ex->metronome == METRO_BREATH)
			add_phase_beats(c, p, len);
		p += len;
	}
	c->in_breath = false;
	c->cd_end = 0;
	*end = p;
	return 0;
}

/* Say text (freed) at *t, then move *t past it and a pause. */
static int say(struct comp *c, int64_t *t, char *text, enum cue_role role,
	       int64_t pause)
{
	struct utt u;

	if (utter1(c, text, role, &u) < 0)
		return -1;
	if (!u.text)
		return 0;
	if (place(c, *t, &u, 0) < 0)
		return -1;
	*t = c->last_end + pause;
	return 0;
}

/* The exercise's own words, else the language's phrase. */
static char *own_or(const struct comp *c, const char *own, enum phrase ph,
		    const char *title)
{
	return own && *own ? xstrdup(own) : phrase(c, ph, 0, title, NULL);
}

/* The metronome tempo of a tempo-paced exercise, 0 for none. */
static int tempo(const struct comp *c, const struct exercise *ex)
{
	if (ex->metronome != METRO_DEFAULT)
		return 0;
	return ex->bpm > 0 ? ex->bpm : c->cfg->metronome.bpm;
}

/* The risks of each piece of equipment, told the first time it is used. */
static const struct {
	enum equipment eq;
	enum phrase ph;
} risk_phrases[] = {
	{ EQ_FLOOR, PH_NOTICE_FLOOR },
	{ EQ_BALL, PH_NOTICE_BALL },
};

/* Before exercise ex: the risks of its equipment that are due and not yet
 * told in this routine (c->risks_told). */
static int tell_risks(struct comp *c, const struct exercise *ex, int64_t *t)
{
	unsigned due = c->opts ? c->opts->risks & ex->equipment & ~c->risks_told : 0;

	for (size_t i = 0; i < sizeof(risk_phrases) / sizeof(risk_phrases[0]); i++) {
		unsigned bit = 1u << risk_phrases[i].eq;
		struct utt u;

		if (!(due & bit))
			continue;
		c->risks_told |= bit;
		if (utter1(c, phrase(c, risk_phrases[i].ph, 0, NULL, NULL), ROLE_NOTICE,
			   &u) < 0)
			return -1;
		if (!u.text)
			continue;
		if (fill(c, *t) < 0) {
			free(u.text);
			return -1;
		}
		add_cue(c, *t, u.len, CUE_SPEECH, ROLE_NOTICE, u.text)->risk = bit;
		c->last_end = *t + u.len;
		free(u.text);
		*t = c->last_end + MS(NOTICE_PAUSE_MS);
	}
	return 0;
}

/* A movement between positions (reps = 0): its title, how to make it and
 * the caution, its time, and its release words if it has any. */
static int movement(struct comp *c, const struct exercise *ex, int64_t *t)
{
	int64_t at = *t;

	if (say(c, &at, xstrdup(ex_title(ex)), ROLE_ANNOUNCE, MS(PAUSE_MS)) < 0 ||
	    say(c, &at, ex->setup ? xstrdup(ex->setup) : NULL, ROLE_SETUP,
		MS(PAUSE_MS)) < 0 ||
	    say(c, &at, ex->caution ? xstrdup(ex->caution) : NULL, ROLE_CAUTION,
		MS(PAUSE_MS)) < 0)
		return -1;
	at = max64(at, c->last_end + MS(ex->setup_ms));
	if (ex->release && *ex->release &&
	    say(c, &at, xstrdup(ex->release), ROLE_RELEASE, MS(PAUSE_MS)) < 0)
		return -1;
	*t = at;
	return 0;
}

/* Does ex pace its breath with tones (1), by voice alone (0), or not at
 * all (-1)? */
static int breath_toned(const struct comp *c, const struct exercise *ex)
{
	const struct breath *b;
	int t = 0;

	if (ex->breath < 0 || ex->reps == 0)
		return -1;
	b = &c->cfg->breaths[ex->breath];
	for (int k = 0; k < BP_COUNT; k++)
		if (b->ms[k] > 0 && (b->via[k] & VIA_TONE))
			t = 1;
	return t;
}

/* Exercise number xi from *t; *t is moved past its end. */
static int exercise(struct comp *c, int xi, int64_t *t)
{
	const struct exercise_plan *plan = c->opts && c->opts->plan ? &c->opts->plan[xi] : NULL;
	struct exercise form = c->cfg->exercises[xi];
	const struct exercise *ex = &form;
	const char *title = ex_title(ex);
	int sides = ex->both_sides && ex->reps > 0 ? 2 : 1;
	int64_t at = *t;

	if (plan && plan->reps >= 1) {
		form.reps = plan->reps;
		form.hold_ms = plan->hold_ms;
	}

	c->where = ex->name;
	for (int side = 0; side < sides; side++) {
		int64_t wait, S, R;
		char *name;

		name = sides == 1 ? xstrdup(title)
				  : xasprintf("%s (%s side)", title, side ? "right" : "left");
		add_step(c, at, name, xi);
		free(name);
		if (side == 0 && tell_risks(c, ex, &at) < 0)
			return -1;
		if (ex->reps == 0) {
			if (movement(c, ex, &at) < 0)
				return -1;
			c->where = NULL;
			*t = at;
			return 0;
		}
		if (side == 0) {
			if (say(c, &at, xstrdup(title), ROLE_ANNOUNCE, MS(PAUSE_MS)) < 0 ||
			    say(c, &at, ex->setup ? xstrdup(ex->setup) : NULL,
				ROLE_SETUP, MS(PAUSE_MS)) < 0 ||
			    say(c, &at, ex->caution ? xstrdup(ex->caution) : NULL,
				ROLE_CAUTION, MS(PAUSE_MS)) < 0 ||
			    say(c, &at, plan && plan->easier && ex->easier_cue
					? xstrdup(ex->easier_cue) : NULL,
				ROLE_EASIER, MS(PAUSE_MS)) < 0 ||
			    /* The way of guiding changes: said. */
			    say(c, &at, breath_toned(c, ex) == 0 && c->toned
					? phrase(c, PH_NO_TONES, 0, NULL, NULL) : NULL,
				ROLE_TONES, MS(PAUSE_MS)) < 0 ||
			    (sides == 2 &&
			     say(c, &at, own_or(c, ex->first_side, PH_FIRST_SIDE, title),
				 ROLE_FIRST_SIDE, MS(PAUSE_MS)) < 0))
				return -1;
			wait = MS(ex->setup_ms);
		} else {
			if (say(c, &at, own_or(c, ex->switch_text, PH_SWITCH, title),
				ROLE_SWITCH, MS(PAUSE_MS)) < 0)
				return -1;
			wait = MS(ex->switch_ms);
		}
		/* The wait runs from the end of the speech before it. */
		at = max64(at, c->last_end + wait);

		/* Count-in: "Get ready." "3" "2" "1", then the first rep at
		 * 1 s spacing (more if a number takes longer). */
		if (say(c, &at, phrase(c, PH_GET_READY, 0, title, NULL),
			ROLE_GET_READY, MS(COUNTIN_PAUSE_MS)) < 0)
			return -1;
		for (int d = 3; d >= 1; d--) {
			int64_t next = at + MS(COUNTDOWN_MS);

			if (say(c, &at, xasprintf("%d", d), ROLE_COUNTDOWN,
				MS(MIN_GAP_MS)) < 0)
				return -1;
			at = max64(at, next);
		}
		S = R = at;
		for (int i = 0; i < ex->reps; i++)
			if (rep(c, ex, i, R, &R) < 0)
				return -1;
		add_beats(c, S, R, tempo(c, ex), c->cfg->metronome.accent);
		c->toned |= breath_toned(c, ex) == 1;
		at = R;
	}
	if (say(c, &at, own_or(c, ex->release, PH_RELEASE, title), ROLE_RELEASE,
		MS(PAUSE_MS)) < 0)
		return -1;
	c->where = NULL;
	*t = at;
	return 0;
}

/* Where the user is to get into place: a step of its own (the language's
 * `waiting`), the `wait` phrase, and playback waits at its end. *t is
 * moved past it. */
static int wait_here(struct comp *c, int64_t *t)
{
	const char *name = c->lang->phrase[PH_WAITING];

	add_step(c, *t, name && *name ? name : "Waiting for you", -1);
	if (say(c, t, phrase(c, PH_WAIT, 0, NULL, NULL), ROLE_WAIT, 0) < 0)
		return -1;
	if (c->n_waits == c->cap_waits) {
		c->cap_waits = c->cap_waits ? c->cap_waits * 2 : 8;
		c->waits = xrealloc(c->waits, c->cap_waits * sizeof(*c->waits));
	}
	c->waits[c->n_waits++] = *t;
	*t += MS(PAUSE_MS);
	return 0;
}

/* The rest before exercise xi (after prev): "Rest.", then what comes next
 * and what to do or fetch; the rest time runs from the end of that, or,
 * where the place changes, the coach waits for the user. */
static int rest(struct comp *c, int prev, int xi, int64_t *t)
{
	const struct exercise *ex = &c->cfg->exercises[xi];
	struct part parts[2] = {
		{ phrase(c, PH_NEXT, 0, ex_title(ex), NULL), ROLE_NEXT, -1 },
		{ ex->prepare ? xstrdup(ex->prepare) : NULL, ROLE_NEXT, -1 },
	};
	struct utt u;

	add_step(c, *t, "Rest", -1);
	if (say(c, t, phrase(c, PH_REST, 0, NULL, NULL), ROLE_REST, MS(PAUSE_MS)) < 0)
		return -1;
	if (utter(c, parts, 2, &u) < 0)
		return -1;
	if (u.text) {
		if (place(c, *t, &u, 0) < 0)
			return -1;
	}
	if (c->opts && c->opts->wait && routine_needs_wait(c->cfg, prev, xi)) {
		*t = max64(*t, c->last_end + MS(PAUSE_MS));
		return wait_here(c, t);
	}
	*t = max64(*t, c->last_end + max64(MS(PAUSE_MS), MS(c->r->rest_ms)));
	return 0;
}

/* Is exercise xi played: the equipment owned, not left out? */
static bool plays(const struct comp *c, int xi)
{
	if (c->cfg->exercises[xi].equipment & ~c->cfg->general.equipment)
		return false;
	return !(c->opts && c->opts->plan && c->opts->plan[xi].left_out);
}

bool routine_needs_wait(const struct config *cfg, int prev, int next)
{
	const unsigned floor = 1u << EQ_FLOOR,
		       fetch = 1u << EQ_FOAM_ROLLER | 1u << EQ_BALL;
	unsigned n = cfg->exercises[next].equipment,
		 p = prev >= 0 ? cfg->exercises[prev].equipment : 0;

	/* A movement down to the floor (or up) is coached as a step of its
	 * own: the wait comes after it, when you are there. */
	if (cfg->exercises[next].reps == 0)
		return false;
	if (prev >= 0 && cfg->exercises[prev].reps == 0 && (p & floor))
		return true;
	return (n & floor) != (p & floor) || (n & fetch & ~p);
}

/* Refuse what would make the compiler misbehave; the config loader gives
 * the friendly FILE:LINE messages. */
static int validate(struct comp *c)
{
	const struct config *cfg = c->cfg;

	if (c->r->language < 0 || (size_t)c->r->language >= cfg->n_languages)
		return fail(c, "language index %d out of range", c->r->language);
	if (c->r->n_exercises && !c->r->exercises)
		return fail(c, "no exercise list");
	if (c->r->rest_ms < 0)
		return fail(c, "negative rest time");
	for (size_t i = 0; i < c->r->n_exercises; i++) {
		int xi = c->r->exercises[i];
		const struct exercise *ex;

		if (xi < 0 || (size_t)xi >= cfg->n_exercises)
			return fail(c, "exercise %zu: index %d out of range", i + 1, xi);
		ex = &cfg->exercises[xi];
		c->where = ex->name;
		if (ex->breath >= (int)cfg->n_breaths || ex->breath < -1)
			return fail(c, "breath index %d out of range", ex->breath);
		if (ex->reps < 0)
			return fail(c, "reps must be at least 0, not %d", ex->reps);
		if (ex->setup_ms < 0 || ex->hold_ms < 0 || ex->switch_ms < 0)
			return fail(c, "negative duration");
		if (ex->bpm < 0)
			return fail(c, "negative bpm");
		if (ex->breath >= 0)
			for (int k = 0; k < BP_COUNT; k++)
				if (cfg->breaths[ex->breath].ms[k] < 0)
					return fail(c, "breath %s: negative phase length",
						    cfg->breaths[ex->breath].name);
		c->where = NULL;
	}
	return 0;
}

/* "a", "a and b", "a, b and c": the titles of the exercises needing
 * equipment the user does not own, or (bring) the distinct `bring` words of
 * those the user can do; each once. NULL for none. */
static char *title_list(const struct comp *c, unsigned owned, bool bring)
{
	const struct routine *r = c->r;
	const char *item[64];
	struct str b = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < r->n_exercises && n < 64; i++) {
		const struct exercise *ex = &c->cfg->exercises[r->exercises[i]];
		const char *s = bring ? ex->bring : ex_title(ex);
		bool dup = false;

		if (!s || !*s || !(ex->equipment & ~owned) == !bring)
			continue;
		for (size_t j = 0; j < n; j++)
			dup |= strcmp(item[j], s) == 0;
		if (!dup)
			item[n++] = s;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			str_add(&b, i + 1 == n ? " and " : ", ");
		str_add(&b, item[i]);
	}
	return b.s;
}

static int cmp_ccue(const void *a, const void *b)
{
	const struct ccue *x = a, *y = b;

	if (x->c.at != y->c.at)
		return x->c.at < y->c.at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int routine_compile(const struct config *cfg, int routine,
		    const struct compile_opts *opts, speech_measure_fn measure,
		    void *ctx, struct timeline *tl, char *err, size_t errlen)
{
	struct comp c = {
		.cfg = cfg, .measure = measure, .ctx = ctx, .err = err,
		.errlen = errlen, .last_end = -1, .opts = opts,
	};
	unsigned owned = cfg->general.equipment;
	int64_t t = 0, end = 0;
	size_t kept = 0;
	bool toned = false;
	char *list;

	memset(tl, 0, sizeof(*tl));
	if (routine < 0 || (size_t)routine >= cfg->n_routines) {
		snprintf(err, errlen, "routine #%d: no such routine", routine);
		return -1;
	}
	c.r = &cfg->routines[routine];
	if (validate(&c) < 0)
		return -1;
	c.lang = &cfg->languages[c.r->language];

	add_step(&c, 0, "Intro", -1);
	if (opts && opts->notice &&
	    say(&c, &t, phrase(&c, PH_NOTICE, 0, NULL, NULL), ROLE_NOTICE,
		MS(NOTICE_PAUSE_MS)) < 0)
		goto fail;
	t = add_chime(&c, t, chime_start, sizeof(chime_start) / sizeof(chime_start[0]),
		      ROLE_CHIME_START) + MS(PAUSE_MS);
	if (say(&c, &t, c.r->intro ? xstrdup(c.r->intro) : NULL, ROLE_INTRO,
		MS(PAUSE_MS)) < 0)
		goto fail;

	for (size_t i = 0; i < c.r->n_exercises; i++) {
		const struct exercise *ex = &cfg->exercises[c.r->exercises[i]];
		unsigned missing = ex->equipment & ~owned;

		tl->skipped_equipment |= missing;
		if (missing || !plays(&c, c.r->exercises[i]))
			continue;
		kept++;
		if (ex->metronome == METRO_BREATH || tempo(&c, ex) > 0)
			toned = true;
		for (int k = 0; ex->breath >= 0 && k < BP_COUNT; k++)
			if (cfg->breaths[ex->breath].ms[k] > 0 &&
			    (cfg->breaths[ex->breath].via[k] & VIA_TONE))
				toned = true;
	}
	if (tl->skipped_equipment) {
		list = title_list(&c, owned, false);
		if (say(&c, &t, phrase(&c, PH_SKIPPED, 0, NULL, list), ROLE_SKIPPED,
			MS(PAUSE_MS)) < 0) {
			free(list);
			goto fail;
		}
		free(list);
	}
	list = title_list(&c, owned, true);
	if (list && say(&c, &t, phrase(&c, PH_WITHIN_REACH, 0, NULL, list),
			ROLE_WITHIN_REACH, MS(PAUSE_MS)) < 0) {
		free(list);
		goto fail;
	}
	free(list);
	/* Left out as it hurt: said once, each with how to bring it back. */
	for (size_t i = 0; opts && opts->plan && i < c.r->n_exercises; i++) {
		int xi = c.r->exercises[i];
		const struct exercise *ex = &cfg->exercises[xi];
		bool dup = false;

		if (!opts->plan[xi].left_out || !opts->plan[xi].tell ||
		    (ex->equipment & ~owned))
			continue;
		for (size_t j = 0; j < i; j++)
			dup |= c.r->exercises[j] == xi;
		if (!dup && say(&c, &t, expand_named(c.lang->phrase[PH_LEFT_OUT], 0,
						     ex_title(ex), NULL, ex->name),
				ROLE_LEFT_OUT, MS(PAUSE_MS)) < 0)
			goto fail;
	}
	if (opts && opts->tones && toned &&
	    say(&c, &t, phrase(&c, PH_TONES, 0, NULL, NULL), ROLE_TONES,
		MS(PAUSE_MS)) < 0)
		goto fail;

	for (size_t i = 0, done = 0; i < c.r->n_exercises; i++) {
		int xi = c.r->exercises[i];

		if (!plays(&c, xi))
			continue;
		if (done == 0 && opts && opts->wait && routine_needs_wait(cfg, -1, xi)) {
			/* Into place for the first exercise. */
			const struct exercise *ex = &cfg->exercises[xi];
			struct part parts[2] = {
				{ phrase(&c, PH_NEXT, 0, ex_title(ex), NULL), ROLE_NEXT, -1 },
				{ ex->prepare ? xstrdup(ex->prepare) : NULL, ROLE_NEXT, -1 },
			};
			struct utt u;

			if (utter(&c, parts, 2, &u) < 0 || (u.text && place(&c, t, &u, 0) < 0))
				goto fail;
			t = max64(t, c.last_end + MS(PAUSE_MS));
			if (wait_here(&c, &t) < 0)
				goto fail;
		}
		if (exercise(&c, xi, &t) < 0)
			goto fail;
		if (++done < kept) {
			size_t j = i + 1;

			while (!plays(&c, c.r->exercises[j]))
				j++;
			/* A movement needs no rest before it: it says what it is. */
			if (cfg->exercises[c.r->exercises[j]].reps == 0)
				t = max64(t, c.last_end + MS(PAUSE_MS));
			else if (rest(&c, xi, c.r->exercises[j], &t) < 0)
				goto fail;
		} else if (opts && opts->ask && c.lang->phrase[PH_ASK] &&
			   *c.lang->phrase[PH_ASK]) {
			/* How did it go? Next: all good; previous: too much. */
			add_step(&c, t, "How it went", -1);
			if (say(&c, &t, phrase(&c, PH_ASK, 0, NULL, NULL), ROLE_ASK, 0) < 0)
				goto fail;
			tl->ask_at = t;
			t += MS(ROUTINE_ASK_WINDOW_MS);
			tl->ask_end = t;
		}
	}

	add_step(&c, t, "Outro", -1);
	if (say(&c, &t, c.r->outro ? xstrdup(c.r->outro) : NULL, ROLE_OUTRO,
		MS(PAUSE_MS)) < 0)
		goto fail;
	add_chime(&c, t, chime_end, sizeof(chime_end) / sizeof(chime_end[0]),
		  ROLE_CHIME_END);

	/* Hand over: cues sorted by time then creation, texts into the pool. */
	qsort(c.cues, c.n_cues, sizeof(*c.cues), cmp_ccue);
	tl->cues = xcalloc(c.n_cues, sizeof(*tl->cues));
	tl->n_cues = c.n_cues;
	for (size_t i = 0; i < c.n_cues; i++) {
		tl->cues[i] = c.cues[i].c;
		tl->cues[i].text = c.cues[i].text_off == SIZE_MAX
					   ? NULL : c.pool + c.cues[i].text_off;
		end = max64(end, tl->cues[i].at + tl->cues[i].len);
	}
	tl->phases = c.phases; /* placed in time order */
	tl->n_phases = c.n_phases;
	tl->steps = xcalloc(c.n_steps, sizeof(*tl->steps));
	tl->n_steps = c.n_steps;
	for (size_t i = 0; i < c.n_steps; i++)
		tl->steps[i] = (struct step){ .at = c.steps[i].at,
					      .name = c.pool + c.steps[i].name_off,
					      .exercise = c.steps[i].exercise };
	tl->length = end + MS(TAIL_MS);
	tl->routine = routine;
	tl->language_voice = c.lang->voice ? xstrdup(c.lang->voice) : NULL;
	tl->pool = c.pool;
	tl->pool_len = c.pool_len;
	tl->pool_cap = c.pool_cap;
	tl->waits = c.waits;
	tl->n_waits = c.n_waits;
	if (opts && opts->plan && cfg->n_exercises) {
		tl->plan = xcalloc(cfg->n_exercises, sizeof(*tl->plan));
		memcpy(tl->plan, opts->plan, cfg->n_exercises * sizeof(*tl->plan));
		tl->n_plan = cfg->n_exercises;
	}
	free(c.cues);
	free(c.steps);
	return 0;

fail:
	free(c.waits);
	free(c.cues);
	free(c.steps);
	free(c.phases);
	free(c.pool);
	memset(tl, 0, sizeof(*tl));
	return -1;
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	free(tl->cues);
	free(tl->phases);
	free(tl->steps);
	free(tl->waits);
	free(tl->plan);
	free(tl->language_voice);
	free(tl->pool);
	memset(tl, 0, sizeof(*tl));
}

int timeline_step_at(const struct timeline *tl, int64_t pos)
{
	size_t lo = 0, hi = tl->n_steps;

	if (!tl->n_steps)
		return -1;
	/* First step with at > pos, then one back. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tl->steps[mid].at <= pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? (int)lo - 1 : 0;
}

unsigned routine_equipment_used(const struct config *cfg, int routine)
{
	const struct routine *r;
	unsigned used = 0;

	if (routine < 0 || (size_t)routine >= cfg->n_routines)
		return 0;
	r = &cfg->routines[routine];
	for (size_t i = 0; i < r->n_exercises; i++) {
		unsigned need = cfg->exercises[r->exercises[i]].equipment;

		if (!(need & ~cfg->general.equipment))
			used |= need;
	}
	return used;
}

bool timeline_in_exercise(const struct timeline *tl, int64_t pos)
{
	int s = timeline_step_at(tl, pos);
	int64_t from = -1, to = INT64_MAX;

	if (s < 0 || tl->steps[s].exercise < 0)
		return false;
	for (size_t i = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];

		if (c->step != s || c->kind != CUE_SPEECH)
			continue;
		if (c->role == ROLE_COUNTDOWN)
			from = c->at + c->len;
		if (c->role == ROLE_RELEASE && c->at < to)
			to = c->at;
	}
	return from >= 0 && pos >= from && pos < to;
}

static const char *const role_names[ROLE_COUNT_OF] = {
	[ROLE_NOTICE] = "notice", [ROLE_CHIME_START] = "start",
	[ROLE_INTRO] = "intro", [ROLE_SKIPPED] = "skipped",
	[ROLE_WITHIN_REACH] = "within-reach", [ROLE_TONES] = "tones",
	[ROLE_ANNOUNCE] = "title", [ROLE_SETUP] = "setup",
	[ROLE_CAUTION] = "caution", [ROLE_GET_READY] = "get-ready",
	[ROLE_COUNTDOWN] = "countdown", [ROLE_BEGIN] = "begin",
	[ROLE_REP_CUE] = "rep-cue", [ROLE_COUNT] = "count",
	[ROLE_BREATH] = "breath", [ROLE_HALFWAY] = "halfway",
	[ROLE_LAST] = "last", [ROLE_TIME_LEFT] = "time-left",
	[ROLE_FIRST_SIDE] = "first-side", [ROLE_SWITCH] = "switch",
	[ROLE_RELEASE] = "release", [ROLE_REST] = "rest", [ROLE_NEXT] = "next",
	[ROLE_OUTRO] = "outro", [ROLE_CHIME_END] = "end", [ROLE_BEAT] = "beat",
	[ROLE_WAIT] = "wait", [ROLE_ASK] = "ask", [ROLE_LEFT_OUT] = "left-out",
	[ROLE_EASIER] = "easier",
	[ROLE_STOPPED] = "stopped",
};

const char *routine_role_name(enum cue_role role)
{
	return role >= 0 && role < ROLE_COUNT_OF && role_names[role] ? role_names[role]
								       : "?";
}

const char *routine_phase_name(int phase)
{
	static const char *const names[BP_COUNT] = {
		[BP_INHALE] = "inhale", [BP_HOLD] = "hold",
		[BP_EXHALE] = "exhale", [BP_HOLD_AFTER] = "hold_after",
	};

	return phase >= 0 && phase < BP_COUNT ? names[phase] : "?";
}

void routine_misfit_message(const struct misfit *m, char *buf, size_t len)
{
	if (m->lost) {
		snprintf(buf, len, "%s:%d: exercise %s, %s: \"%s\" is left out: with it, "
			 "\"%s\" takes %.2f s to say, and the phase lasts %.2f s with "
			 "%.2f s of quiet after the words: shorten them, or speak faster "
			 "([coach] rate)",
			 m->at.file ? m->at.file : "?", m->at.line, m->exercise,
			 routine_phase_name(m->phase), m->lost, m->text,
			 (double)m->cue_len / BC_RATE, (double)m->phase_len / BC_RATE,
			 MIN_GAP_MS / 1000.0);
		return;
	}
	snprintf(buf, len, "%s:%d: exercise %s, %s: \"%s\" takes %.2f s to say, "
		 "and the phase lasts %.2f s with %.2f s of quiet after the words: "
		 "shorten them, or speak faster ([coach] rate)",
		 m->at.file ? m->at.file : "?", m->at.line, m->exercise,
		 routine_phase_name(m->phase), m->text,
		 (double)m->cue_len / BC_RATE, (double)m->phase_len / BC_RATE,
		 MIN_GAP_MS / 1000.0);
}

unsigned routine_risks(const struct config *cfg, int routine)
{
	unsigned used = routine_equipment_used(cfg, routine), risks = 0;
	const struct language *lang;

	if (!used)
		return 0;
	lang = &cfg->languages[cfg->routines[routine].language];
	for (size_t i = 0; i < sizeof(risk_phrases) / sizeof(risk_phrases[0]); i++)
		if ((used & (1u << risk_phrases[i].eq)) && lang->phrase[risk_phrases[i].ph])
			risks |= 1u << risk_phrases[i].eq;
	return risks;
}

bool timeline_notice_heard(const struct timeline *tl, int64_t heard, unsigned *risks)
{
	bool any = false;

	*risks = 0;
	for (size_t i = 0; i < tl->n_cues; i++) {
		const struct cue *c = &tl->cues[i];

		if (c->role != ROLE_NOTICE || c->kind != CUE_SPEECH)
			continue;
		if (c->at + c->len > heard) {
			if (!c->risk)
				return false; /* the notice itself not heard */
			continue;
		}
		any = true;
		*risks |= c->risk;
	}
	return any;
}
