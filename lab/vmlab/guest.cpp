#include "guest.hpp"

#include "cache.hpp"
#include "cpio.hpp"
#include "errors.hpp"
#include "kvm.hpp"
#include "results.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace vmtour::lab {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) { g_signal = sig; }

// Ctrl-C, a closed terminal (SIGHUP) and kill end the guest, not just vmlab: the loop sees the
// flag and stops QEMU (which the terminal's signals reach too, in our process group).
void catch_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

// A temporary folder, removed with what is in it.
struct TempDir {
    fs::path path;
    TempDir() {
        const char* t = std::getenv("TMPDIR");
        std::string templ = fmt::format("{}/vmlab.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(templ.data())) throw LabError(fmt::format("cannot make a temporary folder in {}", t && *t ? t : "/tmp"));
        path = templ;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool on_path(std::string_view program) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':');)
        if (!d.empty() && access((d + "/" + std::string(program)).c_str(), X_OK) == 0) return true;
    return false;
}

// 'word' for sh, whatever it holds.
std::string sh_quote(const std::string& w) {
    std::string q = "'";
    for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// The initramfs of this boot: the guest's (lab/build.sh), then a cpio archive with /lab/run and
// the --in files; the kernel unpacks one after the other (an archive starts at a multiple of 4
// bytes: Documentation/driver-api/early-userspace/buffer-format.rst).
void write_initrd(const GuestOptions& o, const fs::path& to) {
    const std::string initrd = initrd_of(kernel_of_guest(o));
    std::string data = read_all(initrd);
    if (data.empty()) throw LabError(fmt::format("the guest's initramfs {} is missing or empty", initrd));
    while (data.size() % 4) data += '\0';
    Cpio c;
    c.directory("lab/run");
    std::string env = fmt::format("MODE={}\nMODULE={}\nNAME={}\n", o.command.empty() ? "shell" : "cmd",
                                  o.module ? 1 : 0, o.mode->name);
    winsize ws{};
    if (o.command.empty() && ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
        env += fmt::format("ROWS={}\nCOLS={}\n", ws.ws_row, ws.ws_col);
    if (const char* term = std::getenv("TERM"); term && *term) env += "TERM_NAME=" + sh_quote(term) + "\n";
    c.file("lab/run/env", env);
    std::string cmd = "exec";
    for (const std::string& w : o.command) cmd += " " + sh_quote(w);
    c.file("lab/run/cmd", cmd + "\n");
    for (const std::string& f : o.in_files) {
        std::error_code ec;
        if (!fs::is_regular_file(f, ec)) throw UsageError(fmt::format("--in {}: no such file", f));
        const auto perms = static_cast<unsigned>(fs::status(f, ec).permissions()) & 0777;
        std::ifstream probe(f, std::ios::binary);
        if (!probe) throw UsageError(fmt::format("--in {}: cannot read it", f));
        c.file("lab/" + fs::path(f).filename().string(), read_all(f), perms);
    }
    data += c.finish();
    std::ofstream out(to, std::ios::binary);
    out << data;
    if (!out.flush()) throw LabError(fmt::format("cannot write {} (disk full?)", to.string()));
}

std::vector<std::string> qemu_args(const GuestOptions& o, const fs::path& tmp, bool kvm) {
    const Mode& m = *o.mode;
    const unsigned host_cpus = std::max(1u, std::thread::hardware_concurrency());
    const unsigned cpus = o.cpus ? o.cpus : std::min(2u, host_cpus);
    const unsigned mem = o.memory_mib ? o.memory_mib : m.memory_mib;
    std::vector<std::string> a = {std::string(m.qemu), "-accel", kvm ? "kvm" : "tcg", "-cpu", std::string(m.cpu),
                                  "-m", std::to_string(mem), "-smp", std::to_string(cpus), "-display", "none",
                                  "-vga", "none", "-no-reboot", "-nic", "none", "-monitor", "none", "-parallel", "none"};
    const auto f = [&](const char* name) { return "file:" + (tmp / name).string(); };
    if (o.command.empty()) {
        // The console on this terminal; Ctrl-C goes to the guest (signal=off), Ctrl-A x quits QEMU.
        a.insert(a.end(), {"-chardev", "stdio,id=con,mux=on,signal=off", "-serial", "chardev:con", "-serial", "null",
                           "-serial", "null"});
    } else {
        a.insert(a.end(), {"-serial", f("console"), "-serial", f("stdout"), "-serial", f("stderr")});
    }
    a.insert(a.end(), {"-serial", f("control")});
    // no_timer_check: on a loaded host the emulated CPUs are too slow for the boot-time check of
    // the IO-APIC timer, which then panics ("IO-APIC + timer doesn't work!"). The crypto
    // self-tests are off to save boot time.
    std::string append = fmt::format("console=ttyS0 quiet panic=-1 cryptomgr.notests no_timer_check {}", m.args);
    if (!o.append.empty()) append += " " + o.append;
    a.insert(a.end(), {"-kernel", kernel_of(kernel_of_guest(o), m.pvh), "-initrd", (tmp / "initrd").string(), "-append", append});
    return a;
}

pid_t spawn(const std::vector<std::string>& args, bool interactive, const fs::path& log) {
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) throw LabError("cannot start QEMU (fork failed)");
    if (pid != 0) return pid;
    // QEMU dies with vmlab, even if vmlab is killed with SIGKILL.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);
    if (!interactive) {
        const int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
    }
    const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) dup2(err, 2);
    std::vector<char*> argv;
    for (const std::string& s : args) argv.push_back(const_cast<char*>(s.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
}

// Stops QEMU: SIGTERM (it powers the guest off and restores the terminal), SIGKILL after 5 s.
int stop(pid_t pid) {
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 250; ++i) {
        if (waitpid(pid, &status, WNOHANG) == pid) return status;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return status;
}

// Copies what was added to `file` since `offset` to `fd` (the command's live output).
void forward(const fs::path& file, std::uintmax_t& offset, int fd) {
    const int in = open(file.c_str(), O_RDONLY);
    if (in < 0) return;
    char buf[65536];
    for (ssize_t n; (n = pread(in, buf, sizeof buf, static_cast<off_t>(offset))) > 0;) {
        offset += static_cast<std::uintmax_t>(n);
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = write(fd, buf + done, static_cast<size_t>(n - done));
            if (w <= 0) break;  // a closed stdout: keep the guest going, its status still counts
            done += w;
        }
    }
    close(in);
}

enum class End { Exited, Interrupted, NoBoot };

struct Boot {
    End end = End::Exited;
    int status = 0;      // QEMU's wait status
    double ready_s = 0;  // seconds until the guest said READY
};

Boot boot_once(const GuestOptions& o, const fs::path& tmp, bool kvm, unsigned limit) {
    const bool interactive = o.command.empty();
    for (const char* f : {"console", "stdout", "stderr", "control"}) std::ofstream(tmp / f).close();
    termios saved{};
    const bool tty = interactive && tcgetattr(0, &saved) == 0;
    const auto t0 = Clock::now();
    const pid_t pid = spawn(qemu_args(o, tmp, kvm), interactive, tmp / "qemu.log");
    Boot b;
    bool ready = false;
    std::uintmax_t out_at = 0, err_at = 0;
    for (;;) {
        if (!interactive) {
            forward(tmp / "stdout", out_at, 1);
            forward(tmp / "stderr", err_at, 2);
        }
        if (!ready && read_all(tmp / "control").find("=== READY") != std::string::npos) {
            ready = true;
            b.ready_s = std::chrono::duration<double>(Clock::now() - t0).count();
        }
        if (waitpid(pid, &b.status, WNOHANG) == pid) break;
        if (g_signal) {
            b.status = stop(pid);
            b.end = End::Interrupted;
            break;
        }
        if (!ready && Clock::now() - t0 > std::chrono::seconds(limit)) {
            b.status = stop(pid);
            b.end = End::NoBoot;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!interactive) {
        forward(tmp / "stdout", out_at, 1);
        forward(tmp / "stderr", err_at, 2);
    }
    if (tty) tcsetattr(0, TCSANOW, &saved);  // QEMU left it raw if it was killed
    return b;
}

// KVM seen not to boot a guest on this host (same kernel): software emulation from then on.
fs::path verdict_file() { return fs::path(cache_dir()) / "kvm-verdict"; }
std::string host_kernel() {
    utsname u{};
    uname(&u);
    return u.release;
}

std::string choose_accel(const GuestOptions& o, std::string& why) {
    std::string accel = o.accel;
    if (const char* e = std::getenv("VMTOUR_ACCEL"); accel == "auto" && e && *e) accel = e;
    if (accel == "tcg" || accel == "kvm") {
        why = "as asked";
        return accel;
    }
    if (!kvm_usable()) {
        why = "no usable /dev/kvm";
        return "tcg";
    }
    if (read_all(verdict_file()) == "broken " + host_kernel() + "\n") {
        why = "KVM did not boot a guest here before";
        return "tcg";
    }
    if (o.mode->name == "5level" && read_all("/proc/cpuinfo").find(" la57") == std::string::npos) {
        why = "this CPU has no 5-level paging for KVM";
        return "tcg";
    }
    why = "/dev/kvm";
    return "kvm";
}

}  // namespace

int run_guest(const GuestOptions& o) {
    const Mode& m = *o.mode;
    if (!on_path(m.qemu))
        throw LabError(fmt::format("{} is missing: install Debian's package qemu-system-x86 (as root: apt-get "
                                   "install qemu-system-x86)",
                                   m.qemu));
    catch_signals();
    prepare(kernel_of_guest(o));
    if (g_signal) return EXIT_INTERRUPTED;
    TempDir tmp;
    write_initrd(o, tmp.path / "initrd");
    std::string why;
    std::string accel = choose_accel(o, why);
    const unsigned cpus = o.cpus ? o.cpus : std::min(2u, std::max(1u, std::thread::hardware_concurrency()));
    const auto say = [&] {
        fmt::print(stderr, "vmlab: {} guest, Linux {}, {} CPU{}: {} ({})\n", m.name, kernel_version(kernel_of_guest(o)), cpus,
                   cpus == 1 ? "" : "s", accel == "kvm" ? "KVM" : "software emulation, TCG", why);
    };
    say();
    // Under KVM a guest is up in a second or two; one that is not after 20 s will not be (unless
    // --timeout asked for less: then it is just late).
    constexpr unsigned KVM_LIMIT = 20;
    const bool try_kvm = accel == "kvm";
    Boot b = boot_once(o, tmp.path, try_kvm, try_kvm ? std::min(o.timeout, KVM_LIMIT) : o.timeout);
    if (b.end == End::NoBoot && try_kvm && o.accel != "kvm" && o.timeout > KVM_LIMIT) {
        std::ofstream(verdict_file()) << "broken " << host_kernel() << "\n";
        accel = "tcg";
        why = "KVM did not boot the guest in 20 s";
        say();
        b = boot_once(o, tmp.path, false, o.timeout);
    }
    if (b.end == End::Interrupted) {
        fmt::print(stderr, "vmlab: interrupted (signal {}): the guest was stopped\n", static_cast<int>(g_signal));
        return EXIT_INTERRUPTED;
    }
    if (const char* t = std::getenv("VMLAB_TIMING"); t && *t) fmt::print(stderr, "vmlab: up after {:.2f} s\n", b.ready_s);
    Outcome out{o, tmp.path, b.end == End::NoBoot, b.status};
    return report(out);
}

}  // namespace vmtour::lab
