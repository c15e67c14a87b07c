// Machine files: the examples, the errors (file:line: reason), the map/cost/memory-map helpers.
#include "fixture.hpp"

#include "cost.hpp"
#include "examples.hpp"
#include "machine_file.hpp"
#include "memmap.hpp"
#include "parse.hpp"

using namespace vmtour;
using namespace vmtour::test;

TEST_CASE("every built-in example translates 0x1337babe to 0xdeadbabe", "[examples]") {
    for (const PagingMode* mode : ALL_MODES) {
        const Machine m = example_machine(*mode);
        const Walk w = walk(m, 0x1337babe, {});
        REQUIRE(w.ok);
        CHECK(w.translation.pa == 0xdeadbabe);
        CHECK(w.steps[0].table == 0x12340000);
    }
}

TEST_CASE("machine file errors name the line and the reason", "[machine][errors]") {
    auto err = [](std::string_view text) { return parse_machine(text, "t.machine").error; };
    CHECK(err("") == "t.machine:1: empty file: a machine file starts with 'vmtour-machine 1'");
    CHECK(err("mode 2level\n").find("t.machine:1: the first line must be") == 0);
    CHECK(err("vmtour-machine 2\n").find("t.machine:1: format version '2'") == 0);
    CHECK(err("vmtour-machine 1\nmode 7level\n") == "t.machine:2: unknown mode '7level' (2level, pae, 4level or 5level)");
    CHECK(err("vmtour-machine 1\nmode 2level\ncr3 0x1000\ntable 0x1000\n  1024 0x1\n") == "t.machine:5: table 0x1000 has 1024 entries: no index 1024");
    CHECK(err("vmtour-machine 1\nmode 2level\ncr3 0x1000\nentry 0x1002 0x1\n") ==
          "t.machine:4: entry address 0x1002 is not aligned to the 4-byte entry size");
    CHECK(err("vmtour-machine 1\nmode 2level\ncr3 0x1000\nentry 0x1000 0x100000000\n") ==
          "t.machine:4: value 0x100000000 does not fit in a 4-byte entry");
    CHECK(err("vmtour-machine 1\nmode 4level\ncr3 0x1000\ncr3 0x2000\n") ==
          "t.machine:4: 'cr3' is given twice (first on line 3)");
    CHECK(err("vmtour-machine 1\nmode 4level\ncr3 0x1000\ntable 0x1000\n0 0x1\ncr0.wp 0\n") ==
          "t.machine:6: 'cr0.wp' must come before the first table, entry or map line");
    CHECK(err("vmtour-machine 1\nmode 4level\ncr3 zz\n") == "t.machine:3: 'zz' is not a number (unexpected 'z')");
    CHECK(err("vmtour-machine 1\nmode 4level\nmap 0x1000 0x2000 4K rw,bogus\n").find("t.machine:3: unknown flag 'bogus'") == 0);
    CHECK(err("vmtour-machine 1\nmode 2level\nmap 0x1000 0x2000 4K page=2M\n").find("t.machine:3: 32-bit paging (2-level) has no") == 0);
    CHECK(err("vmtour-machine 1\nmode 4level\nmap 0x1000 0x2000 4K\nmap 0x1000 0x3000 4K\n").find("t.machine:4: 0x1000 is already mapped") == 0);
    CHECK(err("vmtour-machine 1\nmode 2level\ncr4.pcide 1\nmap 0 0 4K\n") ==
          "t.machine:4: cr4.pcide 1 needs 4-level or 5-level paging (SDM 4.10.1)");
    CHECK(err("vmtour-machine 1\nmode 4level\ncr3 0x1000\nexpect 0x1000\n").find("t.machine:4: expected 'expect VA") == 0);
    CHECK(err("vmtour-machine 1\nmode 4level\n") == "t.machine:3: no 'cr3' line and no 'map' line to allocate the top-level table");
}

TEST_CASE("expect lines are kept with their source and line", "[machine][expect]") {
    auto m = parse_machine("vmtour-machine 1\nmode 4level\nmap 0x1000 0x5000 4K\nexpect 0x1234 0x5234 pagemap\n"
                           "expect 0x9000 fault\n", "e");
    REQUIRE(m);
    REQUIRE(m.value.expects.size() == 2);
    CHECK(m.value.expects[0].pa == 0x5234u);
    CHECK(m.value.expects[0].source == "pagemap");
    CHECK(m.value.expects[0].line == 4);
    CHECK_FALSE(m.value.expects[1].pa);
}

TEST_CASE("cost: one page needs one table per level; a flat table costs 4 MB in 2-level", "[cost]") {
    const Region page{0x1337b000, 4096, 4096};
    const ModeCost c2 = table_cost(mode_2level(), {&page, 1});
    CHECK(c2.total_bytes == 8192);
    CHECK(c2.flat_bytes == 4.0L * 1024 * 1024);
    const ModeCost cp = table_cost(mode_pae(), {&page, 1});
    CHECK(cp.total_bytes == 32 + 4096 + 4096);
    const ModeCost c4 = table_cost(mode_4level(), {&page, 1});
    CHECK(c4.total_bytes == 4 * 4096);
    // 4 MB of pages spanning a 2 MB boundary needs 3 page tables in 64-bit modes.
    const Region big{0x1ff000, 4ull << 20, 4096};
    const ModeCost c4b = table_cost(mode_4level(), {&big, 1});
    CHECK(c4b.pages == 1024);
    CHECK(c4b.levels[3].tables == 3);
    const ModeCost c2b = table_cost(mode_2level(), {&big, 1});
    CHECK(c2b.levels[1].tables == 2);
    // Overlapping regions are counted once.
    const Region twice[] = {{0x1000, 8192, 4096}, {0x2000, 8192, 4096}};
    CHECK(table_cost(mode_4level(), twice).pages == 3);
    const Region high{0x100000000, 4096, 4096};
    CHECK_FALSE(fits(mode_2level(), {&high, 1}));
}

TEST_CASE("the memory map uses the seed's legend and zooms into an entry", "[memmap]") {
    const Machine m = example_machine(mode_2level());
    std::string error;
    const MemoryMap map = memory_map(m, {}, error);
    REQUIRE(error.empty());
    REQUIRE(map.cells.size() == 1024);
    CHECK(map.cells[76] == '+');            // the blog's page table: a user read/write page
    CHECK(map.cells[0x08048000 >> 22] == 'r');  // program text, read-only (first page)
    CHECK(map.cells[768] == 'X');           // the kernel's 4 MB pages
    CHECK(map.cells[767] == '+');           // the stack
    CHECK(map.cells[0xf8000000 >> 22] == 'x');
    CHECK(map.cells[1] == '.');
    const unsigned zoom[] = {76};
    const MemoryMap z = memory_map(m, zoom, error);
    REQUIRE(z.cells.size() == 1024);
    CHECK(z.cells[891] == '*');
    CHECK(z.cells[890] == '.');
    const unsigned too_deep[] = {76, 891};
    memory_map(m, too_deep, error);
    CHECK(error.find("cannot zoom below the PT") == 0);
}

TEST_CASE("sizes and numbers parse strictly", "[parse]") {
    CHECK(parse_size("64M").value == 64ull << 20);
    CHECK(parse_size("1G").value == 1ull << 30);
    CHECK(parse_size("4096").value == 4096);
    CHECK(parse_size("4k").value == 4096);
    CHECK(parse_size("64MiB").value == 64ull << 20);
    CHECK_FALSE(parse_size("0"));
    CHECK_FALSE(parse_size("-1"));
    CHECK_FALSE(parse_size("12Q"));
    CHECK_FALSE(parse_size("99999999999T"));
    CHECK(parse_u64("0x1337babe").value == 0x1337babe);
    CHECK_FALSE(parse_u64("0x"));
    CHECK_FALSE(parse_u64("0x1ffffffffffffffff"));
    CHECK_FALSE(parse_u64("12 "));
    CHECK(format_size(4ull << 20) == "4M");
}

TEST_CASE("map lines are bounded: a file cannot ask for billions of pages", "[machine][errors][limits]") {
    auto m = parse_machine("vmtour-machine 1\nmode 4level\nmap 0x0 0x0 64G\n", "big");
    CHECK(m.error == "big:3: map lines may create at most 1048576 pages in one file (this line asks for 16777216; use larger pages)");
    CHECK(parse_machine("vmtour-machine 1\nmode 4level\nmap 0x0 0x0 64G rw page=1G\n", "ok"));
}
