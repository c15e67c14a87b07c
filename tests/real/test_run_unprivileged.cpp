// Without CAP_SYS_ADMIN the kernel zeroes the frame numbers. vmreal must say so once, name the
// capability and the fix, exit 3, and never print 0x0 (or any address) as a physical address.
#include "run_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace vmtour;
using namespace vmtour::test;

namespace {

// setpriv (util-linux) drops CAP_SYS_ADMIN from the bounding and inheritable sets, so the exec'd
// vmreal runs as root without it.
std::vector<std::string> without_sys_admin(std::vector<std::string> args) {
    const std::string setpriv = which("setpriv");
    INFO("setpriv (Debian package util-linux) is needed to test vmreal without CAP_SYS_ADMIN");
    REQUIRE(!setpriv.empty());
    std::vector<std::string> argv = {setpriv, "--inh-caps=-sys_admin", "--bounding-set=-sys_admin", vmreal_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

void check_hidden_run(const RunResult& r, const std::string& output) {
    INFO("stderr: " << r.err);
    CHECK(r.code == 3);
    const std::string last = r.err.substr(r.err.rfind("vmreal: "));
    CHECK_THAT(last, Catch::Contains("CAP_SYS_ADMIN") && Catch::Contains("run vmreal as root"));
    CHECK(std::count(last.begin(), last.end(), '\n') == 1);
    CHECK(output.find("PA=0x") == std::string::npos);
    CHECK(output.find("\"pa\":\"0x") == std::string::npos);
    const auto pages = parse_or_fail(output);
    REQUIRE(pages.size() == 16);
    for (const PageRecord& p : pages) {
        CHECK_FALSE(p.pa.has_value());
        CHECK(p.status == PaStatus::Hidden);
    }
}

}  // namespace

TEST_CASE("unprivileged: setpriv really drops CAP_SYS_ADMIN here", "[unprivileged]") {
    require_root();  // dropping a capability needs to have it first
    auto argv = without_sys_admin({});
    argv.back() = "grep";  // the same setpriv line, running grep instead of vmreal
    argv.insert(argv.end(), {"CapEff", "/proc/self/status"});
    const RunResult status = run(argv);
    REQUIRE(status.code == 0);
    const auto eff = std::stoull(status.out.substr(status.out.find(':') + 1), nullptr, 16);
    CHECK(((eff >> 21) & 1) == 0);
}

TEST_CASE("unprivileged: text says PA=unknown, names CAP_SYS_ADMIN, exits 3", "[unprivileged]") {
    require_root();
    TempDir dir;
    const RunResult r = run(without_sys_admin({"-b", "1G", "-m", "64K", "-o", dir.file("out")}));
    check_hidden_run(r, read_file(dir.file("out")));
    CHECK_THAT(r.err, Catch::Contains("frames            unknown"));
}

TEST_CASE("unprivileged: the same in csv, json and with --flags, on stdout", "[unprivileged]") {
    require_root();
    for (const char* format : {"text", "csv", "json"}) {
        INFO("--format " << format);
        const RunResult r = run(without_sys_admin({"-b", "4K", "-m", "64K", "-q", "--flags", "--format", format}));
        check_hidden_run(r, r.out);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // -q: the message only
    }
}

TEST_CASE("unprivileged: as another user, too", "[unprivileged]") {
    require_root();
    TempDir dir;  // mode 0777, so nobody can write in it
    const std::string setpriv = which("setpriv");
    REQUIRE(!setpriv.empty());
    const RunResult r = run({setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", vmreal_path(), "-b", "1G",
                             "-m", "64K", "-o", dir.file("out")});
    INFO("if this fails with 'Permission denied', the build directory is not readable by user nobody");
    check_hidden_run(r, read_file(dir.file("out")));
}
