/* SPDX-License-Identifier: GPL-3.0-or-later */
/* settings_data.h: every section and key of backcoach.ini(5), described once.
 *
 * X-macro tables (as in inih's examples/ini_xmacros.c and dunst's
 * settings_data.h), expanded by config.c into the settings table that drives
 * parsing, validation and defaults. Keep backcoach.ini(5) and
 * config/backcoach.ini in step: test_config checks the man page documents
 * every key. */
#ifndef BC_SETTINGS_DATA_H
#define BC_SETTINGS_DATA_H

/* Sections: X(ID, name, instanced). Instanced sections are written
 * [name:NAME] and may appear once per NAME; the others once. */
#define BC_SECTIONS(X)                       \
	X(GENERAL, "general", 0)             \
	X(COACH, "coach", 0)                 \
	X(METRONOME, "metronome", 0)         \
	X(AUDIO, "audio", 0)                 \
	X(REMINDERS, "reminders", 0)         \
	X(LANGUAGE, "language", 1)           \
	X(BREATH, "breath", 1)               \
	X(EXERCISE, "exercise", 1)           \
	X(ROUTINE, "routine", 1)

/* The struct a section's values are stored in (fields below are relative to
 * it). */
#define BC_TYPE_GENERAL struct config
#define BC_TYPE_COACH struct config
#define BC_TYPE_METRONOME struct config
#define BC_TYPE_AUDIO struct config
#define BC_TYPE_REMINDERS struct config
#define BC_TYPE_LANGUAGE struct language
#define BC_TYPE_BREATH struct breath
#define BC_TYPE_EXERCISE struct exercise
#define BC_TYPE_ROUTINE struct routine

/* Milliseconds, for duration ranges. */
#define BC_S 1000
#define BC_M (60 * BC_S)
#define BC_H (60 * BC_M)

/* Value types (T_ in config.c):
 *   INT        whole number min..max (F_ZERO: 0 also allowed), int
 *   DUR        duration with units min..max ms, int64_t
 *   PERCENT    "35" or "35%", min..max, int
 *   FRACTION   percentage min..max stored as 0..1, double
 *   BOOL       yes/no (or the two names in extra, "false|true"), bool
 *   STRING     one line of text, empty = NULL, char *
 *   TEXT       spoken text, continuation lines joined, at most
 *              SPEECH_MAX_TEXT bytes; extra lists the {placeholders}
 *              allowed (F_PLACE: each of them required), char *
 *   EQUIPMENT  list of equipment names, mask of enum equipment
 *   DAYS       week days: mon-fri, mon,wed,fri, weekdays, weekend, all
 *   HOURS      HH:MM-HH:MM or always, int from_min, to_min
 *   ENUM       one of the names in extra ("a|b|c"), index as int
 *   REF        name of a section of kind extra, index as int (-1: none)
 *   REFLIST    list of such names, int * and size_t count after it
 *   VARIANT    eSpeak NG voice variant (speech_variant_exists), char *
 *   LANGVOICE  eSpeak NG language voice (speech_language_exists), char *
 *   SOUND      click, wood, beep or a sound file path, char *
 * Flags: F_REQ required (no default), F_ZERO 0 allowed outside min..max,
 * F_NONE "none" (or empty) accepted, F_PLACE placeholders required.
 * A default "@key" means: the value of key in the same section. */

/* Settings: X(SECTION, key, TYPE, default, min, max, flags, extra, field, help) */
#define BC_SETTINGS(X) \
	X(GENERAL, "equipment", EQUIPMENT, "chair, floor", 0, 0, 0, NULL, general.equipment, \
	  "Equipment you own: chair, floor, mat, wall, towel, foam-roller, ball") \
	X(GENERAL, "routine", REF, "desk-break", 0, 0, 0, "routine", general.routine_idx, \
	  "Routine played by `backcoach play` and SIGUSR1") \
	X(COACH, "voice", VARIANT, "calm", 0, 0, F_NONE, NULL, coach.voice, \
	  "Voice variant, or none for the plain language voice") \
	X(COACH, "rate", INT, "150", 80, 450, 0, NULL, coach.rate, \
	  "Speaking rate in words per minute") \
	X(COACH, "pitch", INT, "45", 0, 100, 0, NULL, coach.pitch, \
	  "Voice pitch") \
	X(COACH, "range", INT, "40", 0, 100, 0, NULL, coach.range, \
	  "Pitch range: 0 is monotone") \
	X(COACH, "volume", PERCENT, "100", 0, 200, 0, NULL, coach.volume, \
	  "Voice volume in percent") \
	X(COACH, "wait_at_most", DUR, "60s", 0, 10 * BC_M, 0, NULL, coach.wait_ms, \
	  "At a change of place (down to the floor, up, fetching the roller or ball): wait this long at most for play; 0s = do not wait") \
	X(COACH, "adapt", BOOL, "yes", 0, 0, 0, NULL, coach.adapt, \
	  "Ask how it went, and adapt each exercise to what you did and said (backcoach progress)") \
	X(COACH, "fade_after", INT, "3", 1, 100, F_ZERO, NULL, coach.fade_after, \
	  "Breath words fade after this many cycles where tones carry the breath, and come back every fourth; 0 = never") \
	X(METRONOME, "bpm", INT, "60", 20, 240, F_ZERO, NULL, metronome.bpm, \
	  "Metronome beats per minute, 0 = off") \
	X(METRONOME, "accent", INT, "4", 1, 16, 0, NULL, metronome.accent, \
	  "Accent every N beats") \
	X(METRONOME, "sound", SOUND, "click", 0, 0, 0, NULL, metronome.sound, \
	  "Beat sound: click, wood, beep, or a sound file") \
	X(METRONOME, "volume", FRACTION, "35", 0, 100, 0, NULL, metronome.volume, \
	  "Metronome volume in percent") \
	X(AUDIO, "device", STRING, "", 0, 0, 0, NULL, audio.device, \
	  "Part of the output device name; empty = default device") \
	X(AUDIO, "latency", DUR, "1s", 10, 2 * BC_S, 0, NULL, audio.latency_ms, \
	  "Output latency") \
	X(AUDIO, "other_players", ENUM, "pause", 0, 0, 0, "pause|keep", audio.other_players, \
	  "Other media players that are playing when a session starts: pause them (and resume them at its end), or keep them playing") \
	X(REMINDERS, "enabled", BOOL, "yes", 0, 0, 0, NULL, reminders.enabled, \
	  "Remind you to take a break") \
	X(REMINDERS, "interval", DUR, "50m", 1 * BC_S, 24 * BC_H, 0, NULL, reminders.interval_ms, \
	  "Time between reminders") \
	X(REMINDERS, "active_hours", HOURS, "09:00-18:00", 0, 0, 0, NULL, reminders.from_min, \
	  "Hours when reminders are given: HH:MM-HH:MM or always") \
	X(REMINDERS, "days", DAYS, "mon-fri", 0, 0, 0, NULL, reminders.days, \
	  "Days when reminders are given") \
	X(REMINDERS, "message", TEXT, NULL, \
	  0, 0, 0, "minutes|time", reminders.message, \
	  "Spoken reminder instead of the language's reminder phrase; {minutes} is the number of minutes sat, {time} the same in words") \
	X(REMINDERS, "routine", REF, "desk-break", 0, 0, F_NONE, "routine", reminders.routine_idx, \
	  "Routine offered by a reminder, or none") \
	X(REMINDERS, "countdown", DUR, "10s", 0, 60 * BC_S, 0, NULL, reminders.countdown_ms, \
	  "Countdown before the offered routine starts") \
	X(REMINDERS, "snooze", DUR, "10m", 1 * BC_M, 4 * BC_H, 0, NULL, reminders.snooze_ms, \
	  "How long snooze postpones a reminder") \
	X(REMINDERS, "presence", BOOL, "yes", 0, 0, 0, NULL, reminders.presence, \
	  "Count sitting time only while you are at the machine (desktop signals)") \
	X(REMINDERS, "break_length", DUR, "5m", 1 * BC_S, 4 * BC_H, 0, NULL, reminders.break_ms, \
	  "An absence at least this long is a natural break: sitting starts over") \
	X(REMINDERS, "idle_after", DUR, "5m", 10 * BC_S, 4 * BC_H, 0, NULL, reminders.idle_ms, \
	  "Away after this long without input (GNOME's idle monitor, KDE's idle time)") \
	X(REMINDERS, "during_calls", ENUM, "wait", 0, 0, 0, "wait|remind", reminders.during_calls, \
	  "While another program records from a microphone: wait or remind") \
	X(REMINDERS, "call_grace", DUR, "30s", 0, 10 * BC_M, 0, NULL, reminders.call_grace_ms, \
	  "After a call ends, wait this long before a reminder") \
	X(REMINDERS, "announce", ENUM, "both", 0, 0, 0, "voice|notification|both", reminders.announce, \
	  "How a reminder reaches you: spoken, as a desktop notification, or both") \
	X(REMINDERS, "start", ENUM, "ask", 0, 0, 0, "ask|auto", reminders.start, \
	  "ask: the routine waits for your answer (Start, play, `backcoach start`); auto: it starts after the countdown") \
	X(REMINDERS, "answer_within", DUR, "2m", 10 * BC_S, 30 * BC_M, 0, NULL, reminders.answer_within_ms, \
	  "With start = ask: no answer within this long snoozes the reminder") \
	X(LANGUAGE, "voice", LANGVOICE, NULL, 0, 0, F_REQ, NULL, voice, \
	  "eSpeak NG language voice") \
	X(BREATH, "inhale", DUR, "0s", 0, 60 * BC_S, 0, NULL, ms[BP_INHALE], \
	  "Length of the in-breath") \
	X(BREATH, "hold", DUR, "0s", 0, 60 * BC_S, 0, NULL, ms[BP_HOLD], \
	  "Hold after breathing in") \
	X(BREATH, "exhale", DUR, "0s", 0, 60 * BC_S, 0, NULL, ms[BP_EXHALE], \
	  "Length of the out-breath") \
	X(BREATH, "hold_after", DUR, "0s", 0, 60 * BC_S, 0, NULL, ms[BP_HOLD_AFTER], \
	  "Hold after breathing out") \
	X(BREATH, "cue", ENUM, "both", 0, 0, 0, "none|voice|tone|both", via[BP_INHALE], \
	  "How every phase is cued: voice, tone, both or none") \
	X(BREATH, "inhale_cue", ENUM, "@cue", 0, 0, 0, "none|voice|tone|both", via[BP_INHALE], \
	  "How the in-breath is cued") \
	X(BREATH, "hold_cue", ENUM, "@cue", 0, 0, 0, "none|voice|tone|both", via[BP_HOLD], \
	  "How the hold is cued") \
	X(BREATH, "exhale_cue", ENUM, "@cue", 0, 0, 0, "none|voice|tone|both", via[BP_EXHALE], \
	  "How the out-breath is cued") \
	X(BREATH, "hold_after_cue", ENUM, "@cue", 0, 0, 0, "none|voice|tone|both", via[BP_HOLD_AFTER], \
	  "How the hold after breathing out is cued") \
	X(EXERCISE, "title", TEXT, NULL, 0, 0, F_REQ, "", title, \
	  "Spoken name of the exercise") \
	X(EXERCISE, "setup", TEXT, NULL, 0, 0, F_REQ, "", setup, \
	  "How to get into position") \
	X(EXERCISE, "caution", TEXT, NULL, 0, 0, 0, "", caution, \
	  "Warning spoken during setup") \
	X(EXERCISE, "rep_cue", TEXT, NULL, 0, 0, 0, "", rep_cue, \
	  "Spoken at the start of every rep") \
	X(EXERCISE, "say_inhale", TEXT, NULL, 0, 0, 0, "", say[BP_INHALE], \
	  "Words for the in-breath in this exercise") \
	X(EXERCISE, "say_hold", TEXT, NULL, 0, 0, 0, "", say[BP_HOLD], \
	  "Words for the hold in this exercise") \
	X(EXERCISE, "say_exhale", TEXT, NULL, 0, 0, 0, "", say[BP_EXHALE], \
	  "Words for the out-breath in this exercise") \
	X(EXERCISE, "say_hold_after", TEXT, NULL, 0, 0, 0, "", say[BP_HOLD_AFTER], \
	  "Words for the hold after breathing out in this exercise") \
	X(EXERCISE, "setup_time", DUR, "5s", 0, 2 * BC_M, 0, NULL, setup_ms, \
	  "Time to get into position after the setup speech") \
	X(EXERCISE, "reps", INT, "1", 0, 100, 0, NULL, reps, \
	  "Repetitions (per side); 0: a movement between positions, a step of its own") \
	X(EXERCISE, "hold", DUR, "0s", 0, 10 * BC_M, 0, NULL, hold_ms, \
	  "Length of one rep; 0 = one breath cycle") \
	X(EXERCISE, "easier_reps", INT, "@reps", 1, 100, 0, NULL, easier_reps, \
	  "Repetitions in the easier form (at most reps)") \
	X(EXERCISE, "easier_hold", DUR, "@hold", 0, 10 * BC_M, 0, NULL, easier_hold_ms, \
	  "Length of one rep in the easier form (at most hold)") \
	X(EXERCISE, "easier_cue", TEXT, NULL, 0, 0, 0, "", easier_cue, \
	  "Said after the setup in the easier form: how to do less") \
	X(EXERCISE, "harder_reps", INT, "@reps", 1, 100, 0, NULL, harder_reps, \
	  "Repetitions in the harder form (at least reps): where progression stops") \
	X(EXERCISE, "harder_hold", DUR, "@hold", 0, 10 * BC_M, 0, NULL, harder_hold_ms, \
	  "Length of one rep in the harder form (at least hold): where progression stops") \
	X(EXERCISE, "breath", REF, "none", 0, 0, F_NONE, "breath", breath, \
	  "Breath pattern to cue during the exercise, or none") \
	X(EXERCISE, "sides", BOOL, "one", 0, 0, 0, "one|both", both_sides, \
	  "one, or both: all reps on one side, then on the other") \
	X(EXERCISE, "switch_time", DUR, "5s", 0, 2 * BC_M, 0, NULL, switch_ms, \
	  "Time to change sides") \
	X(EXERCISE, "equipment", EQUIPMENT, "", 0, 0, 0, NULL, equipment, \
	  "Equipment needed") \
	X(EXERCISE, "bpm", INT, "0", 20, 240, F_ZERO, NULL, bpm, \
	  "Metronome tempo, 0 = [metronome] bpm") \
	X(EXERCISE, "metronome", ENUM, "default", 0, 0, 0, "default|off|breath", metronome, \
	  "default (bpm, or [metronome] bpm), off, or breath: beats subdivide each breath phase") \
	X(EXERCISE, "first_side", TEXT, NULL, 0, 0, 0, "", first_side, \
	  "Said before the first side, instead of the language's first_side") \
	X(EXERCISE, "switch", TEXT, NULL, 0, 0, 0, "", switch_text, \
	  "How to get into the second side, instead of the language's switch") \
	X(EXERCISE, "release", TEXT, NULL, 0, 0, 0, "", release, \
	  "How to come out of the exercise, instead of the language's release") \
	X(EXERCISE, "prepare", TEXT, NULL, 0, 0, 0, "", prepare, \
	  "Said in the rest before the exercise: where to go, what to fetch") \
	X(EXERCISE, "bring", TEXT, NULL, 0, 0, 0, "", bring, \
	  "What to keep within reach, named in the routine's introduction") \
	X(ROUTINE, "title", TEXT, NULL, 0, 0, F_REQ, "", title, \
	  "Name of the routine") \
	X(ROUTINE, "language", REF, "en", 0, 0, 0, "language", language, \
	  "Language of the stock phrases and voice") \
	X(ROUTINE, "intro", TEXT, NULL, 0, 0, 0, "", intro, \
	  "Spoken at the start") \
	X(ROUTINE, "outro", TEXT, NULL, 0, 0, 0, "", outro, \
	  "Spoken at the end") \
	X(ROUTINE, "exercises", REFLIST, NULL, 0, 0, F_REQ, "exercise", exercises, \
	  "Exercises in order, comma-separated; repeats allowed") \
	X(ROUTINE, "rest", DUR, "10s", 0, 5 * BC_M, 0, NULL, rest_ms, \
	  "Rest between exercises")

/* Stock phrases of [language:NAME], in enum phrase order:
 * P(ID, key, placeholders, flags, help). Each is a TEXT setting of
 * [language:NAME] (after those above) and must contain each of its
 * placeholders; F_REQ: required, else optional (not said when unset). */
#define BC_PHRASES(P) \
	P(PH_GET_READY, "get_ready", "", F_REQ, "Said before the countdown to an exercise") \
	P(PH_BEGIN, "begin", "", F_REQ, "Said when an exercise starts") \
	P(PH_NEXT, "next", "title", F_REQ, "Announces the next exercise") \
	P(PH_INHALE, "inhale", "", F_REQ, "Breathe in") \
	P(PH_HOLD, "hold", "", F_REQ, "Hold the breath") \
	P(PH_EXHALE, "exhale", "", F_REQ, "Breathe out") \
	P(PH_COUNT_REP, "count", "n", F_REQ, "Rep count") \
	P(PH_HALFWAY, "halfway", "", F_REQ, "Said instead of the count at the middle rep") \
	P(PH_LAST, "last", "", F_REQ, "Before the last rep") \
	P(PH_SECONDS_LEFT, "seconds_left", "n", F_REQ, "Time left in a hold") \
	P(PH_FIRST_SIDE, "first_side", "", F_REQ, "Before the first side") \
	P(PH_SWITCH, "switch", "", F_REQ, "Change to the other side") \
	P(PH_RELEASE, "release", "", F_REQ, "End of an exercise") \
	P(PH_REST, "rest", "", F_REQ, "Rest between exercises") \
	P(PH_SKIPPED, "skipped", "list", F_REQ, "Exercises left out for lack of equipment") \
	P(PH_NOTICE, "notice", "", F_REQ, "Safety notice, spoken before the first session") \
	P(PH_TONES, "tones", "", 0, "What the breath tones and clicks mean, said in the first session") \
	P(PH_WITHIN_REACH, "within_reach", "list", 0, "Names the equipment to keep within reach") \
	P(PH_STOPPED, "stopped", "", 0, "Said when a session is stopped during an exercise") \
	P(PH_REMINDER, "reminder", "time", 0, "The reminder; {time} is the time sat, in the minute or minutes phrase") \
	P(PH_REMINDER_ASK, "reminder_ask", "", 0, "Said after the reminder when it asks: how to answer") \
	P(PH_MINUTE, "minute", "n", 0, "One minute ({n} is 1)") \
	P(PH_MINUTES, "minutes", "n", 0, "{n} minutes, for any other number") \
	P(PH_FIRST_START, "first_start", "time|when", 0, "Said once, when the daemon first starts: {time} the interval, {when} the days and hours") \
	P(PH_WEEKDAYS, "weekdays", "hours", 0, "{when} for reminders Monday to Friday; {hours} the hours phrase") \
	P(PH_EVERY_DAY, "every_day", "hours", 0, "{when} for reminders every day") \
	P(PH_ON_DAYS, "on_days", "hours", 0, "{when} for reminders on other days") \
	P(PH_HOURS, "hours", "from|to", 0, "{hours}: the active hours") \
	P(PH_ALL_DAY, "all_day", "", 0, "{hours} when reminders are given at any hour") \
	P(PH_CLOCK, "clock", "hour|ampm_hour", F_ANYPLACE, "A full hour: {hour} 0 to 23, or {ampm_hour} 1 to 12") \
	P(PH_CLOCK_MINUTES, "clock_minutes", "hour|ampm_hour|minute", F_ANYPLACE, "A time past the hour: {minute} 01 to 59") \
	P(PH_BREAK_TITLE, "break_title", "", 0, "The reminder notification's title") \
	P(PH_ACT_START, "start", "", 0, "Notification button: start the routine") \
	P(PH_ACT_SHORT, "start_short", "title", 0, "Notification button: start the short routine {title}") \
	P(PH_ACT_SNOOZE, "snooze", "", 0, "Notification button: snooze") \
	P(PH_ACT_SKIP, "skip", "", 0, "Notification button: skip this break") \
	P(PH_WAIT, "wait", "", 0, "Said where the coach waits for you to get into place ([coach] wait_at_most)") \
	P(PH_WAITING, "waiting", "", 0, "The name of a wait, as status and media players show it") \
	P(PH_ASK, "ask", "", 0, "The question after the last exercise ([coach] adapt): next = all good, previous = too much") \
	P(PH_LEFT_OUT, "left_out", "title|name", 0, "Said once when an exercise that hurt is left out; {name} is its section name") \
	P(PH_BEGIN_SHORT, "begin_short", "", 0, "Shorter begin, where begin and the breath words do not fit together") \
	P(PH_LAST_SHORT, "last_short", "", 0, "Shorter last, where last and the breath words do not fit together") \
	P(PH_NOTICE_FLOOR, "notice_floor", "", 0, "Said the first time a routine goes down to the floor") \
	P(PH_NOTICE_BALL, "notice_ball", "", 0, "Said the first time a routine uses the exercise ball") \
	P(PH_NO_TONES, "no_tones", "", 0, "Said before an exercise whose breath is cued by voice alone, after others cued with tones")

#endif
