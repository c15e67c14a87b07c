// vmlab's cache of Debian's kernels and of the guests built for them, and the scripts that fill
// it (lab/fetch.sh, lab/build.sh: shared with the real-kernel matrix, tests/matrix/).
#pragma once

#include "modes.hpp"

#include <string>

namespace vmtour::lab {

// $VMTOUR_CACHE, else $XDG_CACHE_HOME/vmtour, else ~/.cache/vmtour.
std::string cache_dir();
// Downloads the kernel called `kernel` (kernel_name()) if it is not cached, and builds its guest
// if anything it is made of changed (both scripts print their progress and errors on stderr).
// Throws LabError.
void prepare(const std::string& kernel);
// `vmlab --list`: what is cached, and its size.
int list_cache();
// `vmlab --clean`: removes the cached kernels, downloads and guests.
int clean_cache();

// What lets the lab boot the kernel called `kernel` (kernel_name()): its image and initramfs.
// The image QEMU boots: the unpacked kernel for a PVH boot (lab/fetch.sh) when `pvh` and the
// cache has it, else the bzImage.
std::string kernel_of(const std::string& kernel, bool pvh);
std::string initrd_of(const std::string& kernel);
std::string kernel_version(const std::string& kernel);

}  // namespace vmtour::lab
