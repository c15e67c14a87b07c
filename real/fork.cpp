#include "fork.hpp"

#include "error.hpp"
#include "experiment.hpp"
#include "pagemap.hpp"

#include <fmt/format.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmtour {

namespace {

constexpr const char* PAGEMAP = "/proc/self/pagemap";

// What the child found, in memory both processes see (MAP_SHARED survives the fork; the pages
// under test are MAP_PRIVATE and are what copy-on-write is about).
class SharedArea {
public:
    explicit SharedArea(std::size_t bytes) : bytes_(bytes) {
        void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw RealError("--fork: mmap of the result area: " + errno_text(errno));
        base_ = static_cast<std::uint64_t*>(p);
    }
    ~SharedArea() { ::munmap(base_, bytes_); }
    SharedArea(const SharedArea&) = delete;
    SharedArea& operator=(const SharedArea&) = delete;
    std::uint64_t* data() { return base_; }

private:
    std::size_t bytes_;
    std::uint64_t* base_ = nullptr;
};

// Reads this process's pagemap entries for ex.vas into out (the child reopens /proc/self: a file
// opened before fork() still describes the parent).
void read_own_pagemap(const Experiment& ex, std::uint64_t* out) {
    std::string error;
    int err = 0;
    EntryFile pagemap = EntryFile::open(PAGEMAP, error, err);
    if (!pagemap.is_open()) throw RealError(error);
    std::vector<std::uint64_t> vpns(ex.vas.size()), entries(ex.vas.size());
    for (std::size_t i = 0; i < vpns.size(); ++i) vpns[i] = ex.vas[i] >> PAGE_SHIFT_4K;
    pagemap.read_many(vpns, entries, 64);
    std::memcpy(out, entries.data(), entries.size() * sizeof(std::uint64_t));
}

// The child: never returns. Exit 0 when both reads worked.
[[noreturn]] void child(Experiment& ex, std::uint64_t* area) {
    const std::size_t n = ex.vas.size();
    try {
        read_own_pagemap(ex, area);
        ex.alloc->touch(Touch::Write);
        read_own_pagemap(ex, area + n);
    } catch (const std::exception& e) {
        // The parent reports that the child failed; say why here, in one line.
        const std::string line = fmt::format("vmreal: --fork: in the child: {}\n", e.what());
        [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
        ::_exit(1);
    }
    ::_exit(0);
}

}  // namespace

void run_fork(Experiment& ex) {
    const std::size_t n = ex.vas.size();
    SharedArea area(2 * n * sizeof(std::uint64_t));
    std::fflush(nullptr);  // nothing buffered may be written twice
    const pid_t pid = ::fork();
    if (pid < 0) throw RealError("--fork: fork: " + errno_text(errno));
    if (pid == 0) child(ex, area.data());
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw RealError("--fork: waitpid: " + errno_text(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw RealError(WIFSIGNALED(status) ? fmt::format("--fork: the child died of signal {}", WTERMSIG(status))
                                            : "--fork: the child failed");
    ex.child.assign(area.data(), area.data() + n);
    ex.child_wrote.assign(area.data() + n, area.data() + 2 * n);
    ex.parent_now.resize(n);
    read_own_pagemap(ex, ex.parent_now.data());
}

}  // namespace vmtour
