#include "kmod_client.hpp"

#include "error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
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

int ModuleClient::send(std::string_view command) const {
    const std::string line = std::string(command) + "\n";
    const Fd f{::open(path_.c_str(), O_WRONLY | O_CLOEXEC)};
    if (f.fd < 0) return errno;
    ssize_t n;
    do {
        n = ::write(f.fd, line.data(), line.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno;
    return static_cast<std::size_t>(n) == line.size() ? 0 : EIO;
}

std::string ModuleClient::read_answer() const {
    const Fd f{::open(path_.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) throw RealError(fmt::format("cannot open {}: {}", path_, errno_text(errno)));
    std::string answer;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n == 0) return answer;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw RealError(fmt::format("reading {}: {}", path_, errno_text(errno)));
        answer.append(buf, static_cast<std::size_t>(n));
    }
}

std::string ModuleClient::ask(std::string_view command) const {
    const int err = send(command);
    if (err != 0)
        throw RealError(fmt::format("{} refused '{}': {} ({})", path_, command, errno_text(err), module_errno_text(err)));
    return read_answer();
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
