#include "procfs.hpp"

#include "parse.hpp"

#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/utsname.h>

namespace vmtour {

namespace {

// The value after "Key:" in a "Key:   value unit" file like /proc/self/status.
std::optional<std::string> field(const char* path, std::string_view key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ':') {
            std::istringstream rest(line.substr(key.size() + 1));
            std::string word;
            rest >> word;
            return word;
        }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> kib_field(const char* path, std::string_view key) {
    auto word = field(path, key);
    if (!word) return std::nullopt;
    auto v = parse_u64(*word);
    if (!v) return std::nullopt;
    return v.value;
}

}  // namespace

std::optional<bool> has_cap_sys_admin() {
    auto word = field("/proc/self/status", "CapEff");
    if (!word) return std::nullopt;
    auto v = parse_u64("0x" + *word);
    if (!v) return std::nullopt;
    return ((v.value >> CAP_SYS_ADMIN_BIT) & 1) != 0;
}

std::optional<std::uint64_t> vm_pte_kib() { return kib_field("/proc/self/status", "VmPTE"); }

std::optional<std::uint64_t> mem_available_bytes() {
    auto kib = kib_field("/proc/meminfo", "MemAvailable");
    if (!kib) return std::nullopt;
    return *kib * 1024;
}

std::string thp_policy() {
    std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string text;
    std::getline(in, text);
    const auto open = text.find('['), close = text.find(']');
    if (open == std::string::npos || close == std::string::npos || close < open) return "unavailable";
    return text.substr(open + 1, close - open - 1);
}

std::uint64_t peak_rss_bytes() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

std::string likely_paging_mode() {
    // The kernel's page tables, not this binary's word size, decide: a 32-bit vmreal on an x86_64
    // kernel runs on 4-level tables.
    utsname u{};
    if (::uname(&u) != 0) return sizeof(void*) == 8 ? "4level" : "2level";
    if (std::string_view(u.machine) == "x86_64") return "4level";
    return std::string_view(u.release).find("pae") != std::string_view::npos ? "pae" : "2level";
}

}  // namespace vmtour
