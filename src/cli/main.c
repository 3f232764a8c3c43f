/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c: backcoach, a voice-guided audio coach for stiff backs. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
