/* test_speech.c: not written yet. */
#include "testlib.h"
int main(void) { return 77; }
