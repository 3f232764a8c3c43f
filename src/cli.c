/* cli.c: not written yet (the lead is writing it). */
#include <stdio.h>
#include "cli.h"
int cli_main(int argc, char **argv)
{
	(void)argc; (void)argv;
	fputs("backcoach: not built yet\n", stderr);
	return 1;
}
