#include "run_helpers.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace vmtour::test {

std::string vmreal_path() { return VMREAL_PATH; }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

RunResult run_serving(const std::vector<std::string>& argv, const std::function<void(pid_t)>& serve) {
    TempDir capture;
    const std::string out = capture.file("stdout"), err = capture.file("stderr");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    if (serve) serve(pid);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    RunResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

RunResult run(const std::vector<std::string>& argv) { return run_serving(argv, {}); }

RunResult vmreal(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {vmreal_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

TempDir::TempDir() {
    char name[] = "/tmp/vmreal-test-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
    ::chmod(name, 0777);  // so a test can run vmreal as another user in it
}

TempDir::~TempDir() {
    for (const std::string& e : entries()) ::unlink(file(e).c_str());
    ::rmdir(path.c_str());
}

std::vector<std::string> TempDir::entries() const {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(path.c_str())) {
        while (const dirent* e = ::readdir(d)) {
            const std::string n = e->d_name;
            if (n != "." && n != "..") names.push_back(n);
        }
        ::closedir(d);
    }
    return names;
}

bool has_cap_sys_admin() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("CapEff:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> 21) & 1;
    return false;
}

std::string which(const std::string& name) {
    std::string path = ::getenv("PATH") ? ::getenv("PATH") : "/usr/bin:/bin";
    path += ":/usr/sbin:/sbin";
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':'))
        if (::access((dir + "/" + name).c_str(), X_OK) == 0) return dir + "/" + name;
    return "";
}

void require_root() {
    INFO("these tests run vmreal for real and need to see physical addresses: run them as root "
         "(CAP_SYS_ADMIN), e.g. sudo ctest -R real/");
    REQUIRE(has_cap_sys_admin());
}

std::vector<PageRecord> parse_or_fail(const std::string& text) {
    auto parsed = parse_report(text);
    INFO("vmreal's output did not parse: " << parsed.error);
    REQUIRE(parsed.error.empty());
    return parsed.value;
}

}  // namespace vmtour::test
