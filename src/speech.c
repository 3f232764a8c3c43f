/* speech.c: not written yet. */
