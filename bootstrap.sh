#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bootstrap.sh: install what is missing (Debian/Ubuntu), build, and run.
#   ./bootstrap.sh            install what is missing, build, play the default routine
#                             (with nothing to play on: render it to a file instead)
#   ./bootstrap.sh --no-run   only install and build
#   ./bootstrap.sh --dry-run  only say what would be installed
#
# It never removes or replaces a package, and never touches the sound stack
# you already have:
# - apt-get runs with --no-remove: if an install would remove anything (for
#   example PulseAudio displacing PipeWire), apt refuses and nothing changes;
# - a sound server is installed only where none is: where PipeWire or
#   PulseAudio is installed, the live tests start a private instance of that
#   server and nothing server-side is added. On a machine with no sound
#   server at all (a headless box, CI) both PulseAudio and PipeWire's pulse
#   server are installed, so the live tests run on both (they coexist in
#   Debian 12; pipewire-alsa does not coexist with PulseAudio).
set -e
cd "$(dirname "$0")"

run=yes dry=
for arg in "$@"; do
	case $arg in
	--no-run) run= ;;
	--dry-run) dry=yes run= ;;
	*) echo "usage: $0 [--no-run | --dry-run]" >&2; exit 2 ;;
	esac
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# Building.
BUILD="build-essential autoconf automake pkg-config bash-completion
	portaudio19-dev libsndfile1-dev libespeak-ng-dev libinih-dev
	libsamplerate0-dev libsystemd-dev libpulse-dev"
# Running: eSpeak NG's voices, and ALSA's pulse plugin (the fast path into
# PulseAudio or PipeWire's pulse server).
RUN="espeak-ng-data libasound2-plugins"
# Testing: Check, the tools that record and measure what reaches the
# speakers (parecord, sox), private D-Bus buses with stand-in services
# (dbus-daemon, python3-dbusmock, gdbus from libglib2.0-bin), a real MPRIS
# client (playerctl), clang with its libFuzzer runtime for `make fuzz`, and
# stress-ng, the load the suites must pass under (`make -j4 check` beside
# `stress-ng --cpu 4`) and `make bench` measures under; the shells whose
# completions are tested (zsh, fish); systemd-analyze (systemd) and man-db
# to verify the user unit; espeak-ng, the command, the floor `make bench`
# holds the render's CPU time against.
TEST="check pulseaudio-utils alsa-utils sox dbus python3-dbusmock libglib2.0-bin
	playerctl clang libclang-rt-14-dev stress-ng zsh fish systemd man-db espeak-ng"

# The sound server the live tests start privately: the one you have, or both
# where there is none. pulseaudio-utils (pactl, parecord) is a client only and
# coexists with every server.
if installed pipewire-pulse || installed pipewire-alsa || installed pipewire-audio; then
	SERVER="pipewire wireplumber"
	installed pipewire-pulse || echo "note: PipeWire without pipewire-pulse: the live tests use PipeWire's ALSA path only" >&2
elif installed pulseaudio; then
	SERVER=
elif installed pipewire; then
	SERVER="wireplumber"
else
	SERVER="pulseaudio pipewire wireplumber pipewire-pulse"
fi

missing=
for p in $BUILD $RUN $TEST $SERVER; do
	installed "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "Installing:$missing"
	[ -n "$dry" ] && exit 0
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# --no-remove: fail rather than remove or replace anything.
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends --no-remove $missing
elif [ -n "$dry" ]; then
	echo "Nothing to install."
	exit 0
fi

[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"

[ -n "$run" ] || exit 0
# No output device at all (a headless box, a container): say so, and render
# the routine to a file to hear elsewhere rather than fail.
if ./src/backcoach devices 2>/dev/null | grep -q '^(no output devices'; then
	out="$PWD/backcoach-default-routine.ogg"
	echo "Built. There is no sound output here (no sound card, no sound server) to play on,"
	echo "so the default routine goes to a file instead."
	./src/backcoach render -o "$out"
	echo "The default routine is in $out: play it with any audio player."
	exit 0
fi
exec ./src/backcoach play
