#include "cache.hpp"

#include "errors.hpp"
#include "layout.hpp"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

namespace vmtour::lab {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// Runs `bash SCRIPT ARG` with VMTOUR_CACHE and the layout's variables set; its output goes to
// our stderr.
int run_script(const Layout& layout, const std::string& script, const std::string& arg) {
    const std::string cache = cache_dir();
    const std::string path = layout.scripts + "/" + script;
    const pid_t pid = fork();
    if (pid < 0) throw LabError("cannot start a process (fork failed)");
    if (pid == 0) {
        dup2(2, 1);
        setenv("VMTOUR_CACHE", cache.c_str(), 1);
        for (const auto& [name, value] : layout.env) setenv(name.c_str(), value.c_str(), 1);
        execlp("bash", "bash", path.c_str(), arg.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::uintmax_t size_of(const fs::path& p) {
    std::error_code ec;
    std::uintmax_t total = 0;
    if (fs::is_symlink(p, ec)) return 0;
    if (fs::is_regular_file(p, ec)) return fs::file_size(p, ec);
    for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (!it->is_symlink(ec) && it->is_regular_file(ec)) total += it->file_size(ec);
    return total;
}

std::string mib(std::uintmax_t bytes) { return fmt::format("{:>6.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

std::string first_line(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    return line;
}

// What the lab writes into the cache (the matrix's results too); anything else there is left.
constexpr const char* OURS[] = {"debs", "kernels", "lab", "matrix-work", "apt-backports", ".lock", "kvm-verdict"};

}  // namespace

std::string cache_dir() {
    if (std::string c = env("VMTOUR_CACHE"); !c.empty()) return c;
    if (std::string x = env("XDG_CACHE_HOME"); !x.empty() && x[0] == '/') return x + "/vmtour";
    const std::string home = env("HOME");
    if (home.empty()) throw LabError("no cache folder: HOME is not set (or set VMTOUR_CACHE)");
    return home + "/.cache/vmtour";
}

std::string kernel_of(const std::string& kernel, bool pvh) {
    const std::string unpacked = fmt::format("{}/kernels/{}/vmlinux.pvh", cache_dir(), kernel);
    std::error_code ec;
    if (pvh && fs::is_regular_file(unpacked, ec)) return unpacked;
    return fmt::format("{}/kernels/{}/vmlinuz", cache_dir(), kernel);
}
std::string initrd_of(const std::string& kernel) { return fmt::format("{}/lab/{}/initrd.cpio", cache_dir(), kernel); }
std::string kernel_version(const std::string& kernel) {
    return first_line(fmt::format("{}/kernels/{}/version", cache_dir(), kernel));
}

void prepare(const std::string& kernel) {
    const Layout layout = find_layout();
    // The scripts say what went wrong on a line of their own: nothing to add here.
    if (run_script(layout, "fetch.sh", kernel) != 0) throw LabError("");
    if (run_script(layout, "build.sh", kernel) != 0) throw LabError("");
}

int list_cache() {
    const fs::path dir = cache_dir();
    std::error_code ec;
    std::cout << fmt::format("cache: {}\n", dir.string());
    if (!fs::is_directory(dir, ec)) {
        std::cout << "  empty (the first `vmlab --mode M` downloads what M needs)\n";
        return 0;
    }
    for (std::string_view series : SERIES)
        for (const Mode& m : MODES) {
            if (!series_has(m, series)) continue;
            const std::string name = kernel_name(m, series);
            const fs::path k = dir / "kernels" / name, g = dir / "lab" / name / "initrd.cpio";
            const bool kernel = fs::exists(k / "ready", ec), guest = fs::exists(g, ec);
            std::cout << fmt::format("  {:<7} {:<5} {:<22} {}\n", m.name, series,
                                     kernel ? first_line(k / "version") : "-",
                                     !kernel ? "not downloaded" : guest ? "ready" : "downloaded, guest not built yet");
        }
    std::uintmax_t total = 0;
    const std::pair<const char*, const char*> parts[] = {
        {"debs", "Debian's packages, as downloaded"},
        {"kernels", "the kernels and headers, unpacked"},
        {"lab", "the guests: module, programs, initramfs"},
        {"apt-backports", "bookworm-backports' package lists (6.12)"},
        {"matrix-work", "the real-kernel matrix's results"},
    };
    for (const auto& [name, what] : parts) {
        if (!fs::exists(dir / name, ec)) continue;
        const std::uintmax_t s = size_of(dir / name);
        total += s;
        std::cout << fmt::format("  {} {:<13} {}\n", mib(s), name, what);
    }
    std::cout << fmt::format("  {} in all (vmlab --clean removes it)\n", mib(total));
    return 0;
}

int clean_cache() {
    const fs::path dir = cache_dir();
    std::error_code ec;
    std::uintmax_t freed = 0;
    for (const char* name : OURS) {
        if (!fs::exists(dir / name, ec) && !fs::is_symlink(dir / name, ec)) continue;
        freed += size_of(dir / name);
        fs::remove_all(dir / name, ec);
        if (ec) throw LabError(fmt::format("cannot remove {}: {}", (dir / name).string(), ec.message()));
    }
    std::cout << fmt::format("removed {:.1f} MiB from {}\n", static_cast<double>(freed) / (1 << 20), dir.string());
    return 0;
}

}  // namespace vmtour::lab
