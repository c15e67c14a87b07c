// The pure part of vmreal's module client (real/snapshot_file.hpp): which snapshots cover a
// buffer, reading the module's answers, merging snapshots and adding pagemap's expect lines.
#include "snapshot_file.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace vmtour;

namespace {

constexpr std::uint64_t K4 = 4096, M1 = 1 << 20, M2 = 2 << 20;

// A snapshot as ko5204 writes it (kmod/snapshot.c), for pid 99 and [start, end).
std::string module_snapshot(std::uint64_t start, std::uint64_t end, const std::string& tables,
                            const std::string& cr3 = "0x2662000") {
    std::string s = "# ko5204 snapshot of pid 99 (vmreal), range " + std::to_string(start) + " " + std::to_string(end) +
                    "\n# kernel 6.1.0-50-amd64 x86_64\n# cr3 is read_cr3_pa() in the kernel; KPTI is off\n"
                    "vmtour-machine 1\nmode 4level\ncr3 " + cr3 +
                    "\ncr0.wp 1\ncr4.pse 1\ncr4.smep 0\ncr4.smap 0\nefer.nxe 1\nmaxphyaddr 40\n" + tables;
    for (std::uint64_t va = start; va < end; va += K4) s += "expect " + std::to_string(va) + " 0x5000 kwalk\n";
    return s + "# 1 pages, 1 mapped, 4 tables; the kernel answered for 0, the walk agrees on 0\n";
}

const std::string TABLES_A = "table 0x2662000  # PML4\n  255 0x0000000001000067\ntable 0x1000000  # PDPT\n"
                             "  1 0x00000000011b7067\ntable 0x11b7000  # PT\n  3 0x0000000005000067\n";
const std::string TABLES_B = "table 0x2662000  # PML4\n  255 0x0000000001000067\ntable 0x1000000  # PDPT\n"
                             "  1 0x00000000011b7067\ntable 0x11b7000  # PT\n  4 0x0000000006000067\n  2 0x7067\n";

SnapshotText parsed(const std::string& text) {
    auto p = parse_snapshot(text);
    INFO(p.error);
    REQUIRE(p);
    return p.value;
}

}  // namespace

TEST_CASE("snapshot plan: one range for contiguous pages, ascending, duplicates ignored", "[snapshot]") {
    const std::vector<std::uint64_t> vas = {0x403000, 0x401000, 0x402000, 0x401000, 0x400000};
    CHECK(plan_snapshots(vas) == std::vector<VaRange>{{0x400000, 0x404000}});
}

TEST_CASE("snapshot plan: at most 16 MiB each, the rest in more", "[snapshot]") {
    std::vector<std::uint64_t> vas;
    for (std::uint64_t va = 0x40000000; va < 0x40000000 + 40 * M1; va += K4) vas.push_back(va);
    const auto plan = plan_snapshots(vas);
    REQUIRE(plan.size() == 3);
    CHECK(plan[0] == VaRange{0x40000000, 0x41000000});
    CHECK(plan[1] == VaRange{0x41000000, 0x42000000});
    CHECK(plan[2] == VaRange{0x42000000, 0x42800000});
}

TEST_CASE("snapshot plan: small holes are bridged, large ones split (4K mode's arenas)", "[snapshot]") {
    // Two 2 MiB arenas far apart (pool), each with two pages; a one-page hole (libc's headers).
    const std::vector<std::uint64_t> vas = {0x7f0000200000, 0x7f0000202000, 0x7f0000000000, 0x7f0000001000};
    CHECK(plan_snapshots(vas) == std::vector<VaRange>{{0x7f0000000000, 0x7f0000002000}, {0x7f0000200000, 0x7f0000203000}});
    CHECK(plan_snapshots(vas, SNAPSHOT_MAX_BYTES, 0) ==
          std::vector<VaRange>{{0x7f0000000000, 0x7f0000002000}, {0x7f0000200000, 0x7f0000201000}, {0x7f0000202000, 0x7f0000203000}});
    CHECK(plan_snapshots(vas, SNAPSHOT_MAX_BYTES, M2).size() == 1);
    CHECK(plan_snapshots(std::vector<std::uint64_t>{}).empty());
}

TEST_CASE("snapshot plan: the top of a 32-bit address space", "[snapshot]") {
    const std::vector<std::uint64_t> vas = {0xfffff000, 0xffffe000};
    CHECK(plan_snapshots(vas) == std::vector<VaRange>{{0xffffe000, 0x100000000}});
}

TEST_CASE("snapshot text: the module's answer in parts, with its owner", "[snapshot]") {
    const SnapshotText s = parsed(module_snapshot(0x400000, 0x402000, TABLES_A));
    REQUIRE(s.pid);
    CHECK(*s.pid == 99);
    CHECK(s.range == VaRange{0x400000, 0x402000});
    CHECK(s.comments.size() == 3);
    CHECK(s.header.size() == 9);
    CHECK(s.header.front() == "vmtour-machine 1");
    REQUIRE(s.tables.size() == 3);
    CHECK(s.tables[0].pa == 0x2662000);
    CHECK(s.tables[0].label == "PML4");
    REQUIRE(s.tables[2].entries.size() == 1);
    CHECK(s.tables[2].entries[0].index == 3);
    CHECK(s.tables[2].entries[0].value == 0x5000067);
    CHECK(s.tables[2].entries[0].text == "0x0000000005000067");
    CHECK(s.expects == std::vector<std::string>{"expect 4194304 0x5000 kwalk", "expect 4198400 0x5000 kwalk"});
    CHECK(s.trailer.size() == 1);
}

TEST_CASE("snapshot text: what a snapshot cannot hold is an error with its line", "[snapshot]") {
    CHECK_THAT(parse_snapshot("vmtour-machine 1\nmode 4level\nmap 0x1000 0x2000 4K\n").error,
               Catch::Equals("line 3: unexpected 'map 0x1000 0x2000 4K' in a snapshot"));
    CHECK_THAT(parse_snapshot("vmtour-machine 1\n  3 0x67\n").error, Catch::Contains("line 2: entry '3 0x67' before any table"));
    CHECK_THAT(parse_snapshot("vmtour-machine 1\ntable 0x1000\n  3 0xzz\n").error, Catch::Contains("line 3: bad entry"));
    CHECK_THAT(parse_snapshot("vmtour-machine 1\ntable 0x1000\nmode pae\n").error, Catch::Contains("after the first table"));
    CHECK_THAT(parse_snapshot("Vmalloc: VA=0x1 -> PA=0x2\n").error, Catch::Contains("line 1"));
    CHECK_THAT(parse_snapshot("# nothing\n").error, Catch::Contains("vmtour-machine 1"));
    CHECK_THAT(parse_snapshot("vmtour-machine 1\nmode 2level\n").error, Catch::Contains("without tables"));
}

TEST_CASE("snapshot merge: one header, every table once with the union of its entries", "[snapshot]") {
    const std::vector<SnapshotText> parts = {parsed(module_snapshot(0x400000, 0x401000, TABLES_A)),
                                             parsed(module_snapshot(0x1400000, 0x1401000, TABLES_B))};
    const std::vector<std::string> extra = {expect_line(0x400000, 0x5000, "pagemap"), expect_line(0x1400000, 0x6000, "pagemap")};
    const auto merged = merge_snapshots(parts, extra, "vmreal test");
    INFO(merged.error);
    REQUIRE(merged);
    const std::string& m = merged.value;
    CHECK(m.rfind("# vmreal test\n# ko5204 snapshot of pid 99", 0) == 0);
    CHECK(m.find("vmtour-machine 1") == m.rfind("vmtour-machine 1"));
    CHECK(m.find("table 0x11b7000  # PT\n  2 0x7067\n  3 0x0000000005000067\n  4 0x0000000006000067\n") != std::string::npos);
    CHECK(m.find("table 0x2662000") == m.rfind("table 0x2662000"));
    CHECK(m.find("expect 0x400000 0x5000 pagemap\nexpect 0x1400000 0x6000 pagemap\n") != std::string::npos);
    CHECK(m.find("expect 4194304 0x5000 kwalk") < m.find("expect 0x400000 0x5000 pagemap"));
    // The merge reads back as one snapshot with all of it.
    const SnapshotText again = parsed(m);
    CHECK(again.tables.size() == 3);
    CHECK(again.expects.size() == 4);
    CHECK(again.comments.size() == 5);  // the title, the first snapshot's three lines, the second's first
}

TEST_CASE("snapshot merge: an entry with two values or two machines is an error", "[snapshot]") {
    const std::string changed = "table 0x2662000  # PML4\n  255 0x0000000001000027\n";
    std::vector<SnapshotText> parts = {parsed(module_snapshot(0x400000, 0x401000, TABLES_A)),
                                       parsed(module_snapshot(0x401000, 0x402000, changed))};
    CHECK_THAT(merge_snapshots(parts, {}, "t").error,
               Catch::Contains("table 0x2662000 entry 255 is 0x0000000001000067 in one snapshot and "
                               "0x0000000001000027 in another"));
    parts[1] = parsed(module_snapshot(0x401000, 0x402000, TABLES_A, "0x9999000"));
    CHECK_THAT(merge_snapshots(parts, {}, "t").error, Catch::Contains("disagree on the machine"));
    CHECK_THAT(merge_snapshots({}, {}, "t").error, Catch::Contains("no snapshot"));
}

TEST_CASE("snapshot: expect lines as the module writes them", "[snapshot]") {
    CHECK(expect_line(0x7f0000001000, 0x123456000, "pagemap") == "expect 0x7f0000001000 0x123456000 pagemap");
}

TEST_CASE("kernel pages: the seed's lines of the module's vmalloc answer", "[snapshot]") {
    const std::string answer = "Vmalloc: VA=0xffffc90000401000 -> PA=0x000000001230a000\n"
                               "Vmalloc: VA=0xffffc90000402000 -> PA=0x0000000004567000\n"
                               "Walk: VA=0xffffc90000401000 -> PA=0x000000001230a000 agree\n"
                               "# vmalloc: 2 pages, the module's walk agrees on 2; range 0x1 0x2\n";
    const auto pages = parse_kernel_pages(answer, "Vmalloc");
    REQUIRE(pages);
    CHECK(pages.value == std::vector<KernelPage>{{0xffffc90000401000, 0x1230a000}, {0xffffc90000402000, 0x4567000}});
    CHECK_THAT(parse_kernel_pages(answer, "Kmalloc").error, Catch::Contains("no 'Kmalloc: VA=' lines"));
    CHECK_THAT(parse_kernel_pages("Kmalloc: VA=0x1 -> 0x2\n", "Kmalloc").error, Catch::Contains("line 1"));
}
