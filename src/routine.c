/* routine.c: not written yet. */
