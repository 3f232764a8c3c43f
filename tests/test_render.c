/* test_render.c: not written yet. */
#include "testlib.h"
int main(void) { return 77; }
