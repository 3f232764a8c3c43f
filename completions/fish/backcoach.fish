# SPDX-License-Identifier: GPL-3.0-or-later
# fish completion for backcoach: commands, options, and the routine names of
# the config in use (`backcoach list --routines`: read, not measured).
# A new command or option goes here too: tests/cli/completion.sh checks
# this file against `backcoach --help` and each `backcoach CMD --help`.

set -l commands play render script check list voices devices run start stop pause resume skip repeat snooze hold unhold reload status stats feedback progress

function __backcoach_routines
    set -l tokens (commandline -opc)
    set -l config
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case -c --config
                set config --config $tokens[(math $i + 1)]
            case '--config=*'
                set config $tokens[$i]
        end
    end
    backcoach $config list --routines 2>/dev/null
end

complete -c backcoach -f
complete -c backcoach -s c -l config -r -F -d 'Use this config file'
complete -c backcoach -s v -l verbose -d 'Say more'
complete -c backcoach -s h -l help -d 'Show the help and exit'
complete -c backcoach -s V -l version -d 'Show the version and exit'

complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a play -d 'Play a routine now'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a render -d 'Render a routine to a sound file'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a script -d "Print a routine's timeline"
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a check -d 'Validate a config file'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a list -d 'List routines and exercises'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a voices -d 'List voices and variants'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a devices -d 'List audio outputs'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a run -d 'Run the daemon'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a start -d 'Start a routine in the daemon'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a stop -d 'Stop the session'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a pause -d 'Pause the session'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a resume -d 'Resume the session'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a skip -d 'Skip to the next step'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a repeat -d 'Say the current step again'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a snooze -d 'Put off the next reminder'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a hold -d 'No reminders for a while'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a unhold -d 'Reminders as usual again'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a reload -d 'Reload the config'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a status -d 'What the daemon is doing'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a stats -d 'Time at the machine, breaks, sessions'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a feedback -d 'Say how an exercise went'
complete -c backcoach -n "not __fish_seen_subcommand_from $commands" -a progress -d "Each exercise's form and history"

complete -c backcoach -n '__fish_seen_subcommand_from play render script start' -a '(__backcoach_routines)' -d Routine
complete -c backcoach -n '__fish_seen_subcommand_from render' -s o -l output -r -F -d 'The sound file to write'
complete -c backcoach -n '__fish_seen_subcommand_from render' -s s -l subtitles -r -F -d 'WebVTT subtitles too'
complete -c backcoach -n '__fish_seen_subcommand_from render script' -s n -l notice -d 'The safety notice and the tones explained'
complete -c backcoach -n '__fish_seen_subcommand_from script' -s S -l samples -d 'Times as sample numbers'
complete -c backcoach -n '__fish_seen_subcommand_from list' -s r -l routines -d "Only the routines' names"
complete -c backcoach -n '__fish_seen_subcommand_from list' -s e -l exercises -d "Only the exercises' names"
complete -c backcoach -n '__fish_seen_subcommand_from check' -F
complete -c backcoach -n '__fish_seen_subcommand_from stats' -a 'today week month'
complete -c backcoach -n '__fish_seen_subcommand_from start' -s m -l minutes -x -d 'The longest routine that fits in N minutes'
complete -c backcoach -n '__fish_seen_subcommand_from hold' -a 'until tomorrow' -d 'Until when'
complete -c backcoach -n '__fish_seen_subcommand_from feedback' -a '(backcoach list --exercises 2>/dev/null) good easier harder hurt'
