#!/bin/bash
# Download Debian's kernels, headers and busybox into the cache (apt-get download + dpkg -x:
# nothing is installed, nothing touches /boot, no root needed), then make each header tree
# buildable on this host. Idempotent: a flavour that is already prepared is skipped.
# Atomic: a download goes to a temporary folder and is renamed into place when complete, and a
# kernel is unpacked into a temporary folder renamed when ready, so an interrupted run leaves
# nothing half-cached.  vmlab runs it (vmlab --fetch); so can you:
#
#   bash lab/fetch.sh            # all flavours: 686 686-pae amd64
#   bash lab/fetch.sh amd64      # just one
#
# Result, per flavour F: $CACHE/kernels/F/{vmlinuz,headers,version}.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The versioned package that a Debian metapackage (linux-image-686:i386, ...) depends on.
resolve() {
	local meta=$1 dep
	dep=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-/ { print $2; exit }')
	[ -n "$dep" ] || die "apt does not know $meta (as root, once: dpkg --add-architecture i386 && apt-get update; see lab/README.md)"
	echo "${dep%%:*}"
}

candidate() {
	apt-cache policy "$1" | awk '/Candidate:/ { print $2; exit }'
}

# debfile NAME VERSION ARCH: where apt-get download puts that package.
debfile() {
	echo "$DEBS/${1}_${2//:/%3a}_${3}.deb"
}

# download NAME VERSION ARCH: fetch one .deb into $DEBS unless it is already there.
download() {
	local name=$1 ver=$2 arch=$3 spec
	[ -f "$(debfile "$name" "$ver" "$arch")" ] && return
	spec="$name:$arch=$ver"
	[ "$arch" != all ] || spec="$name=$ver"
	local size tmp reason
	size=$(apt-cache show "$spec" 2>/dev/null | awk '/^Size:/ { printf "%.0f MB", $2 / 1e6; exit }')
	log "downloading $name ${size:+($size)}"
	mkdir -p "$DEBS"
	tmp=$(mktemp -d "$DEBS/.partial.XXXXXX")
	# apt's messages go to a log: on failure, its reason goes on our one line. As a user, apt
	# cannot drop to its sandbox user "_apt": download as ourselves.
	if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "$spec" >"$tmp/apt.log" 2>&1); then
		reason=$(grep -m1 '^E:' "$tmp/apt.log" | sed -E 's/^E: (Failed to fetch [^ ]+ +)?//' | cut -c1-90)
		rm -rf "$tmp"
		die "cannot download $spec (apt-get download failed: ${reason:-no network?})"
	fi
	mv "$tmp"/*.deb "$DEBS/" 2>/dev/null || true
	rm -rf "$tmp"
	[ -f "$(debfile "$name" "$ver" "$arch")" ] || die "apt-get download $spec gave no $(debfile "$name" "$ver" "$arch")"
}

# need_space MB: at least that much free under the cache, or stop before downloading.
need_space() {
	local avail
	mkdir -p "$CACHE"
	avail=$(df -Pk "$CACHE" | awk 'NR == 2 { print int($4 / 1024) }')
	[ "$avail" -ge "$1" ] || die "not enough disk: $avail MB free in $CACHE, need about $1 MB (vmlab --clean, or set VMTOUR_CACHE)"
}

prepare() {
	local flavour=$1 arch=$2 suffix="" dest=$KROOT/$1
	[ "$arch" = amd64 ] || suffix=":$arch"
	if [ -f "$dest/ready" ]; then
		return
	fi
	local image headers ver abi common
	image=$(resolve "linux-image-$flavour$suffix")
	headers=$(resolve "linux-headers-$flavour$suffix")
	ver=$(candidate "$image$suffix")
	abi=${image#linux-image-}
	abi=${abi%-"$flavour"}
	common=linux-headers-$abi-common
	# The host's (amd64) kbuild tools (fixdep, modpost, ...), of the same version if apt has it.
	local kbuild kbver
	kbuild=$(apt-cache depends "$headers$suffix" | awk '/Depends: linux-kbuild-/ { print $2; exit }')
	kbuild=${kbuild%%:*}
	[ -n "$kbuild" ] || die "cannot tell which linux-kbuild package $headers needs"
	kbver=$ver
	if ! apt-cache show "$kbuild:amd64=$ver" >/dev/null 2>&1; then
		kbver=$(candidate "$kbuild:amd64")
		log "no $kbuild $ver for amd64; using $kbver"
	fi
	download "$image" "$ver" "$arch"
	download "$headers" "$ver" "$arch"
	download "$common" "$ver" all
	download "$kbuild" "$kbver" amd64
	[ "$PHASE" = download ] && return

	# Unpacked into $tmp, renamed to $dest when ready; the links and paths written inside name
	# $dest, where they will be.
	local tmp=$dest.tmp.$$
	rm -rf "$tmp" "$dest" && mkdir -p "$tmp/x"
	# From the image only /boot (the modules would be 400 MB on disk for nothing).
	dpkg-deb --fsys-tarfile "$(debfile "$image" "$ver" "$arch")" | tar -x -C "$tmp/x" ./boot
	for f in "$(debfile "$headers" "$ver" "$arch")" "$(debfile "$common" "$ver" all)" \
		"$(debfile "$kbuild" "$kbver" amd64)"; do
		dpkg -x "$f" "$tmp/x"
	done
	local kver=$abi-$flavour
	cp "$tmp/x/boot/vmlinuz-$kver" "$tmp/vmlinuz"
	local h=$dest/x/usr/src/linux-headers-$kver c=$dest/x/usr/src/linux-headers-$abi-common
	local kb=$dest/x/usr/lib/$kbuild
	[ -d "$tmp${h#"$dest"}" ] && [ -d "$tmp${c#"$dest"}" ] && [ -d "$tmp${kb#"$dest"}" ] ||
		die "unexpected layout in the $flavour packages"
	# The header trees point at the host's /usr/lib/linux-kbuild-* and at
	# /usr/src/linux-headers-*-common; point them into the cache instead.
	local d l
	for d in "$h" "$c"; do
		for l in scripts tools; do
			if [ -L "$tmp${d#"$dest"}/$l" ]; then
				ln -sfn "$kb/$l" "$tmp${d#"$dest"}/$l"
			fi
		done
	done
	sed -i "s|/usr/src/linux-headers-$abi-common|$c|g" "$tmp${h#"$dest"}/Makefile"
	ln -sfn "$h" "$tmp/headers"
	echo "$kver" >"$tmp/version"
	echo "$ver" >"$tmp/debian-version"
	rm -rf "$tmp/x/lib/modules" "$tmp/x/usr/share"
	touch "$tmp/ready"
	mv "$tmp" "$dest"
	log "prepared $flavour: $kver ($ver)"
}

prepare_busybox() {
	local arch=$1
	local dest=$KROOT/busybox-$arch
	[ -f "$dest/busybox" ] && return
	local ver
	ver=$(candidate "busybox-static:$arch")
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "apt does not know busybox-static:$arch (as root, once: dpkg --add-architecture i386 && apt-get update)"
	mkdir -p "$dest"
	download busybox-static "$ver" "$arch"
	local x
	x=$(mktemp -d)
	dpkg -x "$(debfile busybox-static "$ver" "$arch")" "$x"
	cp "$x/bin/busybox" "$dest/busybox.tmp"
	mv "$dest/busybox.tmp" "$dest/busybox"
	rm -rf "$x"
}

main() {
	command -v apt-get >/dev/null || die "apt-get is needed to download Debian's kernels (a Debian or Ubuntu host)"
	local want=("$@") f pids=()
	lock_cache
	rm -rf "$DEBS"/.partial.* "$KROOT"/*.tmp.*  # what an interrupted run left
	# A kernel to download and unpack: about 130 MB of packages, 150 MB unpacked.
	for f in "${want[@]}"; do
		[ -f "$KROOT/$f/ready" ] || { need_space 400; break; }
	done
	[ ${#want[@]} -gt 0 ] || want=(686 686-pae amd64)
	for f in "${want[@]}"; do
		case $f in
		686 | 686-pae) prepare_busybox i386 ;;
		amd64) prepare_busybox amd64 ;;
		*) die "unknown kernel flavour $f (686, 686-pae, amd64)" ;;
		esac
	done
	# Downloads one after the other (flavours share packages), then unpacking in parallel.
	for PHASE in download extract; do
		pids=()
		for f in "${want[@]}"; do
			local arch=i386
			[ "$f" = amd64 ] && arch=amd64
			if [ $PHASE = download ]; then
				prepare "$f" "$arch"
			else
				prepare "$f" "$arch" &
				pids+=($!)
			fi
		done
	done
	for f in "${pids[@]}"; do
		wait "$f" || die "unpacking a kernel failed"
	done
}

main "$@"
