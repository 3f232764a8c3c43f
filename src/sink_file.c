/* sink_file.c: not written yet. */
