// Where the report goes (docs/vmreal.md, "Output file"), and what a broken stdout, stderr or a
// signal does to a run: no abort, no partial file, no stale tail, ignored signals stay ignored.
#include "run_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace vmtour::test;

namespace {
std::string fmt_shm_name() { return "/dev/shm/vmtour-test-out-" + std::to_string(::getpid()); }
}  // namespace

TEST_CASE("output: -o \"\" is an error, not stdout", "[errors][output]") {
    const RunResult r = vmreal({"-b", "1G", "-m", "64K", "-o", ""});
    INFO("stderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::StartsWith("vmreal: ") && Catch::Contains("empty name"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(vmreal({"-b", "1G", "-m", "64K", "--snapshot", ""}).code == 2);
}

TEST_CASE("output: a regular file under /dev/shm is replaced whole, with no old tail", "[errors][output]") {
    struct stat st {};
    INFO("/dev/shm is needed");
    REQUIRE(::stat("/dev/shm", &st) == 0);
    const std::string out = fmt_shm_name();
    {
        std::ofstream old(out);
        old << std::string(1 << 20, 'x');  // longer than the report
    }
    const RunResult r = vmreal({"-b", "1G", "-m", "64K", "-q", "-o", out});
    INFO("stderr: " << r.err);
    CHECK((r.code == 0 || r.code == 3));
    const std::string text = read_file(out);
    ::unlink(out.c_str());
    CHECK(text.find("xxxxxxxx") == std::string::npos);  // no old tail
    CHECK(text.size() < 4096);
    CHECK(parse_or_fail(text).size() == 16);
}

TEST_CASE("output: SIGKILL in the middle of a run leaves no file behind", "[errors][output]") {
    TempDir dir;
    // Killed while it touches its memory (its output file is open by then): once its RSS passes
    // 64 MiB of the 1 GiB, whatever the machine's speed.
    const RunResult r = run_serving({vmreal_path(), "-b", "1G", "-m", "1G", "-q", "-o", dir.file("out")}, [](pid_t pid) {
        const std::string status = "/proc/" + std::to_string(pid) + "/status";
        for (int i = 0; i < 20000; ++i) {
            std::ifstream in(status);
            std::string line;
            long rss_kb = 0;
            while (std::getline(in, line))
                if (line.rfind("VmRSS:", 0) == 0) rss_kb = std::stol(line.substr(6));
            if (rss_kb >= 64 * 1024) break;
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
        ::kill(pid, SIGKILL);
    });
    INFO("exit " << r.code << ", stderr: " << r.err);
    REQUIRE(r.code == 128 + SIGKILL);
    CHECK(dir.entries().empty());     // no .out.vmreal-XXXXXX: the file had no name yet (O_TMPFILE)
}

TEST_CASE("output: a full or closed stderr or stdout never aborts vmreal", "[errors][output]") {
    TempDir dir;
    const std::string v = vmreal_path();
    // The summary cannot be written: the report still is, and the exit status says how the run went.
    RunResult r = run({"sh", "-c", v + " -b 1G -m 64K -o " + dir.file("out") + " 2>/dev/full"});
    CHECK((r.code == 0 || r.code == 3));
    CHECK(parse_or_fail(read_file(dir.file("out"))).size() == 16);
    r = run({"sh", "-c", v + " -b 1G -m 64K -o " + dir.file("out2") + " 2>&-"});
    CHECK((r.code == 0 || r.code == 3));
    // An error that cannot be printed still exits with its status.
    r = run({"sh", "-c", v + " -m 12Q 2>/dev/full"});
    CHECK(r.code == 2);
    // The report cannot be written to stdout: a clean error exit.
    r = run({"sh", "-c", v + " -b 1G -m 64K -q >/dev/full"});
    INFO("stderr: " << r.err);
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::StartsWith("vmreal: writing ") && Catch::Contains("No space left on device"));
    r = run({"sh", "-c", v + " -b 1G -m 64K -q >/dev/full 2>/dev/full"});
    CHECK(r.code == 1);
}

TEST_CASE("output: a SIGHUP that was ignored (nohup) stays ignored", "[errors][output]") {
    TempDir dir;
    // sh ignores SIGHUP and execs vmreal, which inherits the disposition, as under nohup.
    const std::string script = "trap '' HUP; exec " + vmreal_path() + " -b 4K -m 64M -q -o " + dir.file("out");
    const RunResult r = run_serving({"sh", "-c", script}, [](pid_t pid) {
        for (int i = 0; i < 20; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (::kill(pid, SIGHUP) != 0) break;
        }
    });
    INFO("exit " << r.code << ", stderr: " << r.err);
    CHECK((r.code == 0 || r.code == 3));
    CHECK(parse_or_fail(read_file(dir.file("out"))).size() == 16384);
}
