// What vmreal reads about itself and the machine from /proc and /sys, besides pagemap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vmtour {

// CapEff bit 21 in /proc/self/status (capability(7): CAP_SYS_ADMIN is 21). Note that pagemap checks
// the capability in the initial user namespace when the file is opened, so a container's root can
// have this bit and still read zeroed frame numbers.
inline constexpr unsigned CAP_SYS_ADMIN_BIT = 21;
std::optional<bool> has_cap_sys_admin();

// VmPTE in /proc/self/status, in KiB: the page-table memory of this process (every level below the
// top one: PT, PD and PDPT pages on x86_64).
std::optional<std::uint64_t> vm_pte_kib();

// MemAvailable in /proc/meminfo, in bytes.
std::optional<std::uint64_t> mem_available_bytes();

// The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled: "always", "madvise", "never".
std::string thp_policy();

// Peak resident set size of this process so far (getrusage ru_maxrss), in bytes.
std::uint64_t peak_rss_bytes();

// The paging mode key ("4level", "5level", "pae", "2level") this kernel most likely uses for user
// space, for the cost model: on an x86_64 kernel 4level (user space stays below 2^47 even with
// LA57); on a 32-bit kernel uname's release says whether it is a PAE one (Debian's "686-pae").
std::string likely_paging_mode();

}  // namespace vmtour
