#include "kmod_client.hpp"

#include "error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace vmtour {

namespace {

std::string module_file() {
    const char* env = std::getenv("VMREAL_PAGETABLE");
    return env && *env ? env : PAGETABLE_PATH;
}

// Closes the descriptor on every path out.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

ModuleClient::ModuleClient(std::string_view purpose) : path_(module_file()) {
    if (::access(path_.c_str(), F_OK) != 0)
        throw RealError(fmt::format("{} needs the kernel module ko5204, and {} does not exist: load it first "
                                    "(make -C kmod && sudo insmod kmod/ko5204.ko; see kmod/README.md)",
                                    purpose, path_));
    if (::access(path_.c_str(), R_OK | W_OK) != 0)
        throw RealError(fmt::format("{} needs {}: {} (it is root's only: sudo vmreal ...)", purpose, path_,
                                    errno_text(errno)));
}

namespace {

// The module's file opened for one command, or (a test's fake module) a Unix socket connected to.
int open_module(const std::string& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, path.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int err = errno;
        ::close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

}  // namespace

ModuleClient::Reply ModuleClient::exchange(std::string_view command) const {
    const Fd f{open_module(path_)};
    if (f.fd < 0) return {errno, {}};
    const std::string line = std::string(command) + "\n";
    ssize_t n;
    do {
        n = ::write(f.fd, line.data(), line.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return {errno, {}};
    if (static_cast<std::size_t>(n) != line.size()) return {EIO, {}};
    // The module answers on the descriptor the command was written to (kmod/main.c, ko_read).
    Reply reply;
    char buf[65536];
    for (;;) {
        n = ::read(f.fd, buf, sizeof buf);
        if (n == 0) return reply;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw RealError(fmt::format("reading {}: {}", path_, errno_text(errno)));
        reply.answer.append(buf, static_cast<std::size_t>(n));
    }
}

std::string ModuleClient::ask(std::string_view command) const {
    Reply r = exchange(command);
    if (r.err != 0)
        throw RealError(fmt::format("{} refused '{}': {} ({})", path_, command, errno_text(r.err), module_errno_text(r.err)));
    return std::move(r.answer);
}

std::string module_errno_text(int err) {
    switch (err) {
    case EAGAIN: return "the page tables changed while the snapshot was taken";
    case EFAULT: return "nothing is mapped in that range";
    case E2BIG: return "more than the module takes at once";
    case ENOENT: return "no live allocation to snapshot";
    case EINVAL: return "the module does not understand the command";
    case ENOMEM: return "the kernel is out of memory";
    case EACCES:
    case EPERM: return "root only";
    default: return "see kmod/README.md, Errors";
    }
}

}  // namespace vmtour
