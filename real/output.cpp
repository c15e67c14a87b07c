#include "output.hpp"

#include "error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vmtour {

namespace {

// The temporary files' names for the signal handler, which may only call async-signal-safe
// functions: unlink, signal, raise. One slot per output file (the report and the snapshot).
constexpr int SLOTS = 2;
char g_temp_path[SLOTS][4096];
volatile std::sig_atomic_t g_temp_set[SLOTS] = {};

extern "C" void remove_temp_and_die(int sig) {
    for (int i = 0; i < SLOTS; ++i)
        if (g_temp_set[i]) ::unlink(g_temp_path[i]);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// The slot that now holds `temp`, or -1 (no slot free, or a name too long: no cleanup on signals).
int set_cleanup(const std::string& temp) {
    for (int i = 0; i < SLOTS; ++i) {
        if (g_temp_set[i] || temp.size() >= sizeof g_temp_path[i]) continue;
        std::memcpy(g_temp_path[i], temp.c_str(), temp.size() + 1);
        g_temp_set[i] = 1;
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, remove_temp_and_die);
        return i;
    }
    return -1;
}

void clear_cleanup(int slot) {
    if (slot >= 0) g_temp_set[slot] = 0;
}

}  // namespace

OutputFile::OutputFile(const std::string& requested, std::string_view option) {
    if (requested.empty() || requested == "-") return;
    std::string path = requested;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) throw RealError(fmt::format("{} {}: is a directory", option, requested), EXIT_USAGE);
        // A device, pipe or socket (-o /dev/null, -o /dev/stdout) is written in place: renaming a
        // file over it would replace the device node, and there is no partial file to fear.
        const bool special = !S_ISREG(st.st_mode) || path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0;
        if (special) {
            fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd_ < 0) throw RealError(fmt::format("{} {}: {}", option, requested, errno_text(errno)), EXIT_USAGE);
            direct_ = true;
            return;
        }
        // Through a symbolic link, replace the file it points to, not the link.
        if (char* real = ::realpath(path.c_str(), nullptr)) {
            path = real;
            std::free(real);
        }
    }
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    if (base.empty()) throw RealError(fmt::format("{} {}: names a directory, not a file", option, requested), EXIT_USAGE);

    std::string temp = (slash == std::string::npos ? "" : dir) + "." + base + ".vmreal-XXXXXX";
    fd_ = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd_ < 0)
        throw RealError(fmt::format("{} {}: cannot create a file in {}: {}", option, requested, dir, errno_text(errno)),
                        EXIT_USAGE);
    temp_ = temp;
    path_ = path;
    slot_ = set_cleanup(temp_);
    // mkstemp makes the file 0600; give it the mode a plain open() would (0666 less the umask).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
}

OutputFile::~OutputFile() {
    if (direct_) ::close(fd_);
    if (path_.empty() || committed_) return;
    ::close(fd_);
    ::unlink(temp_.c_str());
    clear_cleanup(slot_);
}

void OutputFile::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw RealError(fmt::format("writing {}: {}", path_.empty() ? "the output" : path_, errno_text(errno)));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void OutputFile::commit() {
    if (direct_) {
        const int fd = fd_;
        direct_ = false;
        if (::close(fd) != 0) throw RealError(fmt::format("writing the output: {}", errno_text(errno)));
        return;
    }
    if (path_.empty()) return;
    if (::close(fd_) != 0) {
        fd_ = -1;
        throw RealError(fmt::format("writing {}: {}", path_, errno_text(errno)));
    }
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0)
        throw RealError(fmt::format("renaming {} to {}: {}", temp_, path_, errno_text(errno)));
    committed_ = true;
    clear_cleanup(slot_);
}

}  // namespace vmtour
