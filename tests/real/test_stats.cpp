// The summary statistics and the command line's validation, without touching the kernel.
#include "cli.hpp"
#include "pagemap.hpp"
#include "report.hpp"
#include "stats.hpp"

#include <catch2/catch.hpp>

using namespace vmtour;

namespace {

constexpr std::uint64_t PRESENT = std::uint64_t{1} << 63;
constexpr std::uint64_t EXCLUSIVE = std::uint64_t{1} << 56;
constexpr std::uint64_t BASE = 0x7f0000000000;  // 2 MiB aligned

std::vector<std::uint64_t> consecutive_vas(std::size_t n) {
    std::vector<std::uint64_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = BASE + i * PAGE_SIZE_4K;
    return v;
}

Options options(std::string block, std::string memory) {
    Options o;
    o.block = std::move(block);
    o.memory = std::move(memory);
    return o;
}

}  // namespace

TEST_CASE("stats: runs, distinct frames and absent pages", "[stats]") {
    const auto vas = consecutive_vas(7);
    // frames 10 11 12 | 50 | absent | 51 | 50 (a frame seen twice)
    const std::vector<std::uint64_t> e = {PRESENT | 10, PRESENT | 11, PRESENT | 12, PRESENT | 50, 0,
                                          PRESENT | 51, PRESENT | 50};
    const Stats s = summarize(vas, e, {});
    CHECK(s.pages == 7);
    CHECK(s.present == 6);
    CHECK(s.not_present == 1);
    CHECK(s.distinct_frames == 5);
    CHECK(s.runs == 4);
    CHECK(s.longest_run == 3);
    CHECK(s.huge_ranges.empty());
}

TEST_CASE("stats: hidden frames count as present but form no runs", "[stats]") {
    const auto vas = consecutive_vas(3);
    const std::vector<std::uint64_t> e(3, PRESENT | EXCLUSIVE);
    const Stats s = summarize(vas, e, {});
    CHECK(s.present == 3);
    CHECK(s.hidden == 3);
    CHECK(s.distinct_frames == 0);
    CHECK(s.runs == 0);
}

TEST_CASE("stats: huge ranges follow kpageflags, zero pages excluded", "[stats]") {
    const auto vas = consecutive_vas(6);
    std::vector<std::uint64_t> e;
    for (std::uint64_t i = 0; i < 6; ++i) e.push_back(PRESENT | (0x200 + i));
    const std::vector<std::uint32_t> k = {kThp, kThp, 0, kHugetlb, kThp | kZeroPage, kThp};
    const Stats s = summarize(vas, e, k);
    REQUIRE(s.huge_ranges.size() == 3);
    CHECK(s.huge_ranges[0].va == BASE);
    CHECK(s.huge_ranges[0].pages == 2);
    CHECK(s.huge_ranges[1].kind == kHugetlb);
    CHECK(s.huge_ranges[2].va == BASE + 5 * PAGE_SIZE_4K);
    CHECK(s.thp_pages == 4);
    CHECK(s.zero_pages == 1);
}

TEST_CASE("stats: the summary looks up 2M candidates and shared frames only", "[stats]") {
    const auto vas = consecutive_vas(PAGES_PER_2M + 2);
    std::vector<std::uint64_t> e;
    for (std::uint64_t i = 0; i < vas.size(); ++i) e.push_back(PRESENT | EXCLUSIVE | (0x400 + i));
    e.back() = PRESENT | 0x999;  // not exclusive: could be the zero page
    auto l = lookups_for_summary(vas, e);
    REQUIRE(l.size() == 2);
    CHECK(l[0].page == 0);
    CHECK(l[0].span == PAGES_PER_2M);
    CHECK(l[1].page == vas.size() - 1);
    CHECK(l[1].span == 1);

    e[100] = PRESENT | EXCLUSIVE | 0x7777;  // break the frame run: no 2M candidate any more
    l = lookups_for_summary(vas, e);
    CHECK(l.size() == 1);
    CHECK(lookups_every_frame(e).size() == e.size());
}

TEST_CASE("stats: moved frames and regions", "[stats]") {
    const auto vas = consecutive_vas(3);
    const std::vector<std::uint64_t> a = {PRESENT | 1, PRESENT | 2, PRESENT | 3};
    const std::vector<std::uint64_t> b = {PRESENT | 1, PRESENT | 9, 0};
    const auto moved = moved_frames(vas, a, b);
    REQUIRE(moved.size() == 2);
    CHECK(moved[0].pfn_after == 9);
    CHECK(moved[1].pfn_after == 0);

    const std::vector<std::uint64_t> scattered = {0x5000, 0x1000, 0x2000, 0x9000};
    const auto r = regions_of(scattered);
    REQUIRE(r.size() == 3);
    CHECK(r[0].start == 0x1000);
    CHECK(r[0].size == 0x2000);
    CHECK(human_size(3 << 20) == "3 MiB");
    CHECK(human_size(1536) == "1.5 KiB");
}

TEST_CASE("cli: bad sizes and blocks are one-line usage errors", "[cli]") {
    CHECK(validate(options("1G", "0")).error.find("greater than zero") != std::string::npos);
    CHECK(validate(options("1G", "-1")).error.rfind("-m -1: ", 0) == 0);
    CHECK(validate(options("1G", "12Q")).error.rfind("-m 12Q: ", 0) == 0);
    CHECK(validate(options("1G", "5000")).error == "-m 5000: not a whole number of 4K pages (try 8K)");
    CHECK(validate(options("2K", "1M")).error.rfind("-b 2K: ", 0) == 0);
    for (const auto& o : {options("1G", "0"), options("2K", "1M")})
        CHECK(validate(o).error.find('\n') == std::string::npos);
}

TEST_CASE("cli: good options become a config", "[cli]") {
    Options o = options("4k", "64M");
    o.thp = "on";
    o.format = "csv";
    o.touch = "read";
    const auto c = validate(o);
    REQUIRE(c.error.empty());
    CHECK(c.value.alloc.mode == BlockMode::Pages4K);
    CHECK(c.value.alloc.size == 64u << 20);
    CHECK(c.value.alloc.thp == ThpAdvice::On);
    CHECK(c.value.format == ReportFormat::Csv);
    CHECK(c.value.touch == Touch::Read);
    CHECK(c.value.block_word == "4K");

    Options libc = options("4K", "1M");
    libc.allocator = "libc";
    libc.populate = true;
    CHECK(validate(libc).error.find("need --allocator pool") != std::string::npos);
    Options big_libc = options("1G", "1M");
    big_libc.allocator = "libc";
    CHECK(validate(big_libc).error == "--allocator libc applies to -b 4K only");
}
