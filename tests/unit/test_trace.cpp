// Trace parsing (vmtour events and valgrind lackey lines) and the CPUID TLB decoders.
#include "cpuid_tlb.hpp"
#include "trace.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

using namespace vmtour;

namespace {

TraceEvent one(std::string_view line) {
    TraceEvent e;
    bool skip = false;
    std::string why;
    INFO(line);
    REQUIRE(parse_trace_line(line, e, skip, why));
    REQUIRE(!skip);
    return e;
}

std::string bad(std::string_view line) {
    TraceEvent e;
    bool skip = false;
    std::string why;
    CHECK(!parse_trace_line(line, e, skip, why));
    return why;
}

}  // namespace

TEST_CASE("vmtour trace events", "[trace]") {
    CHECK(one("r 0x1000").kind == EventKind::Read);
    CHECK(one("w 4096  # a comment").a == 4096);
    CHECK(one("x 0x401000").kind == EventKind::Fetch);
    CHECK(one("invlpg 0x7000").kind == EventKind::Invlpg);
    const TraceEvent s = one("set 0x101000 0x7007");
    CHECK(s.kind == EventKind::Set);
    CHECK(s.a == 0x101000);
    CHECK(s.b == 0x7007);
    CHECK(one("cr3 0x8000000000001000").a == 0x8000000000001000);
    CHECK(one("cr4.pge 0").kind == EventKind::Pge);
    CHECK(one("cr4.pcide 1").a == 1);
    const TraceEvent i = one("invpcid 0 5 0x7000");
    CHECK(i.c == 0);
    CHECK(i.b == 5);
    CHECK(i.a == 0x7000);
    CHECK(one("invpcid 2 0").c == 2);
    TraceEvent e;
    bool skip = false;
    std::string why;
    for (const char* line : {"", "   ", "# only a comment", "==1234== Lackey, an example Valgrind tool", "\r"}) {
        CHECK(parse_trace_line(line, e, skip, why));
        CHECK(skip);
    }
}

TEST_CASE("malformed events say why", "[trace]") {
    CHECK(bad("read 0x1000").find("unknown event 'read'") == 0);
    CHECK(bad("r").find("missing virtual address") == 0);
    CHECK(bad("r 0x1000 0x2000").find("too many words") == 0);
    CHECK(bad("r 0xfoo").find("bad virtual address") == 0);
    CHECK(bad("set 0x1000").find("missing entry value") == 0);
    CHECK(bad("cr4.pge 2") == "cr4.pge takes 0 or 1");
    CHECK(bad("invpcid 4 0") == "INVPCID type 4 does not exist (0-3)");
    CHECK(bad("invpcid 0 1") == "INVPCID type 0 needs a virtual address");
    // Bytes that are not text (a binary file given as a trace) are quoted, NUL included, so the
    // message is one whole line.
    CHECK(bad(std::string_view("\x7f" "ELF\x02\x01\x00\x00 x", 10)) ==
          "unknown event '\\x7fELF\\x02\\x01\\x00\\x00' (docs/tlb.md lists them)");
    CHECK(bad(" L 12\x01,8") == "bad lackey address '12\\x01'");
    CHECK(bad(" L 12,8\x05") == "bad lackey size '8\\x05'");
}

TEST_CASE("valgrind lackey lines", "[trace][lackey]") {
    TraceEvent e = one("I  04010a3,3");
    CHECK(e.kind == EventKind::Fetch);
    CHECK(e.a == 0x4010a3);
    CHECK(e.size == 3);
    e = one(" L 1ffefffc30,8");
    CHECK(e.kind == EventKind::Read);
    CHECK(e.a == 0x1ffefffc30);
    CHECK(e.size == 8);
    CHECK(one(" S 04225e48,8").kind == EventKind::Write);
    CHECK(one(" M 0421f838,4").kind == EventKind::Write);  // modify: one write
    CHECK(bad(" L 1ffefffc30").find("ADDRESS,SIZE") != std::string::npos);
    CHECK(bad(" L zz,8").find("bad lackey address") == 0);
    CHECK(bad(" S 1000,0").find("bad lackey size") == 0);
}

TEST_CASE("the reader streams a file and names the line of an error", "[trace]") {
    const std::string path = "test_trace_reader.tmp";
    {
        std::ofstream f(path);
        f << "# a trace\nr 0x1000\n\nI  0401000,2\nw 0x2000\r\nbogus 1\nr 0x3000\n";
    }
    TraceReader r(path);
    REQUIRE(r.error().empty());
    TraceEvent e;
    REQUIRE(r.next(e));
    CHECK(e.a == 0x1000);
    REQUIRE(r.next(e));
    CHECK(e.kind == EventKind::Fetch);
    REQUIRE(r.next(e));
    CHECK(e.a == 0x2000);
    CHECK(!r.next(e));
    CHECK(r.error() == "test_trace_reader.tmp:6: unknown event 'bogus' (docs/tlb.md lists them)");
    std::remove(path.c_str());
    TraceReader missing("no-such-trace.txt");
    CHECK(missing.error().find("no-such-trace.txt: cannot open the trace") == 0);
}

TEST_CASE("the reader handles a last line without a newline and long files", "[trace]") {
    const std::string path = "test_trace_long.tmp";
    {
        std::ofstream f(path);
        for (int i = 0; i < 200000; ++i) f << "r " << i * 4096 << "\n";  // several buffers
        f << "w 0x5";
    }
    TraceReader r(path);
    TraceEvent e;
    std::uint64_t n = 0, last = 0;
    while (r.next(e)) ++n, last = e.a;
    CHECK(r.error().empty());
    CHECK(n == 200001);
    CHECK(last == 5);
    std::remove(path.c_str());
}

TEST_CASE("CPUID: AMD leaves 0x80000005/6", "[cpuid]") {
    HostTlb h;
    // L1: 4K dTLB 64 entries fully (0xFF), iTLB 64 fully; 2M dTLB 64 fully, iTLB 64 fully.
    // L2: 4K dTLB 2048 entries 16-way (code 8), iTLB 512 8-way (code 6); 2M dTLB 2048 16-way.
    const CpuidRegs l1{0xFF40FF40, 0xFF40FF40, 0, 0};
    const CpuidRegs l2{0x88000000, 0x88006200, 0, 0};
    decode_amd(l1, l2, h);
    REQUIRE(h.geometry.levels.size() == 4);  // L1d, L1i, L2d, L2i
    CHECK(h.geometry.levels[0].name == "L1d");
    CHECK(h.geometry.levels[0].arrays.size() == 2);
    CHECK(h.geometry.levels[3].name == "L2i");
    CHECK(h.geometry.levels[3].arrays[0].entries == 512);
    CHECK(h.geometry.levels[3].arrays[0].ways == 8);
    CHECK(h.geometry.levels[0].arrays[0].entries == 64);
    CHECK(h.geometry.levels[0].arrays[0].ways == 0);
    CHECK(h.geometry.levels[2].name == "L2d");
    CHECK(h.geometry.levels[2].arrays[0].entries == 2048);
    CHECK(h.geometry.levels[2].arrays[0].ways == 16);
    HostTlb none;
    decode_amd({}, {}, none);
    CHECK(none.geometry.levels.empty());
    CHECK(none.notes.back() == "leaves 0x80000005/6: no TLB reported");
}

TEST_CASE("CPUID: Intel leaf 0x18 and leaf 2", "[cpuid]") {
    HostTlb h;
    // Subleaf 1: a data TLB, level 1, 4K, 4 ways x 16 sets.  Subleaf 2: unified L2, 4K+2M, 12 x 128.
    const CpuidRegs sub[] = {{2, 0, 0, 0}, {0, (4u << 16) | 1, 16, (1u << 5) | 1}, {0, (12u << 16) | 3, 128, (2u << 5) | 3}};
    decode_leaf18(sub, h);
    REQUIRE(h.geometry.levels.size() == 2);
    CHECK(h.geometry.levels[0].name == "L1d");
    CHECK(h.geometry.levels[0].arrays[0].entries == 64);
    CHECK(h.geometry.levels[1].name == "L2");
    CHECK(h.geometry.levels[1].arrays[0].entries == 1536);
    CHECK(h.geometry.levels[1].arrays[0].sizes == (SIZES_4K | SIZES_LARGE));
    HostTlb empty;
    const CpuidRegs zeros[] = {{0, 0, 0, 0}};
    decode_leaf18(zeros, empty);
    CHECK(empty.geometry.levels.empty());
    CHECK(empty.notes.back().find("reports no TLB") != std::string::npos);
    HostTlb d;
    const std::uint8_t desc[] = {0x63, 0xB6, 0xC3, 0x00, 0x2C};  // 0x2C is a cache, not a TLB
    decode_leaf2(desc, d);
    REQUIRE(d.geometry.levels.size() == 3);
    CHECK(d.notes.back() == "leaf 2: 3 TLB descriptor(s)");
}
