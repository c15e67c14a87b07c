// Presentation: entry decoding names only meaningful bits, JSON fault codes and the address a
// permission fault reached, 80-column wrapping, did-you-mean.
#include "cli_text.hpp"
#include "fixture.hpp"
#include "markdown.hpp"
#include "render.hpp"
#include "text.hpp"

using namespace vmtour;
using namespace vmtour::test;

namespace {
constexpr std::uint64_t VA = 0x00400000;
}

TEST_CASE("a 32-bit PDE with PS=1 but CR4.PSE=0 points to a table: bit 7 is ignored, not PS", "[bits][labels]") {
    Fixture f(mode_2level());
    f.m.ctl.cr4_pse = false;
    f.map(VA, 0x800000, RW | US);
    f.poke(VA, 0, f.entry(VA, 0) | PS | bit(bits::G) | D);
    const Walk w = f.go(VA);
    REQUIRE(w.ok);
    REQUIRE(w.steps[0].kind == StepKind::Table);
    const nlohmann::json j = walk_json(f.m, w);
    CHECK(j["steps"][0]["flags"] == nlohmann::json({"P", "R/W", "U/S", "AVL6", "AVL7", "AVL8"}));
}

TEST_CASE("D, G and PAT are named only in leaves; AVL bits and Linux's soft-dirty bit as AVLn", "[bits][labels]") {
    EntryKind table;
    table.has_xd = true;
    table.avl_high = true;
    const std::uint64_t raw = P | RW | D | bit(bits::G) | bit(11) | bit(52) | XD;
    CHECK(entry_labels(raw, table) == "P R/W AVL6 AVL8 AVL11 AVL52 XD");
    EntryKind pte = table;
    pte.leaf = true;
    CHECK(entry_labels(raw | bit(bits::PAT_4K), pte) == "P R/W D G PAT AVL11 AVL52 XD");
    EntryKind large = pte;
    large.large = true;
    CHECK(entry_labels(P | PS | bit(bits::PAT_LARGE), large) == "P PS PAT");
    EntryKind pdpte;
    pdpte.pdpte_pae = true;
    CHECK(entry_labels(P | bit(bits::PWT) | bit(9), pdpte) == "P PWT AVL9");
}

TEST_CASE("a permission fault's JSON has a stable code and the physical address the walk reached", "[json][fault]") {
    Fixture f(mode_4level());
    f.map(VA, 0x800000, US);  // read-only
    const Walk w = f.go(VA + 0x123, AccessType::Write);
    REQUIRE_FALSE(w.ok);
    const nlohmann::json j = walk_json(f.m, w);
    CHECK(j["fault"]["code"] == "read-only");
    CHECK(j["fault"]["pa"] == "0x800123");
    const nlohmann::json np = walk_json(f.m, f.go(0x7000000));
    CHECK(np["fault"]["code"] == "not-present");
    CHECK_FALSE(np["fault"].contains("pa"));
}

TEST_CASE("wrap keeps every line within the width and counts UTF-8 code points, not bytes", "[text]") {
    CHECK(display_width("\u2713 ok") == 4);
    CHECK(display_width("\x1b[31mred\x1b[0m") == 3);
    const std::string long_line(30, 'a');
    const std::string text = long_line + " " + long_line + " " + long_line;
    const std::string w = wrap(text, 70, "  ");
    CHECK(w == long_line + " " + long_line + "\n  " + long_line);
    CHECK(wrap("#PF  two spaces stay", 80) == "#PF  two spaces stay");
}

TEST_CASE("Markdown tables and code keep their lines, and a line wider than 80 columns is wrapped", "[text][markdown]") {
    const std::string row = "| `MOV to CR3`, PCIDE=1 | those of the new PCID (CR3 bits 11:0), except global; none if bit 63 is set |";
    const std::string code = "echo snapshot vmalloc > /proc/pagetable && cat /proc/pagetable > vmalloc.machine # and more";
    const std::string md = "| a | b |\n" + row + "\n\n```\n" + code + "\nshort line\n```\n";
    const Style plain;
    const std::string out = render_markdown(md, plain);
    std::string words;
    std::size_t lines = 0;
    for (std::size_t pos = 0; pos < out.size();) {
        const std::size_t nl = out.find('\n', pos);
        const std::string line = out.substr(pos, nl - pos);
        INFO(line);
        CHECK(display_width(line) <= 80);
        words += line + " ";
        pos = nl + 1;
        ++lines;
    }
    CHECK(out.rfind("| a | b |\n", 0) == 0);             // a row that fits stays as written
    CHECK(out.find("    short line\n") != std::string::npos);
    CHECK(out.find("\n    none if bit 63 is set |\n") != std::string::npos);  // wrapped, indented
    CHECK(out.find("\n        vmalloc.machine # and more\n") != std::string::npos);
    CHECK(lines == 7);  // a row, the wide row in 2, a blank, the wide code in 2, the short line
    for (const char* w : {"PCIDE=1", "global;", "/proc/pagetable", "more"}) CHECK(words.find(w) != std::string::npos);
}

TEST_CASE("did-you-mean suggests a close command or option and nothing for a far one", "[cli]") {
    const std::vector<std::string> commands{"translate", "split", "cost", "map", "dump", "check", "quiz", "lesson"};
    CHECK(closest("tranlsate", commands) == "translate");
    CHECK(closest("splt", commands) == "split");
    CHECK(closest("frobnicate", commands).empty());
    CHECK(closest("--levle", {"--levels", "--json", "--machine"}) == "--levels");
}

TEST_CASE("help: a long description wraps from column 0, an option's text under its column", "[cli]") {
    // vmlab's description had a space at the options' column and a letter after it by chance,
    // and was wrapped as if it were an option's text: lines 2-4 indented by 26 spaces.
    CLI::App app{"vmlab: boots a real Linux kernel (Debian's) in one x86 paging mode under QEMU, "
                 "with the kernel module ko5204 (/proc/pagetable), vmreal, vmsim and the lessons inside.",
                 "vmlab"};
    use_wrapping_help(app);
    std::string mode;
    app.add_option("--mode", mode, "The paging mode, and so the kernel: 2level (Debian's 686, 32-bit), pae "
                                   "(686-pae), 4level (amd64), 5level (amd64 with LA57)");
    const std::string help = app.help();
    INFO(help);
    CHECK(help.rfind("vmlab: boots a real Linux kernel (Debian's) in one x86 paging mode under QEMU,\nwith the "
                     "kernel module",
                     0) == 0);
    std::istringstream lines(help);
    for (std::string line; std::getline(lines, line);) {
        CHECK(display_width(line) <= TEXT_WIDTH);
        if (line.find("LA57") != std::string::npos) CHECK(line.rfind(std::string(26, ' '), 0) == 0);
    }
}
