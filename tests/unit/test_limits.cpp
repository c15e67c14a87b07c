// Hostile inputs: memory that grows with what a file writes, bounded reads, range arithmetic that
// must not wrap, numbers made of separators, and error messages that never split a character.
#include "fixture.hpp"

#include "machine_file.hpp"
#include "parse.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <unistd.h>

using namespace vmtour;
using namespace vmtour::test;

namespace {
// A machine file of `lines` entry lines, each in its own 256 MiB region of physical memory (the
// old chunked memory took 512 KiB for each).
std::string spread_entries(unsigned lines, std::uint64_t stride = std::uint64_t{1} << 28) {
    std::string text = "vmtour-machine 1\nmode 4level\ncr3 0x1000\n";
    for (unsigned i = 1; i <= lines; ++i) text += fmt::format("entry {:#x} 1\n", i * stride);
    return text;
}
}  // namespace

TEST_CASE("memory grows with the frames written, not with how far apart they are", "[physmem][limits]") {
    const std::string text = spread_entries(2352);  // 48 KB, the example (was 1.2 GB)
    REQUIRE(text.size() < 50 * 1024);
    auto m = parse_machine(text, "t.machine");
    REQUIRE(m);
    CHECK(m.value.mem.frame_count() == 2352);
    CHECK(m.value.mem.allocated_bytes() < 2352 * (4096 + 128) + (1 << 16));
    // Above 1 TB too, up to the top of the 52-bit physical space.
    auto high = parse_machine(spread_entries(200, std::uint64_t{1} << 43), "t.machine");
    REQUIRE(high);
    CHECK(high.value.mem.allocated_bytes() < 200 * (4096 + 128) + (1 << 16));
    PhysMem mem;
    REQUIRE(mem.write64(0xffffffffffff8, 42));
    CHECK(mem.read64(0xffffffffffff8) == 42);
    CHECK(mem.read64(0xffffffffffff0) == 0);
    CHECK(mem.frame_count() == 1);
}

TEST_CASE("a file that writes more frames than the limit is refused at that line", "[physmem][limits]") {
    MachineLimits limits;
    limits.max_frames = 100;
    auto m = parse_machine(spread_entries(101, 0x1000), "t.machine", limits);
    CHECK(m.error == "t.machine:104: physical memory is full: a machine file may write at most 100 pages of "
                     "4 KB (docs/machine-format.md, \"Limits\")");
    limits.max_mapped_pages = 1u << 20;
    auto mapped = parse_machine("vmtour-machine 1\nmode 4level\nmap 0 0 1G\n", "t.machine", limits);
    CHECK(mapped.error.find("t.machine:3: physical memory is full") == 0);
    PhysMem mem;
    mem.set_max_frames(1);
    CHECK(mem.write32(0x1000, 1));
    CHECK(mem.write32(0x1ffc, 1));  // the same frame
    CHECK_FALSE(mem.write32(0x2000, 1));
    CHECK(mem.read32(0x2000) == 0);
}

TEST_CASE("inputs are read with a size limit, and a directory is named as one", "[input][limits]") {
    auto zero = read_input("/dev/zero", "machine file", 1 << 20);
    CHECK(zero.error == "/dev/zero: the machine file is larger than 1M; refused (see docs/machine-format.md, \"Limits\")");
    CHECK(zero.value.empty());
    CHECK(read_input("/", "machine file").error == "/: is a directory, not a machine file");
    CHECK(read_input("/", "answer file").error == "/: is a directory, not an answer file");
    CHECK(read_input("/nonexistent/x", "machine file").error ==
          "/nonexistent/x: cannot open the machine file: No such file or directory");
    CHECK(load_machine("/tmp").error == "/tmp: is a directory, not a machine file");
    char name[] = "/tmp/vmtour-limits-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, "0123456789", 10) == 10);
    close(fd);
    CHECK(read_input(name, "file", 10).value == "0123456789");
    CHECK_FALSE(read_input(name, "file", 9));
    unlink(name);
}

TEST_CASE("map refuses PA and VA ranges that wrap or leave the physical address width", "[builder][limits]") {
    auto err = [](std::string_view text) { return parse_machine(text, "t.machine").error; };
    CHECK(err("vmtour-machine 1\nmode 4level\nmap 0 0xfffffffffffff000 8K rw,us\n") ==
          "t.machine:3: PA 0xfffffffffffff000 + size 0x2000 wraps around the end of the address space");
    CHECK(err("vmtour-machine 1\nmode 4level\nmap 0 0xffffffffff000 8K\n").find("does not fit in 52 physical") !=
          std::string::npos);
    CHECK(err("vmtour-machine 1\nmode 4level\nmap 0xfffffffffffff000 0 8K\n").find("outside the 48-bit") != std::string::npos);
    // PSE-36: a 4 MB page's frame has at most 40 bits, whatever MAXPHYADDR says.
    CHECK(err("vmtour-machine 1\nmode 2level\nmaxphyaddr 52\nmap 0 0x10000000000 4M page=4M\n")
              .find("does not fit in 40 physical address bits") != std::string::npos);
    CHECK(err("vmtour-machine 1\nmode 2level\nmaxphyaddr 52\nmap 0 0xffc00000 4M page=4M\n").empty());
}

TEST_CASE("the table allocator stops where an entry can no longer point", "[builder][limits]") {
    auto err = [](std::string_view text) { return parse_machine(text, "t.machine").error; };
    // 2-level: the PD at 0xfffff000 fits; its page table would be at 0x100000000, which a 4-byte
    // PDE cannot hold (it would truncate to 0).
    CHECK(err("vmtour-machine 1\nmode 2level\nalloc 0xfffff000\nmap 0 0 4K\n") ==
          "t.machine:4: no room for another page table: the next frame, 0x100000000, is not below "
          "0x100000000 (the 32 physical address bits an entry can hold; see 'alloc')");
    // CR3 has 32 bits in PAE: the PDPT cannot be above 4 GB.
    CHECK(err("vmtour-machine 1\nmode pae\nalloc 0x100000000\nmap 0 0 4K\n").find("the 32 physical address bits CR3") !=
          std::string::npos);
    CHECK(err("vmtour-machine 1\nmode 4level\nmaxphyaddr 36\nalloc 0xffffff000\nmap 0 0 4K\n").find("not below 0x1000000000") !=
          std::string::npos);
    CHECK(err("vmtour-machine 1\nmode 4level\nalloc 0xfffffffffffff000\nmap 0 0 4K\n").find("no room") != std::string::npos);
}

TEST_CASE("numbers need a digit; separators alone are not zero", "[parse][numbers]") {
    for (const char* bad : {"_", "'", "0x_", "0x'", "0b_", "__", ""}) {
        INFO(bad);
        CHECK_FALSE(parse_u64(bad));
    }
    CHECK(parse_u64("0x_").error == "'0x_' is not a number");
    CHECK(parse_u64("0xffff_8000_0000_0000").value == 0xffff800000000000);
    CHECK(parse_u64("1'000").value == 1000);
    CHECK_FALSE(parse_size("_K"));
}

TEST_CASE("an error quoting a non-ASCII byte never holds half a UTF-8 character", "[parse][utf8]") {
    CHECK(parse_u64("1\xc3\xa9").error == "'1\xc3\xa9' is not a number (unexpected '\xc3\xa9')");
    CHECK(parse_u64("1\xc3").error == "'1\\xc3' is not a number (unexpected '\\xc3')");
    CHECK(parse_u64("0x\xe2\x82").error == "'0x\\xe2\\x82' is not a number (unexpected '\\xe2')");
    CHECK(parse_u64("7\x01").error == "'7\\x01' is not a number (unexpected '\\x01')");
    CHECK(quote("a\xf0\x9f\x98\x80z\xff") == "a\xf0\x9f\x98\x80z\\xff");
    const auto e = parse_machine("vmtour-machine 1\nmode \xe2\x82\n", "t.machine").error;
    CHECK(e == "t.machine:2: unknown mode '\\xe2\\x82' (2level, pae, 4level or 5level)");
}

TEST_CASE("every frame written is found again, whatever the pattern of addresses", "[physmem]") {
    // Neighbours, 1 MiB and 1 GiB strides, and the top of the space: chains of probes in the hash
    // (keyed by the frame's address) and its growths must lose nothing and invent nothing.
    PhysMem mem;
    std::vector<std::uint64_t> frames;
    for (std::uint64_t i = 0; i < 600; ++i) {
        frames.push_back(0x80000000 + i * 0x1000);
        frames.push_back(i * 0x100000 + 0x3000);
        frames.push_back(i * 0x40000000 + 0x7000);
        frames.push_back(0xfffffffff000 - i * 0x1000);
    }
    std::sort(frames.begin(), frames.end());
    frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
    for (std::uint64_t f : frames) REQUIRE(mem.write64(f + 8, f | 1));
    CHECK(mem.frame_count() == frames.size());
    for (std::uint64_t f : frames) {
        INFO(std::hex << f);
        REQUIRE(mem.read64(f + 8) == (f | 1));
        REQUIRE(mem.frames().find(f) == mem.frame(f >> 12));
        REQUIRE(mem.frame(f >> 12) != nullptr);
        CHECK(mem.frame((f >> 12) + 0x100000000) == nullptr);  // same low bits, never written
    }
    CHECK(mem.frames().find(0x12345000) == PhysMem::ZERO_FRAME);
}
