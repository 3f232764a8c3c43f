#!/bin/sh
# bootstrap.sh: install what is missing (Debian/Ubuntu), build, and run.
#   ./bootstrap.sh            build, then play the default routine
#   ./bootstrap.sh --no-run   only install and build
set -e
cd "$(dirname "$0")"

# Build, test and run-time packages (tests use a real PulseAudio server).
PACKAGES="build-essential autoconf automake pkg-config
	portaudio19-dev libsndfile1-dev libespeak-ng-dev libinih-dev
	libsamplerate0-dev libsystemd-dev libpulse-dev check
	espeak-ng-data pulseaudio pulseaudio-utils libasound2-plugins alsa-utils"

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "Installing:$missing"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

[ -x configure ] || ./autogen.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"

[ "$1" = "--no-run" ] && exit 0
exec ./src/backcoach play
