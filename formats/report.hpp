// vmreal's output: one record per page (VA -> PA plus what the kernel said about the page), written
// as text, CSV or JSON, and read back by vmsim. This library has no OS dependencies on purpose: the
// simulator links it to read what a real machine did. docs/vmreal.md describes the three formats.
//
//   text:  VA=0x00007f3a1c000000 -> PA=0x0000000123456000
//          ... with --flags: flags=present,exclusive,thp [swap=TYPE:0xOFFSET] pagemap=0x<raw entry>
//   csv:   va,pa[,flags,swap_type,swap_offset,pagemap]
//   json:  {"vmreal":1,...,"pages":[{"va":"0x..","pa":"0x.."[,"flags":[..],"pagemap":"0x.."]},..]}
//
// PA is "0x<hex>" when the kernel gave a frame, else one of the words below (never a fake 0x0).
#pragma once

#include "parse.hpp"  // Parsed<T>, from vmtour_sim

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vmtour {

// Why a record has no physical address.
enum class PaStatus {
    Known,       // "0x..."    the frame the page is mapped to
    Hidden,      // "unknown"  present, but the kernel hid the frame number (no CAP_SYS_ADMIN)
    NotPresent,  // "none"     no frame: the page is not mapped (never touched, or dropped)
    Swapped,     // "swapped"  the page is in swap, not in a frame
};
std::string_view pa_word(PaStatus s);  // "unknown", "none", "swapped" ("" for Known)

// What vmreal learned about a page, as named bits of our own (not the kernel's bit positions, which
// live in pagemap.hpp and kpageflags.hpp). The names are the ones printed and parsed.
enum PageFlag : std::uint32_t {
    kPresent = 1u << 0,     // pagemap bit 63
    kSwapped = 1u << 1,     // pagemap bit 62
    kFileShared = 1u << 2,  // pagemap bit 61: file page or shared anonymous
    kExclusive = 1u << 3,   // pagemap bit 56: mapped by this process only
    kSoftDirty = 1u << 4,   // pagemap bit 55
    kUffdWp = 1u << 5,      // pagemap bit 57: userfaultfd write-protected
    kGuard = 1u << 6,       // pagemap bit 58: a guard region (MADV_GUARD_INSTALL)
    kThp = 1u << 7,         // kpageflags: part of a transparent huge page
    kHugetlb = 1u << 8,     // kpageflags: a hugetlbfs page
    kZeroPage = 1u << 9,    // kpageflags: the shared zero page (or huge zero page)
};
struct FlagName {
    PageFlag flag;
    std::string_view name;
};
// The one table used for printing and parsing flag names.
std::span<const FlagName> flag_names();
std::string flags_to_string(std::uint32_t flags, char separator);  // "present,exclusive"
// Parses "present,exclusive" (separator ',' or '|'); error names the unknown word.
Parsed<std::uint32_t> flags_from_string(std::string_view text, char separator);

struct PageRecord {
    std::uint64_t va = 0;
    std::optional<std::uint64_t> pa;   // the physical address of va (frame + va's page offset)
    PaStatus status = PaStatus::Known; // why pa is empty
    bool has_flags = false;            // the output was written with --flags: the fields below hold
    std::uint32_t flags = 0;           // PageFlag bits
    std::uint64_t pagemap = 0;         // the raw pagemap entry (csv and json only; 0 in text)
    std::uint32_t swap_type = 0;       // when kSwapped
    std::uint64_t swap_offset = 0;

    bool operator==(const PageRecord&) const = default;
};

enum class ReportFormat { Text, Csv, Json };
std::optional<ReportFormat> report_format_from(std::string_view name);  // "text", "csv", "json"

// What the JSON header says about the run (text and csv carry only the pages).
struct ReportInfo {
    std::string block;   // "4K" or "1G"
    std::uint64_t size = 0;
    std::string touch;   // "write" or "read"
};

// Streams records to `sink` in chunks of a few hundred KiB; formatting is hand-rolled hex because
// a 1 GiB run writes 262144 lines and must cost little next to the page faults.
class ReportWriter {
public:
    using Sink = std::function<void(std::string_view)>;
    ReportWriter(ReportFormat format, bool with_flags, Sink sink);
    void begin(const ReportInfo& info);
    void add(const PageRecord& record);
    void raw(std::string_view text) { buf_ += text; }  // e.g. a "Label: " before a text line
    void end();  // flushes

private:
    void flush_if_full();
    ReportFormat format_;
    bool with_flags_;
    Sink sink_;
    std::string buf_;
    bool first_ = true;
};

// Convenience for tests and small outputs: the whole report as one string.
std::string write_report(std::span<const PageRecord> records, ReportFormat format, bool with_flags,
                         const ReportInfo& info = {});

// Reads any of the three formats (auto-detected: '{' starts JSON, a "va," header line starts CSV,
// anything else is text; text also accepts a "Label:" prefix like the kernel module's "Vmalloc:").
// '#' comments and blank lines are skipped in text and CSV. Error: one line, with the line number.
Parsed<std::vector<PageRecord>> parse_report(std::string_view text);

}  // namespace vmtour
