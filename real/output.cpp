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

// Installs the cleanup handler for the signals that end a run, except those that were ignored
// when vmreal started (`nohup vmreal ...` ignores SIGHUP, a shell's background job SIGINT): an
// ignored signal stays ignored, as POSIX asks of programs that catch signals.
void install_handlers() {
    static bool done = false;
    if (done) return;
    done = true;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler == SIG_IGN) continue;
        struct sigaction sa {};
        sa.sa_handler = remove_temp_and_die;
        sigemptyset(&sa.sa_mask);
        ::sigaction(sig, &sa, nullptr);
    }
}

// The slot that now holds `temp`, or -1 (no slot free, or a name too long: no cleanup on signals).
int set_cleanup(const std::string& temp) {
    for (int i = 0; i < SLOTS; ++i) {
        if (g_temp_set[i] || temp.size() >= sizeof g_temp_path[i]) continue;
        std::memcpy(g_temp_path[i], temp.c_str(), temp.size() + 1);
        g_temp_set[i] = 1;
        install_handlers();
        return i;
    }
    return -1;
}

// A temporary name next to FILE: ".FILE.vmreal-XXXXXX".
std::string temp_template(const std::string& dir, const std::string& base, bool here) {
    return (here ? "" : dir) + "." + base + ".vmreal-XXXXXX";
}

void clear_cleanup(int slot) {
    if (slot >= 0) g_temp_set[slot] = 0;
}

}  // namespace

OutputFile::OutputFile(const std::string& requested, std::string_view option) {
    if (requested.empty() || requested == "-") return;  // (the command line refuses -o "")
    std::string path = requested;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) throw RealError(fmt::format("{} {}: is a directory", option, requested), EXIT_USAGE);
        // A character device, pipe or socket (-o /dev/null, -o /dev/stdout, a FIFO) is written in
        // place: renaming a file over it would replace the node, and it keeps no old tail. Any
        // regular file, wherever it is (/dev/shm too), is replaced whole below.
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
            fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd_ < 0) throw RealError(fmt::format("{} {}: {}", option, requested, errno_text(errno)), EXIT_USAGE);
            direct_ = true;
            return;
        }
        if (!S_ISREG(st.st_mode))
            throw RealError(fmt::format("{} {}: not a regular file, character device or pipe", option, requested),
                            EXIT_USAGE);
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
    path_ = path;
    here_ = slash == std::string::npos;
    dir_ = dir;
    base_ = base;

    // An unnamed file in FILE's directory (O_TMPFILE): if vmreal is killed, even by SIGKILL,
    // nothing is left behind. It gets its name at commit(). The mode is 0666 less the umask.
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
        throw RealError(fmt::format("{} {}: cannot create a file in {}: {}", option, requested, dir, errno_text(errno)),
                        EXIT_USAGE);
    // The filesystem has no O_TMPFILE: a named temporary file, removed on errors and signals.
    std::string temp = temp_template(dir, base, here_);
    fd_ = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd_ < 0)
        throw RealError(fmt::format("{} {}: cannot create a file in {}: {}", option, requested, dir, errno_text(errno)),
                        EXIT_USAGE);
    temp_ = temp;
    slot_ = set_cleanup(temp_);
    // mkstemp makes the file 0600; give it the mode a plain open() would (0666 less the umask).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
}

OutputFile::~OutputFile() {
    if (direct_) ::close(fd_);
    if (path_.empty() || committed_) return;
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
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

// Gives the unnamed O_TMPFILE file a temporary name (linkat through /proc/self/fd, which needs no
// privilege, unlike AT_EMPTY_PATH) so that rename() can put it over FILE atomically.
void OutputFile::name_temp() {
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string temp = temp_template(dir_, base_, here_);
        // mkstemp's letters without creating the file: a name that is free now, retried if taken.
        static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        static unsigned counter = 0;
        unsigned long v = static_cast<unsigned long>(::getpid()) * 2654435761ul + ++counter * 40503ul +
                          static_cast<unsigned long>(attempt);
        for (std::size_t i = temp.size() - 6; i < temp.size(); ++i, v /= 62) temp[i] = letters[v % 62];
        const std::string proc = fmt::format("/proc/self/fd/{}", fd_);
        slot_ = set_cleanup(temp);
        if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) == 0) {
            temp_ = temp;
            return;
        }
        const int err = errno;
        clear_cleanup(slot_);
        slot_ = -1;
        if (err != EEXIST) throw RealError(fmt::format("writing {}: naming the new file: {}", path_, errno_text(err)));
    }
    throw RealError(fmt::format("writing {}: no free temporary name", path_));
}

void OutputFile::commit() {
    if (direct_) {
        const int fd = fd_;
        direct_ = false;
        if (::close(fd) != 0) throw RealError(fmt::format("writing the output: {}", errno_text(errno)));
        return;
    }
    if (path_.empty()) return;
    if (temp_.empty()) name_temp();  // O_TMPFILE: named only now, just before the rename
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
