// `vmsim tlb --svg`: hits and misses over the time of a replay, as a picture. A trace may be
// gigabytes long, so the timeline keeps a bounded number of columns: when they are all used, each
// two neighbours become one (each column then counts twice as many accesses), as a zoomed-out
// view of the same replay. The picture (svg_tlb.cpp) draws, for each column, the share of its
// accesses that walked (a miss in every level) and that a second level served, on a logarithmic
// scale (a real program walks on a few accesses in ten thousand); the trace's other events (MOV
// to CR3, INVLPG, ...) are marks above the column they happened in.
#pragma once

#include "tlb.hpp"
#include "tlb_render.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vmtour {

class TlbTimeline {
public:
    static constexpr std::size_t MAX_COLUMNS = 512;  // at most; at least half of it once full
    static constexpr std::size_t MAX_LEVELS = 8;     // check_geometry allows no more

    struct Column {
        std::uint64_t accesses = 0, walks = 0, faults = 0;
        std::array<std::uint64_t, MAX_LEVELS> hits{};  // [TLB level]
        std::uint64_t cr3 = 0;    // MOV to CR3
        std::uint64_t other = 0;  // INVLPG, INVPCID, CR4 writes, `set`
    };
    enum class Mark { Cr3, Other };

    void access(const TlbResult& r) {
        Column& c = room();
        ++c.accesses;
        if (r.hit_level >= 0) ++c.hits[static_cast<std::size_t>(r.hit_level)];
        else ++c.walks;
        c.faults += !r.ok;
    }
    // An event between accesses: it belongs to the column of the next access.
    void mark(Mark m) { ++(m == Mark::Cr3 ? room().cr3 : room().other); }

    const std::vector<Column>& columns() const { return columns_; }
    std::uint64_t width() const { return width_; }  // accesses per column (the last may have fewer)

private:
    // The column the next access goes into: the last one, or a new one when it is full.
    Column& room() {
        if (columns_.empty() || columns_.back().accesses == width_) {
            if (columns_.size() == MAX_COLUMNS) halve();
            if (columns_.empty() || columns_.back().accesses == width_) columns_.emplace_back();
        }
        return columns_.back();
    }
    void halve();

    std::vector<Column> columns_;
    std::uint64_t width_ = 1;
};

// The picture: 1280x720, the walks and second-level hits per column, the events above them, a
// legend and the totals in words.
std::string svg_tlb_timeline(const Tlb& t, const TlbTimeline& timeline, const TlbRunInfo& info);

}  // namespace vmtour
