#include "lesson_lab.hpp"

#include "common.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmtour::cli {

namespace {

namespace fs = std::filesystem;

// Where the guest has the lessons (lab/build.sh; the installed layout, found by its vmsim).
constexpr const char* GUEST_LESSONS = "/usr/share/vmtour/lessons";

// The modes an exercise names: the matrix rows its outputs were recorded in; 4level otherwise.
std::vector<std::string> modes_of(const Exercise& e) {
    std::vector<std::string> modes;
    for (const Recorded& r : e.recorded)
        if (std::find(modes.begin(), modes.end(), r.label) == modes.end()) modes.push_back(r.label);
    if (modes.empty()) modes.push_back("4level");
    return modes;
}

// vmlab next to this vmsim (a build tree, an installed prefix), else on PATH.
std::string vmlab_path() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec).parent_path();
    if (!ec && access((self / "vmlab").c_str(), X_OK) == 0) return (self / "vmlab").string();
    return "vmlab";
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The guest's script: each exercise in a subshell in the lesson's folder, its output and status
// into /lab/out (vmlab --out brings them back).
std::string guest_script(const Lesson& l, const std::vector<const Exercise*>& exercises) {
    std::string s = fmt::format("cd {}/{} || exit 1\n", GUEST_LESSONS, l.slug);
    for (std::size_t i = 0; i < exercises.size(); ++i)
        s += fmt::format("(\n{}\n) >/lab/out/{}.out 2>&1 </dev/null; echo $? >/lab/out/{}.status\n", exercises[i]->run, i, i);
    return s;
}

// Runs ARGV with its stdout on /dev/null and its stderr both passed on to ours (vmlab's progress:
// a download, a build of the guest's programs, which can take minutes) and kept in `err` (its
// last line says what failed). Returns the wait status, or -1 if it could not start.
int run_passing_stderr(const std::vector<std::string>& argv, std::string& err) {
    int pipe_fd[2];
    if (pipe(pipe_fd) != 0) return -1;
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {  // the child: only async-signal-safe calls until exec
        const int null_fd = open("/dev/null", O_WRONLY);
        if (null_fd < 0 || dup2(null_fd, STDOUT_FILENO) < 0 || dup2(pipe_fd[1], STDERR_FILENO) < 0) _exit(127);
        close(pipe_fd[0]);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(pipe_fd[1]);
    char buf[4096];
    for (;;) {
        const ssize_t n = read(pipe_fd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        err.append(buf, static_cast<std::size_t>(n));
        std::fwrite(buf, 1, static_cast<std::size_t>(n), stderr);
    }
    close(pipe_fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

}  // namespace

bool lab_runs(const Exercise& e) { return std::find(e.needs.begin(), e.needs.end(), "module") != e.needs.end(); }

std::map<std::string, std::vector<LabOutput>> run_lab_exercises(const Lesson& l) {
    std::map<std::string, std::vector<const Exercise*>> by_mode;
    for (const Exercise& e : l.exercises)
        if (lab_runs(e))
            for (const std::string& m : modes_of(e)) by_mode[m].push_back(&e);
    std::map<std::string, std::vector<LabOutput>> out;
    const std::string vmlab = vmlab_path();
    for (const auto& [mode, exercises] : by_mode) {
        char templ[] = "/tmp/vmsim-lab.XXXXXX";
        if (!mkdtemp(templ)) throw InputError("cannot make a temporary folder in /tmp");
        const fs::path tmp = templ;
        const fs::path script = tmp / "exercises.sh", results = tmp / "out";
        std::ofstream(script) << guest_script(l, exercises);
        const std::vector<std::string> argv = {vmlab,           "--mode", mode,  "--in", script.string(),
                                               "--out",         results.string(), "--", "sh",  "/lab/exercises.sh"};
        std::fputs(fmt::format("  (booting the lab's {} guest: vmlab --mode {})\n", mode, mode).c_str(), stdout);
        std::fflush(stdout);
        std::string err;
        const int rc = run_passing_stderr(argv, err);
        if (rc != 0) {
            std::error_code ec;
            fs::remove_all(tmp, ec);
            // vmlab's own line says what failed (no QEMU, a download, a crash).
            std::string why;
            std::istringstream lines(err);
            for (std::string line; std::getline(lines, line);)
                if (line.rfind("vmlab: ", 0) == 0 && line.find(" guest, Linux ") == std::string::npos) why = line.substr(7);
            throw InputError(fmt::format("the lab's {} guest failed ({}): {}", mode,
                                         WIFEXITED(rc) ? fmt::format("vmlab exit {}", WEXITSTATUS(rc)) : "vmlab did not run",
                                         why.empty() ? "is vmlab built? cmake --build build/default" : why));
        }
        for (std::size_t i = 0; i < exercises.size(); ++i) {
            LabOutput o;
            o.mode = mode;
            o.output = read_text(results / (std::to_string(i) + ".out"));
            o.status = std::atoi(read_text(results / (std::to_string(i) + ".status")).c_str());
            out[exercises[i]->id].push_back(std::move(o));
        }
        std::error_code ec;
        fs::remove_all(tmp, ec);
    }
    return out;
}

}  // namespace vmtour::cli
