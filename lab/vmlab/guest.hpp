// One boot of a lab guest under QEMU: an interactive shell on this terminal, or one command with
// its output, exit status, files and kernel log brought back (lab/guest/init.sh is the other
// side of the serial ports).
#pragma once

#include "modes.hpp"

#include <string>
#include <vector>

namespace vmtour::lab {

struct GuestOptions {
    const Mode* mode = nullptr;
    std::string series = "6.1";         // the kernel series (SERIES)
    std::vector<std::string> command;   // empty: an interactive shell
    std::vector<std::string> in_files;  // into /lab, the command's working folder
    std::string out_dir;                // receives /lab/out
    std::string dmesg_file;             // receives the kernel log
    std::string console_file;           // receives the console (ttyS0), with a command
    std::string accel = "auto";         // auto, kvm, tcg
    std::string append;                 // more kernel arguments
    unsigned cpus = 0;                  // 0: 2 where the host has them
    unsigned memory_mib = 0;            // 0: the mode's default
    unsigned timeout = 120;             // seconds until the guest is up
    bool module = true;                 // insmod ko5204 before the command or the shell
};

// The cache's name of the guest's kernel.
inline std::string kernel_of_guest(const GuestOptions& o) { return kernel_name(*o.mode, o.series); }

// Boots, runs, powers off; returns vmlab's exit status. Throws LabError.
int run_guest(const GuestOptions& o);

// The lines of a kernel log that say the kernel went wrong (oops, BUG, WARNING, panic, lockups,
// stalls, hung tasks: the real-kernel matrix's list).
std::vector<std::string> kernel_trouble(const std::string& log);

}  // namespace vmtour::lab
