/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.h: the backcoach command line: subcommands and their exit codes. */
#ifndef BC_CLI_H
#define BC_CLI_H

#include "base/exitcode.h"

int cli_main(int argc, char **argv);

#endif
