// The words vmsim uses for a bad address or access, kept apart from the command line (CLI11) so
// that the web page says exactly the same: both call these and turn an error into their own
// one-line report.
#pragma once

#include "mode.hpp"
#include "parse.hpp"
#include "walk.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace vmtour {

// A virtual address for `mode`: rejects garbage, and in the 32-bit modes anything above 4 GB.
// "bad virtual address: ..." / "virtual address X does not fit in 2level's 32-bit address space".
Parsed<std::uint64_t> parse_virtual_address(std::string_view text, const PagingMode& mode);
// "virtual address X does not fit in 2level's 32-bit address space": X as the user wrote it.
std::string beyond_32_bits(std::string_view va_text, const PagingMode& mode);
// "r", "w", "x" and their long names; else "--access must be r, w or x, not '...'".
Parsed<AccessType> parse_access_type(std::string_view text);

}  // namespace vmtour
