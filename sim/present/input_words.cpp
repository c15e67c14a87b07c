#include "input_words.hpp"

#include <fmt/format.h>

namespace vmtour {

Parsed<std::uint64_t> parse_virtual_address(std::string_view text, const PagingMode& mode) {
    auto v = parse_u64(text);
    if (!v) return {0, fmt::format("bad virtual address: {}", v.error)};
    if (!mode.canonical && v.value >= mode.va_limit())
        return {0, beyond_32_bits(text, mode)};
    return v;
}

std::string beyond_32_bits(std::string_view va_text, const PagingMode& mode) {
    return fmt::format("virtual address {} does not fit in {}'s 32-bit address space", va_text, mode.key);
}

Parsed<AccessType> parse_access_type(std::string_view s) {
    if (s == "r" || s == "read") return {AccessType::Read, ""};
    if (s == "w" || s == "write") return {AccessType::Write, ""};
    if (s == "x" || s == "exec" || s == "execute" || s == "fetch") return {AccessType::Execute, ""};
    return {AccessType::Read, fmt::format("--access must be r, w or x, not '{}'", s)};
}

}  // namespace vmtour
