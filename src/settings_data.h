/* settings_data.h: not written yet. */
