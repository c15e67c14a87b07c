// A TLB replay as text for people and JSON for programs: the same facts in both.
#pragma once

#include "tlb.hpp"
#include "trace.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace vmtour {

struct TlbRunInfo {
    std::string trace;    // the trace's name
    std::string machine;  // "built-in 4-level example", a file name, or "every touched page mapped as 4K"
    std::uint64_t demand_maps = 0;  // pages --pages mapped on first touch
};

std::string render_tlb_text(const Tlb& t, const TlbRunInfo& info);
nlohmann::json tlb_json(const Tlb& t, const TlbRunInfo& info);
// --verbose: one line per access ("r 0x7000  L1d hit  4K  0x12000") and per other event.
std::string render_tlb_access(const Tlb& t, const TraceEvent& e, std::uint64_t va, const TlbResult& r);
std::string render_tlb_event(const Tlb& t, const TraceEvent& e);
// The page-size name of a size class in the TLB's machine: "4K", "2M", "4M", "1G".
std::string size_name(const Tlb& t, unsigned size_class);

}  // namespace vmtour
