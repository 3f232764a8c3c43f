/* routine.c: compile a routine into a timeline of cues at sample positions.
 *
 * The compiler walks the routine once, keeping a cursor and the end of the
 * latest speech cue. Every speech cue is measured before it is placed, so a
 * phase or wait that is shorter than the speech it carries is lengthened and
 * speech never overlaps speech. Before each speech cue, the silent gap since
 * the previous one is filled with "N seconds left" callouts (and a pending
 * "halfway" of a long hold) so that no gap exceeds SPEECH_GAP_MAX.
 *
 * Texts that start at the same instant are joined into one utterance ("Begin.
 * 1. Breathe in.") carried by one cue whose role is that of the first text;
 * its phase is set when it carries a breath word. So the first rep of a side
 * is a ROLE_BEGIN cue ("Begin." + count + rep cue + breath word), and the
 * side begins (first beat) with it. At the middle rep of four or more,
 * "Halfway." replaces the count, as "Last one." does at the last.
 *
 * Waits (setup_ms, switch_ms, rest_ms) run from the end of the speech before
 * them. A rep lasts hold_ms, or one breath cycle, or DEFAULT_REP_MS with
 * neither; breath cycles repeat through a hold, the last cut at its end (a
 * phase whose word would not fit is left out). Holds of LONG_HOLD_MS or more
 * get "Halfway." at the midpoint (or the first silence after it that fits).
 * Time-left callouts are placed where exactly 5k seconds are left of the
 * hold, or of the wait, they are in. */
#include "routine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MS(x) BC_MS_TO_SAMPLES(x)

enum {
	PAUSE_MS = 600,          /* between instructions spoken in a row */
	NOTICE_PAUSE_MS = 1500,  /* after the safety notice */
	MIN_GAP_MS = 300,        /* least silence after speech in a paced phase */
	COUNTDOWN_MS = 1000,     /* "3", "2", "1" spacing */
	COUNTIN_PAUSE_MS = 400,  /* "Get ready." -> "3" */
	SPEECH_GAP_MAX_MS = 15000, /* longest silence between speech cues */
	TIME_LEFT_STEP_MS = 5000,  /* "N seconds left" in multiples of this */
	LONG_HOLD_MS = 20000,    /* holds this long get a "halfway" */
	DEFAULT_REP_MS = 3000,   /* a rep with no hold and no breath pattern */
	TONE_GAP_MS = 100,       /* breath tone stops this much before the phase */
	MIN_TONE_MS = 300,       /* shorter truncated tones are left out */
	CLICK_MS = 30,           /* nominal length of a metronome cue */
	TAIL_MS = 1000,          /* silence after the last cue */
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

	int step;          /* current step index */
	int64_t last_end;  /* end of the latest speech cue, -1 before any */
	int64_t cd_end;    /* what time-left callouts count down to (0: the
	                      next speech cue) */
	bool hw_pending;   /* a long hold's "halfway" still to be said */
	int64_t hw_at, hw_until;
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

/* phrase with {n}, {title} and {list} replaced; NULL if the phrase is unset
 * or empty. */
static char *expand(const char *phrase, long n, const char *title,
		    const char *list)
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

/* Before speech at `until`: say a pending "halfway" if it fits in the
 * silence at or after its instant, then fill the remaining gaps. */
static int fill(struct comp *c, int64_t until)
{
	const int64_t min_gap = MS(MIN_GAP_MS);

	if (c->hw_pending && c->hw_at < until) {
		int64_t f = c->hw_at;
		struct utt u;

		if (f < c->last_end + min_gap)
			f = c->last_end + min_gap;
		if (utter1(c, phrase(c, PH_HALFWAY, 0, NULL, NULL), ROLE_HALFWAY, &u) < 0)
			return -1;
		if (!u.text) {
			c->hw_pending = false;
		} else if (f + u.len + min_gap <= until && f + u.len <= c->hw_until) {
			c->hw_pending = false;
			if (fill_gaps(c, f) < 0) {
				free(u.text);
				return -1;
			}
			if (f < c->last_end + min_gap) /* a callout went first */
				f = c->last_end + min_gap;
			if (f + u.len + min_gap <= until) {
				add_cue(c, f, u.len, CUE_SPEECH, ROLE_HALFWAY, u.text);
				c->last_end = f + u.len;
			}
			free(u.text);
		} else {
			free(u.text);
			if (until >= c->hw_until)
				c->hw_pending = false;
		}
	}
	return fill_gaps(c, until);
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

/* One rep starting at R (i: its index in the side); its end in *end. */
static int rep(struct comp *c, const struct exercise *ex, int i, int64_t R,
	       int64_t *end)
{
	const struct breath *b = ex->breath >= 0 ? &c->cfg->breaths[ex->breath] : NULL;
	const int64_t min_gap = MS(MIN_GAP_MS);
	struct part parts[5];
	int phases[BP_COUNT], n_phases = 0;
	size_t np = 0;
	struct utt u;

	if (b)
		for (int k = 0; k < BP_COUNT; k++)
			if (b->ms[k] > 0)
				phases[n_phases++] = k;

	/* What is said as the rep starts, in this order. */
	if (i == 0)
		parts[np++] = (struct part){ phrase(c, PH_BEGIN, 0, NULL, NULL),
					     ROLE_BEGIN, -1 };
	if (ex->reps > 1) {
		if (i == ex->reps - 1)
			parts[np++] = (struct part){ phrase(c, PH_LAST, 0, NULL, NULL),
						     ROLE_LAST, -1 };
		else if (ex->reps >= 4 && i == ex->reps / 2)
			parts[np++] = (struct part){ phrase(c, PH_HALFWAY, 0, NULL, NULL),
						     ROLE_HALFWAY, -1 };
		else
			parts[np++] = (struct part){ phrase(c, PH_COUNT_REP, i + 1, NULL, NULL),
						     ROLE_COUNT, -1 };
	}
	if (ex->rep_cue && *ex->rep_cue)
		parts[np++] = (struct part){ xstrdup(ex->rep_cue), ROLE_REP_CUE, -1 };

	if (!n_phases) {
		/* No breath pattern: one hold (or a default length). */
		int64_t len = MS(ex->hold_ms > 0 ? ex->hold_ms : DEFAULT_REP_MS);

		if (utter(c, parts, np, &u) < 0)
			return -1;
		if (u.text)
			len = max64(len, u.len + min_gap);
		if (place(c, R, &u, R + len) < 0)
			return -1;
		if (ex->hold_ms >= LONG_HOLD_MS) {
			c->hw_pending = true;
			c->hw_at = R + len / 2;
			c->hw_until = R + len;
		}
		*end = R + len;
		return 0;
	}

	/* Breath phases from the first: one cycle, or cycles repeated through
	 * the hold, the last one cut off at its end. */
	bool hold = ex->hold_ms > 0;
	int64_t H = R + MS(ex->hold_ms), p = R;

	for (int j = 0;; j++) {
		int k = phases[j % n_phases];
		int64_t len = MS(b->ms[k]), pend;

		if (!hold && j == n_phases)
			break;
		if (hold && j > 0 && p >= H)
			break;
		parts[np++] = (struct part){ breath_word(c, ex, b, k), ROLE_BREATH, k };
		if (utter(c, parts, np, &u) < 0)
			return -1;
		np = 0;
		if (hold && j > 0) {
			if (u.text && p + u.len + min_gap > H) {
				free(u.text); /* no time left to say it */
				break;
			}
			if (!u.text && H - p < MS(MIN_TONE_MS))
				break;
		}
		if (u.text)
			len = max64(len, u.len + min_gap);
		if (hold && j == 0 && u.text)
			H = max64(H, p + u.len + min_gap);
		pend = hold && p + len > H ? H : p + len;
		if (place(c, p, &u, hold ? H : pend) < 0)
			return -1;
		if (hold && j == 0 && H - R >= MS(LONG_HOLD_MS)) {
			c->hw_pending = true;
			c->hw_at = R + (H - R) / 2;
			c->hw_until = H;
		}
		breath_tone(c, b, k, p, pend);
		p = pend;
	}
	*end = hold ? H : p;
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

/* Exercise number xi from *t; *t is moved past its end. */
static int exercise(struct comp *c, int xi, int64_t *t)
{
	const struct exercise *ex = &c->cfg->exercises[xi];
	const char *title = ex_title(ex);
	int sides = ex->both_sides ? 2 : 1;
	int bpm = ex->bpm > 0 ? ex->bpm : c->cfg->metronome.bpm;
	int64_t at = *t;

	c->where = ex->name;
	for (int side = 0; side < sides; side++) {
		int64_t wait, S, R;
		char *name;

		name = sides == 1 ? xstrdup(title)
				  : xasprintf("%s (%s side)", title, side ? "right" : "left");
		add_step(c, at, name, xi);
		free(name);
		if (side == 0) {
			if (say(c, &at, phrase(c, PH_NEXT, 0, title, NULL),
				ROLE_ANNOUNCE, MS(PAUSE_MS)) < 0 ||
			    say(c, &at, ex->setup ? xstrdup(ex->setup) : NULL,
				ROLE_SETUP, MS(PAUSE_MS)) < 0 ||
			    say(c, &at, ex->caution ? xstrdup(ex->caution) : NULL,
				ROLE_CAUTION, MS(PAUSE_MS)) < 0 ||
			    (sides == 2 &&
			     say(c, &at, phrase(c, PH_FIRST_SIDE, 0, title, NULL),
				 ROLE_FIRST_SIDE, MS(PAUSE_MS)) < 0))
				return -1;
			wait = MS(ex->setup_ms);
		} else {
			if (say(c, &at, phrase(c, PH_SWITCH, 0, title, NULL),
				ROLE_SWITCH, MS(PAUSE_MS)) < 0)
				return -1;
			wait = MS(ex->switch_ms);
		}
		/* The wait runs from the end of the speech before it. */
		at = max64(at, c->last_end + wait);

		/* Count-in: "Get ready." "3" "2" "1", then "Begin." with the
		 * first rep, at 1 s spacing (more if a number takes longer). */
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
		add_beats(c, S, R, bpm, c->cfg->metronome.accent);
		at = R;
	}
	if (say(c, &at, phrase(c, PH_RELEASE, 0, title, NULL), ROLE_RELEASE,
		MS(PAUSE_MS)) < 0)
		return -1;
	c->where = NULL;
	*t = at;
	return 0;
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
		if (ex->reps < 1)
			return fail(c, "reps must be at least 1, not %d", ex->reps);
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

/* "a", "a and b", "a, b and c" from the titles of the exercises needing
 * equipment the user does not own (each once). */
static char *skipped_list(const struct comp *c, unsigned owned)
{
	const struct routine *r = c->r;
	struct str b = { 0 };
	size_t n = 0, total = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_exercises; i++) {
			const struct exercise *ex = &c->cfg->exercises[r->exercises[i]];
			bool dup = false;

			if (!(ex->equipment & ~owned))
				continue;
			for (size_t j = 0; j < i; j++)
				if (r->exercises[j] == r->exercises[i])
					dup = true;
			if (dup)
				continue;
			if (pass == 0) {
				total++;
				continue;
			}
			if (n)
				str_add(&b, n + 1 == total ? " and " : ", ");
			str_add(&b, ex_title(ex));
			n++;
		}
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
		.errlen = errlen, .last_end = -1,
	};
	unsigned owned = cfg->general.equipment;
	int64_t t = 0, end = 0;
	size_t kept = 0;
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
		unsigned missing = cfg->exercises[c.r->exercises[i]].equipment & ~owned;

		tl->skipped_equipment |= missing;
		if (!missing)
			kept++;
	}
	if (tl->skipped_equipment) {
		list = skipped_list(&c, owned);
		if (say(&c, &t, phrase(&c, PH_SKIPPED, 0, NULL, list), ROLE_SKIPPED,
			MS(PAUSE_MS)) < 0) {
			free(list);
			goto fail;
		}
		free(list);
	}

	for (size_t i = 0, done = 0; i < c.r->n_exercises; i++) {
		int xi = c.r->exercises[i];

		if (cfg->exercises[xi].equipment & ~owned)
			continue;
		if (exercise(&c, xi, &t) < 0)
			goto fail;
		if (++done < kept) {
			add_step(&c, t, "Rest", -1);
			if (say(&c, &t, phrase(&c, PH_REST, 0, NULL, NULL), ROLE_REST,
				MS(PAUSE_MS)) < 0)
				goto fail;
			t = max64(t, c.last_end + MS(c.r->rest_ms));
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
	free(c.cues);
	free(c.steps);
	return 0;

fail:
	free(c.cues);
	free(c.steps);
	free(c.pool);
	memset(tl, 0, sizeof(*tl));
	return -1;
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	free(tl->cues);
	free(tl->steps);
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
