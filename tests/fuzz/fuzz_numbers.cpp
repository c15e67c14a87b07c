// libFuzzer target: the number, size and flag parsers used on every command line.
#include "builder.hpp"
#include "parse.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)vmtour::parse_u64(text);
    (void)vmtour::parse_size(text);
    std::uint64_t flags = 0;
    (void)vmtour::parse_flags(text, flags);
    return 0;
}
