#!/bin/bash
# Download Debian's kernels, headers and busybox into the cache (apt-get download + dpkg -x:
# nothing is installed, nothing touches /boot, no root needed), then make each header tree
# buildable on this host. Idempotent: a flavour that is already prepared is skipped.
# Atomic: a download goes to a temporary folder and is renamed into place when complete, and a
# kernel is unpacked into a temporary folder renamed when ready, so an interrupted run leaves
# nothing half-cached.  vmlab runs it (vmlab --fetch); so can you:
#
#   bash lab/fetch.sh            # all kernels: 686 686-pae amd64 amd64-6.12
#   bash lab/fetch.sh amd64      # just one
#
# Result, per kernel K: $CACHE/kernels/K/{vmlinuz,headers,version}.
#
# Debian 12's own 6.1 kernels come through the host's apt (its package lists; the i386 ones need
# the i386 architecture added once, as root).  The 6.12 series (amd64-6.12) comes from
# bookworm-backports, through an apt state of fetch's own in the cache (backports_apt): the
# host's apt sources are not changed and no root is needed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The apt configuration apt-cache and apt-get use: empty for the host's, else a file (APT_CONFIG).
APT_PRIVATE=
acache() {
	if [ -n "$APT_PRIVATE" ]; then APT_CONFIG=$APT_PRIVATE apt-cache "$@"; else apt-cache "$@"; fi
}
aget() {
	if [ -n "$APT_PRIVATE" ]; then APT_CONFIG=$APT_PRIVATE apt-get "$@"; else apt-get "$@"; fi
}

# backports_apt: an apt state in $CACHE/apt-backports that knows bookworm-backports' amd64
# packages only: its own sources list, package lists and an empty dpkg status (so apt-get
# download resolves nothing against the host's installed packages); no on-disk package cache,
# so several apt-cache may read it at once.  APT_CONFIG replaces /etc/apt/apt.conf only: the
# host's apt.conf.d (a proxy, say) still applies.  The lists are read again when a day old.
# Sets APT_PRIVATE.
backports_apt() {
	local a=$CACHE/apt-backports keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	local mirror=${VMTOUR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	[ -r "$keyring" ] || die "no $keyring to check bookworm-backports with (install Debian's package debian-archive-keyring)"
	mkdir -p "$a"/state/lists/partial "$a"/cache/archives/partial "$a"/etc/sources.list.d "$a"/etc/preferences.d
	: >>"$a/state/status"
	# Written to a new file renamed into place: the unpacking runs read it in parallel.
	echo "deb [signed-by=$keyring] $mirror bookworm-backports main" >"$a/etc/sources.list.$$"
	mv "$a/etc/sources.list.$$" "$a/etc/sources.list"
	cat >"$a/apt.conf.$$" <<-EOF
		Dir::State "$a/state";
		Dir::State::status "$a/state/status";
		Dir::Cache "$a/cache";
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
		Dir::Etc::SourceList "$a/etc/sources.list";
		Dir::Etc::SourceParts "$a/etc/sources.list.d";
		Dir::Etc::Preferences "$a/etc/preferences";
		Dir::Etc::PreferencesParts "$a/etc/preferences.d";
		APT::Architectures { "amd64"; };
		APT::Sandbox::User "$(id -un)";
	EOF
	mv "$a/apt.conf.$$" "$a/apt.conf"
	APT_PRIVATE=$a/apt.conf
	[ -n "$(find "$a/state/lists" -maxdepth 1 -name '*_InRelease' -mmin -1440 2>/dev/null)" ] && return
	log "reading bookworm-backports' package lists ($mirror; apt state in $a)"
	# --error-on=any: a list that cannot be fetched is an error (apt-get update only warns).
	if ! aget update -q --error-on=any >"$a/update.log" 2>&1; then
		local reason
		reason=$(grep -m1 -E '^(E|W):' "$a/update.log" | sed -E 's/^[EW]: (Failed to fetch [^ ]+ +)?//' | cut -c1-90)
		die "cannot read bookworm-backports' package lists (apt-get update failed: ${reason:-no network?})"
	fi
}

# The versioned package that a Debian metapackage (linux-image-686:i386, ...) depends on.
resolve() {
	local meta=$1 dep
	dep=$(acache depends "$meta" 2>/dev/null | awk '/Depends: linux-/ { print $2; exit }')
	if [ -z "$dep" ] && [ -n "$APT_PRIVATE" ]; then
		die "bookworm-backports has no $meta (apt state: $(dirname "$APT_PRIVATE"))"
	fi
	[ -n "$dep" ] || die "apt does not know $meta (as root, once: dpkg --add-architecture i386 && apt-get update; see lab/README.md)"
	echo "${dep%%:*}"
}

candidate() {
	acache policy "$1" | awk '/Candidate:/ { print $2; exit }'
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
	size=$(acache show "$spec" 2>/dev/null | awk '/^Size:/ { printf "%.0f MB", $2 / 1e6; exit }')
	log "downloading $name ${size:+($size)}"
	mkdir -p "$DEBS"
	tmp=$(mktemp -d "$DEBS/.partial.XXXXXX")
	# apt's messages go to a log: on failure, its reason goes on our one line. As a user, apt
	# cannot drop to its sandbox user "_apt": download as ourselves.
	if ! (cd "$tmp" && aget download -q -o APT::Sandbox::User="$(id -un)" "$spec" >"$tmp/apt.log" 2>&1); then
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

prepare() { # KERNEL ARCH
	local flavour arch=$2 suffix="" dest=$KROOT/$1
	flavour=$(kernel_flavour "$1")
	[ "$arch" = amd64 ] || suffix=":$arch"
	if [ -f "$dest/ready" ]; then
		return
	fi
	local APT_PRIVATE=""
	[ "$(kernel_series "$1")" = 6.1 ] || backports_apt
	local image headers ver abi common
	image=$(resolve "linux-image-$flavour$suffix")
	headers=$(resolve "linux-headers-$flavour$suffix")
	ver=$(candidate "$image$suffix")
	abi=${image#linux-image-}
	abi=${abi%-"$flavour"}
	common=linux-headers-$abi-common
	# The host's (amd64) kbuild tools (fixdep, modpost, ...), of the same version if apt has it.
	local kbuild kbver
	kbuild=$(acache depends "$headers$suffix" | awk '/Depends: linux-kbuild-/ { print $2; exit }')
	kbuild=${kbuild%%:*}
	[ -n "$kbuild" ] || die "cannot tell which linux-kbuild package $headers needs"
	kbver=$ver
	if ! acache show "$kbuild:amd64=$ver" >/dev/null 2>&1; then
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
	log "prepared $1: $kver ($ver)"
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

# pvh_image KERNEL: the amd64 kernel unpacked from its bzImage, an ELF that QEMU boots by its
# PVH entry point (the Xen note PHYS32_ENTRY, type 18: CONFIG_PVH), as vmlinux.pvh next to
# vmlinuz.  Under software emulation the bzImage's own decompressor (xz on 6.1, zstd on 6.12)
# takes seconds of each boot: measured here 15.1-15.4 s from QEMU's start to power-off with the
# bzImage, 8.5-9.4 s with this ELF (4level, load 6).  Only vmlab's 4level guests use it: the
# decompressor is what turns 5-level paging on (arch/x86/boot/compressed/pgtable_64.c), so a
# PVH boot runs 4-level paging even on an LA57 CPU.  The payload is found by its magic bytes
# after the setup code and unpacked on the host; without xz or zstd, or without the note, no-pvh
# says why and the guests boot the bzImage as before.
pvh_image() {
	local d=$KROOT/$1 off tool magic out
	[ -f "$d/ready" ] && [ ! -f "$d/vmlinux.pvh" ] && [ ! -f "$d/no-pvh" ] || return 0
	for tool in xz zstd; do
		case $tool in
		xz) magic='\xFD7zXZ\x00' ;;
		zstd) magic='\x28\xB5\x2F\xFD' ;;
		esac
		off=$(LC_ALL=C grep -obUaP "$magic" "$d/vmlinuz" | head -n 1 | cut -d: -f1 || true)
		[ -n "$off" ] && break
	done
	if [ -z "$off" ]; then
		echo "no xz or zstd payload in vmlinuz" >"$d/no-pvh"
		return 0
	fi
	if ! command -v "$tool" >/dev/null; then
		log "no $tool here: the $1 guests boot the compressed kernel (slower; vmlab --clean after installing $tool)"
		echo "no $tool on the host" >"$d/no-pvh"
		return 0
	fi
	out=$d/vmlinux.pvh.tmp.$$
	# The payload is followed by other data (the decompressed size, padding): xz stops at the end
	# of its stream; zstd complains about what follows its frame, so its status is not the test,
	# the result is.
	case $tool in
	xz) tail -c +"$((off + 1))" "$d/vmlinuz" | xz -dc --single-stream >"$out" 2>/dev/null || true ;;
	zstd) tail -c +"$((off + 1))" "$d/vmlinuz" | zstd -dcq >"$out" 2>/dev/null || true ;;
	esac
	if readelf -n "$out" 2>/dev/null | grep -q 'Xen .*(0x00000012)'; then
		mv "$out" "$d/vmlinux.pvh"
		log "unpacked the $1 kernel for PVH boots ($(($(stat -c %s "$d/vmlinux.pvh") >> 20)) MiB)"
	else
		rm -f "$out"
		echo "the unpacked kernel has no PVH entry note" >"$d/no-pvh"
	fi
}

main() {
	command -v apt-get >/dev/null || die "apt-get is needed to download Debian's kernels (a Debian or Ubuntu host)"
	local want=("$@") f pids=()
	# shellcheck disable=SC2206
	[ ${#want[@]} -gt 0 ] || want=($KERNELS_ALL)
	# All there (kernel, busybox, the PVH image or why not): done, without waiting for the lock,
	# which another tree sharing the cache may hold for minutes while it builds its guests.
	local missing=0
	for f in "${want[@]}"; do
		[ -f "$KROOT/$f/ready" ] && [ -f "$KROOT/busybox-$(flavour_arch "$f")/busybox" ] || missing=1
		if [ "$(flavour_arch "$f")" = amd64 ] && [ ! -f "$KROOT/$f/vmlinux.pvh" ] && [ ! -f "$KROOT/$f/no-pvh" ]; then
			missing=1
		fi
	done
	[ $missing = 1 ] || return 0
	lock_cache
	rm -rf "$DEBS"/.partial.* "$KROOT"/*.tmp.*  # what an interrupted run left
	# A kernel to download and unpack: about 130 MB of packages, 150 MB unpacked.
	for f in "${want[@]}"; do
		[ -f "$KROOT/$f/ready" ] || { need_space 400; break; }
	done
	for f in "${want[@]}"; do
		prepare_busybox "$(flavour_arch "$f")"
	done
	# Downloads one after the other (flavours share packages), then unpacking in parallel.
	for PHASE in download extract; do
		pids=()
		for f in "${want[@]}"; do
			local arch
			arch=$(flavour_arch "$f")
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
	for f in "${want[@]}"; do
		[ "$(flavour_arch "$f")" = amd64 ] && pvh_image "$f"
	done
	return 0
}

main "$@"
