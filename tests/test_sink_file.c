/* test_sink_file.c: not written yet. */
#include "testlib.h"
int main(void) { return 77; }
