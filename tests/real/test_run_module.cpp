// vmreal with the kernel module: --snapshot and --kernel.
//
// This machine's kernel cannot load modules (no /proc/modules), so the real module is tested in
// the real-kernel matrix (tests/matrix: vmreal --snapshot and --kernel inside QEMU guests on four
// kernels, every snapshot replayed by vmsim check). Here: the error when the module is missing,
// and the client's side of the protocol against a fake module behind a Unix socket
// ($VMREAL_PAGETABLE): one command written, the answer read back on the same connection;
// snapshots chunked at 16 MiB, merged, pagemap's lines added; changing tables retried, then
// refused; an answer that is not this process's refused at once; no file left on failure.
#include "run_helpers.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace vmtour::test;

namespace {

// A snapshot as ko5204 writes it, owned by `pid`, for [start, end), one PT entry per page.
std::string fake_snapshot(pid_t pid, std::uint64_t start, std::uint64_t end, std::uint64_t pml4 = 0x1000067) {
    std::string s = "# ko5204 snapshot of pid " + std::to_string(pid) + " (vmreal), range " + std::to_string(start) +
                    " " + std::to_string(end) +
                    "\nvmtour-machine 1\nmode 4level\ncr3 0x2662000\ncr0.wp 1\nefer.nxe 1\nmaxphyaddr 40\n"
                    "table 0x2662000  # PML4\n  255 " + std::to_string(pml4) + "\n";
    for (std::uint64_t va = start; va < end; va += 4096) s += "expect " + std::to_string(va) + " 0x5000 kwalk\n";
    return s;
}

// True while the child runs (it is not reaped here).
bool alive(pid_t pid) {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

// A fake /proc/pagetable: a Unix socket that vmreal connects to (instead of opening the module's
// file) once per command, writes the command and reads the answer on the same connection, as it
// reads the module's per-file answer.
struct FakeModule {
    TempDir dir;
    std::string path = dir.file("pagetable");
    int listener = -1;
    std::vector<std::string> commands;

    FakeModule() {
        listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        REQUIRE(listener >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(path.size() < sizeof addr.sun_path);
        path.copy(addr.sun_path, path.size());
        REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(listener, 4) == 0);
        ::setenv("VMREAL_PAGETABLE", path.c_str(), 1);
    }
    ~FakeModule() {
        ::unsetenv("VMREAL_PAGETABLE");
        ::close(listener);
    }

    // The next connection from vmreal; -1 when it exited instead.
    int accept_one(pid_t pid) {
        while (alive(pid)) {
            pollfd p{listener, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd >= 0) return fd;
        }
        return -1;
    }

    // Answers every command vmreal sends with answer(pid, command) until it exits.
    template <typename F>
    void serve(pid_t pid, F answer) {
        for (int fd; (fd = accept_one(pid)) >= 0; ::close(fd)) {
            std::string command;
            char c;
            while (::read(fd, &c, 1) == 1 && c != '\n') command += c;
            commands.push_back(command);
            const std::string reply = answer(pid, command);
            for (std::size_t done = 0; done < reply.size();) {
                const ssize_t n = ::write(fd, reply.data() + done, reply.size() - done);
                if (n <= 0) break;
                done += static_cast<std::size_t>(n);
            }
        }
    }
};

// "snapshot 0xS 0xE" -> {S, E}
std::pair<std::uint64_t, std::uint64_t> range_of(const std::string& command) {
    std::uint64_t s = 0, e = 0;
    REQUIRE(std::sscanf(command.c_str(), "snapshot %lx %lx", &s, &e) == 2);
    return {s, e};
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

const std::string VMALLOC_ANSWER = "Vmalloc: VA=0xffffc90000401000 -> PA=0x000000001230a000\n"
                                   "Vmalloc: VA=0xffffc90000402000 -> PA=0x0000000004567000\n"
                                   "Walk: VA=0xffffc90000401000 -> PA=0x000000001230a000 agree\n"
                                   "# vmalloc: 2 pages, the module's walk agrees on 2; range 0x1 0x2\n";

}  // namespace

TEST_CASE("module: missing /proc/pagetable is one line naming the module, exit 1, no file", "[module][errors]") {
    TempDir dir;
    ::setenv("VMREAL_PAGETABLE", dir.file("no-module").c_str(), 1);
    const RunResult r = vmreal({"-b", "1G", "-m", "64K", "-o", dir.file("out"), "--snapshot", dir.file("snap")});
    ::unsetenv("VMREAL_PAGETABLE");
    CHECK(r.code == 1);
    CHECK(r.err == "vmreal: --snapshot needs the kernel module ko5204, and " + dir.file("no-module") +
                       " does not exist: load it first (make -C kmod && sudo insmod kmod/ko5204.ko; see kmod/README.md)\n");
    CHECK(dir.entries().empty());
}

TEST_CASE("module: --kernel without the module, in a /proc without pagetable", "[module][errors]") {
    TempDir dir, proc;
    // The default path, whatever this machine has loaded: in a mount namespace, a /proc that has
    // only /proc/self (a link into a real proc mounted elsewhere: a sanitizer's runtime reads
    // /proc/self/maps, and throws misjudged without it).
    const RunResult r = run({which("unshare"), "--mount", "--propagation", "private", "sh", "-c",
                             "mount -t proc proc " + proc.path + " && mount -t tmpfs none /proc && ln -s " + proc.path +
                                 "/self /proc/self && ASAN_OPTIONS=detect_leaks=0 exec " + vmreal_path() +
                                 " --kernel vmalloc -o " + dir.file("out")});
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::Contains("vmreal: --kernel vmalloc needs the kernel module ko5204, and /proc/pagetable "
                                      "does not exist: load it first (make -C kmod && sudo insmod kmod/ko5204.ko"));
    CHECK(dir.entries().empty());
}

TEST_CASE("module: --kernel vmalloc --snapshot writes the module's lines and its snapshot", "[module]") {
    FakeModule fake;
    TempDir dir;
    const RunResult r = run_serving({vmreal_path(), "--kernel", "vmalloc", "-o", dir.file("lines"), "--snapshot", dir.file("m")},
                                    [&](pid_t pid) {
                                        fake.serve(pid, [](pid_t p, const std::string& c) {
                                            return c == "vmalloc" ? VMALLOC_ANSWER
                                                                  : fake_snapshot(p, 0xffffc90000401000, 0xffffc90000403000);
                                        });
                                    });
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(fake.commands == std::vector<std::string>{"vmalloc", "snapshot vmalloc"});
    CHECK(read_file(dir.file("lines")) == VMALLOC_ANSWER);
    const std::string m = read_file(dir.file("m"));
    CHECK(m.rfind("# vmreal --kernel vmalloc: the module's 'snapshot vmalloc'", 0) == 0);
    CHECK(count(m, " kwalk\n") == 2);
    CHECK(r.err == "vmreal: --kernel vmalloc: vmalloc: 2 pages, the module's walk agrees on 2; range 0x1 0x2; "
                   "snapshot: 1 tables, 2 expect lines\n");
}

TEST_CASE("module: --kernel kmalloc --format json gives one record per page", "[module]") {
    FakeModule fake;
    const std::string answer = "Kmalloc: VA=0xffff888001000000 -> PA=0x0000000001000000\n";
    const RunResult r = run_serving({vmreal_path(), "--kernel", "kmalloc", "--format", "json", "-q"}, [&](pid_t pid) {
        fake.serve(pid, [&](pid_t, const std::string&) { return answer; });
    });
    CHECK(r.code == 0);
    const auto pages = parse_or_fail(r.out);
    REQUIRE(pages.size() == 1);
    CHECK(pages[0].va == 0xffff888001000000);
    CHECK(pages[0].pa == 0x1000000);
    CHECK_THAT(r.out, Catch::Contains("\"block\":\"kmalloc\""));
}

TEST_CASE("module: --snapshot of 20 MiB takes two snapshots and adds a pagemap line per page", "[module][run]") {
    require_root();
    FakeModule fake;
    TempDir dir;
    const RunResult r = run_serving({vmreal_path(), "-b", "1G", "-m", "20M", "-o", dir.file("pages"), "--snapshot", dir.file("m")},
                                    [&](pid_t pid) {
                                        fake.serve(pid, [](pid_t p, const std::string& c) {
                                            const auto [s, e] = range_of(c);
                                            return fake_snapshot(p, s, e);
                                        });
                                    });
    INFO(r.err);
    REQUIRE(r.code == 0);
    REQUIRE(fake.commands.size() == 2);
    const auto first = range_of(fake.commands[0]), second = range_of(fake.commands[1]);
    CHECK(first.second - first.first == 16u << 20);
    CHECK(second.first == first.second);
    CHECK(second.second - second.first == 4u << 20);
    const std::string m = read_file(dir.file("m"));
    CHECK(count(m, "vmtour-machine 1\n") == 1);
    CHECK(count(m, "table 0x2662000") == 1);
    CHECK(count(m, " kwalk\n") == 5120);
    CHECK(count(m, " pagemap\n") == 5120);
    // Every page of the report has its pagemap line with the same PA.
    const auto pages = parse_or_fail(read_file(dir.file("pages")));
    REQUIRE(pages.size() == 5120);
    char line[96];
    std::snprintf(line, sizeof line, "expect %#lx %#lx pagemap\n", static_cast<unsigned long>(pages[4000].va),
                  static_cast<unsigned long>(*pages[4000].pa));
    CHECK_THAT(m, Catch::Contains(line));
    // The summary wraps its lines at 80 columns under the value column; read it unwrapped.
    std::string err = r.err;
    for (std::size_t p; (p = err.find("\n" + std::string(20, ' '))) != std::string::npos;) err.replace(p, 21, " ");
    CHECK_THAT(err, Catch::Contains("  snapshot          " + dir.file("m") + ": 2 snapshots (1 tables): 5120 kwalk and "
                                                                          "5120 pagemap expect lines"));
}

TEST_CASE("module: an answer that is another process's snapshot is refused at once, no file left", "[module][errors]") {
    FakeModule fake;
    TempDir dir;
    const RunResult r = run_serving({vmreal_path(), "-b", "1G", "-m", "64K", "-o", dir.file("pages"), "--snapshot", dir.file("m")},
                                    [&](pid_t pid) {
                                        fake.serve(pid, [](pid_t p, const std::string& c) {
                                            const auto [s, e] = range_of(c);
                                            return fake_snapshot(p + 1, s, e);
                                        });
                                    });
    CHECK(r.code == 1);
    CHECK(fake.commands.size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("vmreal: the answer to 'snapshot 0x") &&
                          Catch::Contains("is a snapshot of pid ") && Catch::EndsWith("is the module older than this vmreal?\n"));
    CHECK(dir.entries().empty());
}

TEST_CASE("module: snapshots that disagree are taken again, then refused", "[module][errors][run]") {
    require_root();
    FakeModule fake;
    TempDir dir;
    std::uint64_t n = 0;
    const RunResult r = run_serving({vmreal_path(), "-b", "1G", "-m", "17M", "-o", dir.file("pages"), "--snapshot", dir.file("m")},
                                    [&](pid_t pid) {
                                        fake.serve(pid, [&](pid_t p, const std::string& c) {
                                            const auto [s, e] = range_of(c);
                                            return fake_snapshot(p, s, e, 0x1000067 + 0x1000 * n++);
                                        });
                                    });
    CHECK(r.code == 1);
    CHECK(fake.commands.size() == 6);  // two snapshots, three times
    CHECK_THAT(r.err, Catch::Contains("vmreal: the snapshots cannot be merged after 3 attempts: table 0x2662000 entry 255"));
    CHECK(dir.entries().empty());
}

TEST_CASE("module: --help names the module's options and the file they need", "[module]") {
    const RunResult r = vmreal({"--help"});
    CHECK(r.code == 0);
    for (const char* needle : {"--snapshot FILE", "--kernel vmalloc|kmalloc", "/proc/pagetable", "16 MiB",
                               "vmsim check", "the module missing"})
        CHECK_THAT(r.out, Catch::Contains(needle));
}
