// Address traces, read as a stream (a trace may be gigabytes: only one buffer is held).
//
// Two formats, recognised line by line, so they may even be mixed:
//   vmtour events      r VA | w VA | x VA | invlpg VA | cr3 VALUE | set PA VALUE
//                      | cr4.pge 0|1 | cr4.pcide 0|1 | invpcid TYPE PCID [VA]
//                      ('#' starts a comment; blank lines are skipped)
//   valgrind lackey    "I  04010a3,3"  instruction fetch      " L 1ffefffc30,8"  load
//   (--trace-mem=yes)  " S 1ffefffc30,8" store                " M 0x..,4" modify (load+store)
//                      Lines starting with "==" (valgrind's own messages) are skipped. An access
//                      that crosses into the next page is two accesses, one per page; a modify
//                      is counted as one write (its read hits the same entry).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace vmtour {

enum class EventKind { Read, Write, Fetch, Invlpg, Cr3, Set, Pge, Pcide, Invpcid };

struct TraceEvent {
    EventKind kind = EventKind::Read;
    std::uint64_t a = 0;     // VA (accesses, invlpg, invpcid's VA), CR3 value, PA (set), 0/1 (cr4.*)
    std::uint64_t b = 0;     // set: the entry's new value; invpcid: the PCID
    unsigned c = 0;          // invpcid: the type
    std::uint64_t size = 1;  // accesses: bytes (lackey gives it; 1 for vmtour events)
};

class TraceReader {
public:
    // Reads PATH ('-': standard input). Check error() after constructing.
    explicit TraceReader(const std::string& path);
    ~TraceReader();
    TraceReader(const TraceReader&) = delete;
    TraceReader& operator=(const TraceReader&) = delete;

    // The next event; false at the end or on an error (then error() says "file:line: reason").
    bool next(TraceEvent& e);
    const std::string& error() const { return error_; }
    unsigned long line() const { return line_; }
    const std::string& name() const { return name_; }

private:
    bool next_line(std::string_view& out);
    bool parse(std::string_view line, TraceEvent& e, bool& skip);
    bool fail(std::string reason);

    std::string name_;
    std::FILE* f_ = nullptr;
    bool owned_ = false;
    std::unique_ptr<char[]> buf_;
    std::size_t begin_ = 0, end_ = 0;
    bool eof_ = false;
    unsigned long line_ = 0;
    std::string error_;
};

// One line of vmtour events or lackey output, parsed on its own (for tests and the fuzzer):
// true with `skip` set for a blank, comment or valgrind line; false with `why` on an error.
bool parse_trace_line(std::string_view line, TraceEvent& e, bool& skip, std::string& why);

}  // namespace vmtour
