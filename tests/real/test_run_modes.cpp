// vmreal run for real on this machine, both modes, small sizes: the invariants of its output.
#include "run_helpers.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace vmtour;
using namespace vmtour::test;

namespace {

constexpr std::uint64_t PAGE = 4096, HUGE_2M = 2u << 20;

// Runs vmreal with -o FILE and returns the parsed records, requiring exit 0.
std::vector<PageRecord> run_ok(const std::vector<std::string>& args, std::string* summary = nullptr) {
    TempDir dir;
    std::vector<std::string> all = args;
    all.insert(all.end(), {"-o", dir.file("out")});
    const RunResult r = vmreal(all);
    INFO("stderr: " << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.empty());
    if (summary) *summary = r.err;
    return parse_or_fail(read_file(dir.file("out")));
}

// Every page has a real PA: page-aligned plus the VA's offset, and never 0.
void check_translated(const std::vector<PageRecord>& pages) {
    for (const PageRecord& p : pages) {
        INFO("VA " << std::hex << p.va);
        REQUIRE(p.pa.has_value());
        CHECK(*p.pa != 0);
        CHECK((*p.pa & (PAGE - 1)) == (p.va & (PAGE - 1)));
    }
}

void check_distinct_frames(const std::vector<PageRecord>& pages) {
    std::set<std::uint64_t> frames;
    for (const PageRecord& p : pages) frames.insert(*p.pa / PAGE);
    CHECK(frames.size() == pages.size());
}

}  // namespace

TEST_CASE("run: -b 1G gives one line per page, consecutive VAs, distinct frames", "[run]") {
    require_root();
    std::string summary;
    const auto pages = run_ok({"-b", "1G", "-m", "4M"}, &summary);
    REQUIRE(pages.size() == 1024);
    check_translated(pages);
    for (std::size_t i = 1; i < pages.size(); ++i) REQUIRE(pages[i].va == pages[0].va + i * PAGE);
    CHECK(pages[0].va % HUGE_2M == 0);  // the block is 2 MiB aligned
    check_distinct_frames(pages);
    CHECK_THAT(summary, Catch::Contains("1024 present"));
    CHECK_THAT(summary, Catch::Contains("distinct frames   1024"));
    CHECK_THAT(summary, Catch::Contains("VmPTE"));
    CHECK_THAT(summary, Catch::Contains("vmsim cost        4level"));
}

TEST_CASE("run: -b 4K gives separate page-aligned blocks, each its own frame", "[run]") {
    require_root();
    for (const char* allocator : {"pool", "libc"}) {
        INFO("allocator " << allocator);
        const auto pages = run_ok({"-b", "4K", "-m", "2M", "--allocator", allocator});
        REQUIRE(pages.size() == 512);
        check_translated(pages);
        std::set<std::uint64_t> vas;
        for (const PageRecord& p : pages) {
            CHECK(p.va % PAGE == 0);
            vas.insert(p.va);
        }
        CHECK(vas.size() == pages.size());
        check_distinct_frames(pages);
    }
}

TEST_CASE("run: text goes to stdout without -o, and every format says the same", "[run]") {
    require_root();
    const RunResult r = vmreal({"-b", "1G", "-m", "64K", "-q"});
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    CHECK(parse_or_fail(r.out).size() == 16);
    for (const char* format : {"csv", "json"}) {
        for (bool flags : {false, true}) {
            INFO(format << (flags ? " --flags" : ""));
            std::vector<std::string> args = {"-b", "1G", "-m", "64K", "-q", "--format", format};
            if (flags) args.push_back("--flags");
            const auto pages = run_ok(args);
            REQUIRE(pages.size() == 16);
            check_translated(pages);
            for (const PageRecord& p : pages) CHECK(p.has_flags == flags);
            if (flags) CHECK((pages[0].flags & (kPresent | kExclusive)) == (kPresent | kExclusive));
        }
    }
}

TEST_CASE("run: a THP run has consecutive frames from a 2 MB aligned one", "[run]") {
    require_root();
    std::string summary;
    const auto pages = run_ok({"-b", "1G", "-m", "8M", "--thp", "on", "--flags"}, &summary);
    REQUIRE(pages.size() == 2048);
    check_translated(pages);
    std::map<std::uint64_t, std::vector<const PageRecord*>> by_2m;  // THP pages by their 2 MB VA range
    for (const PageRecord& p : pages)
        if (p.flags & kThp) by_2m[p.va / HUGE_2M].push_back(&p);
    INFO("no transparent huge page at all: is THP disabled (/sys/kernel/mm/transparent_hugepage/enabled)?\n"
         << summary);
    REQUIRE(!by_2m.empty());
    for (const auto& [range, thp] : by_2m) {
        REQUIRE(thp.size() == 512);
        CHECK(*thp[0]->pa % HUGE_2M == 0);
        for (std::size_t i = 1; i < thp.size(); ++i) CHECK(*thp[i]->pa == *thp[0]->pa + i * PAGE);
    }
    CHECK_THAT(summary, Catch::Contains("huge pages        1 range"));
}

TEST_CASE("run: a read-only touch maps every page to the zero page", "[run]") {
    require_root();
    for (const char* block : {"1G", "4K"}) {
        INFO("-b " << block);
        std::string summary;
        const auto pages = run_ok({"-b", block, "-m", "1M", "--touch", "read", "--thp", "off", "--flags"}, &summary);
        REQUIRE(pages.size() == 256);
        check_translated(pages);
        for (const PageRecord& p : pages) {
            CHECK(*p.pa == *pages[0].pa);
            CHECK((p.flags & kZeroPage) != 0);
            CHECK((p.flags & kExclusive) == 0);
        }
        CHECK_THAT(summary, Catch::Contains("distinct frames   1\n"));
        CHECK_THAT(summary, Catch::Contains("256 zero page"));
    }
}

TEST_CASE("run: --populate, --mlock and --reread", "[run]") {
    require_root();
    std::string summary;
    auto pages = run_ok({"-b", "1G", "-m", "1M", "--populate", "--mlock", "--reread"}, &summary);
    REQUIRE(pages.size() == 256);
    check_translated(pages);
    check_distinct_frames(pages);
    CHECK_THAT(summary, Catch::Contains("reread            no frame moved"));
    // mlock on a read touch writes the pages in: no zero page.
    pages = run_ok({"-b", "4K", "-m", "1M", "--mlock", "--touch", "read", "--flags"});
    check_distinct_frames(pages);
    pages = run_ok({"-b", "4K", "-m", "1M", "--populate", "--thp", "on", "--touch", "read"});
    check_distinct_frames(pages);
}

TEST_CASE("run: with THP a read-only touch maps the huge zero page, 512 frames for every 2 MiB", "[run]") {
    require_root();
    std::string summary;
    const auto pages = run_ok({"-b", "1G", "-m", "8M", "--touch", "read", "--thp", "on"}, &summary);
    REQUIRE(pages.size() == 2048);
    check_translated(pages);
    std::set<std::uint64_t> frames;
    for (const PageRecord& p : pages) frames.insert(*p.pa / PAGE);
    INFO("THP disabled (/sys/kernel/mm/transparent_hugepage/enabled)?\n" << summary);
    CHECK(frames.size() == 512);
    // Page i of every 2 MiB range is frame i of the one huge zero page.
    for (std::size_t i = 512; i < pages.size(); ++i) CHECK(*pages[i].pa == *pages[i % 512].pa);
}

TEST_CASE("run: --touch none leaves every page not present (demand paging)", "[run]") {
    require_root();
    for (const char* block : {"1G", "4K"}) {
        INFO("-b " << block);
        std::string summary;
        const auto pages = run_ok({"-b", block, "-m", "64K", "--touch", "none"}, &summary);
        REQUIRE(pages.size() == 16);
        for (const PageRecord& p : pages) {
            CHECK_FALSE(p.pa.has_value());
            CHECK(p.status == PaStatus::NotPresent);
        }
        CHECK_THAT(summary, Catch::Contains("touch none"));
        CHECK_THAT(summary, Catch::Contains("0 present, 16 not present"));
    }
}

TEST_CASE("run: --fork shows copy-on-write from both sides", "[run]") {
    require_root();
    std::string summary;
    const auto pages = run_ok({"-b", "1G", "-m", "64K", "--fork", "--flags"}, &summary);
    REQUIRE(pages.size() == 4 * 16);  // parent, child, child-wrote, parent-now
    check_translated(pages);
    auto view = [&](std::size_t v, std::size_t i) -> const PageRecord& { return pages[v * 16 + i]; };
    for (std::size_t i = 0; i < 16; ++i) {
        INFO("page " << i);
        for (std::size_t v = 1; v < 4; ++v) CHECK(view(v, i).va == view(0, i).va);
        CHECK(*view(1, i).pa == *view(0, i).pa);  // the child shares the parent's frame
        CHECK(*view(2, i).pa != *view(0, i).pa);  // until it writes: a copy
        CHECK(*view(3, i).pa == *view(0, i).pa);  // the parent keeps its frame
        CHECK((view(0, i).flags & kExclusive) != 0);
        CHECK((view(1, i).flags & kExclusive) == 0);  // shared: mapped by two processes
        CHECK((view(2, i).flags & kExclusive) != 0);
        CHECK((view(3, i).flags & kExclusive) != 0);  // the parent alone maps it again
    }
    CHECK_THAT(summary, Catch::Contains("the child shares 16 of 16 frames"));
    CHECK_THAT(summary, Catch::Contains("16 new frames, 0 still shared; the parent kept 16"));
}

TEST_CASE("run: --fork writes labelled text only", "[run][errors]") {
    const RunResult r = vmreal({"-b", "1G", "-m", "64K", "--fork", "--format", "csv"});
    CHECK(r.code == 2);
    CHECK(r.err == "vmreal: --fork writes labelled text lines: use --format text\n");
}
