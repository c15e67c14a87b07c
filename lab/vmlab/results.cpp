#include "results.hpp"

#include "errors.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/wait.h>

namespace vmtour::lab {

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        v.push_back(l);
    }
    return v;
}

// The last `n` non-empty lines of `text`, indented, for an error message.
std::string tail(const std::string& text, std::size_t n) {
    std::vector<std::string> v;
    for (std::string& l : lines_of(text))
        if (l.find_first_not_of(" \t") != std::string::npos) v.push_back(std::move(l));
    std::string s;
    for (std::size_t i = v.size() > n ? v.size() - n : 0; i < v.size(); ++i) s += "  | " + v[i].substr(0, 76) + "\n";
    return s;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// RFC 4648 base64, ignoring line breaks; stops at '='.
std::string base64_decode(std::string_view text) {
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        const int v = base64_value(c);
        if (v < 0) continue;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

// The results between the markers on ttyS3, unpacked into DIR; false if they are not complete.
bool unpack(const fs::path& control, const fs::path& dir) {
    const std::string text = read_all(control);
    const auto begin = text.find("=== BEGIN results");
    const auto end = text.find("=== END results");
    if (begin == std::string::npos || end == std::string::npos || end < begin) return false;
    const auto body = text.find('\n', begin);
    const fs::path tgz = dir.parent_path() / "results.tgz";
    std::ofstream(tgz, std::ios::binary) << base64_decode(std::string_view(text).substr(body, end - body));
    fs::create_directories(dir);
    const std::string cmd = fmt::format("tar -xzf '{}' -C '{}' 2>/dev/null", tgz.string(), dir.string());
    return std::system(cmd.c_str()) == 0 && fs::exists(dir / "status");
}

std::string qemu_exit(int status) {
    if (WIFEXITED(status)) return fmt::format("QEMU exit {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("QEMU killed by signal {}", WTERMSIG(status));
    return "QEMU stopped";
}

void copy_out(const fs::path& from, const std::string& to) {
    std::error_code ec;
    fs::create_directories(to, ec);
    if (ec) throw LabError(fmt::format("--out {}: cannot make it: {}", to, ec.message()));
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    if (ec) throw LabError(fmt::format("--out {}: cannot copy the guest's files there: {}", to, ec.message()));
}

void write_file(const std::string& to, const std::string& text, const char* option) {
    std::ofstream out(to, std::ios::binary);
    out << text;
    if (!out.flush()) throw LabError(fmt::format("{} {}: cannot write it", option, to));
}

}  // namespace

std::vector<std::string> kernel_trouble(const std::string& log) {
    // Oopses, BUGs (soft lockups print "BUG: soft lockup"), warnings, panics, RCU stalls and hung
    // tasks: the same list as the matrix's checks (tests/matrix/checks.sh).
    static const std::regex trouble(
        "WARNING:|BUG:|Oops|Call Trace|general protection|Kernel panic|UBSAN|KASAN|refcount_t|list_add corruption|"
        "kernel BUG|soft lockup|hard LOCKUP|detected stall|self-detected stall|blocked for more than");
    std::vector<std::string> found;
    for (const std::string& l : lines_of(log))
        if (std::regex_search(l, trouble)) found.push_back(l);
    return found;
}

int report(const Outcome& o) {
    const GuestOptions& g = o.options;
    const std::string console = read_all(o.tmp / "console");
    if (!g.console_file.empty()) write_file(g.console_file, console, "--console");
    const std::string what = fmt::format("the {} guest", g.mode->name);
    if (o.no_boot)
        throw LabError(fmt::format("{} did not boot within {} s (--timeout); the last lines of its console:\n{}", what,
                                   g.timeout, g.command.empty() ? "  (on this terminal)\n" : tail(console, 10)));
    const fs::path dir = o.tmp / "results";
    if (!unpack(o.tmp / "control", dir)) {
        const auto crash = kernel_trouble(console);
        std::string why = crash.empty() ? qemu_exit(o.qemu_status) : "the kernel crashed: " + crash.front();
        std::string log = g.command.empty() ? "" : tail(console, 10);
        if (log.empty() && !g.command.empty()) log = tail(read_all(o.tmp / "qemu.log"), 5);
        throw LabError(fmt::format("{} stopped before the command finished ({}){}\n{}", what, why,
                                   log.empty() ? "" : "; the last lines of its console:", log));
    }
    int status = std::atoi(read_all(dir / "status").c_str());
    const std::string dmesg = read_all(dir / "dmesg");
    if (!g.dmesg_file.empty()) write_file(g.dmesg_file, dmesg, "--dmesg");
    if (!g.out_dir.empty()) copy_out(dir / "out", g.out_dir);
    // The kernel's log from the guest's start marker on (the module loaded after it).
    const auto from = dmesg.find("vmlab: start");
    const auto trouble = kernel_trouble(from == std::string::npos ? dmesg : dmesg.substr(from));
    if (!trouble.empty()) {
        std::fputs(fmt::format("vmlab: the {} kernel reported trouble ({} line{} in its log{}):\n", g.mode->name,
                               trouble.size(), trouble.size() == 1 ? "" : "s",
                               g.dmesg_file.empty() ? "; --dmesg FILE keeps it" : ", in " + g.dmesg_file)
                       .c_str(),
                   stderr);
        for (std::size_t i = 0; i < trouble.size() && i < 5; ++i) std::fputs(("  | " + trouble[i] + "\n").c_str(), stderr);
        if (status == 0) status = EXIT_LAB;
    }
    return status;
}

}  // namespace vmtour::lab
