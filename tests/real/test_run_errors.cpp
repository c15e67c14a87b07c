// Bad input: one line on stderr starting "vmreal: ", a non-zero exit, and no output file at all
// (not even a partial or temporary one).
#include "run_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace vmtour::test;

namespace {

// Runs vmreal with -o DIR/out and checks the error's shape; returns stderr.
std::string expect_error(const std::vector<std::string>& args, int code) {
    TempDir dir;
    std::vector<std::string> all = args;
    all.insert(all.end(), {"-o", dir.file("out")});
    const RunResult r = vmreal(all);
    INFO("vmreal " << args.at(0) << " ... stderr: " << r.err);
    CHECK(r.code == code);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("vmreal: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(dir.entries().empty());  // neither out nor .out.vmreal-XXXXXX
    return r.err;
}

// Runs `sh -c script` in a private mount namespace (root: unshare(1) from util-linux).
RunResult in_mount_namespace(const std::string& script) {
    const std::string unshare = which("unshare");
    INFO("unshare (util-linux) is needed to test a missing /proc or a full disk");
    REQUIRE(!unshare.empty());
    return run({unshare, "--mount", "--propagation", "private", "sh", "-c", script});
}

}  // namespace

TEST_CASE("errors: bad sizes", "[errors]") {
    CHECK_THAT(expect_error({"-b", "1G", "-m", "0"}, 2), Catch::Contains("-m 0"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "-1"}, 2), Catch::Contains("-m -1"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "12Q"}, 2), Catch::Contains("-m 12Q"));
    CHECK_THAT(expect_error({"-b", "4K", "-m", "5000"}, 2), Catch::Contains("4K pages"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "1T"}, 2), Catch::Contains("more than the memory available"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "99999G"}, 2), Catch::Contains("more than the memory available"));
}

TEST_CASE("errors: bad options", "[errors]") {
    CHECK_THAT(expect_error({"-b", "2K", "-m", "1M"}, 2), Catch::Contains("-b 2K"));
    CHECK_THAT(expect_error({"-m", "1M"}, 2), Catch::Contains("--block is required"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "1M", "--format", "xml"}, 2), Catch::Contains("--format xml"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "1M", "--touch", "poke"}, 2), Catch::Contains("--touch poke"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "1M", "--thp", "yes"}, 2), Catch::Contains("--thp yes"));
    CHECK_THAT(expect_error({"-b", "1G", "-m", "1M", "--bogus"}, 2), Catch::Contains("--bogus"));
    // An unknown option with a value is named, not its value (CLI11 lists the value first).
    CHECK(expect_error({"-b", "1G", "-m", "1M", "--bogus", "4"}, 2) == "vmreal: no option --bogus (see 'vmreal --help')\n");
}

TEST_CASE("errors: vmreal tlb's options, in the same words as vmreal's", "[errors][tlb]") {
    auto err = [](const std::vector<std::string>& args) {
        std::vector<std::string> all{"tlb"};
        all.insert(all.end(), args.begin(), args.end());
        const RunResult r = vmreal(all);
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        return r.err;
    };
    CHECK(err({"--pages", "0"}) == "vmreal tlb: no option --pages (see 'vmreal tlb --help')\n");
    CHECK(err({"--reps", "0"}) == "vmreal tlb: --reps: 0 is not in the range 1 to 101 (see 'vmreal tlb --help')\n");
    CHECK(err({"--cpu", "x"}) == "vmreal tlb: --cpu: not a number: x (see 'vmreal tlb --help')\n");
}

TEST_CASE("errors: vmreal tlb --svg where no picture can go is refused before measuring", "[errors][tlb]") {
    TempDir dir;
    // stdout stays empty: the table's heading is the first thing a measurement prints.
    auto err = [](const std::string& path) {
        const RunResult r = vmreal({"tlb", "--max", "8", "--reps", "1", "--svg", path});
        INFO("--svg '" << path << "' stderr: " << r.err);
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        return r.err;
    };
    CHECK(err("") == "vmreal tlb: --svg: an empty name is not a file\n");
    CHECK(err("-") == "vmreal tlb: --svg: give a file name ('-' would be stdout, which has the text)\n");
    CHECK(err(dir.path) == "vmreal tlb: --svg: " + dir.path + " is a folder, not a file\n");
    CHECK(err("/dev/null") == "vmreal tlb: --svg: /dev/null is not a regular file (the picture is renamed over it)\n");
    CHECK(err("/nonexistent-dir/c.svg") ==
          "vmreal tlb: --svg: cannot write /nonexistent-dir/c.svg: No such file or directory\n");
    CHECK_THAT(err("/proc/vmreal-c.svg"), Catch::StartsWith("vmreal tlb: --svg: cannot write /proc/vmreal-c.svg: "));
    CHECK_FALSE(exists("/proc/vmreal-c.svg.tmp"));
    CHECK(dir.entries().empty());
}

TEST_CASE("errors: vmreal --svg where no picture can go is refused before the experiment", "[errors]") {
    // Before, the pages were allocated, touched and read, and the picture failed at the end.
    for (const char* path : {"/nonexistent-dir/p.svg", "/tmp"}) {
        INFO("--svg " << path);
        const RunResult r = vmreal({"-b", "4K", "-m", "64K", "--svg", path});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("vmreal: --svg: ", 0) == 0);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}

TEST_CASE("errors: an unwritable -o", "[errors]") {
    for (const char* path : {"/nonexistent-dir/out.txt", "/proc/vmreal-out.txt", "/tmp"}) {
        INFO("-o " << path);
        const RunResult r = vmreal({"-b", "1G", "-m", "64K", "-o", path});
        CHECK(r.code == 2);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("vmreal: -o ", 0) == 0);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    CHECK_FALSE(exists("/proc/vmreal-out.txt"));
}

TEST_CASE("errors: a missing pagemap", "[errors]") {
    TempDir dir;
    // An empty /proc in a private mount namespace: no /proc/self/pagemap. (A sanitizer's runtime
    // needs /proc too: it warns, and its leak checker would turn the exit code into its own.)
    const RunResult r = in_mount_namespace("mount -t tmpfs none /proc && ASAN_OPTIONS=detect_leaks=0 exec " +
                                           vmreal_path() + " -b 1G -m 64K -o " + dir.file("out"));
    INFO("stderr: " << r.err);
    CHECK(r.code == 1);
    const std::string message = "vmreal: cannot open /proc/self/pagemap: No such file or directory (is /proc "
                                "mounted? vmreal needs Linux's /proc/self/pagemap)\n";
#ifdef __SANITIZE_ADDRESS__
    CHECK_THAT(r.err, Catch::Contains(message));
#else
    CHECK(r.err == message);
#endif
    CHECK(dir.entries().empty());
}

TEST_CASE("errors: a disk that fills up mid-write leaves no partial file", "[errors]") {
    TempDir dir;
    // 1024 lines of 47 bytes do not fit in a 16 KiB tmpfs.
    const RunResult r = in_mount_namespace("mount -t tmpfs -o size=16k none " + dir.path + " && " + vmreal_path() +
                                           " -b 1G -m 4M -q -o " + dir.file("out") + "; rc=$?; ls -A " + dir.path +
                                           "; exit $rc");
    INFO("stderr: " << r.err);
    CHECK(r.code == 1);
    CHECK_THAT(r.err, Catch::StartsWith("vmreal: writing ") && Catch::Contains("No space left on device"));
    CHECK(r.out.empty());  // ls found nothing inside the full tmpfs
}

TEST_CASE("errors: an existing file is replaced only by a complete one", "[errors]") {
    TempDir dir;
    const std::string out = dir.file("out");
    REQUIRE(vmreal({"-b", "1G", "-m", "64K", "-q", "-o", out}).code == 0);
    const std::string before = read_file(out);
    CHECK(vmreal({"-b", "1G", "-m", "12Q", "-o", out}).code == 2);
    CHECK(read_file(out) == before);
    CHECK(dir.entries().size() == 1);
}

TEST_CASE("errors: --help answers what -b means, why root, what the columns are", "[errors]") {
    const RunResult r = vmreal({"--help"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    for (const char* needle : {"4K|1G", "historical", "CAP_SYS_ADMIN", "VA=0x<virtual address> -> PA=0x<physical",
                               "PA=unknown", "Exit codes"})
        CHECK_THAT(r.out, Catch::Contains(needle));
}
