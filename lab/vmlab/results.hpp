// What a boot brought back over ttyS3 (lab/guest/init.sh): the command's exit status, the
// kernel log and the out folder; and how vmlab reports it.
#pragma once

#include "guest.hpp"

#include <filesystem>

namespace vmtour::lab {

struct Outcome {
    const GuestOptions& options;
    std::filesystem::path tmp;  // console, control, qemu.log of this boot
    bool no_boot = false;       // not up within the time limit
    int qemu_status = 0;        // QEMU's wait status
};

// Writes --out, --dmesg and --console, says what went wrong; returns vmlab's exit status.
// Throws LabError when there are no results.
int report(const Outcome& o);

}  // namespace vmtour::lab
