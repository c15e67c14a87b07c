// Snapshots of page tables as machine files (docs/machine-format.md), the pure part: no OS calls.
// The kernel module ko5204 answers `snapshot START END` (at most 16 MiB) with a machine file of
// the writer's page tables; vmreal takes one or more such snapshots of its buffer, merges them into
// one machine file and adds what pagemap said about every page (`expect VA PA pagemap`), so that
// `vmsim check` replays all three answers: pagemap, the kernel's walk (kwalk) and the simulator's.
#pragma once

#include "parse.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

// The module's limit for one snapshot (kmod/ko5204.h, KO_SNAPSHOT_MAX).
inline constexpr std::uint64_t SNAPSHOT_MAX_BYTES = std::uint64_t{16} << 20;
// Pages closer than this share a snapshot: the hole is walked too (its expect lines say what is
// there, a fault or another page), which costs little next to one more write and header.
inline constexpr std::uint64_t SNAPSHOT_MAX_GAP = std::uint64_t{64} << 10;

struct VaRange {
    std::uint64_t start = 0, end = 0;  // [start, end), page aligned
    bool operator==(const VaRange&) const = default;
};

// The snapshots that cover every page of `page_vas` (4 KiB page addresses, any order, duplicates
// allowed): sorted ranges of at most max_bytes, pages at most max_gap apart sharing one.
std::vector<VaRange> plan_snapshots(std::span<const std::uint64_t> page_vas,
                                    std::uint64_t max_bytes = SNAPSHOT_MAX_BYTES,
                                    std::uint64_t max_gap = SNAPSHOT_MAX_GAP);

// One answer of `snapshot`, split into the parts a merge needs. Lines keep their text.
struct SnapshotText {
    struct Entry {
        std::uint64_t index = 0, value = 0;
        std::string text;  // "0x0000000001000067" as written
    };
    struct Table {
        std::uint64_t pa = 0;
        std::string label;  // "PT" from "table 0x1000  # PT"
        std::vector<Entry> entries;
    };
    std::vector<std::string> comments;  // '#' lines before `vmtour-machine`
    std::vector<std::string> header;    // vmtour-machine, mode, cr3 and the control bits
    std::vector<Table> tables;
    std::vector<std::string> expects;   // `expect ...` lines
    std::vector<std::string> trailer;   // '#' lines after the header (the module's counts)
    // From the module's first comment, "# ko5204 snapshot of pid P (COMM), range 0xS 0xE".
    std::optional<std::uint64_t> pid;
    VaRange range;
};

// Reads a snapshot as the module writes it: comment lines, the header lines, `table` blocks with
// `INDEX VALUE` lines and `expect` lines. Anything else (map or entry lines) is an error naming
// the line: a snapshot never has them.
Parsed<SnapshotText> parse_snapshot(std::string_view text);

// `expect 0xVA 0xPA SOURCE`, as the module writes it.
std::string expect_line(std::uint64_t va, std::uint64_t pa, std::string_view source);

// Merges snapshots of one process into one machine file: the header of the first (every other
// must have the same header lines, else error), every table once with the union of its entries
// in index order (an entry with two values is an error: the page tables changed between the
// snapshots), then every expect line, then `extra_expects`. `title` becomes the first comment.
Parsed<std::string> merge_snapshots(std::span<const SnapshotText> parts, std::span<const std::string> extra_expects,
                                    std::string_view title);

// The seed's lines of the module's `vmalloc`/`kmalloc` answer: "Vmalloc: VA=0x... -> PA=0x...".
struct KernelPage {
    std::uint64_t va = 0, pa = 0;
    bool operator==(const KernelPage&) const = default;
};
// label is "Vmalloc" or "Kmalloc"; other lines (Walk:, comments) are skipped. Error: no such line,
// or one that does not parse.
Parsed<std::vector<KernelPage>> parse_kernel_pages(std::string_view answer, std::string_view label);

}  // namespace vmtour
