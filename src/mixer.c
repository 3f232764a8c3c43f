/* mixer.c: not written yet. */
