// Running the built vmreal (or a wrapper such as setpriv or unshare) for real on this machine.
#pragma once

#include "report.hpp"

#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace vmtour::test {

struct RunResult {
    int code = -1;        // exit code; 128 + signal if killed
    std::string out, err;
};

// Runs argv[0] (a path or a name looked up in PATH) with stdout and stderr captured.
RunResult run(const std::vector<std::string>& argv);
// The same, calling serve(pid) once the program runs and before waiting for it (a fake peer).
RunResult run_serving(const std::vector<std::string>& argv, const std::function<void(pid_t)>& serve);
// Runs vmreal with these arguments.
RunResult vmreal(const std::vector<std::string>& args);
std::string vmreal_path();

// A fresh directory under /tmp, removed with its contents at the end of the test.
struct TempDir {
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path;
    std::string file(const std::string& name) const { return path + "/" + name; }
    std::vector<std::string> entries() const;  // names in it, hidden ones included
};

std::string read_file(const std::string& path);
bool exists(const std::string& path);
bool has_cap_sys_admin();
// Finds a program in PATH ("" if absent).
std::string which(const std::string& name);

// Fails the test loudly (REQUIRE) unless this process can see physical addresses.
void require_root();
// Parses vmreal's output, failing the test on a parse error.
std::vector<PageRecord> parse_or_fail(const std::string& text);

}  // namespace vmtour::test
