// Turning walks and maps into text for people and JSON for programs: the same facts in both.
#pragma once

#include "cost.hpp"
#include "machine.hpp"
#include "memmap.hpp"
#include "walk.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vmtour {

// One field of a virtual address: a level's index, the sign extension, or the page offset.
struct AddressField {
    std::string name;   // "PD index", "offset", "sign extension"
    unsigned hi, lo;    // bit positions, inclusive
    std::uint64_t value;
};
std::vector<AddressField> split_address(const PagingMode& mode, std::uint64_t va);

std::string hex(std::uint64_t v);

std::string render_split_text(const PagingMode& mode, std::uint64_t va);
std::string render_walk_text(const Machine& m, const Walk& w);
nlohmann::json walk_json(const Machine& m, const Walk& w);
nlohmann::json split_json(const PagingMode& mode, std::uint64_t va);
nlohmann::json control_json(const Machine& m);
// `vmsim translate --json`: {"format": "vmtour-translate/1", "walks": [walk_json, ...]}.
nlohmann::json translate_json(nlohmann::json walks);
// The stable name of a fault for programs: "not-present", "read-only", "smap", ...
std::string_view fault_code(FaultReason r);
// {"format": FORMAT, ...body}: every command's JSON says which format (and version) it is.
nlohmann::json with_format(std::string_view format, nlohmann::json body);

std::string render_memmap_text(const Machine& m, const MemoryMap& map);
nlohmann::json memmap_json(const Machine& m, const MemoryMap& map);

std::string render_cost_text(std::span<const ModeCost> costs, std::span<const Region> regions);
nlohmann::json cost_json(std::span<const ModeCost> costs, std::span<const Region> regions);

// "5 KB" style sizes for people: B, KiB, MiB, GiB, TiB with one decimal when needed.
std::string human_bytes(long double bytes);

}  // namespace vmtour
