// The pagemap and kpageflags decoding, and the checked entry reader, on made-up files.
#include "error.hpp"
#include "pagemap.hpp"
#include "report.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <vector>

using namespace vmtour;

namespace {

constexpr std::uint64_t bit(unsigned n) { return std::uint64_t{1} << n; }

// A temporary file holding `entries` (plus `extra` stray bytes), removed at the end of the test.
struct EntriesFile {
    std::string path;
    explicit EntriesFile(const std::vector<std::uint64_t>& entries, std::size_t extra = 0) {
        char name[] = "/tmp/vmreal-test-entries-XXXXXX";
        const int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        path = name;
        const auto bytes = entries.size() * sizeof(std::uint64_t);
        REQUIRE(::write(fd, entries.data(), bytes) == static_cast<ssize_t>(bytes));
        const char junk[8] = {};
        REQUIRE(::write(fd, junk, extra) == static_cast<ssize_t>(extra));
        ::close(fd);
    }
    ~EntriesFile() { ::unlink(path.c_str()); }
};

EntryFile open_or_fail(const std::string& path) {
    std::string error;
    int err = 0;
    EntryFile f = EntryFile::open(path, error, err);
    REQUIRE(error.empty());
    return f;
}

}  // namespace

TEST_CASE("pagemap: a present entry gives its frame and flags", "[pagemap]") {
    const PagemapEntry e{bit(63) | bit(56) | bit(55) | 0x123456};
    CHECK(e.present());
    CHECK_FALSE(e.swapped());
    CHECK(e.pfn() == 0x123456);
    CHECK_FALSE(e.pfn_hidden());
    CHECK(e.flags() == (kPresent | kExclusive | kSoftDirty));
}

TEST_CASE("pagemap: every documented bit decodes to its flag", "[pagemap]") {
    CHECK(PagemapEntry{bit(61)}.flags() == kFileShared);
    CHECK(PagemapEntry{bit(57)}.flags() == kUffdWp);
    CHECK(PagemapEntry{bit(58)}.flags() == kGuard);
    CHECK(PagemapEntry{bit(55)}.flags() == kSoftDirty);
    CHECK(PagemapEntry{bit(56)}.flags() == kExclusive);
    CHECK(PagemapEntry{bit(59) | bit(60)}.flags() == 0);  // "zero" bits
}

TEST_CASE("pagemap: a swapped entry gives swap type and offset, no frame", "[pagemap]") {
    const PagemapEntry e{bit(62) | (std::uint64_t{0xabcdef} << 5) | 7};
    CHECK(e.swapped());
    CHECK_FALSE(e.present());
    CHECK(e.pfn() == 0);
    CHECK(e.swap_type() == 7);
    CHECK(e.swap_offset() == 0xabcdef);
    // The offset's field is bits 54..5: bit 55 (soft-dirty) is not part of it.
    const PagemapEntry top{bit(62) | bit(55) | (PagemapEntry::low_bits(50) << 5)};
    CHECK(top.swap_offset() == PagemapEntry::low_bits(50));
}

TEST_CASE("pagemap: present with frame 0 means the frame was hidden", "[pagemap]") {
    CHECK(PagemapEntry{bit(63) | bit(56)}.pfn_hidden());
    CHECK_FALSE(PagemapEntry{0}.pfn_hidden());            // not present
    CHECK_FALSE(PagemapEntry{bit(62)}.pfn_hidden());      // swapped
}

TEST_CASE("kpageflags: THP, hugetlb and the zero page", "[pagemap]") {
    CHECK(kpageflags_to_flags(bit(22) | bit(15)) == kThp);
    CHECK(kpageflags_to_flags(bit(17) | bit(16)) == kHugetlb);
    CHECK(kpageflags_to_flags(bit(24)) == kZeroPage);
    CHECK(kpageflags_to_flags(bit(5) | bit(11) | bit(12)) == 0);  // LRU, MMAP, ANON: a normal page
}

TEST_CASE("entry reader: reads ranges and scattered keys exactly", "[pagemap]") {
    std::vector<std::uint64_t> entries(20000);
    for (std::size_t i = 0; i < entries.size(); ++i) entries[i] = i * 3 + 1;
    EntriesFile file(entries);
    EntryFile f = open_or_fail(file.path);

    std::vector<std::uint64_t> range(EntryFile::MAX_BATCH + 100);  // more than one batch
    f.read(7, range);
    for (std::size_t i = 0; i < range.size(); ++i) REQUIRE(range[i] == entries[i + 7]);
    CHECK(f.preads() == 2);

    // Descending, repeated, far apart and adjacent keys, in any order.
    const std::vector<std::uint64_t> keys = {100, 99, 98, 98, 19999, 5, 6, 7, 12000, 0, 101};
    std::vector<std::uint64_t> got(keys.size());
    f.read_many(keys, got, 4);
    for (std::size_t i = 0; i < keys.size(); ++i) CHECK(got[i] == entries[keys[i]]);
}

TEST_CASE("entry reader: shares a pread between close keys only", "[pagemap]") {
    std::vector<std::uint64_t> entries(4096, 0);
    EntriesFile file(entries);
    EntryFile f = open_or_fail(file.path);
    std::vector<std::uint64_t> keys, got;
    for (std::uint64_t k = 0; k < 1000; k += 2) keys.push_back(k);  // 500 keys, one-entry holes
    got.resize(keys.size());
    f.read_many(keys, got, 4);
    CHECK(f.preads() == 1);
    const std::vector<std::uint64_t> far = {0, 1000, 2000, 3000};
    got.resize(far.size());
    f.read_many(far, got, 4);
    CHECK(f.preads() == 1 + 4);
}

TEST_CASE("entry reader: a short or partial read is an error, not a zero", "[pagemap]") {
    EntriesFile file({1, 2, 3}, 4);  // three entries and half of a fourth
    EntryFile f = open_or_fail(file.path);
    std::vector<std::uint64_t> out(4);
    CHECK_THROWS_WITH(f.read(0, out), Catch::Contains("not a whole number of 8-byte entries"));
    std::vector<std::uint64_t> past(2);
    CHECK_THROWS_WITH(f.read(10, past), Catch::Contains("ended 2 entries early"));
}

TEST_CASE("entry reader: a missing file says why", "[pagemap]") {
    std::string error;
    int err = 0;
    EntryFile f = EntryFile::open("/nonexistent/pagemap", error, err);
    CHECK_FALSE(f.is_open());
    CHECK(error == "cannot open /nonexistent/pagemap: No such file or directory");
}
