/* SPDX-License-Identifier: GPL-3.0-or-later */
/* config.c: load backcoach.ini: the built-in default, then the user's file on
 * top, checked against the settings table; every problem is reported as
 * FILE:LINE: message. */
#include "coach/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coach/settings_data.h"
#include "base/util.h"

#define BUILTIN "(built-in)"
#define MAX_FILE (1024 * 1024) /* bytes in a config file */
#define MAX_LINE 4000          /* characters in one line, without the newline */
#define MAX_NAME 40            /* characters in a section NAME */

const char *const equipment_names[EQ_COUNT] = {
	"chair", "floor", "mat", "wall", "towel", "foam-roller", "ball",
};

#define PHRASE_KEY(id, key, places, flags, help) [id] = key,
const char *const phrase_keys[PH_COUNT] = { BC_PHRASES(PHRASE_KEY) };

/* ---- The settings table ---- */

#define SECTION_ID(id, name, instanced) SEC_##id,
enum section { BC_SECTIONS(SECTION_ID) SEC_COUNT };

#define SECTION_INFO(id, name, instanced) { name, instanced },
static const struct {
	const char *name;
	bool instanced;
} sections[] = { BC_SECTIONS(SECTION_INFO) };

enum type {
	T_INT, T_DUR, T_PERCENT, T_FRACTION, T_BOOL, T_STRING, T_TEXT,
	T_EQUIPMENT, T_DAYS, T_HOURS, T_ENUM, T_REF, T_REFLIST, T_VARIANT,
	T_LANGVOICE, T_SOUND, T_COUNT
};

enum {
	F_REQ = 1,   /* required: no default */
	F_ZERO = 2,  /* 0 is allowed outside min..max */
	F_NONE = 4,  /* "none" (or empty) is allowed */
	F_PLACE = 8, /* every placeholder in extra is required */
	F_ANYPLACE = 16, /* a phrase whose placeholders are each optional */
};

struct setting {
	enum section sec;
	const char *key;
	enum type type;
	const char *def;  /* default as written in the file; NULL: none */
	int64_t min, max;
	unsigned flags;
	const char *extra; /* names ("a|b"), placeholders, or a section */
	size_t offset;     /* of the field in the section's struct */
	const char *help;
};

#define SETTING(sec, key, type, def, min, max, flags, extra, field, help) \
	{ SEC_##sec, key, T_##type, def, min, max, flags, extra,           \
	  offsetof(BC_TYPE_##sec, field), help },
#define PHRASE(id, key, places, flags, help) \
	SETTING(LANGUAGE, key, TEXT, NULL, 0, 0,                                     \
		((flags) & F_ANYPLACE) ? (flags) : ((flags) | F_PLACE), places, phrase[id], help)

static const struct setting settings[] = {
	BC_SETTINGS(SETTING)
	BC_PHRASES(PHRASE)
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* HOURS and REFLIST fill two neighbouring fields. */
_Static_assert(offsetof(struct config, reminders.to_min) ==
	       offsetof(struct config, reminders.from_min) + sizeof(int),
	       "from_min, to_min must be neighbours");
_Static_assert(offsetof(struct routine, n_exercises) ==
	       offsetof(struct routine, exercises) + sizeof(int *),
	       "exercises, n_exercises must be neighbours");

static int setting_find(enum section sec, const char *key)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (settings[i].sec == sec && strcmp(settings[i].key, key) == 0)
			return (int)i;
	return -1;
}

/* What each value type does (the table is with the converters, below). */
struct conv;
struct type_info {
	void (*convert)(const struct conv *c, const char *v, void *dst);
	bool owns_string; /* stores a malloc'd char * */
	bool multiline;   /* the value may go on over indented lines */
	bool empty_ok;    /* an empty value is a value (else: F_NONE, or missing) */
};
static const struct type_info types[T_COUNT];

static bool owns_string(enum type t)
{
	return types[t].owns_string;
}

static bool multiline(enum type t)
{
	return types[t].multiline;
}

void config_settings_foreach(void (*fn)(void *ctx, const char *section,
					const char *key, const char *help),
			     void *ctx)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		fn(ctx, sections[settings[i].sec].name, settings[i].key,
		   settings[i].help);
}

/* ---- Loading state ----
 * Not thread-safe: inih's options are process globals, set on each load. */

/* A value as written, before it is checked. */
struct raw {
	char *value;
	size_t len, cap;  /* of value, so continuation lines append in place */
	struct origin at; /* at.file NULL: not set in any file */
};

/* One section: [general], or one [exercise:NAME] across all files. */
struct item {
	enum section sec;
	char *name;            /* NAME of an instanced section, else NULL */
	char *label;           /* "exercise:NAME" or "general" */
	struct origin at;      /* its first header */
	struct origin last_at; /* its latest header, for whole-section errors */
	int index;             /* among the items of its section */
	struct raw raw[N_SETTINGS];
};

struct problem {
	int file; /* index into cfg->files */
	int line; /* 0: about the whole file */
	size_t seq;
	char *msg;
};

struct loader {
	struct config *cfg;
	struct item **items;
	size_t n_items, cap_items;
	struct item **index; /* items by section and name: open addressing */
	size_t n_index;      /* slots, a power of two, at least twice n_items */
	struct problem *probs;
	size_t n_probs, cap_probs;
	int quiet; /* > 0: problems are not recorded */
	const struct config_voices *voices; /* NULL: any voice name */
};

/* Messages quote values, which continuation lines can make a megabyte
 * long: a quoted part longer than QUOTE_MAX characters is cut to its start
 * and "...", and a message to MSG_MAX bytes in all. QUOTE_MAX leaves room
 * for a file's path, resolved against the config's directory: its end,
 * the file's name, is what the message is about. */
#define QUOTE_MAX 150
#define MSG_MAX 400

/* Bytes of s taken by its first n UTF-8 characters (or all of it). */
static size_t utf8_prefix(const char *s, size_t len, size_t n)
{
	size_t i = 0;

	for (; i < len && n; n--)
		for (i++; i < len && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
			;
	return i;
}

static size_t utf8_count(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static char *shorten(char *msg)
{
	size_t len = strlen(msg), o = 0;
	char *out = xmalloc(len + 1);

	for (size_t i = 0; i < len;) {
		const char *q = msg[i] == '"' ? memchr(msg + i + 1, '"', len - i - 1) : NULL;

		if (q && utf8_count(msg + i + 1, (size_t)(q - msg) - i - 1) > QUOTE_MAX) {
			size_t keep = utf8_prefix(msg + i + 1, (size_t)(q - msg) - i - 1,
						  QUOTE_MAX - 3);

			out[o++] = '"';
			memcpy(out + o, msg + i + 1, keep);
			o += keep;
			memcpy(out + o, "...", 3);
			o += 3;
			i = (size_t)(q - msg);
		}
		out[o++] = msg[i++];
	}
	out[o] = '\0';
	if (o > MSG_MAX) {
		o = MSG_MAX - 3;
		while (o && ((unsigned char)out[o] & 0xc0) == 0x80)
			o--;
		memcpy(out + o, "...", 4);
	}
	free(msg);
	return out;
}

static void problem(struct loader *ld, struct origin at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct loader *ld, struct origin at, const char *fmt, ...)
{
	struct problem *p;
	va_list ap;
	int n;

	if (ld->quiet)
		return;
	if (ld->n_probs == ld->cap_probs) {
		ld->cap_probs = ld->cap_probs ? 2 * ld->cap_probs : 16;
		ld->probs = xrealloc(ld->probs, ld->cap_probs * sizeof(*ld->probs));
	}
	p = &ld->probs[ld->n_probs];
	p->file = 0;
	for (size_t i = 0; i < ld->cfg->n_files; i++)
		if (ld->cfg->files[i] == at.file)
			p->file = (int)i;
	p->line = at.line;
	p->seq = ld->n_probs++;
	va_start(ap, fmt);
	n = vasprintf(&p->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		p->msg = xstrdup("out of memory");
	else
		p->msg = shorten(p->msg);
}

static int cmp_problem(const void *a, const void *b)
{
	const struct problem *p = a, *q = b;

	if (p->file != q->file)
		return p->file < q->file ? -1 : 1;
	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Prints the problems sorted by file and line. */
static void report(struct loader *ld, FILE *errf)
{
	qsort(ld->probs, ld->n_probs, sizeof(*ld->probs), cmp_problem);
	for (size_t i = 0; i < ld->n_probs; i++) {
		const struct problem *p = &ld->probs[i];

		if (!errf)
			continue;
		if (p->line > 0)
			fprintf(errf, "%s:%d: %s\n", ld->cfg->files[p->file],
				p->line, p->msg);
		else
			fprintf(errf, "%s: %s\n", ld->cfg->files[p->file], p->msg);
	}
	if (errf)
		fflush(errf);
}

static size_t item_hash(enum section sec, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)sec; /* FNV-1a */

	for (; name && *name; name++) {
		h ^= (unsigned char)*name;
		h *= 0x100000001b3ull;
	}
	return (size_t)(h ^ (h >> 29));
}

static bool item_is(const struct item *it, enum section sec, const char *name)
{
	return it->sec == sec &&
	       (name ? it->name && strcmp(it->name, name) == 0 : !it->name);
}

/* Sections are found through a hash index, so a file of many sections loads
 * in time linear in its size. */
static struct item *item_find(struct loader *ld, enum section sec, const char *name)
{
	size_t mask = ld->n_index - 1;

	if (!ld->n_index)
		return NULL;
	for (size_t i = item_hash(sec, name) & mask; ld->index[i]; i = (i + 1) & mask) {
		config_work.section_probes++;
		if (item_is(ld->index[i], sec, name))
			return ld->index[i];
	}
	return NULL;
}

static void index_put(struct loader *ld, struct item *it)
{
	size_t mask = ld->n_index - 1, i = item_hash(it->sec, it->name) & mask;

	while (ld->index[i])
		i = (i + 1) & mask;
	ld->index[i] = it;
}

static struct item *item_add(struct loader *ld, enum section sec, const char *name,
			     struct origin at)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->sec = sec;
	it->name = name ? xstrdup(name) : NULL;
	it->label = name ? xasprintf("%s:%s", sections[sec].name, name)
			 : xstrdup(sections[sec].name);
	it->at = it->last_at = at;
	if (ld->n_items == ld->cap_items) {
		ld->cap_items = ld->cap_items ? 2 * ld->cap_items : 32;
		ld->items = xrealloc(ld->items, ld->cap_items * sizeof(*ld->items));
	}
	ld->items[ld->n_items++] = it;
	if (2 * ld->n_items > ld->n_index) {
		free(ld->index);
		ld->n_index = ld->n_index ? 2 * ld->n_index : 64;
		ld->index = xcalloc(ld->n_index, sizeof(*ld->index));
		for (size_t i = 0; i < ld->n_items; i++)
			index_put(ld, ld->items[i]);
	} else {
		index_put(ld, it);
	}
	return it;
}

static void loader_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_items; i++) {
		struct item *it = ld->items[i];

		for (size_t k = 0; k < N_SETTINGS; k++)
			free(it->raw[k].value);
		free(it->name);
		free(it->label);
		free(it);
	}
	free(ld->items);
	free(ld->index);
	for (size_t i = 0; i < ld->n_probs; i++)
		free(ld->probs[i].msg);
	free(ld->probs);
}

/* ---- Reading a file with inih ----
 *
 * inih reads lines through read_line, which sees every raw line first: it
 * knows the line number, refuses lines too long for inih's buffer, tracks
 * sections itself (inih does not report headers), reports every syntax error
 * and hands inih a blank line instead, so inih only ever sees lines it
 * accepts. inih then calls on_value for each key and continuation line. */

enum line_kind { LK_OTHER, LK_KEY, LK_CONT };

struct parse {
	struct loader *ld;
	const char *file;    /* the name in cfg->files */
	const char *p, *end; /* text not read yet */
	char *copy;          /* the current line, NUL-terminated */
	size_t copy_cap;
	int line;            /* number of the current line */
	enum line_kind kind; /* of the current line */
	bool in_section;     /* a section header was seen */
	struct item *item;   /* of that header, NULL if it was bad */
	bool cont_ok;        /* inih takes an indented line as a continuation */
	int last;            /* setting of the last key line; -1: rejected */
};

/* inih's rule: the first of chars, or a ';' after white space (an inline
 * comment), or the end of s. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static bool name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_'))
			return false;
	return true;
}

/* A "[...]" line; returns what to hand inih instead, or NULL for the line. */
static const char *header(struct parse *ps, const char *start, bool too_long)
{
	struct origin at = { ps->file, ps->line };
	const char *end = find_chars_or_comment(start + 1, "]"), *rest;
	char *sec, *name;
	int kind = -1;

	ps->in_section = true;
	ps->item = NULL;
	ps->last = -1;
	if (*end != ']') {
		problem(ps->ld, at, "missing ']' at the end of the section header");
		return "\n";
	}
	/* inih takes the header (and forgets the last key) whatever follows. */
	ps->cont_ok = false;
	for (rest = end + 1; isspace((unsigned char)*rest); rest++)
		;
	if (*rest && *rest != ';') {
		problem(ps->ld, at, "unexpected text after ']'");
		return too_long ? "[]\n" : NULL;
	}

	sec = xstrndup(start + 1, (size_t)(end - start - 1));
	name = strchr(sec, ':');
	if (name)
		*name++ = '\0';
	for (int i = 0; i < SEC_COUNT; i++)
		if (strcmp(sections[i].name, sec) == 0)
			kind = i;
	if (kind < 0 || (name && !sections[kind].instanced)) {
		if (name)
			name[-1] = ':';
		problem(ps->ld, at, "unknown section [%s]", sec);
	} else if (sections[kind].instanced && !name) {
		problem(ps->ld, at, "section [%s] needs a name: [%s:NAME]", sec, sec);
	} else if (name && strlen(name) > MAX_NAME) {
		problem(ps->ld, at, "name \"%s\" is too long (at most %d characters)",
			name, MAX_NAME);
	} else if (name && !name_ok(name)) {
		problem(ps->ld, at, "invalid name \"%s\": use a-z, 0-9, '-' and '_', "
			"starting with a letter or digit", name);
	} else {
		struct item *it = item_find(ps->ld, (enum section)kind, name);

		if (!it) {
			ps->item = item_add(ps->ld, (enum section)kind, name, at);
		} else if (it->last_at.file == ps->file) {
			problem(ps->ld, at, "duplicate section [%s] (first at line %d)",
				it->label, it->last_at.line);
		} else {
			/* Overlay: this file adds to an earlier file's section. */
			if (!it->at.file)
				it->at = at;
			it->last_at = at;
			ps->item = it;
		}
	}
	free(sec);
	return too_long ? "[]\n" : NULL;
}

/* "line too long": MAX_LINE counts characters, as backcoach.ini(5) says;
 * limit is the most bytes inih takes (always enough for MAX_LINE characters
 * where inih honours ini_max_line). */
static void line_too_long(struct parse *ps, size_t len, size_t chars, size_t limit)
{
	struct origin at = { ps->file, ps->line };

	if (chars > MAX_LINE)
		problem(ps->ld, at, "line too long (%zu characters, at most %d)", chars,
			MAX_LINE);
	else
		problem(ps->ld, at, "line too long (%zu bytes, at most %zu in this "
			"build of inih)", len, limit);
}

/* Sorts out one raw line; returns what to hand inih instead of it, or NULL
 * to hand it the line. limit: the longest line inih can take, in bytes. */
static const char *classify(struct parse *ps, const char *s, size_t len, size_t limit)
{
	struct origin at = { ps->file, ps->line };
	const char *start = s, *sep;
	size_t chars = utf8_count(s, len);
	bool too_long = chars > MAX_LINE || len > limit;

	while (isspace((unsigned char)*start))
		start++;
	ps->kind = LK_OTHER;
	if (!*start || strchr(";#", *start)) { /* a blank or comment line */
		if (!too_long)
			return NULL;
		line_too_long(ps, len, chars, limit);
		return "\n";
	}
	if (start > s && ps->cont_ok) {
		ps->kind = LK_CONT;
	} else if (*start == '[') {
		if (too_long)
			line_too_long(ps, len, chars, limit);
		return header(ps, start, too_long);
	} else {
		sep = find_chars_or_comment(start, "=:");
		if (*sep != '=' && *sep != ':') {
			problem(ps->ld, at, "expected \"key = value\", \"[section]\" or a comment");
			ps->last = -1;
			return "\n";
		}
		if (sep == start) {
			problem(ps->ld, at, "missing key name before '%c'", *sep);
			ps->last = -1;
			return "\n";
		}
		ps->kind = LK_KEY;
	}
	if (too_long) {
		line_too_long(ps, len, chars, limit);
		ps->kind = LK_OTHER;
		ps->last = -1;
		return "\n";
	}
	if (ps->kind == LK_KEY)
		ps->cont_ok = true;
	return NULL;
}

/* inih's fgets-like reader: hands inih one line at a time, whole. */
static char *read_line(char *buf, int num, void *stream)
{
	struct parse *ps = stream;
	const char *nl, *subst;
	size_t len, limit;

	if (ps->p >= ps->end)
		return NULL;
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	len = (size_t)((nl ? nl : ps->end) - ps->p);
	if (len + 1 > ps->copy_cap) {
		ps->copy_cap = len + 1;
		ps->copy = xrealloc(ps->copy, ps->copy_cap);
	}
	memcpy(ps->copy, ps->p, len);
	if (len && ps->copy[len - 1] == '\r')
		len--;
	ps->copy[len] = '\0';
	ps->p = nl ? nl + 1 : ps->end;
	ps->line++;

	/* The line, its '\n' and a NUL must fit in inih's buffer. */
	limit = num > 2 ? (size_t)num - 2 : 0;
	subst = classify(ps, ps->copy, len, limit);
	if (subst) {
		snprintf(buf, (size_t)num, "%s", subst);
	} else {
		memcpy(buf, ps->copy, len);
		buf[len] = '\n';
		buf[len + 1] = '\0';
	}
	return buf;
}

/* An indented line: more of the last key's value. */
static void continue_value(struct parse *ps, const char *value)
{
	struct origin at = { ps->file, ps->line };
	const struct setting *s;
	const char *end;
	struct raw *r;
	size_t n;

	if (ps->last < 0 || !ps->item)
		return; /* the key line was rejected */
	s = &settings[ps->last];
	if (!multiline(s->type)) {
		problem(ps->ld, at, "indented line, but \"%s\" takes a single line "
			"(indented lines continue the value above)", s->key);
		ps->last = -1;
		return;
	}
	/* inih 55 keeps inline comments in continuation lines: drop them.
	 * The rest, stripped, is appended where it is (no copy per line). */
	end = find_chars_or_comment(value, NULL);
	while (value < end && isspace((unsigned char)*value))
		value++;
	while (end > value && isspace((unsigned char)end[-1]))
		end--;
	r = &ps->item->raw[ps->last];
	n = (size_t)(end - value);
	if (n) {
		/* Appended in place, the buffer doubling as it grows: joining
		 * is linear in the value's length, however many lines it has. */
		size_t need = r->len + (r->len ? 1 : 0) + n + 1;

		if (need > r->cap) {
			r->cap = need > 2 * r->cap ? need : 2 * r->cap;
			r->value = xrealloc(r->value, r->cap);
			config_work.join_bytes += r->len; /* at most, moving it */
		}
		config_work.join_bytes += n + 1;
		if (r->len)
			r->value[r->len++] = ' ';
		memcpy(r->value + r->len, value, n);
		r->len += n;
		r->value[r->len] = '\0';
	}
}

static int on_value(void *user, const char *section, const char *name,
		    const char *value)
{
	struct parse *ps = user;
	struct origin at = { ps->file, ps->line };
	struct raw *r;
	int id;

	(void)section; /* read_line tracks sections */
	if (ps->kind == LK_CONT) {
		continue_value(ps, value);
		return 1;
	}
	ps->last = -1;
	if (!ps->in_section) {
		problem(ps->ld, at, "key \"%s\" outside any section", name);
		return 1;
	}
	if (!ps->item)
		return 1; /* in a bad section, already reported */
	id = setting_find(ps->item->sec, name);
	if (id < 0) {
		problem(ps->ld, at, "unknown key \"%s\" in [%s]", name,
			sections[ps->item->sec].name);
		return 1;
	}
	r = &ps->item->raw[id];
	if (r->at.file == ps->file) {
		problem(ps->ld, at, "duplicate key \"%s\" (first at line %d)", name,
			r->at.line);
		return 1;
	}
	free(r->value);
	r->value = xstrdup(value);
	r->len = strlen(value);
	r->cap = r->len + 1;
	r->at = at;
	ps->last = id;
	return 1;
}

static void parse_text(struct loader *ld, const char *file, const char *text, size_t len)
{
	static char comment_start[] = ";#", inline_comment[] = ";";
	struct parse ps = { .ld = ld, .file = file, .p = text, .end = text + len,
			    .last = -1 };
	int rc;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3; /* UTF-8 byte order mark */

	/* Debian's inih takes its options at run time. read_line checks lines
	 * against the buffer size inih really passes, so a library that ignores
	 * ini_max_line gives "line too long" errors, not cut lines. */
	ini_max_line = MAX_LINE * 4 + 2; /* MAX_LINE characters of UTF-8 */
	ini_use_stack = true;
	ini_allow_realloc = false;
	ini_allow_multiline = true;
	ini_allow_bom = false;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = inline_comment;
	ini_start_comment_prefixes = comment_start;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;

	rc = ini_parse_stream(read_line, &ps, on_value, &ps);
	if (rc > 0)
		problem(ld, (struct origin){ file, rc }, "syntax error");
	else if (rc < 0)
		problem(ld, (struct origin){ file, 0 }, "cannot parse (inih error %d)", rc);
	free(ps.copy);
}

/* ---- Reading files ---- */

static int line_of(const char *text, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/* Where byte off is: its line, and its column (bytes, from 1). */
static struct origin place_of(const char *file, const char *text, size_t off,
			      size_t *col)
{
	size_t start = off;

	while (start > 0 && text[start - 1] != '\n')
		start--;
	*col = off - start + 1;
	return (struct origin){ file, line_of(text, off) };
}

/* Is the text usable at all? One problem if not: FILE:LINE where a byte
 * makes it binary or not UTF-8, so an editor can jump there. */
static int check_text(struct loader *ld, const char *file, const char *text, size_t len)
{
	struct origin at = { file, 0 };
	const char *nul = memchr(text, '\0', len);
	size_t i, ok, col;

	for (i = 0; i < len && isspace((unsigned char)text[i]); i++)
		;
	if (i == len) {
		problem(ld, at, "file is empty");
		return -1;
	}
	if (nul) {
		at = place_of(file, text, (size_t)(nul - text), &col);
		problem(ld, at, "binary file, not text (NUL byte in column %zu)", col);
		return -1;
	}
	ok = util_utf8_valid(text, len);
	if (ok < len) {
		at = place_of(file, text, ok, &col);
		problem(ld, at, "not UTF-8 text (invalid byte 0x%02x in column %zu); "
			"save it as UTF-8", (unsigned char)text[ok], col);
		return -1;
	}
	return 0;
}

/* Reads a whole config file; one problem and -1 if it cannot be used. */
static int read_file(struct loader *ld, const char *file, char **text, size_t *len)
{
	struct origin at = { file, 0 };
	struct stat st;
	char why[128];
	char *buf = NULL;
	size_t n = 0;
	int fd;

	*text = NULL;
	fd = util_open_file(file, O_RDONLY, 0, why, sizeof(why));
	if (fd < 0) {
		problem(ld, at, "%s", errno == EISDIR ? "is a directory, not a config file" : why);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		problem(ld, at, "cannot read: %s", strerror(errno));
		goto error;
	}
	if (st.st_size > MAX_FILE) {
		problem(ld, at, "file too large (more than 1 MiB)");
		goto error;
	}
	buf = xmalloc(MAX_FILE + 1);
	for (;;) {
		ssize_t r = read(fd, buf + n, MAX_FILE + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			problem(ld, at, "cannot read: %s", strerror(errno));
			goto error;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > MAX_FILE) {
			problem(ld, at, "file too large (more than 1 MiB)");
			goto error;
		}
	}
	close(fd);
	if (check_text(ld, file, buf, n) < 0) {
		free(buf);
		return -1;
	}
	*text = buf;
	*len = n;
	return 0;

error:
	free(buf);
	close(fd);
	return -1;
}

/* ---- Checking values ---- */

/* What is being converted, for messages. */
struct conv {
	struct loader *ld;
	const struct setting *s;
	struct origin at;
};

static void bad(const struct conv *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad(const struct conv *c, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	problem(c->ld, c->at, "%s: %s", c->s->key, msg ? msg : "bad value");
	free(msg);
}

/* A whole number, decimal, no sign; huge ones saturate (and are then out
 * of any range). */
static bool parse_uint(const char *v, int64_t *out)
{
	int64_t n = 0;

	if (!isdigit((unsigned char)*v))
		return false;
	for (; isdigit((unsigned char)*v); v++)
		n = n > 1000000000 ? n : n * 10 + (*v - '0');
	*out = n;
	return *v == '\0';
}

/* Short form of a duration for ranges: "2s", "24h", "500ms". */
static const char *range_dur(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "0s");
	else if (ms % BC_H == 0)
		snprintf(buf, len, "%lldh", (long long)(ms / BC_H));
	else if (ms % BC_M == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / BC_M));
	else if (ms % BC_S == 0)
		snprintf(buf, len, "%llds", (long long)(ms / BC_S));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
	return buf;
}

/* Index of v in a "a|b|c" list, or -1. */
static int name_index(const char *names, const char *v)
{
	size_t n = strlen(v);
	int i = 0;

	for (const char *p = names; *p; i++) {
		size_t k = strcspn(p, "|");

		if (k == n && strncasecmp(p, v, n) == 0)
			return i;
		p += k;
		if (*p)
			p++;
	}
	return -1;
}

/* "a|b|c" as "a, b, c". */
static char *names_list(const char *names)
{
	char *s = xstrdup(names), *out;
	size_t n = 0;

	for (char *p = s; *p; p++)
		n += *p == '|';
	out = xmalloc(strlen(s) + n + 1);
	n = 0;
	for (char *p = s; *p; p++) {
		out[n++] = *p == '|' ? ',' : *p;
		if (*p == '|')
			out[n++] = ' ';
	}
	out[n] = '\0';
	free(s);
	return out;
}

/* Index of v in names ("a|b|c"), or -1 after reporting it is not one of them. */
static int one_of(const struct conv *c, const char *names, const char *v)
{
	int i = name_index(names, v);

	if (i < 0) {
		char *l = names_list(names);

		bad(c, "\"%s\" is not one of %s", v, l);
		free(l);
	}
	return i;
}

/* Splits a comma-separated list; calls fn for each non-empty item.
 * Returns false if fn did. */
static bool each_item(const char *v, bool (*fn)(void *ctx, const char *item), void *ctx)
{
	char *s = xstrdup(v), *save = NULL;
	bool ok = true;

	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = util_strip(t);
		if (*t && !fn(ctx, t))
			ok = false;
	}
	free(s);
	return ok;
}

struct list_ctx {
	const struct conv *c;
	unsigned mask;
	struct loader *ld;
	enum section target;
	int *idx;
	size_t n;
};

static bool equipment_item(void *ctx, const char *t)
{
	struct list_ctx *l = ctx;

	if (strcmp(t, "none") == 0)
		return true;
	for (int i = 0; i < EQ_COUNT; i++)
		if (strcmp(t, equipment_names[i]) == 0) {
			l->mask |= 1u << i;
			return true;
		}
	bad(l->c, "unknown equipment \"%s\" (known: chair, floor, mat, wall, "
	    "towel, foam-roller, ball)", t);
	return false;
}

static int day_index(const char *t)
{
	static const char *const days[] = {
		"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
		"saturday",
	};
	size_t n = strlen(t);

	for (int i = 0; i < 7; i++)
		if ((n == 3 || strlen(days[i]) == n) &&
		    strncasecmp(t, days[i], n) == 0)
			return i;
	return -1;
}

static bool day_item(void *ctx, const char *t)
{
	struct list_ctx *l = ctx;
	const char *dash = strchr(t, '-');
	int a, b;

	if (strcasecmp(t, "all") == 0) {
		l->mask |= 0x7f;
		return true;
	}
	if (strcasecmp(t, "weekdays") == 0) {
		l->mask |= 0x3e;
		return true;
	}
	if (strcasecmp(t, "weekend") == 0) {
		l->mask |= 0x41;
		return true;
	}
	if (dash) {
		char *from = xstrndup(t, (size_t)(dash - t)), *to = xstrdup(dash + 1);

		a = day_index(util_strip(from));
		b = day_index(util_strip(to));
		free(from);
		free(to);
		if (a >= 0 && b >= 0) {
			/* A range may wrap round the week: fri-mon. */
			for (int d = a;; d = (d + 1) % 7) {
				l->mask |= 1u << d;
				if (d == b)
					break;
			}
			return true;
		}
	} else if ((a = day_index(t)) >= 0) {
		l->mask |= 1u << a;
		return true;
	}
	bad(l->c, "\"%s\" is not a day (mon..sun, mon-fri, weekdays, weekend, all)", t);
	return false;
}

/* Index of the NAME of a section of kind sec, or -1. */
static int item_index(struct loader *ld, enum section sec, const char *name)
{
	struct item *it = item_find(ld, sec, name);

	return it ? it->index : -1;
}

static bool ref_item(void *ctx, const char *t)
{
	struct list_ctx *l = ctx;
	int i = item_index(l->ld, l->target, t);

	if (i < 0) {
		bad(l->c, "there is no [%s:%s]", sections[l->target].name, t);
		return false;
	}
	/* Doubling (n is a power of two when full): a list of thousands of
	 * names is joined in linear time. */
	if ((l->n & (l->n - 1)) == 0)
		l->idx = xrealloc(l->idx, (l->n ? 2 * l->n : 8) * sizeof(*l->idx));
	l->idx[l->n++] = i;
	return true;
}

static int section_by_name(const char *name)
{
	for (int i = 0; i < SEC_COUNT; i++)
		if (strcmp(sections[i].name, name) == 0)
			return i;
	return -1;
}

static bool parse_hhmm(const char *s, const char **end, int *min)
{
	int h, m;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)s[0]))
		return false;
	h = s[0] - '0';
	s++;
	if (isdigit((unsigned char)*s))
		h = h * 10 + (*s++ - '0');
	if (*s++ != ':' || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return false;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	s += 2;
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return false;
	while (isspace((unsigned char)*s))
		s++;
	*end = s;
	*min = (h * 60 + m) % (24 * 60);
	return true;
}

/* {placeholders} in spoken text: only those in allowed ("a|b"); with
 * F_PLACE, each of them. */
static void check_placeholders(const struct conv *c, const char *v)
{
	const char *allowed = c->s->extra ? c->s->extra : "";

	for (const char *p = strchr(v, '{'); p; p = strchr(p + 1, '{')) {
		size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");
		char *name;

		if (n == 0 || p[1 + n] != '}')
			continue;
		name = xstrndup(p + 1, n);
		if (name_index(allowed, name) < 0) {
			if (*allowed) {
				char *l = names_list(allowed);

				bad(c, "unknown placeholder {%s} (allowed: {%s})", name, l);
				free(l);
			} else {
				bad(c, "unknown placeholder {%s} (none is allowed here)", name);
			}
		}
		free(name);
	}
	if (c->s->flags & F_PLACE) {
		char *names = xstrdup(allowed), *save = NULL;

		for (char *t = strtok_r(names, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
			char *want = xasprintf("{%s}", t);

			if (!strstr(v, want))
				bad(c, "must contain %s", want);
			free(want);
		}
		free(names);
	}
}

/* Directory part of path, "." if none. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static bool is_none(const char *v)
{
	return !v || !*v || strcmp(v, "none") == 0;
}

/* ---- Converters, one per value type: check value v of c->s (never empty
 * unless the type takes empty values) and store it at dst; report problems
 * with bad() and leave dst alone. ---- */

static void conv_int(const struct conv *c, const char *v, void *dst)
{
	const struct setting *s = c->s;
	int64_t n;

	if (!parse_uint(v, &n))
		bad(c, "\"%s\" is not a whole number", v);
	else if ((n >= s->min && n <= s->max) || (n == 0 && (s->flags & F_ZERO)))
		*(int *)dst = (int)n;
	else if (s->flags & F_ZERO)
		bad(c, "%s is out of range (0, or %lld..%lld)", v,
		    (long long)s->min, (long long)s->max);
	else
		bad(c, "%s is out of range (%lld..%lld)", v, (long long)s->min,
		    (long long)s->max);
}

static void conv_dur(const struct conv *c, const char *v, void *dst)
{
	char lo[32], hi[32];
	int64_t n;

	if (util_parse_duration(v, &n) < 0)
		bad(c, "\"%s\" is not a duration (use units, as in 90s, 50m, 1h30m, 500ms)", v);
	else if (n < c->s->min || n > c->s->max)
		bad(c, "%s is out of range (%s..%s)", v,
		    range_dur(c->s->min, lo, sizeof(lo)),
		    range_dur(c->s->max, hi, sizeof(hi)));
	else
		*(int64_t *)dst = n;
}

/* "35" or "35%": the number, or -1 after reporting. */
static int64_t percent(const struct conv *c, const char *v)
{
	char *num = xstrdup(v);
	size_t len = strlen(num);
	int64_t n = -1;

	if (len && num[len - 1] == '%')
		num[len - 1] = '\0';
	if (!parse_uint(util_strip(num), &n)) {
		bad(c, "\"%s\" is not a percentage", v);
		n = -1;
	} else if (n < c->s->min || n > c->s->max) {
		bad(c, "%s is out of range (%lld..%lld%%)", v,
		    (long long)c->s->min, (long long)c->s->max);
		n = -1;
	}
	free(num);
	return n;
}

static void conv_percent(const struct conv *c, const char *v, void *dst)
{
	int64_t n = percent(c, v);

	if (n >= 0)
		*(int *)dst = (int)n;
}

static void conv_fraction(const struct conv *c, const char *v, void *dst)
{
	int64_t n = percent(c, v);

	if (n >= 0)
		*(double *)dst = (double)n / 100.0;
}

static void conv_bool(const struct conv *c, const char *v, void *dst)
{
	int i;

	if (c->s->extra) {
		if ((i = one_of(c, c->s->extra, v)) >= 0)
			*(bool *)dst = i == 1;
	} else if ((i = name_index("no|yes|false|true|off|on|0|1", v)) < 0) {
		bad(c, "\"%s\" is not yes or no", v);
	} else {
		*(bool *)dst = i % 2 == 1;
	}
}

static void conv_enum(const struct conv *c, const char *v, void *dst)
{
	int i = one_of(c, c->s->extra, v);

	if (i >= 0)
		*(int *)dst = i;
}

/* STRING and TEXT: one line, or spoken text with {placeholders}. */
static void conv_text(const struct conv *c, const char *v, void *dst)
{
	const struct setting *s = c->s;

	if (!util_text_ok(v)) {
		bad(c, "not valid text (UTF-8 without control characters)");
		return;
	}
	if (s->type == T_TEXT && strlen(v) > CONFIG_MAX_TEXT) {
		bad(c, "text too long (%zu bytes, at most %d)", strlen(v),
		    CONFIG_MAX_TEXT);
		return;
	}
	if (!*v) {
		if (s->flags & F_REQ)
			bad(c, "must not be empty");
		return;
	}
	if (s->type == T_TEXT)
		check_placeholders(c, v);
	*(char **)dst = xstrdup(v);
}

static void conv_equipment(const struct conv *c, const char *v, void *dst)
{
	struct list_ctx l = { .c = c };

	if (each_item(v, equipment_item, &l))
		*(unsigned *)dst = l.mask;
}

static void conv_days(const struct conv *c, const char *v, void *dst)
{
	struct list_ctx l = { .c = c };

	if (!each_item(v, day_item, &l))
		return;
	if (!l.mask)
		bad(c, "no days given");
	else
		*(unsigned *)dst = l.mask;
}

/* Two neighbouring ints: from and to. */
static void conv_hours(const struct conv *c, const char *v, void *dst)
{
	const char *p;
	int from, to;

	if (strcasecmp(v, "always") == 0) {
		((int *)dst)[0] = ((int *)dst)[1] = 0;
	} else if (parse_hhmm(v, &p, &from) && *p == '-' &&
		   parse_hhmm(p + 1, &p, &to) && !*p) {
		((int *)dst)[0] = from;
		((int *)dst)[1] = to;
	} else {
		bad(c, "\"%s\" is not HH:MM-HH:MM or always", v);
	}
}

static void conv_ref(const struct conv *c, const char *v, void *dst)
{
	const struct setting *s = c->s;
	int i;

	if ((s->flags & F_NONE) && is_none(v))
		*(int *)dst = -1;
	else if ((i = item_index(c->ld, (enum section)section_by_name(s->extra), v)) < 0)
		bad(c, "there is no [%s:%s]", s->extra, v);
	else
		*(int *)dst = i;
}

/* An int * and the size_t count after it. */
static void conv_reflist(const struct conv *c, const char *v, void *dst)
{
	struct list_ctx l = { .c = c, .ld = c->ld,
			      .target = (enum section)section_by_name(c->s->extra) };

	if (each_item(v, ref_item, &l) && !l.n)
		bad(c, "must name at least one %s", c->s->extra);
	if (l.n) {
		*(int **)dst = l.idx;
		*(size_t *)((char *)dst + sizeof(int *)) = l.n;
	} else {
		free(l.idx);
	}
}

/* Voices are checked by the caller's resolver (speech's), if any. */
static void conv_variant(const struct conv *c, const char *v, void *dst)
{
	const struct config_voices *vo = c->ld->voices;

	if ((c->s->flags & F_NONE) && is_none(v))
		return;
	if (vo && vo->variant_exists && !vo->variant_exists(v))
		bad(c, "unknown voice \"%s\" (see backcoach voices)", v);
	else
		*(char **)dst = xstrdup(v);
}

static void conv_langvoice(const struct conv *c, const char *v, void *dst)
{
	const struct config_voices *vo = c->ld->voices;

	if (vo && vo->language_exists && !vo->language_exists(v))
		bad(c, "unknown language voice \"%s\" (see backcoach voices)", v);
	else
		*(char **)dst = xstrdup(v);
}

/* A built-in sound, or a sound file relative to the config file's
 * directory that libsndfile can read. */
static void conv_sound(const struct conv *c, const char *v, void *dst)
{
	char *dir, *path, why[128];
	SF_INFO info = { 0 };
	SNDFILE *sf;
	int fd;

	if (strcmp(v, "click") == 0 || strcmp(v, "wood") == 0 ||
	    strcmp(v, "beep") == 0) {
		*(char **)dst = xstrdup(v);
		return;
	}
	dir = dir_of(c->at.file);
	if (v[0] == '/' || strcmp(dir, ".") == 0)
		path = xstrdup(v);
	else
		path = xasprintf("%s/%s", dir, v);
	free(dir);
	/* Opened once, without blocking, as a regular file only; the file
	 * checked is the one read. */
	fd = util_open_regular(path, why, sizeof(why));
	if (fd < 0) {
		bad(c, "\"%s\": %s", path, why);
		free(path);
		return;
	}
	sf = sf_open_fd(fd, SFM_READ, &info, SF_TRUE);
	if (!sf) {
		bad(c, "\"%s\" is not a sound file libsndfile can read (%s)", path,
		    sf_strerror(NULL));
		free(path);
		return;
	}
	sf_close(sf);
	*(char **)dst = path;
}

static const struct type_info types[T_COUNT] = {
	[T_INT] = { conv_int, false, false, false },
	[T_DUR] = { conv_dur, false, false, false },
	[T_PERCENT] = { conv_percent, false, false, false },
	[T_FRACTION] = { conv_fraction, false, false, false },
	[T_BOOL] = { conv_bool, false, false, false },
	[T_STRING] = { conv_text, true, false, true },
	[T_TEXT] = { conv_text, true, true, true },
	[T_EQUIPMENT] = { conv_equipment, false, true, true },
	[T_DAYS] = { conv_days, false, true, false },
	[T_HOURS] = { conv_hours, false, false, false },
	[T_ENUM] = { conv_enum, false, false, false },
	[T_REF] = { conv_ref, false, false, false },
	[T_REFLIST] = { conv_reflist, false, true, false },
	[T_VARIANT] = { conv_variant, true, false, false },
	[T_LANGVOICE] = { conv_langvoice, true, false, false },
	[T_SOUND] = { conv_sound, true, false, false },
};

/* Checks value v of setting s and stores it at dst. */
static void convert(struct loader *ld, const struct setting *s, const char *v,
		    struct origin at, void *dst)
{
	const struct conv c = { ld, s, at };

	if (!*v && !types[s->type].empty_ok && !(s->flags & F_NONE)) {
		bad(&c, "missing value");
		return;
	}
	types[s->type].convert(&c, v, dst);
}

/* The value of setting id in it: as set, else the default. quiet: a
 * default taken from another key ("@cue") whose problems were reported. */
static const char *value_of(const struct item *it, size_t id, struct origin *at, bool *quiet)
{
	const struct setting *s = &settings[id];

	*quiet = false;
	if (it->raw[id].at.file) {
		*at = it->raw[id].at;
		return it->raw[id].value;
	}
	*at = it->last_at;
	if (s->def && s->def[0] == '@') {
		int j = setting_find(s->sec, s->def + 1);
		bool q;

		*quiet = true;
		return j < 0 ? NULL : value_of(it, (size_t)j, at, &q);
	}
	return s->def;
}

static void text_add(struct config *cfg, const char *text, struct origin at)
{
	/* Grown in powers of two: n_texts is one. */
	if ((cfg->n_texts & (cfg->n_texts - 1)) == 0)
		cfg->texts = xrealloc(cfg->texts, (cfg->n_texts ? 2 * cfg->n_texts : 16) *
					     sizeof(*cfg->texts));
	cfg->texts[cfg->n_texts++] = (struct config_text){ text, at };
}

static void convert_item(struct loader *ld, struct item *it, void *base)
{
	for (size_t id = 0; id < N_SETTINGS; id++) {
		const struct setting *s = &settings[id];
		struct origin at;
		const char *v;
		bool quiet;

		if (s->sec != it->sec)
			continue;
		v = value_of(it, id, &at, &quiet);
		if (!v) {
			if (s->flags & F_REQ)
				problem(ld, it->last_at, "missing key \"%s\" in [%s]",
					s->key, it->label);
			continue;
		}
		ld->quiet += quiet;
		convert(ld, s, v, at, (char *)base + s->offset);
		ld->quiet -= quiet;
		if (s->type == T_TEXT && *(char **)((char *)base + s->offset))
			text_add(ld->cfg, *(char **)((char *)base + s->offset), at);
	}
}

/* Where setting id of it was set: its line, or the section's header when
 * the value is a default. */
static struct origin key_at(const struct item *it, int id)
{
	return id >= 0 && it->raw[id].at.file ? it->raw[id].at : it->last_at;
}

/* The easier form does less, the harder more (adapt.h): each limit
 * checked where it is set. A rep of one breath cycle (hold = 0s) keeps
 * that length in every form. */
static void check_forms(struct loader *ld, const struct item *it,
			const struct exercise *e)
{
	const char *const key[] = { "easier_reps", "easier_hold", "harder_reps",
				    "harder_hold" };
	struct origin at[4];

	for (int k = 0; k < 4; k++) {
		at[k] = key_at(it, setting_find(SEC_EXERCISE, key[k]));
		if (!at[k].file)
			at[k] = it->last_at;
	}
	if (e->easier_reps > e->reps)
		problem(ld, at[0], "[%s]: easier_reps = %d is more than reps = %d (set both together)",
			it->label, e->easier_reps, e->reps);
	if (e->harder_reps < e->reps)
		problem(ld, at[2], "[%s]: harder_reps = %d is fewer than reps = %d (set both together)",
			it->label, e->harder_reps, e->reps);
	if (e->hold_ms == 0 && e->easier_hold_ms != 0)
		problem(ld, at[1], "[%s]: easier_hold needs a hold: with hold = 0s "
			"a rep is one breath cycle in every form", it->label);
	else if (e->easier_hold_ms > e->hold_ms)
		problem(ld, at[1], "[%s]: easier_hold is longer than hold", it->label);
	if (e->hold_ms == 0 && e->harder_hold_ms != 0)
		problem(ld, at[3], "[%s]: harder_hold needs a hold: with hold = 0s "
			"a rep is one breath cycle in every form", it->label);
	else if (e->harder_hold_ms < e->hold_ms)
		problem(ld, at[3], "[%s]: harder_hold is shorter than hold", it->label);
}

/* Fills cfg from the items; checks what involves more than one key. */
static void build(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	size_t count[SEC_COUNT] = { 0 };
	/* Settings looked at for every exercise, found once. */
	const int id_breath = setting_find(SEC_EXERCISE, "breath");
	const int id_metronome = setting_find(SEC_EXERCISE, "metronome");
	const int id_rep_cue = setting_find(SEC_EXERCISE, "rep_cue");
	const int id_say[BP_COUNT] = {
		setting_find(SEC_EXERCISE, "say_inhale"),
		setting_find(SEC_EXERCISE, "say_hold"),
		setting_find(SEC_EXERCISE, "say_exhale"),
		setting_find(SEC_EXERCISE, "say_hold_after"),
	};

	for (size_t i = 0; i < ld->n_items; i++)
		ld->items[i]->index = (int)count[ld->items[i]->sec]++;
	cfg->languages = xcalloc(count[SEC_LANGUAGE], sizeof(*cfg->languages));
	cfg->n_languages = count[SEC_LANGUAGE];
	cfg->breaths = xcalloc(count[SEC_BREATH], sizeof(*cfg->breaths));
	cfg->n_breaths = count[SEC_BREATH];
	cfg->exercises = xcalloc(count[SEC_EXERCISE], sizeof(*cfg->exercises));
	cfg->n_exercises = count[SEC_EXERCISE];
	cfg->routines = xcalloc(count[SEC_ROUTINE], sizeof(*cfg->routines));
	cfg->n_routines = count[SEC_ROUTINE];
	cfg->general.routine_idx = cfg->reminders.routine_idx = -1;

	for (size_t i = 0; i < ld->n_items; i++) {
		struct item *it = ld->items[i];

		switch (it->sec) {
		case SEC_LANGUAGE: {
			struct language *l = &cfg->languages[it->index];

			l->name = xstrdup(it->name);
			l->at = it->at;
			convert_item(ld, it, l);
			for (int p = 0; p < PH_COUNT; p++)
				l->phrase_at[p] = key_at(it, setting_find(SEC_LANGUAGE,
									 phrase_keys[p]));
			break;
		}
		case SEC_BREATH: {
			struct breath *b = &cfg->breaths[it->index];
			int64_t total = 0;

			b->name = xstrdup(it->name);
			b->at = it->at;
			convert_item(ld, it, b);
			for (int p = 0; p < BP_COUNT; p++)
				total += b->ms[p];
			if (total == 0)
				problem(ld, it->last_at, "[%s]: every phase is 0s; set "
					"inhale, hold, exhale or hold_after", it->label);
			break;
		}
		case SEC_EXERCISE: {
			struct exercise *e = &cfg->exercises[it->index];
			struct origin at;
			bool quiet;

			e->name = xstrdup(it->name);
			e->at = it->at;
			e->breath = -1;
			convert_item(ld, it, e);
			/* (A breath naming a missing pattern is reported already.) */
			if (e->reps > 0 && e->hold_ms == 0 && e->breath < 0 &&
			    is_none(value_of(it, (size_t)setting_find(SEC_EXERCISE, "breath"),
					     &at, &quiet)))
				problem(ld, it->last_at, "[%s]: hold = 0s (one breath "
					"per rep) needs a breath pattern: set breath or hold",
					it->label);
			if (e->metronome == METRO_BREATH && e->breath < 0 &&
			    is_none(value_of(it, (size_t)id_breath, &at, &quiet)))
				problem(ld, key_at(it, id_metronome), "[%s]: metronome = "
					"breath needs a breath pattern: set breath", it->label);
			check_forms(ld, it, e);
			e->rep_cue_at = key_at(it, id_rep_cue);
			for (int p = 0; p < BP_COUNT; p++)
				e->say_at[p] = key_at(it, id_say[p]);
			break;
		}
		case SEC_ROUTINE: {
			struct routine *r = &cfg->routines[it->index];

			r->name = xstrdup(it->name);
			r->at = it->at;
			convert_item(ld, it, r);
			break;
		}
		default:
			convert_item(ld, it, cfg);
			if (it->sec == SEC_COACH)
				cfg->coach.voice_at = it->raw[setting_find(SEC_COACH, "voice")].at;
			if (it->sec == SEC_METRONOME)
				cfg->metronome.sound_at =
					it->raw[setting_find(SEC_METRONOME, "sound")].at;
			break;
		}
	}
	if (cfg->general.routine_idx >= 0)
		cfg->general.routine = xstrdup(cfg->routines[cfg->general.routine_idx].name);
	if (cfg->reminders.routine_idx >= 0)
		cfg->reminders.routine = xstrdup(cfg->routines[cfg->reminders.routine_idx].name);
}

/* ---- The interface ---- */

/* Loads the built-in default, then either the file at path, or (text not
 * NULL) len bytes of text under the name path. */
struct config_work config_work;

static int load(struct config *cfg, const char *path, const char *text, size_t len,
		const struct config_voices *voices, FILE *errf)
{
	struct config c = { 0 };
	struct loader ld = { .cfg = &c, .voices = voices };
	bool usable = true;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	memset(&config_work, 0, sizeof(config_work));
	c.files = xcalloc(2, sizeof(*c.files));
	c.files[c.n_files++] = xstrdup(BUILTIN);
	/* The sections without a NAME always exist. */
	for (int i = 0; i < SEC_COUNT; i++)
		if (!sections[i].instanced)
			item_add(&ld, (enum section)i, NULL, (struct origin){ NULL, 0 });

	if (check_text(&ld, c.files[0], config_default_ini, strlen(config_default_ini)) == 0)
		parse_text(&ld, c.files[0], config_default_ini, strlen(config_default_ini));
	else
		usable = false;
	if (path && text) {
		c.files[c.n_files++] = xstrdup(path);
		if (len > MAX_FILE) {
			problem(&ld, (struct origin){ c.files[1], 0 },
				"file too large (more than 1 MiB)");
			usable = false;
		} else if (check_text(&ld, c.files[1], text, len) == 0) {
			parse_text(&ld, c.files[1], text, len);
		} else {
			usable = false;
		}
	} else if (path) {
		char *buf;

		c.files[c.n_files++] = xstrdup(path);
		if (read_file(&ld, c.files[1], &buf, &len) == 0) {
			parse_text(&ld, c.files[1], buf, len);
			free(buf);
		} else {
			usable = false;
		}
	}
	if (usable)
		build(&ld);
	if (ld.n_probs) {
		ret = -1;
		report(&ld, errf);
		config_free(&c);
	} else {
		*cfg = c;
	}
	loader_free(&ld);
	return ret;
}

int config_load(struct config *cfg, const char *path,
		const struct config_voices *voices, FILE *errf)
{
	return load(cfg, path, NULL, 0, voices, errf);
}

int config_load_text(struct config *cfg, const char *name, const char *text,
		     size_t len, const struct config_voices *voices, FILE *errf)
{
	return load(cfg, name, text, len, voices, errf);
}

char *config_find(const char *explicit_path)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct stat st;
	char *p = NULL;

	if (explicit_path)
		return xstrdup(explicit_path);
	if (xdg && xdg[0] == '/')
		p = xasprintf("%s/backcoach/backcoach.ini", xdg);
	else if (home && home[0] == '/')
		p = xasprintf("%s/.config/backcoach/backcoach.ini", home);
	if (p && stat(p, &st) == 0)
		return p;
	free(p);
	p = xstrdup(BC_SYSCONFDIR "/backcoach/backcoach.ini");
	if (stat(p, &st) == 0)
		return p;
	free(p);
	return NULL;
}

static void free_fields(enum section sec, void *base)
{
	for (size_t i = 0; i < N_SETTINGS; i++) {
		const struct setting *s = &settings[i];

		if (s->sec != sec)
			continue;
		if (owns_string(s->type) || s->type == T_REFLIST) {
			void **p = (void **)((char *)base + s->offset);

			free(*p);
			*p = NULL;
		}
	}
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_languages; i++) {
		free(cfg->languages[i].name);
		free_fields(SEC_LANGUAGE, &cfg->languages[i]);
	}
	for (size_t i = 0; i < cfg->n_breaths; i++) {
		free(cfg->breaths[i].name);
		free_fields(SEC_BREATH, &cfg->breaths[i]);
	}
	for (size_t i = 0; i < cfg->n_exercises; i++) {
		free(cfg->exercises[i].name);
		free_fields(SEC_EXERCISE, &cfg->exercises[i]);
	}
	for (size_t i = 0; i < cfg->n_routines; i++) {
		free(cfg->routines[i].name);
		free_fields(SEC_ROUTINE, &cfg->routines[i]);
	}
	for (int s = 0; s < SEC_COUNT; s++)
		if (!sections[s].instanced)
			free_fields((enum section)s, cfg);
	free(cfg->general.routine);
	free(cfg->reminders.routine);
	free(cfg->languages);
	free(cfg->breaths);
	free(cfg->exercises);
	free(cfg->routines);
	free(cfg->texts);
	for (size_t i = 0; i < cfg->n_files; i++)
		free(cfg->files[i]);
	free(cfg->files);
	memset(cfg, 0, sizeof(*cfg));
}

/* Does spoken match template, each {placeholder} standing for any text? */
static bool template_match(const char *tpl, const char *spoken)
{
	const char *at = spoken;
	bool first = true;

	for (const char *p = tpl;;) {
		const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
		size_t n = close ? (size_t)(open - p) : strlen(p), m;
		char *lit = xstrndup(p, n);
		const char *hit;

		if (first)
			hit = strncmp(at, lit, n) == 0 ? at : NULL;
		else if (!close)
			hit = (m = strlen(at)) >= n && strcmp(at + m - n, lit) == 0 ? at + m - n : NULL;
		else
			hit = strstr(at, lit);
		free(lit);
		if (!hit)
			return false;
		at = hit + n;
		if (!close)
			return !first || *at == '\0';
		p = close + 1;
		first = false;
	}
}

const struct origin *config_text_origin(const struct config *cfg, const char *spoken)
{
	const struct config_text *part = NULL;
	size_t best = 0;

	for (size_t i = 0; i < cfg->n_texts; i++)
		if (strcmp(cfg->texts[i].text, spoken) == 0)
			return &cfg->texts[i].at;
	/* Put together: a whole text setting inside it (a title in "Next:
	 * {title}."), the longest; else the phrase it was made from. */
	for (size_t i = 0; i < cfg->n_texts; i++)
		if (!strchr(cfg->texts[i].text, '{') && strstr(spoken, cfg->texts[i].text) &&
		    (!part || strlen(cfg->texts[i].text) > strlen(part->text)))
			part = &cfg->texts[i];
	if (part)
		return &part->at;
	/* The phrase whose fixed words make up most of it, at least a third
	 * ("{n}." would match anything ending in a full stop). */
	for (size_t i = 0; i < cfg->n_texts; i++) {
		const char *t = cfg->texts[i].text;
		size_t fixed = 0;

		if (!strchr(t, '{') || !template_match(t, spoken))
			continue;
		for (const char *p = t; *p; p++) {
			if (*p == '{' && strchr(p, '}'))
				p = strchr(p, '}');
			else
				fixed++;
		}
		if (3 * fixed >= strlen(spoken) && fixed > best) {
			part = &cfg->texts[i];
			best = fixed;
		}
	}
	if (part)
		return &part->at;
	return NULL;
}

int config_routine(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_routines; i++)
		if (strcmp(cfg->routines[i].name, name) == 0)
			return (int)i;
	return -1;
}

int config_exercise(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_exercises; i++)
		if (strcmp(cfg->exercises[i].name, name) == 0)
			return (int)i;
	return -1;
}
