// The lab's guests: one real Debian kernel per x86 paging mode (the table in
// docs/../lab/README.md), and how QEMU runs it.
#pragma once

#include <string>
#include <string_view>

namespace vmtour::lab {

struct Mode {
    std::string_view name;     // 2level, pae, 4level, 5level (vmsim's names)
    std::string_view flavour;  // Debian's kernel flavour: 686, 686-pae, amd64
    std::string_view arch;     // Debian's architecture of the guest's programs: i386, amd64
    std::string_view qemu;     // the QEMU binary
    std::string_view cpu;      // -cpu under TCG
    std::string_view args;     // extra kernel arguments
    unsigned memory_mib;       // default -m
    bool pvh;                  // boots the unpacked kernel by its PVH entry when the cache has it
};

// KPTI ("pti=on") on every other mode where the kernel supports it, so that both plain and
// isolated page tables are seen (32-bit KPTI needs PAE); -cpu max has LA57 and 1 GiB pages: the
// 5level guest reserves one for a PDPT leaf in user space; noisapnp saves the i386 kernels half
// a second of probing for ISA cards. The pae CPU has stepping 1: QEMU's i386 "max" is an AMD
// family-6 model-6 part, and with two CPUs the kernel warns that such Athlons are "not suitable
// for SMP" unless they are steppings 0-1 or have the MP bit (amd_k7_smp_check(),
// arch/x86/kernel/cpu/amd.c). The 64-bit guests get 3 GiB: then 1-2 GiB is all RAM and the
// direct map can use a 1 GiB page there; with less than 1 GiB the kernel turns THP off.
// The 5level CPU has no ERMS: the kernel then clears pages with `rep stosq` (clear_page_rep)
// instead of `rep stosb` (clear_page_erms), eight times fewer iterations for QEMU's TCG to
// emulate; faulting in the reserved 1 GiB page (which the kernel zeroes) took 11-13 s with ERMS
// and 6-7 s without (load 7-10 on the 2-core development VM), the boot no longer.
//
// PVH: the 4level guest boots the kernel unpacked on the host (lab/fetch.sh's vmlinux.pvh), which
// saves the bzImage's decompression under TCG (3-4 s a boot here). Not 5level: the decompressor
// is what enables 5-level paging (arch/x86/boot/compressed/pgtable_64.c); booted by its PVH entry
// on `-cpu max` the kernel runs 4-level paging (checked: no la57 in /proc/cpuinfo). Not i386:
// Debian's 686 kernels have no PVH entry.
inline constexpr Mode MODES[] = {
    {"2level", "686", "i386", "qemu-system-i386", "qemu32", "noisapnp", 2048, false},
    {"pae", "686-pae", "i386", "qemu-system-i386", "max,stepping=1", "noisapnp pti=on", 2048, false},
    {"4level", "amd64", "amd64", "qemu-system-x86_64", "qemu64", "pti=on", 3072, true},
    {"5level", "amd64", "amd64", "qemu-system-x86_64", "max,-erms", "hugepagesz=1G hugepages=1", 3072, false},
};

// The kernel series: Debian 12's own 6.1 (the default), or the 6.12 of bookworm-backports, which
// Debian builds for amd64 only (its i386 index has no 6.12 kernel: checked in lab/fetch.sh's
// apt state), so 6.12 boots 4level and 5level.
inline constexpr std::string_view SERIES[] = {"6.1", "6.12"};

inline bool known_series(std::string_view s) {
    for (std::string_view each : SERIES)
        if (each == s) return true;
    return false;
}

inline bool series_has(const Mode& m, std::string_view series) { return series == "6.1" || m.arch == "amd64"; }

// The cache's name of the kernel that boots `m` in `series` (lab/common.sh): Debian's flavour for
// 6.1, FLAVOUR-6.12 for 6.12 (kernels/NAME, lab/NAME).
inline std::string kernel_name(const Mode& m, std::string_view series) {
    std::string name(m.flavour);
    if (series != "6.1") name += "-" + std::string(series);
    return name;
}

// The mode called `name`, or nullptr.
inline const Mode* find_mode(std::string_view name) {
    for (const Mode& m : MODES)
        if (m.name == name) return &m;
    return nullptr;
}

}  // namespace vmtour::lab
