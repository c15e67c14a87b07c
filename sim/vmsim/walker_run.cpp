#include "walker_run.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace vmtour::cli {

namespace {

constexpr std::size_t MAX_OUT = 4 << 20;   // more than any honest walker prints for our inputs
constexpr std::size_t MAX_ERR = 64 << 10;

[[noreturn]] void exec_child(const std::string& command, const std::string& machine_file, int in, int out, int err) {
    setpgid(0, 0);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (int fd : {in, out, err})
        if (fd > 2) close(fd);
    signal(SIGPIPE, SIG_DFL);
    if (command.find_first_of(" \t") == std::string::npos) {
        execlp(command.c_str(), command.c_str(), machine_file.c_str(), static_cast<char*>(nullptr));
    } else {
        const std::string script = command + " \"$1\"";
        execl("/bin/sh", "sh", "-c", script.c_str(), "vmsim-grade", machine_file.c_str(), static_cast<char*>(nullptr));
    }
    const std::string msg = fmt::format("cannot run '{}': {}\n", command, std::strerror(errno));
    (void)!write(2, msg.data(), msg.size());
    _exit(127);
}

}  // namespace

WalkerRun run_walker(const std::string& command, const std::string& machine_file, const std::string& input,
                     double timeout_seconds) {
    WalkerRun r;
    int pin[2], pout[2], perr[2];
    if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
        r.status = WalkerRun::Status::CannotStart;
        r.err = std::strerror(errno);
        return r;
    }
    signal(SIGPIPE, SIG_IGN);  // a walker that stops reading must not kill the grader
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) exec_child(command, machine_file, pin[0], pout[1], perr[1]);
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    if (pid < 0) {
        for (int fd : {pin[1], pout[0], perr[0]}) close(fd);
        r.status = WalkerRun::Status::CannotStart;
        r.err = std::strerror(errno);
        return r;
    }
    setpgid(pid, pid);  // also here: whichever of parent and child runs first
    fcntl(pin[1], F_SETFL, O_NONBLOCK);
    int to_child = pin[1], from_out = pout[0], from_err = perr[0];
    std::size_t written = 0;
    if (input.empty()) {
        close(to_child);
        to_child = -1;
    }
    const auto deadline = start + std::chrono::duration<double>(timeout_seconds);
    bool killed = false;
    while (from_out >= 0 || from_err >= 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            r.status = WalkerRun::Status::TimedOut;
            killed = true;
            break;
        }
        std::vector<pollfd> fds;
        if (to_child >= 0) fds.push_back({to_child, POLLOUT, 0});
        if (from_out >= 0) fds.push_back({from_out, POLLIN, 0});
        if (from_err >= 0) fds.push_back({from_err, POLLIN, 0});
        const int n = poll(fds.data(), fds.size(), static_cast<int>(std::min<long>(left.count(), 1000)) + 1);
        if (n < 0 && errno != EINTR) break;
        for (const pollfd& p : fds) {
            if (!p.revents) continue;
            if (p.fd == to_child) {
                const ssize_t k = write(to_child, input.data() + written, input.size() - written);
                if (k > 0) written += static_cast<std::size_t>(k);
                if ((k < 0 && errno != EAGAIN) || written == input.size()) {
                    close(to_child);
                    to_child = -1;
                }
                continue;
            }
            char buf[65536];
            const ssize_t k = read(p.fd, buf, sizeof buf);
            if (k <= 0) {
                if (k < 0 && errno == EINTR) continue;
                close(p.fd);
                (p.fd == from_out ? from_out : from_err) = -1;
                continue;
            }
            std::string& dst = p.fd == from_out ? r.out : r.err;
            if (p.fd == from_err && dst.size() >= MAX_ERR) continue;
            dst.append(buf, static_cast<std::size_t>(k));
        }
        if (r.out.size() > MAX_OUT) {
            r.status = WalkerRun::Status::TooMuchOutput;
            killed = true;
            break;
        }
    }
    for (int fd : {to_child, from_out, from_err})
        if (fd >= 0) close(fd);
    if (killed) kill(-pid, SIGKILL);
    // The walker closed its output: it has exited or is about to; give it the rest of the time.
    // WNOWAIT leaves it unreaped, so its process group still exists (and is still ours) when
    // whatever it left running in the group is killed.
    while (!killed) {
        siginfo_t info{};
        if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid)
            break;
        if (std::chrono::steady_clock::now() >= deadline) {
            r.status = WalkerRun::Status::TimedOut;
            killed = true;
            break;
        }
        usleep(2000);
    }
    kill(-pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (killed) return r;
    if (WIFSIGNALED(st)) {
        r.status = WalkerRun::Status::Signaled;
        r.code = WTERMSIG(st);
    } else {
        r.status = WalkerRun::Status::Exited;
        r.code = WEXITSTATUS(st);
    }
    return r;
}

std::string describe_run(const WalkerRun& r, double timeout_seconds) {
    switch (r.status) {
    case WalkerRun::Status::Exited:
        // A shell that ran the walker reports its death by a signal as status 128 + the signal.
        if (r.code > 128 && r.code < 128 + 32)
            return fmt::format("exited with status {} (killed by signal {} ({}))", r.code, r.code - 128,
                               strsignal(r.code - 128));
        return fmt::format("exited with status {}", r.code);
    case WalkerRun::Status::Signaled: return fmt::format("killed by signal {} ({})", r.code, strsignal(r.code));
    case WalkerRun::Status::TimedOut:
        return fmt::format("did not finish within {} s (a loop that never ends, or waiting for more input "
                           "after stdin closed?): killed",
                           timeout_seconds);
    case WalkerRun::Status::TooMuchOutput: return fmt::format("printed more than {} MB: killed", MAX_OUT >> 20);
    case WalkerRun::Status::CannotStart: return "could not be started: " + r.err;
    }
    return "?";
}

}  // namespace vmtour::cli
